package tensor

import (
	"slices"
	"testing"
)

// TestRequantFloat: float32 product, ties to even, then the zero point and
// saturation to the output type (onnxruntime's MlasRequantizeOutput).
func TestRequantFloat(t *testing.T) {
	cases := []struct {
		acc        int64
		scale      float32
		zp, lo, hi int64
		want       int64
	}{
		{5, 0.5, 0, 0, 255, 2},      // 2.5 -> 2
		{7, 0.5, 0, 0, 255, 4},      // 3.5 -> 4
		{-5, 0.5, 0, -128, 127, -2}, // -2.5 -> -2
		{-3, 0.5, 10, 0, 255, 8},    // -1.5 -> -2, +10
		{1000, 1, 128, 0, 255, 255},
		{-1000, 1, 128, 0, 255, 0},
		{1 << 40, 1, 0, -128, 127, 0}, // wraps to int32 first, as the accumulator does
	}
	for _, c := range cases {
		if got := RequantFloat(c.acc, c.scale, c.zp, c.lo, c.hi); got != c.want {
			t.Errorf("RequantFloat(%d, %v, zp %d) = %d, want %d", c.acc, c.scale, c.zp, got, c.want)
		}
	}
}

// TestQuantizeLinearBlocked: blocks of 3 along axis 1 of a [2,4] tensor
// (the last block holds one element), with zero points.
func TestQuantizeLinearBlocked(t *testing.T) {
	x := FromF32([]float32{1, 2, 3, 4, -1, -2, -3, -4}, 2, 4)
	scale := FromF32([]float32{1, 2, 0.5, 4}, 2, 2)
	zp := FromI64(Int8, []int64{0, 1, -1, 2}, 2, 2)
	dst := New(Int8, 2, 4)
	if err := QuantizeLinearBlocked(dst, x, scale, zp, 1, 3); err != nil {
		t.Fatal(err)
	}
	// row 0: 1/1, 2/1, 3/1 (zp 0); 4/2+1. row 1: -1/.5-1, -2/.5-1, -3/.5-1; -4/4+2.
	if want := []int64{1, 2, 3, 3, -3, -5, -7, 1}; !slices.Equal(dst.I64, want) {
		t.Errorf("got %v, want %v", dst.I64, want)
	}
	back := New(Float32, 2, 4)
	if err := DequantizeLinearBlocked(back, dst, scale, zp, 1, 3); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.F32, x.F32) {
		t.Errorf("dequantized %v, want %v", back.F32, x.F32)
	}
	if err := QuantizeLinearBlocked(dst, x, FromF32([]float32{1, 2}, 2, 1), nil, 1, 3); err == nil {
		t.Error("a [2,1] scale for blocks of 3 of [2,4] was accepted")
	}
}

// TestQuantizeLinearScalePrecision: a float16 scale divides in float16, as
// ONNX specifies; 7.500001/3 is 2.5000003 in float32 (rounds to 3) but x
// is 7.5 in float16 and 7.5/3 = 2.5 rounds to 2.
func TestQuantizeLinearScalePrecision(t *testing.T) {
	x := FromF32([]float32{7.500001}, 1)
	dst := New(Uint8, 1)
	if err := QuantizeLinear(dst, x, FromF32([]float32{3}), nil, 0); err != nil || dst.I64[0] != 3 {
		t.Errorf("float32 scale: %v %v, want 3", dst.I64, err)
	}
	s16 := &Tensor{DType: Float16, F32: []float32{3}}
	if err := QuantizeLinear(dst, x, s16, nil, 0); err != nil || dst.I64[0] != 2 {
		t.Errorf("float16 scale: %v %v, want 2", dst.I64, err)
	}
}

// TestMatMulIntegerZeroPoints: a per-row zero point on a, per-column on b.
func TestMatMulIntegerZeroPoints(t *testing.T) {
	a := FromI64(Uint8, []int64{1, 2, 3, 4}, 2, 2)
	b := FromI64(Uint8, []int64{5, 6, 7, 8}, 2, 2)
	dst := New(Int32, 2, 2)
	if err := MatMulInteger(dst, a, b, FromI64(Uint8, []int64{1, 2}, 2), FromI64(Uint8, []int64{3, 0}, 2)); err != nil {
		t.Fatal(err)
	}
	// a-az = [[0,1],[1,2]], b-bz = [[2,6],[4,8]]
	if want := []int64{4, 8, 10, 22}; !slices.Equal(dst.I64, want) {
		t.Errorf("got %v, want %v", dst.I64, want)
	}
}

// TestQLinearConvPerChannel: per-channel weight scales and zero points,
// an int32 bias and saturation to uint8, computed by hand.
func TestQLinearConvPerChannel(t *testing.T) {
	x := FromI64(Uint8, []int64{10, 20}, 1, 1, 1, 2)
	w := FromI64(Int8, []int64{3, -2}, 2, 1, 1, 1)
	q := QLinearParams{
		XScale: FromF32([]float32{0.5}), XZero: FromI64(Uint8, []int64{10}),
		WScale: FromF32([]float32{0.25, 1}, 2), WZero: FromI64(Int8, []int64{0, 1}, 2),
		YScale: FromF32([]float32{0.5}), YZero: FromI64(Uint8, []int64{5}),
	}
	p := ConvParams{Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, Group: 1}
	dst := New(Uint8, 1, 2, 1, 2)
	if err := QLinearConv(dst, x, w, FromI64(Int32, []int64{1, -1}, 2), q, p); err != nil {
		t.Fatal(err)
	}
	// channel 0: acc [1, 31] * 0.25 = [0.25, 7.75] -> [0, 8] + 5;
	// channel 1: acc [-1, -31] * 1 + 5 = [4, -26] -> [4, 0].
	if want := []int64{5, 13, 4, 0}; !slices.Equal(dst.I64, want) {
		t.Errorf("got %v, want %v", dst.I64, want)
	}
}

// TestQLinearAddBroadcast: [2,2] + [2] (a bias row), uint8 with zero points,
// a tie rounded to even and saturation, computed by hand.
func TestQLinearAddBroadcast(t *testing.T) {
	a := FromI64(Uint8, []int64{10, 12, 200, 0}, 2, 2)
	b := FromI64(Uint8, []int64{4, 6}, 2)
	q := QLinearAddParams{
		AScale: FromF32([]float32{0.5}), AZero: FromI64(Uint8, []int64{10}),
		BScale: FromF32([]float32{0.25}), BZero: FromI64(Uint8, []int64{4}),
		CScale: FromF32([]float32{2}), CZero: FromI64(Uint8, []int64{3}),
	}
	dst := New(Uint8, 2, 2)
	if err := QLinearAdd(dst, a, b, q); err != nil {
		t.Fatal(err)
	}
	// (0.5(a-10) + 0.25(b-4)) / 2: [0, 1.5/2=0.75], [95/2=47.5, (-5+0.5)/2=-2.25]
	// -> [0, 1], [48 (tie to even), -2] + 3 -> [3, 4], [51, 1]
	if want := []int64{3, 4, 51, 1}; !slices.Equal(dst.I64, want) {
		t.Errorf("got %v, want %v", dst.I64, want)
	}
}

// TestDynamicQuantizeLinear: the range always holds 0; an all-zero input
// gives scale 0 and the zero point 0 everywhere.
func TestDynamicQuantizeLinear(t *testing.T) {
	y := New(Uint8, 4)
	s, z, err := DynamicQuantizeLinear(y, FromF32([]float32{1, 2, 0.5, 5.1}, 4))
	if err != nil || s != float32(5.1)/255 || z != 0 || y.I64[3] != 255 {
		t.Errorf("positive input: scale %v zp %d codes %v (%v)", s, z, y.I64, err)
	}
	s, z, err = DynamicQuantizeLinear(y, New(Float32, 4))
	if err != nil || s != 0 || z != 0 || !slices.Equal(y.I64, []int64{0, 0, 0, 0}) {
		t.Errorf("zero input: scale %v zp %d codes %v (%v)", s, z, y.I64, err)
	}
}
