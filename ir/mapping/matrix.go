package mapping

import (
	"fmt"
	"sort"

	"github.com/pimc-dev/pimc/ir"
)

// IsMatrix reports whether n is a matrix layer (mapped onto sub-arrays).
func IsMatrix(n *ir.Node) bool { return n.Op == ir.OpQConv || n.Op == ir.OpQFC }

// shape is the matrix view of a qconv or qfc: groups of F/groups filters
// over K = Cg*kh*kw columns.
type shape struct {
	F, groups, Cg, kh, kw int
	// block > 1: the device view of block ONNX groups per group
	// (block.go); groups and Cg are then the device groups'.
	block int
}

func (s shape) K() int { return s.Cg * s.kh * s.kw }

// matrixShape reads the matrix view of n, or says why it has none.
func matrixShape(n *ir.Node) (shape, error) {
	if len(n.Inputs) < 4 || n.Inputs[0] == nil || n.Inputs[1] == nil {
		return shape{}, fmt.Errorf("want 4 inputs (x, w, bias, mult)")
	}
	ws := n.Inputs[1].Type.Shape
	if n.Op == ir.OpQFC {
		if len(ws) != 2 {
			return shape{}, fmt.Errorf("weights of rank %d, want 2", len(ws))
		}
		return shape{F: ws[0], groups: 1, Cg: ws[1], kh: 1, kw: 1}, nil
	}
	if len(ws) != 3 && len(ws) != 4 {
		return shape{}, fmt.Errorf("rank %d convolution (want 1-D or 2-D)", len(ws))
	}
	s := shape{F: ws[0], groups: int(n.Int("group", 1)), Cg: ws[1], kh: 1, kw: ws[len(ws)-1]}
	if len(ws) == 4 {
		s.kh = ws[2]
	}
	if s.groups < 1 || s.F%s.groups != 0 {
		return shape{}, fmt.Errorf("%d filters in %d groups", s.F, s.groups)
	}
	return s, nil
}

// buildGroups reads n's weight codes as per-group matrices with the
// structured sparsity removed (all-zero filters; columns zero in every kept
// filter of their group), columns in device order. It returns the groups
// and the planes M holding every code.
func buildGroups(n *ir.Node, s shape) ([]Group, int, error) {
	w := n.Inputs[1].Const
	if w == nil || n.Inputs[2] == nil || n.Inputs[2].Const == nil || n.Inputs[3] == nil || n.Inputs[3].Const == nil {
		return nil, 0, fmt.Errorf("weights, bias and multiplier must be constants")
	}
	K := s.K()
	if w.Len() != s.codes() {
		return nil, 0, fmt.Errorf("weights hold %d codes, want %d", w.Len(), s.codes())
	}
	order := columnOrder(n, s)
	fpg := s.F / s.groups
	mn, mx := int64(0), int64(0)
	groups := make([]Group, s.groups)
	for g := range groups {
		grp := &groups[g]
		var rows [][]int64
		for f := g * fpg; f < (g+1)*fpg; f++ {
			row := make([]int64, K)
			nz := false
			for j, k := range order {
				v := s.code(w, f, k)
				row[j] = v
				nz = nz || v != 0
				mn, mx = min(mn, v), max(mx, v)
			}
			if nz {
				grp.Filters = append(grp.Filters, f)
				rows = append(rows, row)
			}
		}
		keep := make([]bool, K)
		for _, r := range rows {
			for j, v := range r {
				keep[j] = keep[j] || v != 0
			}
		}
		for j, k := range order {
			if keep[j] {
				grp.Cols = append(grp.Cols, k)
			}
		}
		for _, r := range rows {
			kr := make([]int64, 0, len(grp.Cols))
			for j, v := range r {
				if keep[j] {
					kr = append(kr, v)
				}
			}
			grp.W = append(grp.W, kr)
		}
	}
	return groups, PlanesFor(mn, mx), nil
}

// columnOrder lists the K columns of one group (k = (c*kh+ky)*kw+kx) in
// the device's canonical window order: ascending position of the column's
// element in the activation buffer relative to the window origin, with the
// buffer of every computed tensor of rank >= 3 stored NHWC (channels
// innermost) and of rank <= 2 row-major, and the data-movement ops that the
// device does not execute (reshape, flatten, squeeze, unsqueeze, identity,
// dropout, transpose) traced back to the tensor they view. For a
// convolution on an NHWC tensor that is (ky, kx, c); for an fc after a
// flatten of an NHWC tensor it is the NHWC order of the flattened
// elements. The order only decides which columns share a segment and how
// many contiguous runs a patch gather has: any order computes the same
// result.
func columnOrder(n *ir.Node, s shape) []int {
	K := s.K()
	pos := make([]int, K)
	if n.Op != ir.OpQConv && n.Op != ir.OpConv {
		x := n.Inputs[0]
		for k := range pos {
			pos[k] = elementPos(x, unravel(k, x.Type.Shape))
		}
	} else {
		// Lexicographic in the window axes ordered by decreasing stride
		// (strides of the buffer without margins may alias positions
		// of a window reaching into the padding; the ranking does not).
		st := convStrides(n.Inputs[0])
		axes := []int{0, 1, 2} // c, ky, kx
		sort.SliceStable(axes, func(i, j int) bool { return st[axes[i]] > st[axes[j]] })
		ext := [3]int{s.Cg, s.kh, s.kw}
		for c := 0; c < s.Cg; c++ {
			for ky := 0; ky < s.kh; ky++ {
				for kx := 0; kx < s.kw; kx++ {
					t := [3]int{c, ky, kx}
					p := 0
					for _, a := range axes {
						p = p*ext[a] + t[a]
					}
					pos[(c*s.kh+ky)*s.kw+kx] = p
				}
			}
		}
	}
	order := make([]int, K)
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(i, j int) bool { return pos[order[i]] < pos[order[j]] })
	return order
}

// ColumnOrder is the device order of the K = C*kh*kw columns of a matrix
// layer's weight (see columnOrder): n is a qconv or qfc, or the float conv
// (group 1), fc or fc-like gemm (weight [N, K]) it is quantized from, whose
// input tensors have the same shapes. ADMM block pruning (docs/ADMM.md)
// uses it so that a pruned block is a tile of the mapper's column segments.
func ColumnOrder(n *ir.Node) ([]int, error) {
	if len(n.Inputs) < 2 || n.Inputs[0] == nil || n.Inputs[1] == nil {
		return nil, fmt.Errorf("%s: want an input and a weight", n.Origin())
	}
	ws := n.Inputs[1].Type.Shape
	switch {
	case n.Op == ir.OpConv || n.Op == ir.OpQConv:
		if len(ws) != 3 && len(ws) != 4 {
			return nil, fmt.Errorf("%s: rank %d convolution weight (want 1-D or 2-D)", n.Origin(), len(ws))
		}
		s := shape{F: ws[0], groups: 1, Cg: ws[1], kh: 1, kw: ws[len(ws)-1]}
		if len(ws) == 4 {
			s.kh = ws[2]
		}
		return columnOrder(n, s), nil
	case len(ws) == 2:
		if k := n.Inputs[0].Type.Shape; len(k) != 2 || k[1] != ws[1] {
			return nil, fmt.Errorf("%s: input %v for a weight %v (want [M, %d])", n.Origin(), k, ws, ws[1])
		}
		return columnOrder(n, shape{F: ws[0], groups: 1, Cg: ws[1], kh: 1, kw: 1}), nil
	}
	return nil, fmt.Errorf("%s: %s is not a matrix layer", n.Origin(), n.Op)
}

// isView reports whether op only changes how a tensor is seen (the device
// moves no data for it, docs/BACKEND.md §1).
func isView(op ir.Op) bool {
	switch op {
	case ir.OpReshape, ir.OpFlatten, ir.OpSqueeze, ir.OpUnsqueeze, ir.OpIdentity, ir.OpDropout:
		return true
	}
	return false
}

// elementPos is the canonical buffer position of element idx of v (see
// columnOrder): views are traced back to the tensor they show.
func elementPos(v *ir.Value, idx []int) int {
	for depth := 0; depth < 64 && v.Def != nil && len(v.Def.Inputs) > 0 && v.Def.Inputs[0] != nil; depth++ {
		d := v.Def
		in := d.Inputs[0]
		switch {
		case isView(d.Op):
			idx = unravel(ravel(idx, v.Type.Shape), in.Type.Shape)
		case d.Op == ir.OpTranspose:
			perm := d.Ints("perm", nil)
			if len(perm) != len(idx) {
				return canonicalPos(v.Type.Shape, idx)
			}
			src := make([]int, len(idx))
			for i, p := range perm {
				if p < 0 || p >= len(src) {
					return canonicalPos(v.Type.Shape, idx)
				}
				src[p] = idx[i]
			}
			idx = src
		default:
			return canonicalPos(v.Type.Shape, idx)
		}
		v = in
	}
	return canonicalPos(v.Type.Shape, idx)
}

// canonicalPos is the position of idx in a tensor of this shape stored
// NHWC (rank >= 3) or row-major.
func canonicalPos(sh, idx []int) int {
	if len(sh) < 3 {
		return ravel(idx, sh)
	}
	spatial := 1
	for _, d := range sh[2:] {
		spatial *= d
	}
	return (idx[0]*spatial+ravel(idx[2:], sh[2:]))*sh[1] + idx[1]
}

// convStrides are the canonical buffer strides of the channel, row and
// column axes of a convolution input (1-D: row stride 0): NHWC for a tensor
// of its own, permuted through transposes.
func convStrides(x *ir.Value) [3]int {
	sh := x.Type.Shape
	str := nhwcStrides(sh)
	if d := x.Def; d != nil && d.Op == ir.OpTranspose && len(d.Inputs) > 0 && d.Inputs[0] != nil {
		in := d.Inputs[0].Type.Shape
		perm := d.Ints("perm", nil)
		if len(perm) == len(sh) && len(in) == len(sh) {
			src := nhwcStrides(in)
			ok := true
			for i, p := range perm {
				if p < 0 || p >= len(src) {
					ok = false
					break
				}
				str[i] = src[p]
			}
			if !ok {
				str = nhwcStrides(sh)
			}
		}
	}
	if len(sh) == 3 {
		return [3]int{str[1], 0, str[2]}
	}
	if len(sh) == 4 {
		return [3]int{str[1], str[2], str[3]}
	}
	return [3]int{1, 0, 0}
}

// nhwcStrides are the strides of a tensor stored NHWC (rank >= 3) or
// row-major.
func nhwcStrides(sh []int) []int {
	st := make([]int, len(sh))
	if len(sh) < 3 {
		s := 1
		for d := len(sh) - 1; d >= 0; d-- {
			st[d] = s
			s *= sh[d]
		}
		return st
	}
	s := sh[1]
	st[1] = 1
	for d := len(sh) - 1; d >= 2; d-- {
		st[d] = s
		s *= sh[d]
	}
	st[0] = s
	return st
}

func ravel(idx, sh []int) int {
	f := 0
	for d := range sh {
		f = f*sh[d] + idx[d]
	}
	return f
}

func unravel(f int, sh []int) []int {
	idx := make([]int, len(sh))
	for d := len(sh) - 1; d >= 0; d-- {
		if sh[d] > 0 {
			idx[d] = f % sh[d]
			f /= sh[d]
		}
	}
	return idx
}

// PlanesFor is the two's complement width holding every code in [mn, mx]
// (at least 1): the weight planes stored per filter. A binary {-1, +1}
// layer needs 2 (docs/QUANT.md §1), an 8-bit one 8; a layer whose codes
// are narrower than its declared bits uses fewer rows and ANDs.
func PlanesFor(mn, mx int64) int {
	for b := 1; b < 63; b++ {
		if mn >= -(int64(1)<<(b-1)) && mx <= int64(1)<<(b-1)-1 {
			return b
		}
	}
	return 63
}

// plusMinus reports whether every kept code of every group is -1 or +1 (a
// binary layer: Layer.PlusMinus applies).
func plusMinus(groups []Group) bool {
	seen := false
	for _, g := range groups {
		for _, row := range g.W {
			for _, v := range row {
				if v != -1 && v != 1 {
					return false
				}
				seen = true
			}
		}
	}
	return seen
}

// colWeight is a column's contribution per input plane-unit to any prefix
// of an accumulator's walk (docs/QUANT.md §4): BitWeight for two's
// complement planes; 2 in the one-plane ±1 form, whose filter walk adds
// 2^(n+1) popcount(b AND x_n) (at most 2 per column and plane-unit) and
// whose correction walk, in the same accumulator before it, subtracts
// 2^n popcount(x_n) (at most 1).
func colWeight(code int64, M int, pm bool) int64 {
	if pm {
		return 2
	}
	return BitWeight(code, M)
}

// BitWeight is the sum of the magnitudes of the planes set in code's M-bit
// two's complement form: its contribution per input plane-unit to any
// prefix of the bmac walk (docs/QUANT.md §4). Plane m weighs 2^m, so the
// sum is the low M bits read as an unsigned number.
func BitWeight(code int64, M int) int64 {
	if M >= 63 {
		return int64(uint64(code) & (1<<63 - 1))
	}
	return int64(uint64(code) & (1<<uint(M) - 1))
}
