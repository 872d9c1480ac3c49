package htmlreport

import (
	"fmt"
	"sort"
	"strings"
)

// FaultCurve draws an evaluation's fault points (sim.Report.FaultPoints,
// pimc eval -faults with a list of rates): accuracy (%) against the rate
// on a log axis, one series per kind (the key varied), mean ± std over the
// chip instances; points at rate 0 (the fault-free accuracy) are dashed
// reference lines. Nil without a point that has a kind and a rate > 0.
func FaultCurve(run Run) *XYChart {
	pts := run.Report.FaultPoints
	c := &XYChart{ID: "fault-curve", Title: run.Name + ": accuracy against error rate", YLabel: "accuracy (%)", LogX: true}
	byKind := map[string]int{}
	var kinds []string
	seeds, images := 0, 0
	for _, p := range pts {
		seeds, images = max(seeds, len(p.Seeds)), max(images, p.Images)
		label := fmt.Sprintf("%s (%d chips)", p.Faults, len(p.Seeds))
		switch {
		case p.Rate == 0:
			c.Refs = append(c.Refs, XYRef{Y: 100 * p.Mean, Label: p.Faults + ": no faults"})
		case p.Kind != "" && p.Rate > 0:
			i, ok := byKind[p.Kind]
			if !ok {
				i = len(c.Series)
				byKind[p.Kind] = i
				kinds = append(kinds, p.Kind)
				c.Series = append(c.Series, XYSeries{Name: p.Kind, Line: true, Filled: true})
			}
			c.Series[i].Points = append(c.Series[i].Points, XYPoint{X: p.Rate, Y: 100 * p.Mean, Err: 100 * p.Std, Label: label})
		}
	}
	if len(c.Series) == 0 {
		return nil
	}
	sort.Strings(kinds)
	c.XLabel = "error rate (" + strings.Join(kinds, ", ") + ")"
	if len(kinds) == 1 && kinds[0] == "sigma" {
		c.XLabel, c.LogX = "resistance spread sigma (sense=target's model)", false
	}
	c.Note = fmt.Sprintf("Mean ± sample std of the accuracy over up to %d chip instances (seeds) on %d images; docs/FAULTS.md says what each rate means.", seeds, images)
	return c
}
