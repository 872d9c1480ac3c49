package admm

import (
	"fmt"
	"io"
	"math"

	"github.com/pimc-dev/pimc/ir"
)

// LayerReport compares one layer before and after compression.
type LayerReport struct {
	Name                 string
	Filters, FiltersKept int // rows of the weight matrix / non-zero rows
	Cols, ColsKept       int // K / non-zero columns
	Chans, ChansKept     int // input channels / those with a non-zero weight
	Weights, Nonzero     int // elements before / non-zero elements after
	Bits                 int // weight bits after (0: float)
	SubBefore, SubAfter  int // estimated sub-arrays (SubArrays)
}

// SubArrays estimates how many rows x cols sub-arrays hold an F x K layer of
// M-bit weights with N-bit activations, the way the backend's
// pruning-aware mapper packs it: only non-zero columns are stored and K
// splits into S = ceil(K/cols) segments; every segment needs F*M weight
// rows (one per filter and bit-plane) and each sub-array keeps N rows free
// for the activation planes of a patch, and segments share sub-arrays, so
// ceil(S * F * M / (rows - N)). (The per-segment bound S * ceil(F*M/(rows -
// N)) overcounts layers whose segments fill sub-arrays only partly: 58
// instead of the mapper's 48 on resnet-small at 8 bits.) It ignores
// acc_bits-limited segment lengths; `pimc compile`'s summary is the
// authority.
func SubArrays(f, k, m int, geo Geometry) int {
	geo = geo.withDefaults()
	if f == 0 || k == 0 {
		return 0
	}
	if m <= 0 {
		m = 8
	}
	free := max(geo.Rows-geo.ABits, 1)
	return ceilDiv(ceilDiv(k, geo.Cols)*f*m, free)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Report compares every layer of after with the layer of the same name in
// before. Layers not in specs are listed with their unchanged counts.
// Sub-arrays before assume 8-bit weights (the quantize pass's default).
func Report(before, after *ir.Graph, specs map[string]Spec, geo Geometry) []LayerReport {
	bl, _ := Layers(before)
	al, _ := Layers(after)
	byName := map[string]*Layer{}
	for _, l := range al {
		byName[l.Name] = l
	}
	var out []LayerReport
	for _, b := range bl {
		a := byName[b.Name]
		if a == nil {
			continue
		}
		r := LayerReport{Name: b.Name, Filters: b.Shape.Rows, Cols: b.Shape.Cols, Chans: b.Shape.Channels(), Weights: b.Shape.Len(), Bits: specs[b.Name].Bits}
		w := a.Weight.Const.F32
		s := a.Shape
		r.FiltersKept, _, _ = GroupsKept(w, s, Prune{Kind: Filter})
		r.ColsKept, _, _ = GroupsKept(w, s, Prune{Kind: Column})
		r.ChansKept, _, _ = GroupsKept(w, s, Prune{Kind: Channel})
		for _, x := range w {
			if x != 0 {
				r.Nonzero++
			}
		}
		r.SubBefore = SubArrays(r.Filters, r.Cols, 8, geo)
		r.SubAfter = SubArrays(r.FiltersKept, r.ColsKept, r.Bits, geo)
		out = append(out, r)
	}
	return out
}

// WriteReport prints the per-layer table and totals.
func WriteReport(w io.Writer, reps []LayerReport, accBefore, accAfter float64) {
	fmt.Fprintf(w, "%-14s %11s %11s %11s %9s %5s %14s\n", "layer", "filters", "columns", "channels", "kept", "bits", "sub-arrays")
	var tw, tn, sb, sa, ts int
	var bitsB, bitsA, bitsS float64
	for _, r := range reps {
		bits := "f32"
		if r.Bits > 0 {
			bits = fmt.Sprint(r.Bits)
		}
		fmt.Fprintf(w, "%-14s %5d/%-5d %5d/%-5d %5d/%-5d %8.2f%% %5s %6d -> %-5d\n", r.Name, r.FiltersKept, r.Filters, r.ColsKept, r.Cols,
			r.ChansKept, r.Chans, 100*float64(r.Nonzero)/float64(max(r.Weights, 1)), bits, r.SubBefore, r.SubAfter)
		tw += r.Weights
		tn += r.Nonzero
		sb += r.SubBefore
		sa += r.SubAfter
		bitsB += 32 * float64(r.Weights)
		b := r.Bits
		if b == 0 {
			b = 32
		}
		bitsA += float64(b) * float64(r.Nonzero)
		// The array holds every kept filter x kept column, zeros inside
		// that rectangle (e.g. weights rounded to code 0) included.
		ts += r.FiltersKept * r.ColsKept
		bitsS += float64(b) * float64(r.FiltersKept*r.ColsKept)
	}
	fmt.Fprintf(w, "total: %d of %d weights kept (%.2f%%, %.1fx fewer), weight bits %.1fx fewer than float32 (codes only, no index), sub-arrays %d -> %d (estimate, 8-bit before)\n",
		tn, tw, 100*float64(tn)/float64(max(tw, 1)), float64(tw)/float64(max(tn, 1)), bitsB/math.Max(bitsA, 1), sb, sa)
	fmt.Fprintf(w, "stored (kept filters x kept columns, zeros inside included): %d weights (%.1fx fewer), %.0f bits (%.1fx fewer than float32)\n",
		ts, float64(tw)/float64(max(ts, 1)), bitsS, bitsB/math.Max(bitsS, 1))
	if !math.IsNaN(accBefore) {
		fmt.Fprintf(w, "accuracy: %.2f%% before, %.2f%% after\n", 100*accBefore, 100*accAfter)
	}
}
