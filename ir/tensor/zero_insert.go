package tensor

import "fmt"

// maxZeroInsertStride bounds the strides of ZeroInsert so the output size
// (in-1)*stride+1 cannot overflow int for dimensions up to 2^40.
const maxZeroInsertStride = 1 << 20

// ZeroInsertShape returns the shape of zero insertion into x [N,C,spatial...]
// with one stride per spatial axis: (in-1)*stride+1 per spatial axis, N and C
// kept.
func ZeroInsertShape(x []int, strides []int) ([]int, error) {
	s := len(x) - 2
	if s < 1 {
		return nil, fmt.Errorf("zero_insert: input must be [N,C,spatial...], got %s", ShapeString(x))
	}
	if len(strides) != s {
		return nil, fmt.Errorf("zero_insert: want %d strides for input %s, got %v", s, ShapeString(x), strides)
	}
	out := []int{x[0], x[1]}
	for i, st := range strides {
		if st < 1 || st > maxZeroInsertStride {
			return nil, fmt.Errorf("zero_insert: strides %v must be in [1, 2^20]", strides)
		}
		n := x[2+i]
		if n > 0 {
			n = (n-1)*st + 1
		}
		out = append(out, n)
	}
	return out, nil
}

// ZeroInsert puts stride-1 zeros between neighbouring cells of every
// spatial axis: dst[n,c,i*s...] = x[n,c,i...], zero elsewhere. It is the
// data movement that turns a transposed convolution into a stride-1
// convolution (passes/conv_transpose_lower.go); it works on any element
// type, so it moves integer codes too (code 0 is the real value 0).
func ZeroInsert(dst, x *Tensor, strides []int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	out, err := ZeroInsertShape(x.Shape, strides)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("zero_insert: %w", err)
	}
	switch x.DType.Storage() {
	case StoreF32:
		zeroInsertCopy(dst.F32, x.F32, x.Shape, out, strides)
	case StoreF64:
		zeroInsertCopy(dst.F64, x.F64, x.Shape, out, strides)
	default:
		zeroInsertCopy(dst.I64, x.I64, x.Shape, out, strides)
	}
	return nil
}

// zeroInsertCopy clears d and scatters every element of x to its strided
// place: input index i maps to output index i*stride on spatial axes.
func zeroInsertCopy[T elem](d, x []T, in, out, strides []int) {
	clear(d)
	r := len(in)
	os := rowStrides(out)
	idx := make([]int, r)
	for i := range x {
		rem := i
		dst := 0
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax] = rem % in[ax]
			rem /= in[ax]
			k := idx[ax]
			if ax >= 2 {
				k *= strides[ax-2]
			}
			dst += k * os[ax]
		}
		d[dst] = x[i]
	}
}
