package tensor

import "fmt"

// ExpandShape is the output shape of ONNX Expand: the NumPy broadcast of x
// and shape (so a 1 in shape keeps x's dimension). Expand (binary.go)
// fills it.
func ExpandShape(x, shape []int) ([]int, error) {
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("expand: shape %v has a negative dimension", shape)
		}
	}
	out, err := BroadcastShape(x, shape)
	if err != nil {
		return nil, fmt.Errorf("expand: %w", err)
	}
	return out, nil
}

// TileShape is the shape of x repeated repeats[i] times along axis i.
func TileShape(x, repeats []int) ([]int, error) {
	if len(repeats) != len(x) {
		return nil, fmt.Errorf("tile: %d repeats for rank %d", len(repeats), len(x))
	}
	out := make([]int, len(x))
	for i, r := range repeats {
		if r < 0 {
			return nil, fmt.Errorf("tile: repeats %v has a negative entry", repeats)
		}
		out[i] = x[i] * r
	}
	return out, nil
}

// Tile writes x repeated along every axis into dst (shape TileShape).
func Tile(dst, x *Tensor) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if len(dst.Shape) != len(x.Shape) {
		return fmt.Errorf("tile: output %v and input %v differ in rank", dst, x)
	}
	for i, d := range x.Shape {
		if d == 0 && dst.Shape[i] != 0 || d != 0 && dst.Shape[i]%d != 0 {
			return fmt.Errorf("tile: output %v is no tiling of %v", dst, x)
		}
	}
	if err := checkDst(dst, x.DType, dst.Shape); err != nil {
		return fmt.Errorf("tile: %w", err)
	}
	src := sourceIndex(dst.Shape, x.Shape, func(ax, c int) int { return c % x.Shape[ax] })
	switch x.DType.Storage() {
	case StoreF32:
		gatherFlat(dst.F32, x.F32, src)
	case StoreF64:
		gatherFlat(dst.F64, x.F64, src)
	default:
		gatherFlat(dst.I64, x.I64, src)
	}
	return nil
}

// sourceIndex returns, for every element of a row-major tensor of shape
// out, the flat index in a tensor of shape in whose coordinate along axis
// ax is coord(ax, c) for output coordinate c. The mapping is separable, so
// it is computed per axis and summed.
func sourceIndex(out, in []int, coord func(ax, c int) int) []int {
	n := NumElems(out)
	idx := make([]int, n)
	if n == 0 {
		return idx
	}
	stride := 1
	inner := 1
	for ax := len(out) - 1; ax >= 0; ax-- {
		per := make([]int, out[ax])
		for c := range per {
			per[c] = coord(ax, c) * stride
		}
		for i := range idx {
			idx[i] += per[(i/inner)%out[ax]]
		}
		stride *= in[ax]
		inner *= out[ax]
	}
	return idx
}

func gatherFlat[T elem](d, x []T, src []int) {
	for i, s := range src {
		d[i] = x[s]
	}
}

// StridedSlice copies into dst the cells of x at begin[ax] + c*step[ax]
// along every axis ax, for c in [0, dst.Shape[ax]) (ONNX Slice with its
// inputs resolved); every such index must lie inside x. Steps may be
// negative.
func StridedSlice(dst, x *Tensor, begin, step []int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	r := len(x.Shape)
	if len(begin) != r || len(step) != r || len(dst.Shape) != r {
		return fmt.Errorf("slice: %d begins, %d steps and output rank %d for rank %d", len(begin), len(step), len(dst.Shape), r)
	}
	for ax, n := range dst.Shape {
		if n == 0 {
			continue
		}
		first, last := begin[ax], begin[ax]+(n-1)*step[ax]
		if n < 0 || min(first, last) < 0 || max(first, last) >= x.Shape[ax] {
			return fmt.Errorf("slice: axis %d: %d cells from %d by %d leave [0, %d)", ax, n, first, step[ax], x.Shape[ax])
		}
	}
	if err := checkDst(dst, x.DType, dst.Shape); err != nil {
		return fmt.Errorf("slice: %w", err)
	}
	src := sourceIndex(dst.Shape, x.Shape, func(ax, c int) int { return begin[ax] + c*step[ax] })
	switch x.DType.Storage() {
	case StoreF32:
		gatherFlat(dst.F32, x.F32, src)
	case StoreF64:
		gatherFlat(dst.F64, x.F64, src)
	default:
		gatherFlat(dst.I64, x.I64, src)
	}
	return nil
}
