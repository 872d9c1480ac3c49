package htmlreport

import (
	"fmt"
	"strings"
)

// Confusion counts an evaluation's predictions: Counts[t][p] images of
// true class t predicted as p.
type Confusion struct {
	Counts [][]int
}

// NewConfusion counts labels against predictions over classes classes
// (labels or predictions outside [0, classes) are not counted).
func NewConfusion(labels, preds []int32, classes int) *Confusion {
	c := &Confusion{Counts: make([][]int, classes)}
	for i := range c.Counts {
		c.Counts[i] = make([]int, classes)
	}
	for i := range min(len(labels), len(preds)) {
		t, p := int(labels[i]), int(preds[i])
		if t >= 0 && t < classes && p >= 0 && p < classes {
			c.Counts[t][p]++
		}
	}
	return c
}

// cell size of the heat map (px).
const confCell = 30

// SVG draws the matrix as a heat map: a cell's shade is its share of its
// true class (row), its text the count; data-true, data-pred and
// data-value carry the cell.
func (c *Confusion) SVG(id, title string) string {
	n := len(c.Counts)
	left, top := 70, 50
	w, h := left+n*confCell+10, top+n*confCell+30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(id), w, h, w, h, esc(title))
	fmt.Fprintf(&b, `<title>%s</title><text class="title" x="0" y="16">%s</text>`, esc(title), esc(title))
	fmt.Fprintf(&b, `<text x="%d" y="36" text-anchor="middle">predicted class</text>`, left+n*confCell/2)
	fmt.Fprintf(&b, `<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">true class</text>`, top+n*confCell/2, top+n*confCell/2)
	for i := range n {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`, left+i*confCell+confCell/2, top-4, i)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%d</text>`, left-6, top+i*confCell+confCell/2+4, i)
	}
	for t, row := range c.Counts {
		total := 0
		for _, v := range row {
			total += v
		}
		for p, v := range row {
			share := 0.0
			if total > 0 {
				share = float64(v) / float64(total)
			}
			// White to the palette's blue, by the share of the row.
			r, g, bl := 255-int(share*255), 255-int(share*(255-114)), 255-int(share*(255-178))
			x, y := left+p*confCell, top+t*confCell
			fmt.Fprintf(&b, `<rect class="cell" x="%d" y="%d" width="%d" height="%d" fill="rgb(%d,%d,%d)" stroke="#ddd" data-true="%d" data-pred="%d" data-value="%d"><title>true %d, predicted %d: %d of %d</title></rect>`,
				x, y, confCell, confCell, r, g, bl, t, p, v, t, p, v, total)
			if v > 0 {
				fill := "#111"
				if share > 0.5 {
					fill = "#fff"
				}
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" style="fill:%s;font-size:9px">%d</text>`, x+confCell/2, y+confCell/2+3, fill, v)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
