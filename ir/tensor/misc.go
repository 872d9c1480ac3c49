package tensor

import (
	"fmt"
	"math"
	"sort"
)

// Mod computes dst = a mod b with broadcasting (ONNX Mod). With fmod the
// result has the sign of a (C's fmod; required for floats), else that of b
// (Python's %, integers only). An integer b of 0 is an error.
func Mod(dst, a, b *Tensor, fmod bool) error {
	if err := checkStorage("a", a); err != nil {
		return err
	}
	if err := checkStorage("b", b); err != nil {
		return err
	}
	if a.DType != b.DType || a.DType == Bool {
		return fmt.Errorf("mod: element types %v and %v, want one numeric type", a.DType, b.DType)
	}
	if a.DType.IsFloat() && !fmod {
		return fmt.Errorf("mod: float inputs need fmod=1")
	}
	out, err := BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return fmt.Errorf("mod: %w", err)
	}
	if err := checkDst(dst, a.DType, out); err != nil {
		return fmt.Errorf("mod: %w", err)
	}
	var bad error
	forEachRow(out, [][]int{broadcastStrides(a.Shape, out), broadcastStrides(b.Shape, out)}, func(o int, offs []int, n int, inner []int) {
		for i := 0; i < n; i++ {
			ia, ib := offs[0]+i*inner[0], offs[1]+i*inner[1]
			switch a.DType.Storage() {
			case StoreF32:
				dst.F32[o+i] = float32(math.Mod(float64(a.F32[ia]), float64(b.F32[ib])))
			case StoreF64:
				dst.F64[o+i] = math.Mod(a.F64[ia], b.F64[ib])
			default:
				x, y := a.I64[ia], b.I64[ib]
				if y == 0 {
					bad = ErrDivByZero
					continue
				}
				var r int64
				if a.DType == Uint64 {
					r = int64(uint64(x) % uint64(y))
				} else {
					r = x % y // sign of x (Go truncates)
					if !fmod && r != 0 && (r < 0) != (y < 0) {
						r += y
					}
				}
				dst.I64[o+i] = a.DType.Wrap(r)
			}
		}
	})
	if bad != nil {
		return fmt.Errorf("mod: %w", bad)
	}
	RoundToType(a.DType, dst.F32)
	return nil
}

// Trilu keeps the lower (upper false) or upper triangle of the last two
// axes of x, from diagonal k on (ONNX Trilu), zeroing the rest.
func Trilu(dst, x *Tensor, upper bool, k int64) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	r := len(x.Shape)
	if r < 2 {
		return fmt.Errorf("trilu: input %v has rank %d, want at least 2", x, r)
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("trilu: %w", err)
	}
	rows, cols := x.Shape[r-2], x.Shape[r-1]
	for i := 0; i < x.Len(); i++ {
		row, col := int64((i/cols)%max(rows, 1)), int64(i%cols)
		keep := col-row <= k
		if upper {
			keep = col-row >= k
		}
		switch x.DType.Storage() {
		case StoreF32:
			dst.F32[i] = 0
			if keep {
				dst.F32[i] = x.F32[i]
			}
		case StoreF64:
			dst.F64[i] = 0
			if keep {
				dst.F64[i] = x.F64[i]
			}
		default:
			dst.I64[i] = 0
			if keep {
				dst.I64[i] = x.I64[i]
			}
		}
	}
	return nil
}

// CumSum writes the running sums of x along axis (ONNX CumSum): with
// exclusive each sum leaves out its own element, with reverse the sums run
// from the end. Floats sum in float64 and round each result; integers wrap.
func CumSum(dst, x *Tensor, axis int, exclusive, reverse bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType == Bool {
		return fmt.Errorf("cumsum: not defined on bool")
	}
	if axis < 0 || axis >= len(x.Shape) {
		return fmt.Errorf("cumsum: axis %d out of range for %v", axis, x)
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("cumsum: %w", err)
	}
	n, inner := x.Shape[axis], NumElems(x.Shape[axis+1:])
	outer := NumElems(x.Shape[:axis])
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			var fs float64
			var is int64
			for j := 0; j < n; j++ {
				k := j
				if reverse {
					k = n - 1 - j
				}
				i := (o*n+k)*inner + in
				if !exclusive {
					fs += x.Float64At(i)
					if !x.DType.IsFloat() {
						is += x.I64[i]
					}
				}
				switch x.DType.Storage() {
				case StoreF32:
					dst.F32[i] = roundScalar(x.DType, float32(fs))
				case StoreF64:
					dst.F64[i] = fs
				default:
					dst.I64[i] = x.DType.Wrap(is)
				}
				if exclusive {
					fs += x.Float64At(i)
					if !x.DType.IsFloat() {
						is += x.I64[i]
					}
				}
			}
		}
	}
	return nil
}

// GatherElements picks dst[i] = data[i with axis coordinate
// indices[i]] (ONNX GatherElements); indices has dst's shape, and a
// negative index counts from the end.
func GatherElements(dst, data, indices *Tensor, axis int) error {
	if err := checkStorage("data", data); err != nil {
		return err
	}
	if err := checkStorage("indices", indices); err != nil {
		return err
	}
	r := len(data.Shape)
	if axis < 0 || axis >= r || len(indices.Shape) != r || !indices.DType.IsInt() {
		return fmt.Errorf("gather_elements: indices %v and data %v at axis %d", indices, data, axis)
	}
	for ax, d := range indices.Shape {
		if ax != axis && d > data.Shape[ax] {
			return fmt.Errorf("gather_elements: indices %v exceed data %v on axis %d", indices, data, ax)
		}
	}
	if err := checkDst(dst, data.DType, indices.Shape); err != nil {
		return fmt.Errorf("gather_elements: %w", err)
	}
	dim := data.Shape[axis]
	for i := 0; i < indices.Len(); i++ {
		idx := unravelIndex(i, indices.Shape)
		k := indices.I64[i]
		if k < 0 {
			k += int64(dim)
		}
		if k < 0 || k >= int64(dim) {
			return fmt.Errorf("gather_elements: index %d out of range for axis %d of size %d", indices.I64[i], axis, dim)
		}
		idx[axis] = int(k)
		src := 0
		for ax := range idx {
			src = src*data.Shape[ax] + idx[ax]
		}
		switch data.DType.Storage() {
		case StoreF32:
			dst.F32[i] = data.F32[src]
		case StoreF64:
			dst.F64[i] = data.F64[src]
		default:
			dst.I64[i] = data.I64[src]
		}
	}
	return nil
}

func unravelIndex(o int, shape []int) []int {
	idx := make([]int, len(shape))
	for ax := len(shape) - 1; ax >= 0; ax-- {
		idx[ax] = o % shape[ax]
		o /= shape[ax]
	}
	return idx
}

// Hardmax writes 1 where x has the first maximum along axis and 0
// elsewhere (ONNX Hardmax from opset 13).
func Hardmax(dst, x *Tensor, axis int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("hardmax: want a float input, got %v", x)
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("hardmax: %w", err)
	}
	shape, err := ReduceShape(x.Shape, []int{axis}, true)
	if err != nil {
		return err
	}
	idx := New(Int64, shape...)
	if err := ArgExtreme(idx, x, axis, true, true, false); err != nil {
		return err
	}
	n, inner := x.Shape[axis], NumElems(x.Shape[axis+1:])
	for i := 0; i < x.Len(); i++ {
		o, k, in := i/(n*inner), (i/inner)%n, i%inner
		v := 0.0
		if int64(k) == idx.I64[o*inner+in] {
			v = 1
		}
		setFloats(dst, i, []float64{v})
	}
	return nil
}

// TopK writes the k largest (or, with smallest, the k smallest) values of
// x along axis, and their indices, sorted (ONNX TopK with sorted=1: among
// equal values the lower index first; a NaN counts as larger than
// everything, as in NumPy's sort).
func TopK(values, indices, x *Tensor, k, axis int, smallest bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType == Bool {
		return fmt.Errorf("top_k: not defined on bool")
	}
	if axis < 0 || axis >= len(x.Shape) || k < 0 || k > x.Shape[axis] {
		return fmt.Errorf("top_k: k=%d along axis %d of %v", k, axis, x)
	}
	shape := append([]int{}, x.Shape...)
	shape[axis] = k
	if err := checkDst(values, x.DType, shape); err != nil {
		return fmt.Errorf("top_k: %w", err)
	}
	if err := checkDst(indices, Int64, shape); err != nil {
		return fmt.Errorf("top_k: %w", err)
	}
	n, inner := x.Shape[axis], NumElems(x.Shape[axis+1:])
	outer := NumElems(x.Shape[:axis])
	unsigned := x.DType == Uint64
	// before reports whether element a sorts before element b.
	before := func(a, b int) bool {
		if x.DType.IsFloat() {
			va, vb := x.Float64At(a), x.Float64At(b)
			switch {
			case va != va || vb != vb: // NaN is the largest
				return (va != va) != smallest && (va != va) != (vb != vb)
			case smallest:
				return va < vb
			}
			return va > vb
		}
		if smallest {
			return lessInt(unsigned, x.I64[a], x.I64[b])
		}
		return lessInt(unsigned, x.I64[b], x.I64[a])
	}
	order := make([]int, n)
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			for j := range order {
				order[j] = j
			}
			// stable: equal values keep the lower index first
			sort.SliceStable(order, func(i, j int) bool { return before(base+order[i]*inner, base+order[j]*inner) })
			for j := 0; j < k; j++ {
				src, dst := base+order[j]*inner, (o*k+j)*inner+in
				indices.I64[dst] = int64(order[j])
				switch x.DType.Storage() {
				case StoreF32:
					values.F32[dst] = x.F32[src]
				case StoreF64:
					values.F64[dst] = x.F64[src]
				default:
					values.I64[dst] = x.I64[src]
				}
			}
		}
	}
	return nil
}
