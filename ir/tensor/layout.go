package tensor

import "fmt"

// The kernels in this file move elements without arithmetic, so they work on
// every element type.

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

// ConcatShape returns the shape of joining shapes along axis; all other
// dimensions must agree.
func ConcatShape(shapes [][]int, axis int) ([]int, error) {
	if len(shapes) == 0 {
		return nil, fmt.Errorf("concat: no inputs")
	}
	r := len(shapes[0])
	if axis < 0 || axis >= r {
		return nil, fmt.Errorf("concat: axis %d out of range for rank %d", axis, r)
	}
	out := append([]int{}, shapes[0]...)
	out[axis] = 0
	for _, s := range shapes {
		if len(s) != r {
			return nil, fmt.Errorf("concat: inputs %s differ in rank", shapeList(shapes))
		}
		for i := range s {
			if i != axis && s[i] != out[i] {
				return nil, fmt.Errorf("concat: inputs %s differ outside axis %d", shapeList(shapes), axis)
			}
		}
		out[axis] += s[axis]
	}
	return out, nil
}

// Concat computes dst = xs joined along axis (same element type).
func Concat(dst *Tensor, axis int, xs ...*Tensor) error {
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		if err := checkStorage(fmt.Sprintf("concat input %d", i), x); err != nil {
			return err
		}
		if x.DType != xs[0].DType {
			return fmt.Errorf("concat: element types differ: %v and %v", xs[0].DType, x.DType)
		}
		shapes[i] = x.Shape
	}
	out, err := ConcatShape(shapes, axis)
	if err != nil {
		return err
	}
	if err := checkDst(dst, xs[0].DType, out); err != nil {
		return fmt.Errorf("concat: %w", err)
	}
	outer := NumElems(out[:axis])
	inner := NumElems(out[axis+1:])
	off := 0
	for _, x := range xs {
		chunk := x.Shape[axis] * inner
		switch x.DType.Storage() {
		case StoreF32:
			copyBlocks(dst.F32, x.F32, outer, chunk, out[axis]*inner, off)
		case StoreF64:
			copyBlocks(dst.F64, x.F64, outer, chunk, out[axis]*inner, off)
		default:
			copyBlocks(dst.I64, x.I64, outer, chunk, out[axis]*inner, off)
		}
		off += chunk
	}
	return nil
}

// copyBlocks copies outer blocks of chunk elements from x (contiguous) to d,
// block o landing at o*stride+off.
func copyBlocks[T elem](d, x []T, outer, chunk, stride, off int) {
	for o := 0; o < outer; o++ {
		copy(d[o*stride+off:o*stride+off+chunk], x[o*chunk:(o+1)*chunk])
	}
}

// SplitShapes returns the shapes of splitting x along axis into parts of the
// given sizes, which must add up to x[axis].
func SplitShapes(x []int, axis int, sizes []int) ([][]int, error) {
	if axis < 0 || axis >= len(x) {
		return nil, fmt.Errorf("split: axis %d out of range for rank %d", axis, len(x))
	}
	total := 0
	out := make([][]int, len(sizes))
	for i, s := range sizes {
		if s < 0 {
			return nil, fmt.Errorf("split: negative size in %v", sizes)
		}
		total += s
		out[i] = append([]int{}, x...)
		out[i][axis] = s
	}
	if total != x[axis] {
		return nil, fmt.Errorf("split: sizes %v add up to %d, axis %d has %d", sizes, total, axis, x[axis])
	}
	return out, nil
}

// Split copies consecutive parts of x along axis into dsts; the parts' sizes
// are the dsts' sizes along axis.
func Split(dsts []*Tensor, x *Tensor, axis int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	sizes := make([]int, len(dsts))
	for i, d := range dsts {
		if d == nil || axis < 0 || axis >= len(d.Shape) {
			return fmt.Errorf("split: output %d missing or of the wrong rank", i)
		}
		sizes[i] = d.Shape[axis]
	}
	shapes, err := SplitShapes(x.Shape, axis, sizes)
	if err != nil {
		return err
	}
	outer := NumElems(x.Shape[:axis])
	inner := NumElems(x.Shape[axis+1:])
	off := 0
	for i, d := range dsts {
		if err := checkDst(d, x.DType, shapes[i]); err != nil {
			return fmt.Errorf("split: output %d: %w", i, err)
		}
		chunk := sizes[i] * inner
		stride := x.Shape[axis] * inner
		for o := 0; o < outer; o++ {
			src, dstOff := o*stride+off, o*chunk
			switch x.DType.Storage() {
			case StoreF32:
				copy(d.F32[dstOff:dstOff+chunk], x.F32[src:src+chunk])
			case StoreF64:
				copy(d.F64[dstOff:dstOff+chunk], x.F64[src:src+chunk])
			default:
				copy(d.I64[dstOff:dstOff+chunk], x.I64[src:src+chunk])
			}
		}
		off += chunk
	}
	return nil
}

// PadShape returns the shape of constant-padding x by pads ([d0_begin, ...,
// d0_end, ...] over all axes; negative values crop).
func PadShape(x []int, pads []int) ([]int, error) {
	r := len(x)
	if len(pads) != 2*r {
		return nil, fmt.Errorf("pad: want %d pads for rank %d, got %v", 2*r, r, pads)
	}
	out := make([]int, r)
	for i := range x {
		out[i] = x[i] + pads[i] + pads[r+i]
		if out[i] < 0 {
			return nil, fmt.Errorf("pad: pads %v crop axis %d of %s below zero", pads, i, ShapeString(x))
		}
	}
	return out, nil
}

// Pad computes constant padding: dst[i] = x[i - begin] where inside x, value
// elsewhere. value is converted to the element type (truncated toward zero
// and wrapped for integers, rounded for narrow floats).
func Pad(dst, x *Tensor, pads []int, value float64) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	out, err := PadShape(x.Shape, pads)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("pad: %w", err)
	}
	r := x.Rank()
	xs := rowStrides(x.Shape)
	switch x.DType.Storage() {
	case StoreF32:
		padCopy(dst.F32, x.F32, out, x.Shape, xs, pads[:r], roundScalar(x.DType, float32(value)))
	case StoreF64:
		padCopy(dst.F64, x.F64, out, x.Shape, xs, pads[:r], value)
	default:
		padCopy(dst.I64, x.I64, out, x.Shape, xs, pads[:r], x.DType.Wrap(int64(value)))
	}
	return nil
}

func padCopy[T elem](d, x []T, out, in, xs, begin []int, value T) {
	r := len(out)
	idx := make([]int, r)
	for o := range d {
		// o -> output index -> input index
		rem := o
		src := 0
		inside := true
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax] = rem % out[ax]
			rem /= out[ax]
			i := idx[ax] - begin[ax]
			if i < 0 || i >= in[ax] {
				inside = false
			}
			src += i * xs[ax]
		}
		if inside {
			d[o] = x[src]
		} else {
			d[o] = value
		}
	}
}

// GatherShape returns data.shape[:axis] + indices.shape + data.shape[axis+1:].
func GatherShape(data, indices []int, axis int) ([]int, error) {
	if axis < 0 || axis >= len(data) {
		return nil, fmt.Errorf("gather: axis %d out of range for rank %d", axis, len(data))
	}
	out := append([]int{}, data[:axis]...)
	out = append(out, indices...)
	return append(out, data[axis+1:]...), nil
}

// Gather takes slices of data along axis at the given integer indices;
// negative indices count from the end, out-of-range ones are an error.
func Gather(dst, data, indices *Tensor, axis int) error {
	if err := checkStorage("data", data); err != nil {
		return err
	}
	if err := checkStorage("indices", indices); err != nil {
		return err
	}
	if !indices.DType.IsInt() {
		return fmt.Errorf("gather: indices must be integers, got %v", indices)
	}
	out, err := GatherShape(data.Shape, indices.Shape, axis)
	if err != nil {
		return err
	}
	if err := checkDst(dst, data.DType, out); err != nil {
		return fmt.Errorf("gather: %w", err)
	}
	outer := NumElems(data.Shape[:axis])
	n := data.Shape[axis]
	inner := NumElems(data.Shape[axis+1:])
	idx := make([]int, indices.Len())
	for i, v := range indices.I64 {
		if indices.DType == Uint64 && v < 0 {
			return fmt.Errorf("gather: index %d out of range [-%d, %d)", uint64(v), n, n)
		}
		if v < -int64(n) || v >= int64(n) {
			return fmt.Errorf("gather: index %d out of range [-%d, %d)", v, n, n)
		}
		if v < 0 {
			v += int64(n)
		}
		idx[i] = int(v)
	}
	k := len(idx)
	for o := 0; o < outer; o++ {
		for j, i := range idx {
			src := (o*n + i) * inner
			dd := (o*k + j) * inner
			switch data.DType.Storage() {
			case StoreF32:
				copy(dst.F32[dd:dd+inner], data.F32[src:src+inner])
			case StoreF64:
				copy(dst.F64[dd:dd+inner], data.F64[src:src+inner])
			default:
				copy(dst.I64[dd:dd+inner], data.I64[src:src+inner])
			}
		}
	}
	return nil
}
