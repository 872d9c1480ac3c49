package tensor

import "fmt"

// ReduceShape returns the shape of reducing x over axes (all axes when axes
// is empty), keeping reduced axes as size 1 when keepdims is set.
func ReduceShape(x []int, axes []int, keepdims bool) ([]int, error) {
	red, err := reducedAxes(len(x), axes)
	if err != nil {
		return nil, err
	}
	var out []int
	for i, d := range x {
		switch {
		case !red[i]:
			out = append(out, d)
		case keepdims:
			out = append(out, 1)
		}
	}
	if out == nil {
		out = []int{}
	}
	return out, nil
}

func reducedAxes(rank int, axes []int) ([]bool, error) {
	red := make([]bool, rank)
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
		return red, nil
	}
	for _, a := range axes {
		if a < 0 || a >= rank {
			return nil, fmt.Errorf("reduce: axis %d out of range for rank %d", a, rank)
		}
		if red[a] {
			return nil, fmt.Errorf("reduce: axis %d repeated in %v", a, axes)
		}
		red[a] = true
	}
	return red, nil
}

// ReduceMean computes the mean of x over axes (all when empty), summing in
// float64. Float types only (an integer mean is not exact).
func ReduceMean(dst, x *Tensor, axes []int, keepdims bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("reduce_mean: want a float input, got %v", x)
	}
	out, err := ReduceShape(x.Shape, axes, keepdims)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("reduce_mean: %w", err)
	}
	red, _ := reducedAxes(x.Rank(), axes)
	// Output index of every input element: strides of the kept axes.
	keptShape := make([]int, x.Rank())
	for i, d := range x.Shape {
		keptShape[i] = d
		if red[i] {
			keptShape[i] = 1
		}
	}
	st := broadcastStrides(keptShape, x.Shape)
	sums := make([]float64, NumElems(out))
	count := 0
	if len(sums) > 0 {
		count = x.Len() / len(sums)
	}
	forEachRow(x.Shape, [][]int{st}, func(o int, offs []int, n int, inner []int) {
		for i := 0; i < n; i++ {
			sums[offs[0]+i*inner[0]] += x.Float64At(o + i)
		}
	})
	for i, s := range sums {
		v := s / float64(count)
		if x.DType == Float64 {
			dst.F64[i] = v
		} else {
			dst.F32[i] = roundScalar(x.DType, float32(v))
		}
	}
	return nil
}
