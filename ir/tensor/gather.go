package tensor

import "fmt"

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
