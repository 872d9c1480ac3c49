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
	// Sections are parts of the page that are no run's (a sweep's Pareto
	// charts and its rows), after the summary.
	Sections []Section
}

// Section is a part of a page under one heading: figures, then a table.
type Section struct {
	Title   string
	Figures []Figure
	Table   *Table
}

// section is a part of the page under one heading: its bar charts, its
// other figures (timeline, x-y charts), then drawings without data files
// (floorplan, confusion matrix).
type section struct {
	title  string
	charts []*BarChart
	figs   []Figure
	extra  []string
}

// sections lays the page out: the comparison (two runs or more), then per
// run its layers' latency and energy, utilisation and area (runs with a
// simulator report), its layers' structure (runs with compile layers),
// floorplan and confusion matrix.
func (p *Page) sections() []section {
	var out []section
	for _, s := range p.Sections {
		sec := section{title: s.Title, figs: s.Figures}
		if s.Table != nil {
			sec.extra = append(sec.extra, s.Table.html())
		}
		out = append(out, sec)
	}
	if len(p.Runs) > 1 {
		sec := section{title: "Comparison"}
		if cl := CompareLatency(p.Runs); cl != nil {
			sec.charts = append(sec.charts, cl, CompareEnergy(p.Runs))
		}
		if a := CompareAccuracy(p.Runs); a != nil {
			sec.charts = append(sec.charts, a)
		}
		if len(sec.charts) > 0 {
			out = append(out, sec)
		}
	}
	for i, r := range p.Runs {
		sec := section{title: r.Name}
		if r.Report != nil {
			sec.charts = append(sec.charts, LayerLatency(r), LayerEnergy(r), Utilisation(r), Area(r))
		}
		if len(r.Layers) > 0 {
			sec.charts = append(sec.charts, Structure(r))
		}
		if r.Report != nil {
			if tl := Timeline(r); tl != nil {
				sec.figs = append(sec.figs, tl)
			}
			if fc := FaultCurve(r); fc != nil {
				sec.figs = append(sec.figs, fc)
			}
		}
		if len(p.Runs) > 1 {
			for _, c := range sec.charts {
				c.ID = fmt.Sprintf("%s-%d", c.ID, i+1)
			}
			for _, f := range sec.figs {
				renumber(f, i+1)
			}
		}
		if r.Report != nil {
			if fp := Floorplan(fmt.Sprintf("floorplan-%d", i+1), r); fp != "" {
				sec.extra = append(sec.extra, fp)
			}
		}
		if r.Confusion != nil {
			sec.extra = append(sec.extra, r.Confusion.SVG(fmt.Sprintf("confusion-%d", i+1), r.Name+": confusion matrix"))
		}
		out = append(out, sec)
	}
	return out
}

// renumber gives figure f of run i (1-based) of a comparison its id.
func renumber(f Figure, i int) {
	switch f := f.(type) {
	case *TimelineChart:
		f.ID = fmt.Sprintf("%s-%d", f.ID, i)
	case *XYChart:
		f.ID = fmt.Sprintf("%s-%d", f.ID, i)
	}
}

// Figures returns every figure with data of the page in page order: the
// bar charts, timelines and x-y charts (pimc report -csv, -png).
func (p *Page) Figures() []Figure {
	var fs []Figure
	for _, sec := range p.sections() {
		for _, c := range sec.charts {
			fs = append(fs, c)
		}
		fs = append(fs, sec.figs...)
	}
	return fs
}

// Charts returns the page's bar charts in page order.
func (p *Page) Charts() []*BarChart {
	var cs []*BarChart
	for _, sec := range p.sections() {
		cs = append(cs, sec.charts...)
	}
	return cs
}

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
	b.WriteString("</p>\n")
	if len(p.Runs) > 0 {
		b.WriteString("<h2>Summary</h2>\n")
		p.writeSummary(&b)
	}
	for _, sec := range p.sections() {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", esc(sec.title))
		for _, c := range sec.charts {
			b.WriteString(c.SVG() + "\n")
		}
		for _, f := range sec.figs {
			b.WriteString(f.SVG() + "\n")
		}
		for _, x := range sec.extra {
			b.WriteString(x + "\n")
		}
	}
	b.WriteString("<p class=\"meta\">Figures are the simulator's, from executed work on the target named above; " +
		"see docs/ISA.md §4 for the cost model and what it does not model.</p>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSummary is one column per run, one row per figure, with units
// ("-" where a run lacks the figure: a compile without a simulation).
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
	some := func(f func(Run) bool) bool {
		for _, r := range p.Runs {
			if f(r) {
				return true
			}
		}
		return false
	}
	// simRow is a row of the simulator's figures, shown when a run has them.
	simRow := func(name string, f func(r *sim.Report) string) {
		if some(func(r Run) bool { return r.Report != nil }) {
			row(name, func(r Run) string {
				if r.Report == nil {
					return "-"
				}
				return f(r.Report)
			})
		}
	}
	row("target", func(r Run) string {
		if r.Report == nil {
			return r.Target
		}
		return r.Report.Target
	})
	if some(func(r Run) bool { return r.HasAccuracy }) {
		row("accuracy", func(r Run) string {
			if !r.HasAccuracy {
				return "-"
			}
			return fmt.Sprintf("%.2f%% of %d images", 100*r.Accuracy, r.Images)
		})
	}
	simRow("latency per inference", func(r *sim.Report) string { return sim.FormatNS(r.PerInference.LatencyNS) })
	simRow("device bound", func(r *sim.Report) string { return sim.FormatNS(r.PerInference.DeviceBoundNS) })
	simRow("energy per inference", func(r *sim.Report) string { return sim.FormatPJ(r.PerInference.Energy.Total) })
	simRow("of which leakage", func(r *sim.Report) string { return sim.FormatPJ(r.PerInference.Energy.Leakage) })
	simRow("average power", func(r *sim.Report) string { return fmt.Sprintf("%.4g mW", r.PerInference.AvgPowerMW) })
	simRow("throughput", func(r *sim.Report) string { return sim.FormatFPS(r.FPS) + " FPS" })
	if some(func(r Run) bool { return r.Report != nil && r.Report.SteadyStateFPS > 0 }) {
		simRow("steady-state FPS (pipelined)", func(r *sim.Report) string {
			if r.SteadyStateFPS == 0 {
				return "-"
			}
			return sim.FormatFPS(r.SteadyStateFPS)
		})
	}
	simRow("GOPS", func(r *sim.Report) string { return fmt.Sprintf("%.4g", r.GOPS) })
	simRow("TOPS/W", func(r *sim.Report) string { return fmt.Sprintf("%.4g", r.TOPSPerW) })
	simRow("sub-arrays used", func(r *sim.Report) string {
		return fmt.Sprintf("%d of %d, busy %.1f%%", r.SubarraysUsed, r.SubarraysTotal, 100*r.SubarrayBusyFrac)
	})
	simRow("area", func(r *sim.Report) string {
		return fmt.Sprintf("chip %.4g mm2, used %.4g mm2", r.AreaTotalUM2/1e6, r.AreaUsedUM2/1e6)
	})
	if some(func(r Run) bool { return len(r.Layers) > 0 }) {
		row("matrix layers", func(r Run) string {
			if len(r.Layers) == 0 {
				return "-"
			}
			kept, all, sa := 0, 0, 0
			for _, l := range r.Layers {
				kept += l.KeptFilters * l.KeptCols
				all += l.Filters * l.Cols
				sa += l.Subarrays
			}
			return fmt.Sprintf("%d, %.1f%% of the weights kept, %d sub-arrays", len(r.Layers), 100*float64(kept)/float64(max(all, 1)), sa)
		})
	}
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
