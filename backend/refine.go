package backend

import (
	"fmt"
	"slices"
)

// refinement returns the coarsest index space (dims, outermost first) over
// which every given shape is a row-major grouping: the union of all
// cumulative products must be a divisibility chain. A reshape between
// [N,C,H,W] and [N,C*H*W] always is; a reshape that regroups across
// boundaries (e.g. [6] <-> [4] x ...) is not and is reported.
func refinement(shapes ...[]int) ([]int, error) {
	total := -1
	set := map[int]bool{}
	for _, s := range shapes {
		p := 1
		set[1] = true
		for i := len(s) - 1; i >= 0; i-- {
			p *= s[i]
			set[p] = true
		}
		if total >= 0 && p != total {
			return nil, fmt.Errorf("BUG: refinement of shapes with different sizes %v", shapes)
		}
		total = p
	}
	var cums []int
	for p := range set {
		cums = append(cums, p)
	}
	slices.Sort(cums)
	var dims []int
	for i := 1; i < len(cums); i++ {
		if cums[i]%cums[i-1] != 0 {
			return nil, fmt.Errorf("unsupported reshape: shapes %v do not nest (no common strided index space)", shapes)
		}
		dims = append(dims, cums[i]/cums[i-1])
	}
	slices.Reverse(dims)
	if total == 0 {
		return nil, fmt.Errorf("empty tensor")
	}
	return dims, nil
}

// stridesOver gives the strides of a strided array (shape P, strides S)
// over a refinement R of P.
func stridesOver(P, S, R []int) []int {
	out := make([]int, len(R))
	d := len(P) - 1
	inner := 1 // product of the refined dims already assigned to P[d]
	for r := len(R) - 1; r >= 0; r-- {
		for d >= 0 && inner == P[d] {
			d--
			inner = 1
		}
		if d < 0 {
			panic("BUG: backend: refinement does not cover the shape")
		}
		out[r] = S[d] * inner
		inner *= R[r]
	}
	return out
}

// over returns l's strides over a refinement R of its physical and logical
// shapes.
func (l *layout) over(R []int) []int { return stridesOver(l.phys, l.strides, R) }

// shapesOf lists the physical and logical shapes of layouts (for refinement).
func shapesOf(ls ...*layout) [][]int {
	var out [][]int
	for _, l := range ls {
		out = append(out, l.phys, l.shape)
	}
	return out
}
