package backend

import (
	"fmt"
	"io"
	"math"
	"sort"
)

// The pixel-balance bound on sub-array busy (docs/BACKEND.md §8 "Busy
// bound"): what any pipelined schedule of a model's matrix layers on a
// target could keep its sub-arrays busy, whatever its controllers do.
// Layer l holds S_l sub-arrays per copy of its tiles and computes P_l
// output pixels per image, each costing one copy's busiest sub-array w_l
// of work (its filters' bit-plane products); a pixel is never split
// between copies, and splitting by chunks adds no sub-array work. In a
// pipeline of period T the layer needs R_l >= ceil(P_l w_l / T) copies,
// so its sub-arrays are busy at most S_l P_l w_l of the S_l R_l T
// available, and the machine's used sub-arrays at most
//
//	sum_l S_l P_l w_l / (T x sum_l S_l R_l)
//
// of the time, with sum_l S_l R_l within the target's sub-arrays. The
// largest value over T is the bound: the used sub-arrays fall in steps as
// T grows, so it is reached at some T = P_l w_l / k (R_l = k exactly).

// balanceLayer is one matrix layer as the bound sees it.
type balanceLayer struct {
	subarrays int     // S_l: one copy's sub-arrays
	pixels    int     // P_l: output pixels per image
	work      float64 // w_l: the busiest sub-array's work per pixel (ns)
}

// BusyBound is the pixel-balance bound (see above): Busy at the period
// PeriodNS, with Subarrays of Total sub-arrays in use (replicas
// ceil(P_l w_l / PeriodNS) per layer).
type BusyBound struct {
	Busy               float64
	PeriodNS           float64
	Subarrays, Total   int
	Layers, MostCopies int
}

// pixelBalanceBound is the largest bound over the periods at which the
// layers' copies fit total sub-arrays; ok is false when no layer has work
// or one copy of every layer does not fit.
func pixelBalanceBound(layers []balanceLayer, total int) (BusyBound, bool) {
	var work float64
	var periods []float64
	for _, l := range layers {
		if l.subarrays <= 0 || l.pixels <= 0 || l.work <= 0 {
			continue
		}
		work += float64(l.subarrays) * float64(l.pixels) * l.work
		for k := 1; k <= l.pixels; k++ {
			periods = append(periods, float64(l.pixels)*l.work/float64(k))
		}
	}
	if work == 0 {
		return BusyBound{}, false
	}
	sort.Float64s(periods)
	best := BusyBound{Total: total, Layers: len(layers)}
	found := false
	for _, t := range periods {
		used, most := 0, 0
		for _, l := range layers {
			if l.subarrays <= 0 || l.pixels <= 0 || l.work <= 0 {
				continue
			}
			// The period is P_l w_l / k for some layer: round so that
			// layer gets exactly k copies.
			r := int(math.Ceil(float64(l.pixels)*l.work/t*(1-1e-12) - 1e-12))
			r = max(r, 1)
			used += l.subarrays * r
			most = max(most, r)
		}
		if used > total {
			continue
		}
		if b := work / (t * float64(used)); !found || b > best.Busy {
			best.Busy, best.PeriodNS, best.Subarrays, best.MostCopies = b, t, used, most
			found = true
		}
	}
	return best, found
}

// WriteBusyBound prints the bound as a line of the -pipeline summary.
func (b BusyBound) WriteBusyBound(w io.Writer) {
	fmt.Fprintf(w, "  pixel-balance bound on sub-array busy: %.1f%% (any schedule of these %d matrix layers on this target: period %s of sub-array work, copies ceil(pixels x work per pixel / period) per layer, up to %d, on %d of %d sub-arrays)\n",
		100*b.Busy, b.Layers, formatUS(b.PeriodNS), b.MostCopies, b.Subarrays, b.Total)
}
