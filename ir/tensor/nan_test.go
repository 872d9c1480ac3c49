package tensor

import (
	"math"
	"testing"
)

// NaN and Inf through the float kernels: a zero weight does not hide a NaN
// or Inf input (0*NaN and 0*Inf are NaN, as onnxruntime computes them),
// and a max-pooling window holding a NaN gives NaN, on every kernel path
// and element type. ir/interp/nan_ort_test.go checks the same against
// onnxruntime's outputs.

func TestZeroWeightKeepsNaN(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := []float64{1, nan, 2, inf, 3, 4}
	for _, dt := range []DType{Float32, Float64} {
		mk := func(v []float64, shape ...int) *Tensor {
			t := New(dt, shape...)
			for i, f := range v {
				if dt == Float64 {
					t.F64[i] = f
				} else {
					t.F32[i] = float32(f)
				}
			}
			return t
		}
		// fc: x [1,6] against a weight row of zeros (and one of ones).
		w := mk([]float64{0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1}, 2, 6)
		y := New(dt, 1, 2)
		if err := FC(y, mk(x, 1, 6), w, nil); err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(y.Float64At(0)) || !math.IsNaN(y.Float64At(1)) {
			t.Errorf("%v fc: %v %v, want NaN NaN", dt, y.Float64At(0), y.Float64At(1))
		}
		// Depthwise (axpy) and im2col+gemm convolutions with a zero tap.
		for _, c := range []struct {
			x, w  []int
			group int
		}{{[]int{1, 1, 1, 6}, []int{1, 1, 1, 2}, 1}, {[]int{1, 2, 1, 3}, []int{1, 2, 1, 2}, 1}} {
			xs := mk(x, c.x...)
			ws := New(dt, c.w...)
			if dt == Float64 {
				ws.F64[0] = 1
			} else {
				ws.F32[0] = 1
			}
			p := ConvParams{Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, Group: c.group}
			out, err := ConvShape(xs.Shape, ws.Shape, p)
			if err != nil {
				t.Fatal(err)
			}
			y := New(dt, out...)
			if err := Conv(y, xs, ws, nil, p); err != nil {
				t.Fatal(err)
			}
			if !math.IsNaN(y.Float64At(0)) { // x[0]*1 + NaN*0
				t.Errorf("%v conv %v*%v: output 0 = %v, want NaN", dt, c.x, c.w, y.Float64At(0))
			}
		}
	}
}

func TestMaxPoolNaN(t *testing.T) {
	nan := math.NaN()
	// Windows of a 2x2/2 pool: NaN first, last, none, all.
	x := []float64{nan, 1, 5, 6, 1, 2, nan, nan,
		2, 3, 7, nan, 3, 4, nan, nan}
	want := []float64{nan, nan, 4, nan}
	cases := []PoolParams{
		{Kernel: []int{2, 2}, Strides: []int{2, 2}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}}, // 2x2 fast path
		{Kernel: []int{2, 2}, Strides: []int{2, 2}, Pads: []int{0, 0, 0, 1}, Dilations: []int{1, 1}}, // general loop (padding)
	}
	for _, dt := range []DType{Float32, Float64, Float16} {
		xs := New(dt, 1, 1, 2, 8)
		for i, v := range x {
			if dt == Float64 {
				xs.F64[i] = v
			} else {
				xs.F32[i] = float32(v)
			}
		}
		for _, p := range cases {
			out, _ := PoolShape(xs.Shape, p)
			y := New(dt, out...)
			if err := MaxPool(y, xs, p); err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				if g := y.Float64At(i); !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
					t.Errorf("%v pads %v: window %d = %v, want %v", dt, p.Pads, i, g, w)
				}
			}
		}
		g := New(dt, 1, 1, 1, 1)
		if err := GlobalMaxPool(g, xs); err != nil || !math.IsNaN(g.Float64At(0)) {
			t.Errorf("%v global max pool: %v (%v), want NaN", dt, g.Float64At(0), err)
		}
	}
}
