package tensor

import "fmt"

// Transpose and the strided copy it is built on; like every data-movement
// kernel it works on all element types.

// TransposeShape returns the shape of x permuted by perm (output axis i is
// input axis perm[i]).
func TransposeShape(x []int, perm []int) ([]int, error) {
	if len(perm) != len(x) {
		return nil, fmt.Errorf("transpose: perm %v for rank %d", perm, len(x))
	}
	seen := make([]bool, len(x))
	out := make([]int, len(x))
	for i, p := range perm {
		if p < 0 || p >= len(x) || seen[p] {
			return nil, fmt.Errorf("transpose: perm %v is not a permutation of 0..%d", perm, len(x)-1)
		}
		seen[p] = true
		out[i] = x[p]
	}
	return out, nil
}

// Transpose computes dst = x with axes permuted by perm.
func Transpose(dst, x *Tensor, perm []int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	out, err := TransposeShape(x.Shape, perm)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("transpose: %w", err)
	}
	// Input strides, seen in output axis order.
	in := rowStrides(x.Shape)
	st := make([]int, len(perm))
	for i, p := range perm {
		st[i] = in[p]
	}
	switch x.DType.Storage() {
	case StoreF32:
		gatherStrided(dst.F32, x.F32, out, st)
	case StoreF64:
		gatherStrided(dst.F64, x.F64, out, st)
	default:
		gatherStrided(dst.I64, x.I64, out, st)
	}
	return nil
}

func rowStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// gatherStrided writes d (row-major, shape out) from x read with strides st.
func gatherStrided[T elem](d, x []T, out, st []int) {
	forEachRow(out, [][]int{st}, func(o int, offs []int, n int, inner []int) {
		ix, dx := offs[0], inner[0]
		for i := 0; i < n; i++ {
			d[o+i] = x[ix+i*dx]
		}
	})
}
