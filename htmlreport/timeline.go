package htmlreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/pimc-dev/pimc/sim"
)

// TimelineChart is the utilisation over time of a run's resource classes
// (sim.Report.Timeline): one strip per class, one bar per time bin, its
// height the class's busy fraction in the bin (%).
type TimelineChart struct {
	ID, Title, Note string
	Unit            string  // of the time axis
	BinWidth        float64 // in Unit
	Series          []TimelineSeries
}

// TimelineSeries is one class: its name (with its units) and its busy
// fraction per bin, in %.
type TimelineSeries struct {
	Name   string
	Values []float64
}

// Timeline is nil when the run's report has no timeline.
func Timeline(run Run) *TimelineChart {
	tl := run.Report.Timeline
	if tl == nil || len(tl.Classes) == 0 || tl.Bins == 0 {
		return nil
	}
	unit, div := timeUnit(tl.BinNS * float64(tl.Bins))
	c := &TimelineChart{ID: "timeline", Title: run.Name + ": utilisation over time", Unit: unit, BinWidth: tl.BinNS / div,
		Note: fmt.Sprintf("Busy fraction of each resource class in %d bins of the inference (%s each; a batch: the mean over its runs), the mean over the class's units.",
			tl.Bins, sim.FormatNS(tl.BinNS))}
	for _, k := range tl.Classes {
		s := TimelineSeries{Name: timelineLabel(k)}
		for _, v := range k.Busy {
			s.Values = append(s.Values, 100*v)
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// timelineLabel names a class with its units.
func timelineLabel(k sim.TimelineClass) string {
	switch k.Name {
	case "sub-arrays":
		return fmt.Sprintf("sub-arrays (%d used)", k.Units)
	case "controller issue":
		return fmt.Sprintf("controller issue (%d)", k.Units)
	}
	if k.Units > 1 {
		return fmt.Sprintf("%s (%d)", k.Name, k.Units)
	}
	return k.Name
}

func (c *TimelineChart) Name() string { return c.ID }

// Timeline geometry (px).
const (
	tlLeft   = 170
	tlStrip  = 40
	tlGap    = 10
	tlRight  = 20
	tlFooter = 44
)

// binLabel is bin k's time span.
func (c *TimelineChart) binLabel(k int) string {
	return fmt.Sprintf("%.4g-%.4g %s", float64(k)*c.BinWidth, float64(k+1)*c.BinWidth, c.Unit)
}

// SVG draws one strip per class; every bar is a <rect class="bar"> with
// data-series, data-label (the bin's span) and data-value (the busy %).
func (c *TimelineChart) SVG() string {
	bins := 0
	for _, s := range c.Series {
		bins = max(bins, len(s.Values))
	}
	plotW := float64(chartWidth - tlLeft - tlRight)
	bw := plotW / float64(max(bins, 1))
	height := titleHeight + len(c.Series)*(tlStrip+tlGap) + tlFooter
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(c.ID), chartWidth, height, chartWidth, height, esc(c.Title))
	fmt.Fprintf(&b, `<title>%s</title><text class="title" x="0" y="16">%s</text>`, esc(c.Title), esc(c.Title+" (busy %)"))
	y := titleHeight
	for i, s := range c.Series {
		base := y + tlStrip
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, tlLeft-6, y+tlStrip/2+4, esc(shorten(s.Name, 28)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.2f" height="%d" fill="#f7f7f7" stroke="#ddd"/>`, tlLeft, y, plotW, tlStrip)
		fmt.Fprintf(&b, `<text class="note" x="%d" y="%d">100%%</text><text class="note" x="%d" y="%d">0</text>`,
			tlLeft+int(plotW)+2, y+8, tlLeft+int(plotW)+2, base)
		b.WriteString(`<g shape-rendering="crispEdges">`)
		for k, v := range s.Values {
			h := min(max(v, 0), 100) / 100 * tlStrip
			fmt.Fprintf(&b, `<rect class="bar" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s" data-series="%s" data-label="%s" data-value="%g"><title>%s, %s: %.1f%%</title></rect>`,
				float64(tlLeft)+float64(k)*bw, float64(base)-h, bw, h, palette[i%len(palette)], esc(s.Name), esc(c.binLabel(k)), v,
				esc(s.Name), esc(c.binLabel(k)), v)
		}
		b.WriteString(`</g>`)
		y += tlStrip + tlGap
	}
	// The time axis: five ticks.
	for i := range 5 {
		x := float64(tlLeft) + plotW*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%.2f" y1="%d" x2="%.2f" y2="%d" stroke="#999"/><text x="%.2f" y="%d" text-anchor="middle">%.4g</text>`,
			x, y-tlGap, x, y-tlGap+4, x, y+6, float64(bins)*c.BinWidth*float64(i)/4)
	}
	fmt.Fprintf(&b, `<text x="%.2f" y="%d" text-anchor="middle">time (%s)</text>`, float64(tlLeft)+plotW/2, y+20, esc(c.Unit))
	if c.Note != "" {
		fmt.Fprintf(&b, `<text class="note" x="0" y="%d">%s</text>`, y+36, esc(c.Note))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// WriteCSV writes one line per bin: its start and end, then each class's
// busy %.
func (c *TimelineChart) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{fmt.Sprintf("bin start (%s)", c.Unit), fmt.Sprintf("bin end (%s)", c.Unit)}
	bins := 0
	for _, s := range c.Series {
		head = append(head, s.Name+" (busy %)")
		bins = max(bins, len(s.Values))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for k := range bins {
		line := []string{strconv.FormatFloat(float64(k)*c.BinWidth, 'g', -1, 64), strconv.FormatFloat(float64(k+1)*c.BinWidth, 'g', -1, 64)}
		for _, s := range c.Series {
			v := 0.0
			if k < len(s.Values) {
				v = s.Values[k]
			}
			line = append(line, strconv.FormatFloat(v, 'g', -1, 64))
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// PNG draws each class as a step line of its busy % over time.
func (c *TimelineChart) PNG(w io.Writer) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = "time (" + c.Unit + ")"
	p.Y.Label.Text = "busy (%)"
	p.Y.Min, p.Y.Max = 0, 100
	for i, s := range c.Series {
		var xy plotter.XYs
		for k, v := range s.Values {
			xy = append(xy, plotter.XY{X: float64(k) * c.BinWidth, Y: v}, plotter.XY{X: float64(k+1) * c.BinWidth, Y: v})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = hexColour(palette[i%len(palette)])
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	wt, err := p.WriterTo(7*vg.Inch, 3.5*vg.Inch, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}
