package tensor

import (
	"math"
	"strings"
	"testing"
)

// TestMathValues checks each math function on a few points against values
// computed by hand (or by the defining formula with other functions).
func TestMathValues(t *testing.T) {
	x := []float64{-2, -0.5, 0, 0.5, 2}
	cases := []struct {
		p    MathParams
		want []float64
	}{
		{MathParams{Op: Exp}, []float64{0.1353352832, 0.6065306597, 1, 1.6487212707, 7.3890560989}},
		{MathParams{Op: Abs}, []float64{2, 0.5, 0, 0.5, 2}},
		{MathParams{Op: Neg}, []float64{2, 0.5, 0, -0.5, -2}},
		{MathParams{Op: Reciprocal}, []float64{-0.5, -2, math.Inf(1), 2, 0.5}},
		{MathParams{Op: Floor}, []float64{-2, -1, 0, 0, 2}},
		{MathParams{Op: Ceil}, []float64{-2, -0, 0, 1, 2}},
		{MathParams{Op: Round}, []float64{-2, -0, 0, 0, 2}}, // half to even
		{MathParams{Op: Sign}, []float64{-1, -1, 0, 1, 1}},
		{MathParams{Op: Erf}, []float64{-0.9953222650, -0.5204998778, 0, 0.5204998778, 0.9953222650}},
		{MathParams{Op: Softsign}, []float64{-2.0 / 3, -1.0 / 3, 0, 1.0 / 3, 2.0 / 3}},
		{MathParams{Op: Softplus}, []float64{0.1269280110, 0.4740769842, 0.6931471806, 0.9740769842, 2.1269280110}},
		{MathParams{Op: Gelu}, []float64{-0.0455002639, -0.1542687694, 0, 0.3457312306, 1.9544997361}},
		{MathParams{Op: GeluTanh}, []float64{-0.0454023059, -0.1542859902, 0, 0.3457140098, 1.9545976941}},
		{MathParams{Op: Mish}, []float64{-0.2525014827, -0.2207437747, 0, 0.3752452113, 1.9439589595}},
		{MathParams{Op: Elu, Alpha: 2}, []float64{2 * (math.Exp(-2) - 1), 2 * (math.Exp(-0.5) - 1), 0, 0.5, 2}},
		{MathParams{Op: Selu, Alpha: 1.5, Gamma: 2}, []float64{3 * (math.Exp(-2) - 1), 3 * (math.Exp(-0.5) - 1), 0, 1, 4}},
		{MathParams{Op: Celu, Alpha: 2}, []float64{2 * (math.Exp(-1) - 1), 2 * (math.Exp(-0.25) - 1), 0, 0.5, 2}},
		{MathParams{Op: ThresholdedRelu, Alpha: 0.5}, []float64{0, 0, 0, 0, 2}},
		{MathParams{Op: Shrink, Alpha: 1, Beta: 0.25}, []float64{-1.75, 0, 0, 0, 1.75}},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			in := New(dt, len(x))
			for i, v := range x {
				setFloats(in, i, []float64{v})
			}
			out := New(dt, len(x))
			if err := Math(out, in, c.p); err != nil {
				t.Fatalf("%v %v: %v", c.p.Op, dt, err)
			}
			closeTo(t, c.p.Op.String()+"/"+dt.String(), out, c.want, 1e-6)
		}
	}
}

func TestMathIntegerAndBool(t *testing.T) {
	x := FromI64(Int8, []int64{-128, -3, 0, 5}, 4)
	for _, c := range []struct {
		op   MathOp
		want []int64
	}{
		{Abs, []int64{-128, 3, 0, 5}}, // |-128| wraps in int8, as NumPy's abs does
		{Neg, []int64{-128, 3, 0, -5}},
		{Sign, []int64{-1, -1, 0, 1}},
	} {
		out := New(Int8, 4)
		if err := Math(out, x, MathParams{Op: c.op}); err != nil {
			t.Fatal(err)
		}
		if !slicesEqual(out.I64, c.want) {
			t.Errorf("%v int8: got %v, want %v", c.op, out.I64, c.want)
		}
	}
	f := FromF32([]float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1)), 1}, 4)
	for _, c := range []struct {
		p    MathParams
		want []int64
	}{
		{MathParams{Op: IsNaN}, []int64{1, 0, 0, 0}},
		{MathParams{Op: IsInf, Alpha: 1, Beta: 1}, []int64{0, 1, 1, 0}},
		{MathParams{Op: IsInf, Alpha: 0, Beta: 1}, []int64{0, 0, 1, 0}},
	} {
		out := New(Bool, 4)
		if err := Math(out, f, c.p); err != nil {
			t.Fatal(err)
		}
		if !slicesEqual(out.I64, c.want) {
			t.Errorf("%v: got %v, want %v", c.p, out.I64, c.want)
		}
	}
	b := FromI64(Bool, []int64{1, 0}, 2)
	out := New(Bool, 2)
	if err := Math(out, b, MathParams{Op: Not}); err != nil || !slicesEqual(out.I64, []int64{0, 1}) {
		t.Errorf("not: %v %v", out.I64, err)
	}
	for _, c := range []struct {
		x    *Tensor
		p    MathParams
		want string
	}{
		{FromI64(Int32, []int64{1}, 1), MathParams{Op: Exp}, "want a float input"},
		{b, MathParams{Op: Abs}, "not defined on bool"},
		{f, MathParams{Op: Not}, "want a bool input"},
	} {
		err := Math(New(c.x.DType, 1), c.x, c.p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v on %v: error %v, want %q", c.p.Op, c.x, err, c.want)
		}
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCompareWherePow(t *testing.T) {
	a := FromF32([]float32{1, 2, 3, float32(math.NaN())}, 4)
	b := FromF32([]float32{2}, 1)
	for _, c := range []struct {
		op   CompareOp
		want []int64
	}{
		{CmpEqual, []int64{0, 1, 0, 0}},
		{CmpLess, []int64{1, 0, 0, 0}},
		{CmpLessOrEqual, []int64{1, 1, 0, 0}},
		{CmpGreater, []int64{0, 0, 1, 0}},
		{CmpGreaterOrEqual, []int64{0, 1, 1, 0}},
	} {
		out := New(Bool, 4)
		if err := Compare(out, a, b, c.op); err != nil || !slicesEqual(out.I64, c.want) {
			t.Errorf("%v: got %v (%v), want %v", c.op, out.I64, err, c.want)
		}
	}
	// uint64 compares unsigned: 2^63 > 1
	u := FromI64(Uint64, []int64{math.MinInt64}, 1)
	one := FromI64(Uint64, []int64{1}, 1)
	out := New(Bool, 1)
	if err := Compare(out, u, one, CmpGreater); err != nil || out.I64[0] != 1 {
		t.Errorf("uint64 2^63 > 1: got %v (%v)", out.I64, err)
	}
	p := FromI64(Bool, []int64{0, 0, 1, 1}, 2, 2)
	q := FromI64(Bool, []int64{0, 1}, 2)
	for _, c := range []struct {
		op   CompareOp
		want []int64
	}{{And, []int64{0, 0, 0, 1}}, {Or, []int64{0, 1, 1, 1}}, {Xor, []int64{0, 1, 1, 0}}} {
		out := New(Bool, 2, 2)
		if err := Compare(out, p, q, c.op); err != nil || !slicesEqual(out.I64, c.want) {
			t.Errorf("%v: got %v (%v), want %v", c.op, out.I64, err, c.want)
		}
	}
	if err := Compare(New(Bool, 4), a, a, And); err == nil {
		t.Error("and of floats: no error")
	}
	// where broadcasts all three operands
	cond := FromI64(Bool, []int64{1, 0}, 2, 1)
	x := FromF32([]float32{1, 2, 3}, 3)
	y := FromF32([]float32{-1}, 1)
	w := New(Float32, 2, 3)
	if err := Where(w, cond, x, y); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "where", w, []float64{1, 2, 3, -1, -1, -1}, 0)
	// pow: float base with an int exponent, exact int powers, negative exponents
	pw := New(Float32, 3)
	if err := Pow(pw, FromF32([]float32{2, -3, 4}, 3), FromI64(Int64, []int64{3, 2, -1}, 3)); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "pow f32^i64", pw, []float64{8, 9, 0.25}, 0)
	pi := New(Int64, 3)
	if err := Pow(pi, FromI64(Int64, []int64{3, -1, 7}, 3), FromI64(Int64, []int64{39, -3, -1}, 3)); err != nil {
		t.Fatal(err)
	}
	if want := []int64{4052555153018976267, -1, 0}; !slicesEqual(pi.I64, want) {
		t.Errorf("pow int64: got %v, want %v", pi.I64, want)
	}
}
