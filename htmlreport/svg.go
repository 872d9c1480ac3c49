package htmlreport

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// BarChart is a horizontal bar chart: one row per category, each row one
// bar or a stack of segments (one per series), values in Unit.
type BarChart struct {
	ID      string // unique in the page: the anchor and the CSV file's name
	Title   string
	Unit    string   // of the values, e.g. "uJ", "us", "%"
	Series  []string // the segments of a stacked bar (one series: plain bars)
	Rows    []BarRow
	Stacked bool // true: a row's values stack; false: one bar per series, grouped
	Note    string
	// Format prints a value on its bar's label; nil: %.4g.
	Format func(float64) string
}

// BarRow is one category of a BarChart: Values[i] belongs to Series[i].
type BarRow struct {
	Label  string
	Values []float64
}

// Chart geometry (px).
const (
	chartWidth  = 760
	labelWidth  = 200
	valueWidth  = 90
	rowHeight   = 18
	rowGap      = 6
	titleHeight = 26
	legendRow   = 18
)

// palette: Okabe and Ito's colour-blind-safe eight, then purple, brown
// and a light grey (the last series of an energy stack: leakage).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#7F3C8D", "#8C564B", "#BBBBBB"}

func (c *BarChart) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return fmt.Sprintf("%.4g", v)
}

// rowTotal is the length of row r's bar (stacked) or its longest bar.
func (c *BarChart) rowTotal(r BarRow) float64 {
	t := 0.0
	for _, v := range r.Values {
		if c.Stacked {
			t += max(v, 0)
		} else {
			t = max(t, v)
		}
	}
	return t
}

// SVG renders the chart. Bars are scaled to the largest row; every bar is
// a <rect> with data-series, data-label and data-value (the unscaled
// value), so the drawing can be checked against its data.
func (c *BarChart) SVG() string {
	scale := 0.0
	for _, r := range c.Rows {
		scale = max(scale, c.rowTotal(r))
	}
	plotW := float64(chartWidth - labelWidth - valueWidth)
	px := func(v float64) float64 {
		if scale <= 0 || v <= 0 {
			return 0
		}
		return v / scale * plotW
	}
	bars := 1
	if !c.Stacked {
		bars = len(c.Series)
	}
	rowH := rowHeight * bars
	// The legend: four entries a row, two when a name is long.
	perRow, legend, used := 4, 0, 0
	for i, s := range c.Series {
		if len([]rune(s)) > 24 {
			perRow = 2
		}
		if c.seriesUsed(i) {
			used++
		}
	}
	if len(c.Series) > 1 {
		legend = legendRow * ((used + perRow - 1) / perRow)
	}
	height := titleHeight + legend + len(c.Rows)*(rowH+rowGap) + 24
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(c.ID), chartWidth, height, chartWidth, height, esc(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(c.Title))
	fmt.Fprintf(&b, `<text class="title" x="0" y="16">%s</text>`, esc(c.Title+unitSuffix(c.Unit)))
	if legend > 0 {
		k := 0 // legend entries drawn: a series that is zero everywhere has none
		for i, s := range c.Series {
			if !c.seriesUsed(i) {
				continue
			}
			x, y := (k%perRow)*(chartWidth/perRow), titleHeight+(k/perRow)*legendRow
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`,
				x, y, palette[i%len(palette)], x+16, y+10, esc(s))
			k++
		}
	}
	y := titleHeight + legend
	for _, r := range c.Rows {
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`,
			labelWidth-6, y+rowH/2+4, esc(shorten(r.Label, 30)))
		x := float64(labelWidth)
		for i, v := range r.Values {
			if math.IsNaN(v) {
				continue
			}
			by := y
			if !c.Stacked {
				by = y + i*rowHeight
				x = labelWidth
			}
			w := px(v)
			fmt.Fprintf(&b, `<rect class="bar" x="%.2f" y="%d" width="%.2f" height="%d" fill="%s" data-series="%s" data-label="%s" data-value="%g"><title>%s, %s: %s%s</title></rect>`,
				x, by, w, rowHeight-2, palette[i%len(palette)], esc(c.series(i)), esc(r.Label), v,
				esc(r.Label), esc(c.series(i)), esc(c.format(v)), esc(c.unitAfter(v)))
			if !c.Stacked {
				fmt.Fprintf(&b, `<text class="value" x="%.2f" y="%d">%s</text>`, x+w+4, by+rowHeight-5, esc(c.format(v)))
			}
			if c.Stacked {
				x += w
			}
		}
		if c.Stacked {
			fmt.Fprintf(&b, `<text class="value" x="%.2f" y="%d">%s</text>`, x+4, y+rowH/2+4, esc(c.format(c.rowTotal(r))))
		}
		y += rowH + rowGap
	}
	if c.Note != "" {
		fmt.Fprintf(&b, `<text class="note" x="0" y="%d">%s</text>`, y+12, esc(c.Note))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// seriesUsed reports whether series i has a non-zero value in some row.
func (c *BarChart) seriesUsed(i int) bool {
	for _, r := range c.Rows {
		if i < len(r.Values) && r.Values[i] != 0 && !math.IsNaN(r.Values[i]) {
			return true
		}
	}
	return false
}

func (c *BarChart) series(i int) string {
	if i < len(c.Series) {
		return c.Series[i]
	}
	return ""
}

// unitAfter is what follows a formatted value in a tooltip: the unit,
// unless the format already wrote it.
func (c *BarChart) unitAfter(v float64) string {
	if c.Unit == "" || strings.HasSuffix(c.format(v), c.Unit) {
		return ""
	}
	return unitSpace(c.Unit)
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " (" + u + ")"
}

func unitSpace(u string) string {
	if u == "" || u == "%" {
		return u
	}
	return " " + u
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n/2-1]) + "…" + string(r[len(r)-n/2+1:])
}

func esc(s string) string { return html.EscapeString(s) }
