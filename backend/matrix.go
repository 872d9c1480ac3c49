package backend

import (
	"fmt"
	"slices"
	"sort"

	"github.com/pimc-dev/pimc/ir"
)

// matrix is a qconv or qfc seen as per-group F_g x K_g matrices of weight
// codes, with the structured sparsity removed before mapping:
//   - a filter whose codes are all zero is dropped: its output channel gets
//     no partial sums, so its vrq computes the bias-only requantization;
//   - a K column that is zero in every kept filter of the group (shape-wise
//     pruning; a whole zero input channel is kh*kw such columns) is dropped,
//     so patches are shorter, segments fewer and row writes fewer.
//
// The kept columns are identified by their offset in the activation buffer
// relative to the patch origin (so the K order is the buffer's, NHWC, not
// ONNX's C,kh,kw) and sorted by it: contiguous offsets become one pld.
type matrix struct {
	node    *ir.Node
	F       int // output channels (lanes), pruned ones included
	M       int // weight planes (two's complement, top plane negative)
	N       int // activation planes
	xSigned bool
	groups  []matGroup
	bias    []int32
	mult    []int32
	shift   int64
	round   int64
	lo, hi  int64
	// kept statistics (for the summary and tests)
	keptFilters, keptCols, totalCols int
}

type matGroup struct {
	filters []int     // kept filters: global output channel indices
	offs    []int     // kept columns: buffer offsets relative to the patch origin, ascending
	w       [][]int64 // w[i][j]: code of filters[i] at column offs[j]
}

// buildMatrix reads the weights of a qconv (wIdx(f, c, ky, kx) in ONNX
// order) given the offset of every (c, ky, kx) of group g.
func buildMatrix(n *ir.Node, xq *ir.QuantParams, F, groups, Cg, kh, kw int, colOff func(g, c, ky, kx int) int) (*matrix, error) {
	w := n.Inputs[1].Const
	bias, mult := n.Inputs[2].Const, n.Inputs[3].Const
	if w == nil || bias == nil || mult == nil {
		return nil, fmt.Errorf("weights, bias and multiplier must be constants")
	}
	if xq == nil || xq.Bits < 1 || xq.Bits > 31 {
		return nil, fmt.Errorf("input has no quantization parameters (integer codes expected)")
	}
	lo, hi := n.Int("lo", 0), n.Int("hi", 0)
	rm, err := roundMode(n.Str("round", ""))
	if err != nil {
		return nil, err
	}
	m := &matrix{node: n, F: F, N: xq.Bits, xSigned: xq.Signed, shift: n.Int("shift", 0), round: rm, lo: lo, hi: hi}
	for f := 0; f < F; f++ {
		m.bias = append(m.bias, int32(bias.Int64At(f)))
		m.mult = append(m.mult, int32(mult.Int64At(f)))
	}
	fpg := F / groups
	K := Cg * kh * kw
	mn, mx := int64(0), int64(0)
	for g := 0; g < groups; g++ {
		var grp matGroup
		type col struct{ off, k int }
		cols := make([]col, 0, K)
		for c := 0; c < Cg; c++ {
			for ky := 0; ky < kh; ky++ {
				for kx := 0; kx < kw; kx++ {
					cols = append(cols, col{colOff(g, c, ky, kx), (c*kh+ky)*kw + kx})
				}
			}
		}
		sort.Slice(cols, func(i, j int) bool { return cols[i].off < cols[j].off })
		var rows [][]int64
		for f := g * fpg; f < (g+1)*fpg; f++ {
			row := make([]int64, K)
			nz := false
			for j, c := range cols {
				v := w.Int64At(f*K + c.k)
				row[j] = v
				nz = nz || v != 0
				mn, mx = min(mn, v), max(mx, v)
			}
			if nz {
				grp.filters = append(grp.filters, f)
				rows = append(rows, row)
			}
		}
		keep := make([]bool, K)
		for _, r := range rows {
			for j, v := range r {
				keep[j] = keep[j] || v != 0
			}
		}
		for j, c := range cols {
			if keep[j] {
				grp.offs = append(grp.offs, c.off)
			}
		}
		for _, r := range rows {
			kr := make([]int64, 0, len(grp.offs))
			for j, v := range r {
				if keep[j] {
					kr = append(kr, v)
				}
			}
			grp.w = append(grp.w, kr)
		}
		for i := 1; i < len(grp.offs); i++ {
			if grp.offs[i] == grp.offs[i-1] {
				panic("BUG: backend: two K columns at one buffer offset")
			}
		}
		m.keptFilters += len(grp.filters)
		m.keptCols += len(grp.offs)
		m.totalCols += K
		m.groups = append(m.groups, grp)
	}
	m.M = planesFor(mn, mx)
	return m, nil
}

// planesFor is the two's complement width holding every code in [mn, mx]
// (at least 1): the weight planes stored per filter. A binary {-1, +1}
// layer needs 2 (docs/QUANT.md §1), an 8-bit one 8; a layer whose codes
// are narrower than its declared bits uses fewer rows and ANDs.
func planesFor(mn, mx int64) int {
	for b := 1; b < 63; b++ {
		if mn >= -(int64(1)<<(b-1)) && mx <= int64(1)<<(b-1)-1 {
			return b
		}
	}
	return 63
}

// bitWeight is the sum of the magnitudes of the planes set in code's M-bit
// two's complement form: its contribution per input plane-unit to any
// prefix of the bmac walk (docs/QUANT.md §4).
func bitWeight(code int64, M int) int64 {
	var s int64
	u := uint64(code)
	for m := 0; m < M; m++ {
		if u>>m&1 != 0 {
			s += int64(1) << m
		}
	}
	return s
}

// keptOffsets is used by tests: all kept column offsets of group g.
func (m *matrix) keptOffsets(g int) []int { return slices.Clone(m.groups[g].offs) }
