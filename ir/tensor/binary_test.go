package tensor

import (
	"errors"
	"math"
	"math/rand"
	"testing"
)

// naiveBroadcast evaluates f at every output index by mapping it to each
// operand independently (right-aligned, size-1 axes pinned to 0).
func naiveBroadcast(out []int, shapes [][]int, f func(offs []int) float64) []float64 {
	res := make([]float64, NumElems(out))
	for o := range res {
		idx := unravel(o, out)
		offs := make([]int, len(shapes))
		for k, s := range shapes {
			sub := make([]int, len(s))
			for i := range s {
				j := idx[len(out)-len(s)+i]
				if s[i] == 1 {
					j = 0
				}
				sub[i] = j
			}
			offs[k] = ravel(sub, s)
		}
		res[o] = f(offs)
	}
	return res
}

func TestBroadcastShape(t *testing.T) {
	cases := []struct {
		a, b, want []int
		ok         bool
	}{
		{[]int{2, 3}, []int{3}, []int{2, 3}, true},
		{[]int{2, 1, 4}, []int{3, 1}, []int{2, 3, 4}, true},
		{[]int{}, []int{5}, []int{5}, true},
		{[]int{1}, []int{0}, []int{0}, true},
		{[]int{2, 3}, []int{2}, nil, false},
	}
	for _, c := range cases {
		got, err := BroadcastShape(c.a, c.b)
		if (err == nil) != c.ok || (c.ok && !SameShape(got, c.want)) {
			t.Errorf("BroadcastShape(%v, %v) = %v, %v; want %v", c.a, c.b, got, err, c.want)
		}
	}
}

func randBroadcastPair(r *rand.Rand) ([]int, []int) {
	rank := r.Intn(5)
	out := make([]int, rank)
	for i := range out {
		out[i] = 1 + r.Intn(4)
	}
	pick := func() []int {
		drop := r.Intn(rank + 1)
		s := append([]int{}, out[drop:]...)
		for i := range s {
			if r.Intn(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	return pick(), pick()
}

func TestBinaryFloatBroadcast(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	ops := map[BinaryOp]func(a, b float64) float64{
		Add: func(a, b float64) float64 { return a + b },
		Sub: func(a, b float64) float64 { return a - b },
		Mul: func(a, b float64) float64 { return a * b },
		Div: func(a, b float64) float64 { return a / b },
		Max: math.Max,
		Min: math.Min,
		PRelu: func(a, b float64) float64 {
			if a < 0 {
				return a * b
			}
			return a
		},
	}
	for iter := 0; iter < 300; iter++ {
		as, bs := randBroadcastPair(r)
		for op, f := range ops {
			for _, dt := range []DType{Float32, Float64, Float16} {
				a, b := toType(randF64(r, as...), dt), toType(randF64(r, bs...), dt)
				out, err := BroadcastShape(as, bs)
				if err != nil {
					t.Fatal(err)
				}
				want := naiveBroadcast(out, [][]int{as, bs}, func(o []int) float64 {
					v := f(a.Float64At(o[0]), b.Float64At(o[1]))
					switch dt {
					case Float32:
						v = float64(float32(v))
					case Float16:
						v = float64(RoundF16(float32(v)))
					}
					return v
				})
				dst := New(dt, out...)
				if err := Binary(dst, a, b, op); err != nil {
					t.Fatalf("%v %v %v: %v", op, a, b, err)
				}
				closeTo(t, op.String()+" "+dt.String(), dst, want, 0) // exact
			}
		}
	}
}

func TestBinaryInt(t *testing.T) {
	i64 := func(dt DType, v ...int64) *Tensor { return FromI64(dt, v, len(v)) }
	cases := []struct {
		op      BinaryOp
		dt      DType
		a, b, w []int64
	}{
		{Add, Int8, []int64{127, -128, 5}, []int64{1, -1, 3}, []int64{-128, 127, 8}},
		{Sub, Uint8, []int64{0, 10}, []int64{1, 3}, []int64{255, 7}},
		{Mul, Int16, []int64{300, -2}, []int64{300, 3}, []int64{int64(int16(90000 - 65536*1)), -6}},
		{Mul, Uint32, []int64{1 << 31}, []int64{2}, []int64{0}},
		{Div, Int32, []int64{-7, 7, -7, math.MinInt32}, []int64{2, -2, -2, -1}, []int64{-3, -3, 3, math.MinInt32}},
		{Div, Int64, []int64{math.MinInt64}, []int64{-1}, []int64{math.MinInt64}},
		{Div, Uint64, []int64{-1}, []int64{2}, []int64{math.MaxInt64}}, // (2^64-1)/2
		{Max, Uint64, []int64{-1, 5}, []int64{3, 7}, []int64{-1, 7}},   // 2^64-1 > 3
		{Min, Uint64, []int64{-1, 5}, []int64{3, 7}, []int64{3, 5}},
		{Max, Int64, []int64{-1, 5}, []int64{3, 7}, []int64{3, 7}},
		{PRelu, Int32, []int64{-4, 4}, []int64{3, 3}, []int64{-12, 4}},
		{Add, Uint16, []int64{65535}, []int64{1}, []int64{0}},
	}
	for _, c := range cases {
		dst := New(c.dt, len(c.w))
		if err := Binary(dst, i64(c.dt, c.a...), i64(c.dt, c.b...), c.op); err != nil {
			t.Fatalf("%v %v: %v", c.op, c.dt, err)
		}
		for i := range c.w {
			if dst.I64[i] != c.w[i] {
				t.Errorf("%v %v: %v op %v = %v, want %v", c.op, c.dt, c.a, c.b, dst.I64, c.w)
				break
			}
		}
	}
	err := Binary(New(Int32, 1), i64(Int32, 1), i64(Int32, 0), Div)
	if !errors.Is(err, ErrDivByZero) {
		t.Errorf("integer division by zero: got %v", err)
	}
	if err := Binary(New(Int32, 1), i64(Int32, 1), i64(Int64, 1), Add); err == nil {
		t.Error("mixed types accepted")
	}
	// broadcasting with integers against the naive evaluator
	r := rand.New(rand.NewSource(6))
	for iter := 0; iter < 100; iter++ {
		as, bs := randBroadcastPair(r)
		a, b := New(Int8, as...), New(Int8, bs...)
		for i := range a.I64 {
			a.I64[i] = int64(int8(r.Intn(256)))
		}
		for i := range b.I64 {
			b.I64[i] = int64(int8(r.Intn(256)))
		}
		out, _ := BroadcastShape(as, bs)
		dst := New(Int8, out...)
		if err := Binary(dst, a, b, Mul); err != nil {
			t.Fatal(err)
		}
		want := naiveBroadcast(out, [][]int{as, bs}, func(o []int) float64 {
			return float64(int8(a.I64[o[0]] * b.I64[o[1]]))
		})
		closeTo(t, "int8 mul", dst, want, 0)
	}
}

func TestVariadic(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	a, b, c := randF32(r, 3, 1), randF32(r, 4), randF32(r, 1, 1)
	dst := New(Float32, 3, 4)
	if err := Variadic(dst, Add, a, b, c); err != nil {
		t.Fatal(err)
	}
	want := naiveBroadcast([]int{3, 4}, [][]int{a.Shape, b.Shape, c.Shape}, func(o []int) float64 {
		return float64(a.F32[o[0]] + b.F32[o[1]] + c.F32[o[2]])
	})
	closeTo(t, "sum", dst, want, 0)
	if err := Variadic(dst, Max, a, b, c); err != nil {
		t.Fatal(err)
	}
	want = naiveBroadcast([]int{3, 4}, [][]int{a.Shape, b.Shape, c.Shape}, func(o []int) float64 {
		return math.Max(math.Max(float64(a.F32[o[0]]), float64(b.F32[o[1]])), float64(c.F32[o[2]]))
	})
	closeTo(t, "max", dst, want, 0)
	// a single input is a copy
	one := New(Float32, 3, 1)
	if err := Variadic(one, Min, a); err != nil || !Equal(one, a) {
		t.Fatalf("single-input min: %v", err)
	}
}

func TestBinaryF16Rounding(t *testing.T) {
	// 1 + 2^-11 is a tie between 1 and 1+2^-10 in float16: ties to even -> 1.
	a := &Tensor{DType: Float16, Shape: []int{2}, F32: []float32{1, 1 + 1.0/1024}}
	b := &Tensor{DType: Float16, Shape: []int{2}, F32: []float32{1.0 / 2048, 1.0 / 2048}}
	dst := New(Float16, 2)
	if err := Binary(dst, a, b, Add); err != nil {
		t.Fatal(err)
	}
	if dst.F32[0] != 1 || dst.F32[1] != 1+2.0/1024 {
		t.Fatalf("f16 add = %v, want [1 %v]", dst.F32, 1+2.0/1024)
	}
	big := &Tensor{DType: Float16, Shape: []int{1}, F32: []float32{65504}}
	over := New(Float16, 1)
	if err := Binary(over, big, big, Add); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(float64(over.F32[0]), 1) {
		t.Fatalf("f16 65504+65504 = %v, want +Inf", over.F32[0])
	}
}
