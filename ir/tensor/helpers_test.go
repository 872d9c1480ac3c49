package tensor

import (
	"math"
	"math/rand"
	"testing"
)

func randF32(r *rand.Rand, shape ...int) *Tensor {
	t := New(Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32(r.NormFloat64())
	}
	return t
}

func randF64(r *rand.Rand, shape ...int) *Tensor {
	t := New(Float64, shape...)
	for i := range t.F64 {
		t.F64[i] = r.NormFloat64()
	}
	return t
}

// unravel turns a flat row-major offset into an index.
func unravel(o int, shape []int) []int {
	idx := make([]int, len(shape))
	for ax := len(shape) - 1; ax >= 0; ax-- {
		idx[ax] = o % shape[ax]
		o /= shape[ax]
	}
	return idx
}

func ravel(idx, shape []int) int {
	o := 0
	for ax := range shape {
		o = o*shape[ax] + idx[ax]
	}
	return o
}

// closeTo checks got against want (float64 reference) with a relative and
// absolute tolerance.
func closeTo(t *testing.T, what string, got *Tensor, want []float64, tol float64) {
	t.Helper()
	if got.Len() != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, got.Len(), len(want))
	}
	for i, w := range want {
		g := got.Float64At(i)
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if math.Abs(g-w) > tol*(1+math.Abs(w)) || math.IsNaN(g) != math.IsNaN(w) {
			t.Fatalf("%s: element %d (index %v) = %v, want %v", what, i, unravel(i, got.Shape), g, w)
		}
	}
}
