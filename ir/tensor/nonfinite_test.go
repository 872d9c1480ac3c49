package tensor

import (
	"math"
	"testing"
)

func TestCountNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	c := CountNonFinite(FromF32([]float32{nan, 1, inf, -inf, nan, nan, 0, -0.5}, 2, 4))
	if c != (NonFinite{NaN: 3, Inf: 2, Values: 8}) || !c.Any() || c.String() != "3 NaN and 2 Inf among 8 values" {
		t.Errorf("f32: %+v %q", c, c)
	}
	c.Add(CountNonFinite(&Tensor{DType: Float64, Shape: []int{2}, F64: []float64{math.Inf(-1), math.NaN()}}))
	if c != (NonFinite{NaN: 4, Inf: 3, Values: 10}) {
		t.Errorf("f32 + f64: %+v", c)
	}
	if c := CountNonFinite(FromI64(Int8, []int64{-128, 127}, 2)); c.Any() || c.Values != 2 {
		t.Errorf("int8: %+v", c)
	}
}

func TestNonFiniteFiles(t *testing.T) {
	var f NonFiniteFiles
	f.AddFile("a.npy", NonFinite{Values: 4})
	f.AddFile("b.npy", NonFinite{NaN: 1, Inf: 2, Values: 4})
	f.AddFile("c.npy", NonFinite{NaN: 3, Values: 4})
	if !f.Any() || f.String() != "4 NaN and 2 Inf among 8 values in 2 of 3 files (first: b.npy)" {
		t.Errorf("%+v: %q", f, f)
	}
}
