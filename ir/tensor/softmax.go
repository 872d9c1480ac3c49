package tensor

import (
	"fmt"
	"math"
)

// Softmax computes dst = exp(x - max) / sum(exp(x - max)) along axis (the
// opset-13 definition: one axis, not the flattened 2-D view of older
// opsets). With log set it computes log_softmax = x - max - log(sum). The
// max subtraction keeps exp from overflowing; sums are accumulated in
// float64. dst has x's type and shape; float types only.
func Softmax(dst, x *Tensor, axis int, log bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("softmax: want a float tensor, got %v", x)
	}
	if axis < 0 || axis >= x.Rank() {
		return fmt.Errorf("softmax: axis %d out of range for %v", axis, x)
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("softmax: %w", err)
	}
	outer := NumElems(x.Shape[:axis])
	n := x.Shape[axis]
	inner := NumElems(x.Shape[axis+1:])
	if x.DType == Float64 {
		softmaxLoop(dst.F64, x.F64, outer, n, inner, log)
	} else {
		softmaxLoop(dst.F32, x.F32, outer, n, inner, log)
		RoundToType(x.DType, dst.F32)
	}
	return nil
}

func softmaxLoop[T floatElem](d, x []T, outer, n, inner int, log bool) {
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			m := math.Inf(-1)
			for k := 0; k < n; k++ {
				m = max(m, float64(x[base+k*inner]))
			}
			sum := 0.0
			for k := 0; k < n; k++ {
				sum += math.Exp(float64(x[base+k*inner]) - m)
			}
			if log {
				ls := math.Log(sum)
				for k := 0; k < n; k++ {
					i := base + k*inner
					d[i] = T(float64(x[i]) - m - ls)
				}
			} else {
				for k := 0; k < n; k++ {
					i := base + k*inner
					d[i] = T(math.Exp(float64(x[i])-m) / sum)
				}
			}
		}
	}
}
