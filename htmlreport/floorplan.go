package htmlreport

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/sim"
)

// Floorplan draws a report's sub-arrays as a heat map: one row per bank,
// one cell per sub-array; a cell's colour is the layer whose weights it
// holds (grey: activations only), its opacity how busy it was against the
// busiest sub-array (from 15% idle to 100% as busy as the busiest; the
// note gives that one's busy fraction); sub-arrays nothing used are blank. Every cell
// carries data-index, data-source and data-busy. Nil when the report has
// no floorplan (reports before it, or no geometry).
func Floorplan(id string, run Run) string {
	r := run.Report
	if len(r.Subarrays) == 0 || r.Banks == 0 || r.SubarraysPerBank == 0 {
		return ""
	}
	cols, rows := r.SubarraysPerBank, r.Banks
	cell := max(3, min(12, 640/cols))
	cellH := max(2, min(cell, 1600/rows))
	left, top := 60, 30
	// The legend: the layers that hold sub-arrays, in source order.
	var srcs []int
	colour := map[int]string{} // by order of appearance: neighbours differ
	busiest := 0.0
	for _, u := range r.Subarrays {
		if _, ok := colour[u.Source]; u.Source >= 0 && !ok {
			colour[u.Source] = layerColours[len(srcs)%len(layerColours)]
			srcs = append(srcs, u.Source)
		}
		busiest = max(busiest, u.Busy)
	}
	legendRows := (len(srcs) + 3) / 4
	w := left + cols*cell + 10
	h := top + rows*cellH + 16 + legendRows*legendRow + 44
	title := run.Name + ": sub-array floorplan"
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(id), max(w, chartWidth), h, max(w, chartWidth), h, esc(title))
	fmt.Fprintf(&b, `<title>%s</title><text class="title" x="0" y="16">%s</text>`, esc(title), esc(title))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#ccc"/>`, left, top, cols*cell, rows*cellH)
	for bank := 0; bank < rows; bank += max(1, rows/16) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">bank %d</text>`, left-4, top+bank*cellH+cellH, bank)
	}
	for _, u := range r.Subarrays {
		bank, k := u.Index/cols, u.Index%cols
		fill, layer := "#777777", "activations only"
		if u.Source >= 0 {
			fill, layer = colour[u.Source], sourceName(r, u.Source)
		}
		op := 0.15
		if busiest > 0 {
			op += 0.85 * min(max(u.Busy/busiest, 0), 1)
		}
		fmt.Fprintf(&b, `<rect class="cell" x="%d" y="%d" width="%d" height="%d" fill="%s" fill-opacity="%.3f" data-index="%d" data-source="%d" data-busy="%g"><title>sub-array %d (bank %d): %s, busy %.1f%%</title></rect>`,
			left+k*cell, top+bank*cellH, cell, cellH, fill, op, u.Index, u.Source, u.Busy, u.Index, bank, esc(layer), 100*u.Busy)
	}
	y := top + rows*cellH + 16
	for i, src := range srcs {
		x, yy := (i%4)*(chartWidth/4), y+(i/4)*legendRow
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`,
			x, yy, colour[src], x+16, yy+10, esc(shorten(sourceName(r, src), 28)))
	}
	fmt.Fprintf(&b, `<text class="note" x="0" y="%d">%d of %d sub-arrays used (%d banks x %d); colour: the layer whose weights a sub-array holds (grey: activations only);</text>`,
		y+legendRows*legendRow+14, len(r.Subarrays), r.SubarraysTotal, rows, cols)
	fmt.Fprintf(&b, `<text class="note" x="0" y="%d">opacity: busy time against the busiest sub-array's (%.1f%% of the run time).</text>`,
		y+legendRows*legendRow+28, 100*busiest)
	b.WriteString(`</svg>`)
	return b.String()
}

// layerColours are the floorplan's: the palette without black and grey,
// which would read as "activations only" when pale.
var layerColours = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#7F3C8D", "#8C564B"}

// sourceName is the layer name of source index src (Report.Sources holds
// them with their index).
func sourceName(r *sim.Report, src int) string {
	for _, s := range r.Sources {
		if s.Index == src {
			return layerLabel(s)
		}
	}
	return fmt.Sprintf("source %d", src)
}
