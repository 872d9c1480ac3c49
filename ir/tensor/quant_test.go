package tensor

import (
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// specRoundShift is docs/ISA.md §2's roundshift written with exact
// rationals: x/2^s rounded by mode.
func specRoundShiftQ(x int64, s uint, mode RoundMode) int64 {
	q := new(big.Rat).SetFrac(big.NewInt(x), new(big.Int).Lsh(big.NewInt(1), s))
	floor := func(r *big.Rat) *big.Int {
		n, d := r.Num(), r.Denom()
		z, m := new(big.Int).DivMod(n, d, new(big.Int)) // Euclidean: m >= 0, so z is the floor
		_ = m
		return z
	}
	half := big.NewRat(1, 2)
	var out *big.Int
	switch mode {
	case RoundUp:
		out = floor(new(big.Rat).Add(q, half))
	case RoundAway:
		a := new(big.Rat).Abs(q)
		out = floor(new(big.Rat).Add(a, half))
		if q.Sign() < 0 {
			out.Neg(out)
		}
	case RoundEven:
		f := floor(q)
		frac := new(big.Rat).Sub(q, new(big.Rat).SetInt(f))
		switch frac.Cmp(half) {
		case 1:
			f.Add(f, big.NewInt(1))
		case 0:
			if f.Bit(0) == 1 {
				f.Add(f, big.NewInt(1))
			}
		}
		out = f
	case RoundFloor:
		out = floor(q)
	}
	return out.Int64()
}

func TestRoundShiftMatchesSpec(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	edges := []int64{0, 1, -1, 2, -2, 3, -3, 5, -5, 6, -6, 7, -7, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 1 << 62, -(1 << 62)}
	for s := uint(0); s <= 63; s++ {
		xs := append([]int64{}, edges...)
		if s > 0 {
			h := int64(1) << (s - 1)
			xs = append(xs, h, -h, 3*h, -3*h, h-1, -h+1, h+1, -h-1)
		}
		for i := 0; i < 200; i++ {
			xs = append(xs, int64(r.Uint64()), r.Int63n(1<<20)-1<<19)
		}
		for _, x := range xs {
			for mode := RoundUp; mode <= RoundFloor; mode++ {
				if got, want := RoundShift(x, s, mode), specRoundShiftQ(x, s, mode); got != want {
					t.Fatalf("RoundShift(%d, %d, %s) = %d, want %d", x, s, mode, got, want)
				}
			}
		}
	}
}

func TestRoundShiftTies(t *testing.T) {
	// 5/2 = 2.5 and -5/2 = -2.5 under each mode (ISA §2).
	for _, c := range []struct {
		mode     RoundMode
		pos, neg int64
	}{{RoundUp, 3, -2}, {RoundAway, 3, -3}, {RoundEven, 2, -2}, {RoundFloor, 2, -3}} {
		if p, n := RoundShift(5, 1, c.mode), RoundShift(-5, 1, c.mode); p != c.pos || n != c.neg {
			t.Errorf("%s: 2.5 -> %d, -2.5 -> %d; want %d, %d", c.mode, p, n, c.pos, c.neg)
		}
	}
}

func TestParseRoundMode(t *testing.T) {
	for m := RoundUp; m <= RoundFloor; m++ {
		if got, err := ParseRoundMode(m.String()); err != nil || got != m {
			t.Errorf("ParseRoundMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseRoundMode("nearest"); err == nil {
		t.Error("ParseRoundMode accepted nearest")
	}
}

func TestRequantSaturationPoints(t *testing.T) {
	// acc+bias saturates to int32 before the multiply (vrq's sat32).
	if got := Requant(math.MaxInt32, 10, 1, 0, RoundUp, math.MinInt32, math.MaxInt32); got != math.MaxInt32 {
		t.Errorf("sat32 of acc+bias: got %d", got)
	}
	if got := Requant(math.MinInt32, -10, 2, 1, RoundUp, math.MinInt32, math.MaxInt32); got != math.MinInt32 {
		t.Errorf("negative sat32: got %d", got)
	}
	// product of two int32 in int64, then shift, then clamp.
	if got := Requant(1000, 24, 3<<20, 20, RoundUp, -128, 127); got != 127 {
		t.Errorf("clamp hi: got %d", got)
	}
	if got := Requant(-7, 0, 1<<29, 30, RoundUp, 0, 255); got != 0 { // -3.5 -> -3 -> clamp 0
		t.Errorf("clamp lo: got %d", got)
	}
	if got := Requant(-7, 0, 1<<29, 30, RoundUp, -10, 10); got != -3 {
		t.Errorf("round up of -3.5: got %d", got)
	}
}

func TestAvgMultiplier(t *testing.T) {
	for c := 1; c <= 300; c++ {
		for _, s := range []uint{0, 1, 7, 20, 30, 61} {
			// round(2^s / c), ties up, with exact rationals.
			q := new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(1), s), big.NewInt(int64(c)))
			q.Add(q, big.NewRat(1, 2))
			want := new(big.Int).Quo(q.Num(), q.Denom()).Int64()
			if got := AvgMultiplier(c, s); got != want {
				t.Fatalf("AvgMultiplier(%d, %d) = %d, want %d", c, s, got, want)
			}
		}
	}
}

func TestQuantizeDequantize(t *testing.T) {
	x := FromF32([]float32{0, 0.5, 1.5, 2.5, -0.5, -2.5, 1000, -1000, float32(math.NaN()), 0.49}, 10)
	q := New(Int8, 10)
	if err := QuantizeF32(q, x, 1, -128, 127); err != nil {
		t.Fatal(err)
	}
	want := []int64{0, 0, 2, 2, 0, -2, 127, -128, 0, 0} // ties to even, clamp, NaN -> 0
	for i, w := range want {
		if q.I64[i] != w {
			t.Errorf("quantize %v: got %d, want %d", x.F32[i], q.I64[i], w)
		}
	}
	y := New(Float32, 10)
	if err := Dequantize(y, q, 0.25); err != nil {
		t.Fatal(err)
	}
	if y.F32[2] != 0.5 || y.F32[6] != 31.75 {
		t.Errorf("dequantize: %v", y.F32)
	}
	if err := QuantizeF32(q, x, 0, 0, 1); err == nil {
		t.Error("scale 0 accepted")
	}
	if err := Dequantize(y, x, 1); err == nil {
		t.Error("dequantize of a float tensor accepted")
	}
}

func randQInts(r *rand.Rand, dt DType, lo, hi int64, shape ...int) *Tensor {
	t := New(dt, shape...)
	for i := range t.I64 {
		t.I64[i] = lo + r.Int63n(hi-lo+1)
	}
	return t
}

// naiveConv is the convolution sum written straight from its definition.
func naiveQConv(x, w *Tensor, p ConvParams, out []int) []int64 {
	twoD := len(x.Shape) == 4
	at := func(t *Tensor, idx ...int) int64 {
		off := 0
		for d, i := range idx {
			off = off*t.Shape[d] + i
		}
		return t.I64[off]
	}
	n, c, f := x.Shape[0], x.Shape[1], w.Shape[0]
	cg, fg := c/p.Group, f/p.Group
	ih, kh, oh := 1, 1, 1
	iw, kw, ow := x.Shape[len(x.Shape)-1], w.Shape[len(w.Shape)-1], out[len(out)-1]
	sh, dh, ph := 1, 1, 0
	sw, dw, pw := p.Strides[len(p.Strides)-1], p.Dilations[len(p.Dilations)-1], p.Pads[len(p.Strides)-1]
	if twoD {
		ih, kh, oh = x.Shape[2], w.Shape[2], out[2]
		sh, dh, ph = p.Strides[0], p.Dilations[0], p.Pads[0]
	}
	var res []int64
	for b := 0; b < n; b++ {
		for fo := 0; fo < f; fo++ {
			g := fo / fg
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var s int64
					for ci := 0; ci < cg; ci++ {
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								iy, ix := oy*sh+ky*dh-ph, ox*sw+kx*dw-pw
								if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
									continue
								}
								if twoD {
									s += at(w, fo, ci, ky, kx) * at(x, b, g*cg+ci, iy, ix)
								} else {
									s += at(w, fo, ci, kx) * at(x, b, g*cg+ci, ix)
								}
							}
						}
					}
					res = append(res, s)
				}
			}
		}
	}
	return res
}

func TestQConvAccMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	cases := []struct {
		x, w []int
		p    ConvParams
	}{
		{[]int{1, 3, 7, 6}, []int{4, 3, 3, 3}, ConvParams{[]int{1, 1}, []int{1, 1, 1, 1}, []int{1, 1}, 1}},
		{[]int{2, 4, 9, 8}, []int{6, 2, 3, 2}, ConvParams{[]int{2, 1}, []int{0, 2, 1, 0}, []int{1, 2}, 2}},
		{[]int{1, 4, 5, 5}, []int{4, 1, 3, 3}, ConvParams{[]int{1, 2}, []int{2, 2, 2, 2}, []int{2, 1}, 4}},
		{[]int{2, 2, 11}, []int{3, 2, 4}, ConvParams{[]int{3}, []int{2, 1}, []int{2}, 1}},
	}
	for _, c := range cases {
		x := randQInts(r, Uint8, 0, 255, c.x...)
		w := randQInts(r, Int8, -127, 127, c.w...)
		shape, err := ConvShape(c.x, c.w, c.p)
		if err != nil {
			t.Fatal(err)
		}
		acc := New(Int64, shape...)
		if err := QConvAcc(acc, x, w, c.p); err != nil {
			t.Fatal(err)
		}
		want := naiveQConv(x, w, c.p, shape)
		for i := range want {
			if acc.I64[i] != want[i] {
				t.Fatalf("%v: element %d = %d, want %d", c, i, acc.I64[i], want[i])
			}
		}
	}
}

func TestQFCAccAndRequantChannels(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	x := randQInts(r, Uint8, 0, 15, 3, 40)
	w := randQInts(r, Int8, -7, 7, 5, 40)
	acc := New(Int64, 3, 5)
	if err := QFCAcc(acc, x, w); err != nil {
		t.Fatal(err)
	}
	bias := []int64{-100, 0, 7, 300, -1}
	mult := []int64{1 << 20, 3 << 19, 12345, -(1 << 18), 999999}
	y := New(Int8, 3, 5)
	if err := RequantChannels(y, acc, 1, bias, mult, 24, RoundUp, -8, 7); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 5; j++ {
			var s int64
			for k := 0; k < 40; k++ {
				s += x.I64[i*40+k] * w.I64[j*40+k]
			}
			if acc.I64[i*5+j] != s {
				t.Fatalf("acc[%d,%d] = %d, want %d", i, j, acc.I64[i*5+j], s)
			}
			// vrq by hand: floor((s+b)*m / 2^24 + 1/2), clamped.
			v := new(big.Rat).SetFrac(big.NewInt((s+bias[j])*mult[j]), big.NewInt(1<<24))
			v.Add(v, big.NewRat(1, 2))
			q := new(big.Int).Div(v.Num(), v.Denom()).Int64() // Euclidean = floor for positive denominators
			q = min(max(q, -8), 7)
			if y.I64[i*5+j] != q {
				t.Fatalf("y[%d,%d] = %d, want %d", i, j, y.I64[i*5+j], q)
			}
		}
	}
	if err := RequantChannels(y, acc, 1, bias[:2], mult, 24, RoundUp, -8, 7); err == nil {
		t.Error("wrong bias length accepted")
	}
	if err := QFCAcc(acc, randQInts(r, Int32, 1<<20, 1<<21, 3, 40), w); err == nil {
		t.Error("operands beyond 16 bits accepted")
	}
}

func TestQAvgPoolMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, inc := range []bool{false, true} {
		for _, ceil := range []bool{false, true} {
			p := PoolParams{Kernel: []int{3, 2}, Strides: []int{2, 2}, Pads: []int{1, 0, 1, 1}, Dilations: []int{1, 1}, CeilMode: ceil, CountIncludePad: inc}
			x := randQInts(r, Uint8, 0, 255, 2, 3, 6, 7)
			shape, err := PoolShape(x.Shape, p)
			if err != nil {
				t.Fatal(err)
			}
			y := New(Uint8, shape...)
			if err := QAvgPool(y, x, p, 30, RoundUp, 0, 255); err != nil {
				t.Fatal(err)
			}
			// Float average pooling of the same codes: the integer result
			// is within one code of round(mean).
			xf := New(Float64, x.Shape...)
			for i, v := range x.I64 {
				xf.F64[i] = float64(v)
			}
			yf := New(Float64, shape...)
			if err := AvgPool(yf, xf, p); err != nil {
				t.Fatal(err)
			}
			// And exactly the definition: window sum S and count n by hand.
			oh, ow := shape[2], shape[3]
			for pl := 0; pl < 6; pl++ {
				for oy := 0; oy < oh; oy++ {
					for ox := 0; ox < ow; ox++ {
						var s int64
						n, np := 0, 0
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 2; kx++ {
								iy, ix := oy*2+ky-1, ox*2+kx-0
								if iy >= -1 && iy < 6+1 && ix >= 0 && ix < 7+1 {
									np++
								}
								if iy >= 0 && iy < 6 && ix >= 0 && ix < 7 {
									s += x.I64[(pl*6+iy)*7+ix]
									n++
								}
							}
						}
						if inc {
							n = np
						}
						want := RoundShift(s*AvgMultiplier(n, 30), 30, RoundUp)
						got := y.I64[(pl*oh+oy)*ow+ox]
						if got != want {
							t.Fatalf("inc=%v ceil=%v: out[%d,%d,%d] = %d, want %d", inc, ceil, pl, oy, ox, got, want)
						}
						if f := yf.F64[(pl*oh+oy)*ow+ox]; math.Abs(float64(got)-f) > 0.5+1e-6 {
							t.Fatalf("out %d is more than half a code from the mean %v", got, f)
						}
					}
				}
			}
		}
	}
}

func TestQGlobalAvgPool(t *testing.T) {
	x := FromI64(Int8, []int64{1, 2, 3, 4, -1, -2, -2, -2}, 1, 2, 2, 2)
	y := New(Int8, 1, 2, 1, 1)
	if err := QGlobalAvgPool(y, x, 30, RoundUp, -128, 127); err != nil {
		t.Fatal(err)
	}
	if y.I64[0] != 3 || y.I64[1] != -2 { // 2.5 -> 3 (up), -1.75 -> -2
		t.Errorf("got %v", y.I64)
	}
}

func TestQAddFollowsISASequence(t *testing.T) {
	a := FromI64(Uint8, []int64{0, 10, 255, 255}, 4)
	b := FromI64(Int8, []int64{-128, 5, 127, -1}, 4)
	y := New(Int32, 4)
	mults := []int64{3 << 20, 1 << 30}
	shifts := []uint{4, 2}
	if err := QAdd(y, []*Tensor{a, b}, mults, shifts, 1<<29, 40, RoundUp, math.MinInt32, math.MaxInt32); err != nil {
		t.Fatal(err)
	}
	for i := range y.I64 {
		ta := specRoundShiftQ(a.I64[i]*mults[0], shifts[0], RoundUp)
		tb := specRoundShiftQ(b.I64[i]*mults[1], shifts[1], RoundUp)
		s := min(max(ta+tb, math.MinInt32), math.MaxInt32)
		want := specRoundShiftQ(s*(1<<29), 40, RoundUp)
		if y.I64[i] != want {
			t.Errorf("element %d: got %d, want %d", i, y.I64[i], want)
		}
	}
	// The vadd saturates: two large terms clamp to int32 before the vrq.
	big := FromI64(Int32, []int64{1 << 30}, 1)
	z := New(Int64, 1)
	if err := QAdd(z, []*Tensor{big, big, big}, []int64{1, 1, 1}, []uint{0, 0, 0}, 1, 0, RoundUp, math.MinInt32, math.MaxInt32); err != nil {
		t.Fatal(err)
	}
	if z.I64[0] != math.MaxInt32 {
		t.Errorf("saturating vadd: got %d", z.I64[0])
	}
	if err := QAdd(z, []*Tensor{a, FromI64(Int8, []int64{1}, 1)}, mults, shifts, 1, 0, RoundUp, 0, 1); err == nil {
		t.Error("mismatched shapes accepted")
	}
}

func TestQClipAndRescale(t *testing.T) {
	x := FromI64(Int8, []int64{-5, 0, 3, 100}, 4)
	y := New(Uint8, 4)
	if err := QClip(y, x, 0, 6); err != nil {
		t.Fatal(err)
	}
	if y.I64[0] != 0 || y.I64[2] != 3 || y.I64[3] != 6 {
		t.Errorf("qclip: %v", y.I64)
	}
	if err := QRescale(y, x, 1, 0, RoundUp, 0, 255); err != nil || y.I64[3] != 100 || y.I64[0] != 0 {
		t.Errorf("identity rescale: %v %v", y.I64, err)
	}
	if err := QClip(y, x, 3, 2); err == nil {
		t.Error("empty range accepted")
	}
}

// TestQuantizeNaNInf: pimc's quantization rule for non-finite values, in
// QuantizeF32 (the quantize op) and QuantizeLinear (QDQ rounding): ±Inf
// saturate to the range, NaN (of either sign) is the zero point, clamped
// into the range when the range excludes it. onnxruntime-node 1.31.1 (CPU)
// differs on NaN only: a one-node QuantizeLinear model (scale 0.5) maps
// [NaN, Inf, -Inf, 1, -1, 1000, -1000, -NaN] to [0 255 0 12 8 255 0 0]
// with uint8 zero point 10 and to [-128 127 -128 -1 -5 127 -128 -128] with
// int8 zero point -3: NaN becomes the type's minimum (docs/QUANT.md §10).
func TestQuantizeNaNInf(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negNaN := float32(math.Copysign(math.NaN(), -1))
	x := FromF32([]float32{nan, inf, -inf, negNaN, 3}, 5)
	for _, c := range []struct {
		lo, hi int64
		want   []int64
	}{
		{-128, 127, []int64{0, 127, -128, 0, 6}},
		{0, 15, []int64{0, 15, 0, 0, 6}},
		{2, 5, []int64{2, 5, 2, 2, 5}}, // 0 outside the range: clamped
	} {
		q := New(Int64, 5)
		if err := QuantizeF32(q, x, 0.5, c.lo, c.hi); err != nil {
			t.Fatal(err)
		}
		if !sameI64(q.I64, c.want) {
			t.Errorf("QuantizeF32 [%d, %d]: %v, want %v", c.lo, c.hi, q.I64, c.want)
		}
	}
	for _, c := range []struct {
		dt   DType
		zp   int64
		want []int64
	}{
		{Uint8, 10, []int64{10, 255, 0, 10, 16}},
		{Int8, -3, []int64{-3, 127, -128, -3, 3}},
	} {
		q := New(c.dt, 5)
		if err := QuantizeLinear(q, x, FromF32([]float32{0.5}), FromI64(c.dt, []int64{c.zp}), 0); err != nil {
			t.Fatal(err)
		}
		if !sameI64(q.I64, c.want) {
			t.Errorf("QuantizeLinear %v zp %d: %v, want %v", c.dt, c.zp, q.I64, c.want)
		}
	}
}
