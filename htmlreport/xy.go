package htmlreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// XYChart is a chart of points on two numeric axes (a fault curve: accuracy
// against error rate; a sweep's Pareto projections): series of points,
// each with an optional error bar, joined by a line or not; horizontal
// reference lines (a fault-free accuracy).
type XYChart struct {
	ID, Title, Note string
	XLabel, YLabel  string // with units
	LogX            bool   // points with X <= 0 are not drawn on a log axis
	Series          []XYSeries
	Refs            []XYRef
}

// XYSeries is one set of points: Line joins them in order of X; Filled
// draws them as filled dots (e.g. a Pareto front), else as rings.
type XYSeries struct {
	Name   string
	Line   bool
	Filled bool
	Points []XYPoint
}

// XYPoint is one point: Y ± Err (Err 0: no bar), Label names it.
type XYPoint struct {
	X, Y, Err float64
	Label     string
}

// XYRef is a horizontal reference line at Y, dashed, in Colour ("": grey).
type XYRef struct {
	Y      float64
	Label  string
	Colour string
}

func (r XYRef) colour() string {
	if r.Colour == "" {
		return "#555555"
	}
	return r.Colour
}

func (c *XYChart) Name() string { return c.ID }

// XY geometry (px).
const (
	xyLeft   = 70
	xyRight  = 30
	xyPlotH  = 280
	xyFooter = 56
)

// drawn reports whether point p can be drawn on the chart's axes.
func (c *XYChart) drawn(p XYPoint) bool {
	return !math.IsNaN(p.X) && !math.IsNaN(p.Y) && (!c.LogX || p.X > 0)
}

// ranges are the axes' data ranges (log10 of X on a log axis), padded.
func (c *XYChart) ranges() (x0, x1, y0, y1 float64) {
	x0, y0 = math.Inf(1), math.Inf(1)
	x1, y1 = math.Inf(-1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			if !c.drawn(p) {
				continue
			}
			x := p.X
			if c.LogX {
				x = math.Log10(x)
			}
			x0, x1 = min(x0, x), max(x1, x)
			y0, y1 = min(y0, p.Y-p.Err), max(y1, p.Y+p.Err)
		}
	}
	for _, r := range c.Refs {
		y0, y1 = min(y0, r.Y), max(y1, r.Y)
	}
	if math.IsInf(x0, 1) {
		return 0, 1, 0, 1
	}
	if c.LogX { // whole decades (log10 of a power of ten may miss it by an ulp)
		x0, x1 = math.Floor(x0+1e-9), math.Ceil(x1-1e-9)
	}
	if x1 <= x0 {
		x0, x1 = x0-1, x1+1
	}
	if y1 <= y0 {
		d := math.Max(math.Abs(y0)*0.1, 1)
		y0, y1 = y0-d, y1+d
	}
	dx, dy := (x1-x0)*0.05, (y1-y0)*0.08
	return x0 - dx, x1 + dx, y0 - dy, y1 + dy
}

// SVG draws the axes, the reference lines, then each series' line, error
// bars and points, the first series last (on top). Every point is a <circle class="point"> with
// data-series, data-label, data-x, data-y and data-err (the numbers it
// draws).
func (c *XYChart) SVG() string {
	perRow := 4 // legend entries a row, two when a name is long
	for _, s := range c.Series {
		if len([]rune(s.Name)) > 24 {
			perRow = 2
		}
	}
	for _, r := range c.Refs {
		if len([]rune(r.Label)) > 24 {
			perRow = 2
		}
	}
	legendRows := (len(c.Series) + len(c.Refs) + perRow - 1) / perRow
	top := titleHeight + legendRows*legendRow + 6
	plotW := float64(chartWidth - xyLeft - xyRight)
	height := top + xyPlotH + xyFooter
	x0, x1, y0, y1 := c.ranges()
	px := func(x float64) float64 {
		if c.LogX {
			x = math.Log10(x)
		}
		return xyLeft + (x-x0)/(x1-x0)*plotW
	}
	py := func(y float64) float64 { return float64(top) + (y1-y)/(y1-y0)*xyPlotH }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(c.ID), chartWidth, height, chartWidth, height, esc(c.Title))
	fmt.Fprintf(&b, `<title>%s</title><text class="title" x="0" y="16">%s</text>`, esc(c.Title), esc(c.Title))
	k := 0
	legend := func(mark, name string) {
		x, y := (k%perRow)*(chartWidth/perRow), titleHeight+(k/perRow)*legendRow
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">%s</g><text x="%d" y="%d">%s</text>`, x, y, mark, x+18, y+10, esc(shorten(name, 104/perRow)))
		k++
	}
	for i, s := range c.Series {
		legend(marker(6, 6, palette[i%len(palette)], s.Filled), s.Name)
	}
	for _, r := range c.Refs {
		legend(fmt.Sprintf(`<line x1="0" y1="6" x2="14" y2="6" stroke="%s" stroke-dasharray="4 3"/>`, r.colour()), r.Label)
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.2f" height="%d" fill="none" stroke="#999"/>`, xyLeft, top, plotW, xyPlotH)
	// Ticks: decades on a log axis, five steps otherwise.
	var xt []float64
	if c.LogX {
		for e := math.Ceil(x0); e <= x1; e++ {
			xt = append(xt, math.Pow(10, e))
		}
	} else {
		xt = niceTicks(x0, x1)
	}
	for _, x := range xt {
		fmt.Fprintf(&b, `<line x1="%.2f" y1="%d" x2="%.2f" y2="%d" stroke="#999"/><text x="%.2f" y="%d" text-anchor="middle">%s</text>`,
			px(x), top+xyPlotH, px(x), top+xyPlotH+4, px(x), top+xyPlotH+16, esc(fmt.Sprintf("%.3g", x)))
	}
	for _, y := range niceTicks(y0, y1) {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.2f" x2="%d" y2="%.2f" stroke="#999"/><text x="%d" y="%.2f" text-anchor="end">%s</text>`,
			xyLeft-4, py(y), xyLeft, py(y), xyLeft-6, py(y)+4, esc(fmt.Sprintf("%.4g", y)))
	}
	fmt.Fprintf(&b, `<text x="%.2f" y="%d" text-anchor="middle">%s</text>`, xyLeft+plotW/2, top+xyPlotH+32, esc(c.XLabel))
	fmt.Fprintf(&b, `<text x="14" y="%d" transform="rotate(-90 14 %d)" text-anchor="middle">%s</text>`, top+xyPlotH/2, top+xyPlotH/2, esc(c.YLabel))
	for _, r := range c.Refs {
		fmt.Fprintf(&b, `<line class="ref" x1="%d" y1="%.2f" x2="%.2f" y2="%.2f" stroke="%s" stroke-dasharray="4 3" data-label="%s" data-y="%g"><title>%s: %.4g</title></line>`,
			xyLeft, py(r.Y), xyLeft+plotW, py(r.Y), r.colour(), esc(r.Label), r.Y, esc(r.Label), r.Y)
	}
	for i := len(c.Series) - 1; i >= 0; i-- { // the first series on top
		s := c.Series[i]
		col := palette[i%len(palette)]
		pts := c.sorted(s)
		if s.Line && len(pts) > 1 {
			var path []string
			for _, p := range pts {
				path = append(path, fmt.Sprintf("%.2f,%.2f", px(p.X), py(p.Y)))
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`, strings.Join(path, " "), col)
		}
		for _, p := range pts {
			if p.Err > 0 {
				fmt.Fprintf(&b, `<line class="err" x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="%s"/>`, px(p.X), py(p.Y-p.Err), px(p.X), py(p.Y+p.Err), col)
			}
			fill := "#fff"
			if s.Filled {
				fill = col
			}
			tip := fmt.Sprintf("%s: %s %.4g, %s %.4g", p.Label, c.XLabel, p.X, c.YLabel, p.Y)
			if p.Err > 0 {
				tip += fmt.Sprintf(" ± %.4g", p.Err)
			}
			fmt.Fprintf(&b, `<circle class="point" cx="%.2f" cy="%.2f" r="4" fill="%s" stroke="%s" stroke-width="1.5" data-series="%s" data-label="%s" data-x="%g" data-y="%g" data-err="%g"><title>%s</title></circle>`,
				px(p.X), py(p.Y), fill, col, esc(s.Name), esc(p.Label), p.X, p.Y, p.Err, esc(tip))
		}
	}
	if c.Note != "" {
		fmt.Fprintf(&b, `<text class="note" x="0" y="%d">%s</text>`, top+xyPlotH+48, esc(c.Note))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceTicks are the multiples in [lo, hi] of a step of 1, 2 or 5 x 10^k
// that gives about five of them.
func niceTicks(lo, hi float64) []float64 {
	raw := (hi - lo) / 5
	if !(raw > 0) {
		return []float64{lo}
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{2, 5, 10} {
		if raw > step {
			step = m * mag
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// sorted is the drawable points of s in order of X.
func (c *XYChart) sorted(s XYSeries) []XYPoint {
	var pts []XYPoint
	for _, p := range s.Points {
		if c.drawn(p) {
			pts = append(pts, p)
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	return pts
}

// marker is a legend mark at (x, y): a dot or a ring.
func marker(x, y int, col string, filled bool) string {
	fill := "#fff"
	if filled {
		fill = col
	}
	return fmt.Sprintf(`<circle cx="%d" cy="%d" r="4" fill="%s" stroke="%s" stroke-width="1.5"/>`, x, y, fill, col)
}

// WriteCSV writes one line per point: series, label, x, y, err; then the
// reference lines (series "reference", no x).
func (c *XYChart) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"series", "label", c.XLabel, c.YLabel, "± (" + c.YLabel + ")"}); err != nil {
		return err
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, s := range c.Series {
		for _, p := range s.Points {
			if err := cw.Write([]string{s.Name, p.Label, g(p.X), g(p.Y), g(p.Err)}); err != nil {
				return err
			}
		}
	}
	for _, r := range c.Refs {
		if err := cw.Write([]string{"reference", r.Label, "", g(r.Y), "0"}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// PNG draws the same series with gonum/plot: points, error bars, lines,
// the reference lines dashed.
func (c *XYChart) PNG(w io.Writer) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	x0, x1, _, _ := c.ranges()
	if c.LogX {
		x0, x1 = math.Pow(10, x0), math.Pow(10, x1)
	}
	for i := len(c.Series) - 1; i >= 0; i-- { // the first series on top
		s := c.Series[i]
		col := hexColour(palette[i%len(palette)])
		var xy plotter.XYs
		var errs plotter.YErrors
		for _, q := range c.sorted(s) {
			xy = append(xy, plotter.XY{X: q.X, Y: q.Y})
			errs = append(errs, struct{ Low, High float64 }{q.Err, q.Err})
		}
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.Color = col
		sc.Shape = draw.RingGlyph{}
		if s.Filled {
			sc.Shape = draw.CircleGlyph{}
		}
		sc.Radius = vg.Points(3)
		p.Add(sc)
		p.Legend.Add(s.Name, sc)
		if s.Line && len(xy) > 1 {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color = col
			p.Add(l)
		}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xy, errs})
		if err != nil {
			return err
		}
		eb.Color = col
		p.Add(eb)
	}
	for _, r := range c.Refs {
		l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: r.Y}, {X: x1, Y: r.Y}})
		if err != nil {
			return err
		}
		l.Color = hexColour(r.colour())
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(r.Label, l)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	wt, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}
