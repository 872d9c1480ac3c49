package tensor

import "testing"

// Cases from the ONNX operator documentation examples.
func TestQuantizeLinear(t *testing.T) {
	x := FromF32([]float32{0, 2, 3, 1000, -254, -1000}, 6)
	dst := New(Uint8, 6)
	if err := QuantizeLinear(dst, x, FromF32([]float32{2}), FromI64(Uint8, []int64{128}), 0); err != nil {
		t.Fatal(err)
	}
	if want := []int64{128, 129, 130, 255, 1, 0}; !sameI64(dst.I64, want) {
		t.Errorf("quantize = %v, want %v", dst.I64, want)
	}
	// per-axis (axis 1), ties round to even: 3/2 = 1.5 -> 2 above, 5/2 -> 2 here
	xa := FromF32([]float32{-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470}, 1, 3, 3, 2)
	da := New(Uint8, 1, 3, 3, 2)
	if err := QuantizeLinear(da, xa, FromF32([]float32{2, 4, 5}, 3), FromI64(Uint8, []int64{84, 24, 196}, 3), 1); err != nil {
		t.Fatal(err)
	}
	if want := []int64{3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102}; !sameI64(da.I64, want) {
		t.Errorf("per-axis quantize = %v, want %v", da.I64, want)
	}
	half := New(Int8, 4)
	if err := QuantizeLinear(half, FromF32([]float32{5, -5, 7, 1e9}, 4), FromF32([]float32{2}), nil, 0); err != nil {
		t.Fatal(err)
	}
	if want := []int64{2, -2, 4, 127}; !sameI64(half.I64, want) {
		t.Errorf("ties/saturation = %v, want %v", half.I64, want)
	}
	if err := QuantizeLinear(da, xa, FromF32([]float32{2, 4}, 2), nil, 1); err == nil {
		t.Error("2 scales for axis of 3 accepted")
	}
}

func TestDequantizeLinear(t *testing.T) {
	x := FromI64(Uint8, []int64{0, 3, 128, 255}, 4)
	dst := New(Float32, 4)
	if err := DequantizeLinear(dst, x, FromF32([]float32{2}), FromI64(Uint8, []int64{128}), 0); err != nil {
		t.Fatal(err)
	}
	if want := []float32{-256, -250, 0, 254}; !sameF32(dst.F32, want) {
		t.Errorf("dequantize = %v, want %v", dst.F32, want)
	}
	xa := FromI64(Int8, []int64{1, -1, 2, -2}, 2, 2)
	da := New(Float32, 2, 2)
	if err := DequantizeLinear(da, xa, FromF32([]float32{0.5, 4}, 2), FromI64(Int8, []int64{0, 1}, 2), 0); err != nil {
		t.Fatal(err)
	}
	if want := []float32{0.5, -0.5, 4, -12}; !sameF32(da.F32, want) {
		t.Errorf("per-axis dequantize = %v, want %v", da.F32, want)
	}
}
