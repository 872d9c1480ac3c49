package tensor

import "fmt"

// Concat and Split move blocks along one axis; all element types.

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
