package htmlreport

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pimc-dev/pimc/sim"
)

// FaultCurve draws an evaluation's fault points (sim.Report.FaultPoints,
// pimc eval -faults with a list of rates): accuracy (%) against the rate
// on a log axis, one series per kind (the key varied), mean ± std over the
// chip instances; points at rate 0 (the fault-free accuracy) are dashed
// reference lines. Nil without a point that has a kind and a rate > 0.
func FaultCurve(run Run) *XYChart {
	return FaultCurves("fault-curve", run.Name+": accuracy against error rate", []FaultGroup{{Points: run.Report.FaultPoints}})
}

// FaultGroup is the fault points of one design (a sweep's rows that differ
// only in their faults); Name labels its series ("": the kind alone).
type FaultGroup struct {
	Name   string
	Points []sim.FaultPoint
}

// FaultCurves is FaultCurve over several designs: one series per design
// and kind, a reference line per design's fault-free point.
func FaultCurves(id, title string, groups []FaultGroup) *XYChart {
	c := &XYChart{ID: id, Title: title, YLabel: "accuracy (%)", LogX: true}
	kinds := map[string]bool{}
	seeds, images := 0, 0
	for _, g := range groups {
		refs := len(c.Refs)
		byKind := map[string]int{}
		prefix := ""
		if g.Name != "" {
			prefix = g.Name + ": "
		}
		for _, p := range g.Points {
			seeds, images = max(seeds, len(p.Seeds)), max(images, p.Images)
			label := fmt.Sprintf("%s%s (%d chips)", prefix, p.Faults, len(p.Seeds))
			switch {
			case p.Rate == 0:
				lab := prefix + "no faults"
				if p.Faults != "" {
					lab = prefix + p.Faults + ": no faults"
				}
				c.Refs = append(c.Refs, XYRef{Y: 100 * p.Mean, Label: lab})
			case p.Kind != "" && p.Rate > 0:
				i, ok := byKind[p.Kind]
				if !ok {
					i = len(c.Series)
					byKind[p.Kind] = i
					kinds[p.Kind] = true
					c.Series = append(c.Series, XYSeries{Name: prefix + p.Kind, Line: true, Filled: true})
				}
				c.Series[i].Points = append(c.Series[i].Points, XYPoint{X: p.Rate, Y: 100 * p.Mean, Err: 100 * p.Std, Label: label})
			}
		}
		// Several designs: a design's reference lines in its first series' colour.
		if first := len(c.Series) - len(byKind); len(groups) > 1 && len(byKind) > 0 {
			for r := refs; r < len(c.Refs); r++ {
				c.Refs[r].Colour = palette[first%len(palette)]
			}
		}
	}
	if len(c.Series) == 0 {
		return nil
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	c.XLabel = "error rate (" + strings.Join(ks, ", ") + ")"
	if len(ks) == 1 && ks[0] == "sigma" {
		c.XLabel, c.LogX = "resistance spread sigma (sense=target's model)", false
	}
	c.Note = fmt.Sprintf("Mean ± sample std of the accuracy over up to %d chip instances (seeds) on %d images; docs/FAULTS.md says what each rate means.", seeds, images)
	return c
}
