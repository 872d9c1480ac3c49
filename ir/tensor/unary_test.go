package tensor

import (
	"math"
	"math/rand"
	"testing"
)

func TestUnaryFloat(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	inf := math.Inf(1)
	cases := []struct {
		p UnaryParams
		f func(x float64) float64
	}{
		{UnaryParams{Op: Relu}, func(x float64) float64 { return math.Max(x, 0) }},
		{UnaryParams{Op: LeakyRelu, Alpha: 0.1}, func(x float64) float64 {
			if x < 0 {
				return float64(float32(0.1)) * x
			}
			return x
		}},
		{UnaryParams{Op: Clip, Lo: -0.5, Hi: 0.25}, func(x float64) float64 { return math.Min(math.Max(x, -0.5), 0.25) }},
		{UnaryParams{Op: Clip, Lo: -inf, Hi: 6}, func(x float64) float64 { return math.Min(x, 6) }},
		{UnaryParams{Op: Sigmoid}, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{UnaryParams{Op: HardSigmoid, Alpha: 0.2, Beta: 0.5}, func(x float64) float64 { return math.Max(0, math.Min(1, 0.2*x+0.5)) }},
		{UnaryParams{Op: HardSwish}, func(x float64) float64 { return x * math.Max(0, math.Min(1, x/6+0.5)) }},
		{UnaryParams{Op: Tanh}, math.Tanh},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64, Float16} {
			x := toType(randF64(r, 5, 37), dt)
			for i := 0; i < 5; i++ { // a few large values
				v := float32(r.NormFloat64() * 50)
				if dt == Float64 {
					x.F64[i] = float64(v)
				} else {
					x.F32[i] = roundScalar(dt, v)
				}
			}
			dst := New(dt, x.Shape...)
			if err := Unary(dst, x, c.p); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, x.Len())
			for i := range want {
				want[i] = c.f(x.Float64At(i))
				if dt == Float16 {
					want[i] = float64(RoundF16(float32(want[i])))
				}
			}
			tol := 1e-6
			if dt == Float16 {
				tol = 1e-3 // one f16 ulp when float32 math lands next to a rounding boundary
			}
			closeTo(t, c.p.Op.String()+" "+dt.String(), dst, want, tol)
		}
	}
	// sigmoid does not overflow
	x := FromF32([]float32{-1000, 1000}, 2)
	dst := New(Float32, 2)
	if err := Unary(dst, x, UnaryParams{Op: Sigmoid}); err != nil || dst.F32[0] != 0 || dst.F32[1] != 1 {
		t.Fatalf("sigmoid(±1000) = %v, %v", dst.F32, err)
	}
}

func TestUnaryInt(t *testing.T) {
	x := FromI64(Uint8, []int64{0, 3, 200, 255}, 4)
	dst := New(Uint8, 4)
	if err := Unary(dst, x, UnaryParams{Op: Clip, Lo: 2.5, Hi: 200.7}); err != nil {
		t.Fatal(err)
	}
	if want := []int64{3, 3, 200, 200}; !sameI64(dst.I64, want) {
		t.Errorf("uint8 clip = %v, want %v", dst.I64, want)
	}
	y := FromI64(Int8, []int64{-128, -5, 7}, 3)
	d8 := New(Int8, 3)
	if err := Unary(d8, y, UnaryParams{Op: Relu}); err != nil || !sameI64(d8.I64, []int64{0, 0, 7}) {
		t.Errorf("int8 relu = %v, %v", d8.I64, err)
	}
	if err := Unary(d8, y, UnaryParams{Op: Clip, Lo: math.Inf(-1), Hi: 1e30}); err != nil || !sameI64(d8.I64, y.I64) {
		t.Errorf("int8 unbounded clip = %v, %v", d8.I64, err)
	}
	var u19 uint64 = 1e19
	u := FromI64(Uint64, []int64{-1, 5}, 2)
	du := New(Uint64, 2)
	if err := Unary(du, u, UnaryParams{Op: Clip, Lo: 6, Hi: 1e19}); err != nil || !sameI64(du.I64, []int64{int64(u19), 6}) {
		t.Errorf("uint64 clip = %v, %v", du.I64, err)
	}
	if err := Unary(d8, y, UnaryParams{Op: Sigmoid}); err == nil {
		t.Error("integer sigmoid accepted")
	}
}

func sameI64(a, b []int64) bool {
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

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	x := randF32(r, 2, 3, 4)
	x.F32[0] = 1000 // stability: must not overflow
	for axis := 0; axis < 3; axis++ {
		for _, log := range []bool{false, true} {
			dst := New(Float32, 2, 3, 4)
			if err := Softmax(dst, x, axis, log); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, x.Len())
			for o := range want {
				idx := unravel(o, x.Shape)
				m := math.Inf(-1)
				for k := 0; k < x.Shape[axis]; k++ {
					idx2 := append([]int{}, idx...)
					idx2[axis] = k
					m = math.Max(m, x.Float64At(ravel(idx2, x.Shape)))
				}
				s := 0.0
				for k := 0; k < x.Shape[axis]; k++ {
					idx2 := append([]int{}, idx...)
					idx2[axis] = k
					s += math.Exp(x.Float64At(ravel(idx2, x.Shape)) - m)
				}
				want[o] = math.Exp(x.Float64At(o)-m) / s
				if log {
					want[o] = x.Float64At(o) - m - math.Log(s)
				}
			}
			closeTo(t, "softmax", dst, want, 1e-6)
		}
	}
}

// TestReluF32Bits checks the branch-free relu on every class of float32:
// zeros of both signs, subnormals, extremes, infinities and NaNs of both
// signs, against the plain compare.
func TestReluF32Bits(t *testing.T) {
	bits := []uint32{0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x3F800000, 0xBF800000,
		0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0xFFFFFFFF}
	for i := uint32(0); i < 1<<16; i++ {
		bits = append(bits, i*65537+12345)
	}
	x := make([]float32, len(bits))
	for i, b := range bits {
		x[i] = math.Float32frombits(b)
	}
	d := make([]float32, len(x))
	reluF32(d, x)
	for i, v := range x {
		want := v
		if v < 0 {
			want = 0
		}
		if math.Float32bits(d[i]) != math.Float32bits(want) {
			t.Fatalf("relu(%#08x) = %#08x, want %#08x", bits[i], math.Float32bits(d[i]), math.Float32bits(want))
		}
	}
}
