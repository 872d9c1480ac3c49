package htmlreport

import (
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// PNG draws the chart with gonum/plot as a PNG image for papers (pimc
// report -png): the same rows, series, stacking and colours as the SVG,
// rows top to bottom in the chart's order. The numbers are the chart's;
// only the drawing differs.
func (c *BarChart) PNG(w io.Writer) error {
	p := plot.New()
	p.Title.Text = c.Title + unitSuffix(c.Unit)
	p.X.Label.Text = c.Unit
	p.X.Min = 0
	n := len(c.Rows)
	// gonum puts nominal category i at y = i from the bottom: reverse.
	labels := make([]string, n)
	for i, r := range c.Rows {
		labels[n-1-i] = shorten(r.Label, 40)
	}
	groups := len(c.Series)
	if c.Stacked {
		groups = 1
	}
	barW := vg.Points(math.Max(4, 16/float64(max(groups, 1))))
	var below *plotter.BarChart
	for s := range c.Series {
		if !c.seriesUsed(s) {
			continue
		}
		vals := make(plotter.Values, n)
		for i, r := range c.Rows {
			if s < len(r.Values) && r.Values[s] > 0 && !math.IsNaN(r.Values[s]) {
				vals[n-1-i] = r.Values[s]
			}
		}
		b, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return err
		}
		b.Horizontal = true
		b.LineStyle.Width = 0
		b.Color = hexColour(palette[s%len(palette)])
		if c.Stacked {
			if below != nil {
				b.StackOn(below)
			}
			below = b
		} else {
			b.Offset = vg.Length(float64(groups-1)/2-float64(s)) * barW
		}
		p.Add(b)
		if len(c.Series) > 1 {
			p.Legend.Add(c.Series[s], b)
		}
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	if len(c.Series) > 1 {
		// Room on the right for the legend, beside the longest bar.
		longest := 0.0
		for _, r := range c.Rows {
			longest = math.Max(longest, c.rowTotal(r))
		}
		p.X.Max = longest * 1.6
	}
	p.NominalY(labels...)
	height := vg.Points(float64(80 + n*int(float64(barW)*float64(groups)+10)))
	wt, err := p.WriterTo(7*vg.Inch, height, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// hexColour parses "#RRGGBB".
func hexColour(s string) color.Color {
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil || len(s) != 7 {
		return color.Black
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}
