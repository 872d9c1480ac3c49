package backend

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
)

// matrix is a qconv or qfc as the emitter needs it: the mapping decided by
// ir/mapping (kept filters, kept columns in device order, segments, tiles;
// docs/BACKEND.md §2) with every kept column turned into its offset in the
// activation buffer relative to the patch origin, plus the requantization
// immediates. Pruned filters get no partial sums: their lanes requantize
// the bias alone.
type matrix struct {
	node    *ir.Node
	lay     *mapping.Layer
	F       int // output channels (lanes), pruned ones included
	M       int // weight planes (two's complement, top plane negative)
	N       int // activation planes
	xSigned bool
	pm      bool // binary weights on one plane b = (w+1)/2 (mapping.Layer.PlusMinus, emit_pm.go)
	groups  []matGroup
	bias    []int32
	mult    []int32
	shift   int64
	round   int64
	lo, hi  int64
	yZero   int64 // output zero point: vrq to [lo-yZero, hi-yZero], then vadd yZero
	// kept statistics (for the summary and tests)
	keptFilters, keptCols, totalCols int
}

type matGroup struct {
	filters []int     // kept filters: global output channel indices
	offs    []int     // kept columns: buffer offsets relative to the patch origin, in device order
	w       [][]int64 // w[i][j]: code of filters[i] at column offs[j]
}

// buildMatrix joins the mapping of n with its buffer layout: colOff gives
// the offset of column (c, ky, kx) of group g (a K index is
// (c*kh+ky)*kw+kx).
func buildMatrix(n *ir.Node, l *mapping.Layer, kh, kw int, colOff func(g, c, ky, kx int) int) (*matrix, error) {
	bias, mult := n.Inputs[2].Const, n.Inputs[3].Const
	if bias == nil || mult == nil {
		return nil, fmt.Errorf("weights, bias and multiplier must be constants")
	}
	rm, err := roundMode(n.Str("round", ""))
	if err != nil {
		return nil, err
	}
	m := &matrix{node: n, lay: l, F: l.F, M: l.M, N: l.N, xSigned: n.Inputs[0].Quant.Signed, pm: l.PlusMinus,
		shift: n.Int("shift", 0), round: rm, lo: n.Int("lo", 0), hi: n.Int("hi", 0), yZero: n.Int("y_zero", 0)}
	for f := 0; f < m.F; f++ {
		m.bias = append(m.bias, int32(bias.Int64At(f)))
		m.mult = append(m.mult, int32(mult.Int64At(f)))
	}
	codes := l.Codes()
	for g := range l.Groups {
		lg := &l.Groups[g]
		grp := matGroup{filters: lg.Filters, w: codes[g], offs: make([]int, len(lg.Cols))}
		for j, k := range lg.Cols {
			c, r := k/(kh*kw), k%(kh*kw)
			grp.offs[j] = colOff(g, c, r/kw, r%kw)
		}
		sorted := slices.Clone(grp.offs)
		slices.Sort(sorted)
		for i := 1; i < len(sorted); i++ {
			if sorted[i] == sorted[i-1] {
				panic("BUG: backend: two K columns at one buffer offset")
			}
		}
		m.keptFilters += len(grp.filters)
		m.keptCols += len(grp.offs)
		m.totalCols += l.K
		m.groups = append(m.groups, grp)
	}
	return m, nil
}
