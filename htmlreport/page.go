package htmlreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/internal/buildinfo"
	"github.com/pimc-dev/pimc/sim"
)

// Page is one report page.
type Page struct {
	Title string
	Runs  []Run
	// Command is the command line that made the page, shown under the
	// title so a figure can be remade ("" : not shown).
	Command string
	Build   buildinfo.Info
}

// Charts returns the page's charts in page order: the comparison (two
// runs or more), then each run's layers, utilisation and area.
func (p *Page) Charts() []*BarChart {
	var cs []*BarChart
	if len(p.Runs) > 1 {
		cs = append(cs, CompareLatency(p.Runs), CompareEnergy(p.Runs))
		if a := CompareAccuracy(p.Runs); a != nil {
			cs = append(cs, a)
		}
	}
	for i, r := range p.Runs {
		// perRunCharts of them.
		for _, c := range []*BarChart{LayerLatency(r), LayerEnergy(r), Utilisation(r), Area(r)} {
			if len(p.Runs) > 1 {
				c.ID = fmt.Sprintf("%s-%d", c.ID, i+1)
			}
			cs = append(cs, c)
		}
	}
	return cs
}

// perRunCharts is the number of charts Charts draws for each run.
const perRunCharts = 4

const style = `
body{font:14px/1.4 "DejaVu Sans",Arial,Helvetica,sans-serif;color:#111;margin:24px;max-width:980px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc}
.meta{color:#555;font-size:12px} code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
table{border-collapse:collapse;margin:8px 0} th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left} thead th{background:#f2f2f2}
svg.chart{display:block;margin:10px 0 18px;max-width:100%;height:auto}
svg.chart text{font-size:11px;fill:#111} svg.chart text.title{font-size:13px;font-weight:bold}
svg.chart text.note{fill:#555;font-size:10.5px}
@media print{body{margin:0} h2{break-after:avoid} svg.chart{break-inside:avoid}}
`

// Write renders the page as one self-contained HTML document.
func (p *Page) Write(w io.Writer) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
	fmt.Fprintf(&b, "<title>%s</title><style>%s</style></head><body>\n", esc(p.Title), style)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", esc(p.Title))
	fmt.Fprintf(&b, "<p class=\"meta\">%s", esc(p.Build.String()))
	if p.Command != "" {
		fmt.Fprintf(&b, "<br>made by <code>%s</code>", esc(p.Command))
	}
	b.WriteString("</p>\n<h2>Summary</h2>\n")
	p.writeSummary(&b)
	// Sections: the comparison, then each run's charts and confusion matrix.
	charts := p.Charts()
	section := func(title string) { fmt.Fprintf(&b, "<h2>%s</h2>\n", esc(title)) }
	if len(p.Runs) > 1 {
		section("Comparison")
	}
	for _, c := range charts[:len(charts)-perRunCharts*len(p.Runs)] {
		b.WriteString(c.SVG() + "\n")
	}
	for i, r := range p.Runs {
		section(r.Name)
		for _, c := range charts[len(charts)-perRunCharts*(len(p.Runs)-i):][:perRunCharts] {
			b.WriteString(c.SVG() + "\n")
		}
		if fp := Floorplan(fmt.Sprintf("floorplan-%d", i+1), r); fp != "" {
			b.WriteString(fp + "\n")
		}
		if r.Confusion != nil {
			b.WriteString(r.Confusion.SVG(fmt.Sprintf("confusion-%d", i+1), r.Name+": confusion matrix") + "\n")
		}
	}
	b.WriteString("<p class=\"meta\">Figures are the simulator's, from executed work on the target named above; " +
		"see docs/ISA.md §4 for the cost model and what it does not model.</p>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSummary is one column per run, one row per figure, with units.
func (p *Page) writeSummary(b *strings.Builder) {
	b.WriteString("<table><thead><tr><th></th>")
	for _, r := range p.Runs {
		fmt.Fprintf(b, "<th>%s</th>", esc(r.Name))
	}
	b.WriteString("</tr></thead><tbody>\n")
	row := func(name string, f func(r Run) string) {
		fmt.Fprintf(b, "<tr><td>%s</td>", esc(name))
		for _, r := range p.Runs {
			fmt.Fprintf(b, "<td>%s</td>", esc(f(r)))
		}
		b.WriteString("</tr>\n")
	}
	any := func(f func(Run) bool) bool {
		for _, r := range p.Runs {
			if f(r) {
				return true
			}
		}
		return false
	}
	row("target", func(r Run) string { return r.Report.Target })
	if any(func(r Run) bool { return r.HasAccuracy }) {
		row("accuracy", func(r Run) string {
			if !r.HasAccuracy {
				return "-"
			}
			return fmt.Sprintf("%.2f%% of %d images", 100*r.Accuracy, r.Images)
		})
	}
	row("latency per inference", func(r Run) string { return sim.FormatNS(r.Report.PerInference.LatencyNS) })
	row("device bound", func(r Run) string { return sim.FormatNS(r.Report.PerInference.DeviceBoundNS) })
	row("energy per inference", func(r Run) string { return sim.FormatPJ(r.Report.PerInference.Energy.Total) })
	row("of which leakage", func(r Run) string { return sim.FormatPJ(r.Report.PerInference.Energy.Leakage) })
	row("average power", func(r Run) string { return fmt.Sprintf("%.4g mW", r.Report.PerInference.AvgPowerMW) })
	row("throughput", func(r Run) string { return sim.FormatFPS(r.Report.FPS) + " FPS" })
	if any(func(r Run) bool { return r.Report.SteadyStateFPS > 0 }) {
		row("steady-state FPS (pipelined)", func(r Run) string {
			if r.Report.SteadyStateFPS == 0 {
				return "-"
			}
			return sim.FormatFPS(r.Report.SteadyStateFPS)
		})
	}
	row("GOPS", func(r Run) string { return fmt.Sprintf("%.4g", r.Report.GOPS) })
	row("TOPS/W", func(r Run) string { return fmt.Sprintf("%.4g", r.Report.TOPSPerW) })
	row("sub-arrays used", func(r Run) string {
		return fmt.Sprintf("%d of %d, busy %.1f%%", r.Report.SubarraysUsed, r.Report.SubarraysTotal, 100*r.Report.SubarrayBusyFrac)
	})
	row("area", func(r Run) string {
		return fmt.Sprintf("chip %.4g mm2, used %.4g mm2", r.Report.AreaTotalUM2/1e6, r.Report.AreaUsedUM2/1e6)
	})
	b.WriteString("</tbody></table>\n")
}

// WriteCSV writes one chart's data: a header (category, then the series
// with the unit) and one line per row, values unscaled as the chart holds
// them.
func (c *BarChart) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"category"}
	for _, s := range c.Series {
		head = append(head, fmt.Sprintf("%s (%s)", s, c.Unit))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range c.Rows {
		line := []string{r.Label}
		for _, v := range r.Values {
			line = append(line, strconv.FormatFloat(v, 'g', -1, 64))
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
