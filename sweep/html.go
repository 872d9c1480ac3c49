package sweep

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/buildinfo"
	"github.com/pimc-dev/pimc/sim"
)

// ReportHTML is the sweep folder's visual report: the Pareto charts and
// the rows (Merge writes it with the results).
const ReportHTML = "report.html"

// Page is the visual report of a sweep's rows: energy against latency,
// accuracy against energy and against used area, the Pareto front's points
// filled (htmlreport.ParetoCharts), then one table line per row. Failed
// rows are in the table only.
func Page(rows []Row) *htmlreport.Page {
	var pts []htmlreport.ParetoPoint
	t := &htmlreport.Table{Head: []string{"point", "accuracy", "latency / image", "energy / image", "power", "area used", "TOPS/W", "Pareto", "error"}}
	front := 0
	for _, r := range rows {
		line := []string{r.Name, "-", "-", "-", "-", "-", "-", "", r.Error}
		if r.Error == "" {
			pts = append(pts, htmlreport.ParetoPoint{Name: r.Name, LatencyNS: r.LatencyNS, EnergyPJ: r.EnergyPJ, AreaMM2: r.AreaUsedMM2,
				Accuracy: r.Accuracy, Front: r.Pareto})
			line[1] = fmt.Sprintf("%.2f%% of %d", 100*r.Accuracy, r.Images)
			line[2], line[3] = sim.FormatNS(r.LatencyNS), sim.FormatPJ(r.EnergyPJ)
			line[4], line[5], line[6] = fmt.Sprintf("%.4g mW", r.PowerMW), fmt.Sprintf("%.4g mm2", r.AreaUsedMM2), fmt.Sprintf("%.4g", r.TOPSPerW)
		}
		if r.Pareto {
			line[7] = "yes"
			front++
		}
		t.Rows = append(t.Rows, line)
	}
	p := &htmlreport.Page{Title: fmt.Sprintf("pimc sweep: %d points, %d on the Pareto front", len(rows), front), Build: buildinfo.Read()}
	var figs []htmlreport.Figure
	if len(pts) > 0 {
		for _, c := range htmlreport.ParetoCharts(pts) {
			figs = append(figs, c)
		}
	}
	p.Sections = []htmlreport.Section{{Title: "Pareto front", Figures: figs}}
	if fc := faultCurves(rows); fc != nil {
		p.Sections = append(p.Sections, htmlreport.Section{Title: "Fault curves", Figures: []htmlreport.Figure{fc}})
	}
	p.Sections = append(p.Sections, htmlreport.Section{Title: "Points", Table: t})
	return p
}

// faultCurves draws the accuracy of each design (the rows that differ only
// in their fault spec) against the rate of its fault specs that vary one
// rate, its row without faults as the reference line; nil when no design
// has such a row.
func faultCurves(rows []Row) *htmlreport.XYChart {
	var groups []htmlreport.FaultGroup
	at := map[string]int{}
	curved := map[string]bool{}
	for _, r := range rows {
		if r.Error != "" {
			continue
		}
		design := strings.TrimSuffix(r.Name, "/"+r.Faults)
		pt := sim.FaultPoint{Mean: r.Accuracy, Images: r.Images}
		if r.Faults != "" {
			cs, err := sim.ParseFaultList(r.Faults)
			if err != nil || len(cs) != 1 {
				continue
			}
			pt.Faults, pt.Kind, pt.Rate, pt.Std = r.Faults, cs[0].Kind, cs[0].Rate, r.AccuracyStd
			pt.Images = r.Images / max(r.FaultSeeds, 1)
			for k := range r.FaultSeeds {
				pt.Seeds = append(pt.Seeds, r.Seed+uint64(k))
			}
			curved[design] = curved[design] || (pt.Kind != "" && pt.Rate > 0)
		}
		i, ok := at[design]
		if !ok {
			i = len(groups)
			at[design] = i
			groups = append(groups, htmlreport.FaultGroup{Name: design})
		}
		groups[i].Points = append(groups[i].Points, pt)
	}
	var keep []htmlreport.FaultGroup
	for _, g := range groups {
		if curved[g.Name] {
			keep = append(keep, g)
		}
	}
	return htmlreport.FaultCurves("sweep-fault-curves", "Accuracy against error rate, per design", keep)
}

// pageHTML renders Page(rows).
func pageHTML(rows []Row) ([]byte, error) {
	var b bytes.Buffer
	err := Page(rows).Write(&b)
	return b.Bytes(), err
}
