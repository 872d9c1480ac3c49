package tensor

import (
	"fmt"
	"math"
)

// QuantizeLinear computes ONNX QuantizeLinear:
//
//	dst = saturate(roundHalfEven(x / scale) + zeroPoint)
//
// with the division in float32 (x float32, float16 or bfloat16) and the
// result clamped to the range of dst's integer type. scale (float) and
// zeroPoint (integer, or nil for 0) are scalars or 1-D with one value per
// index of x along axis (per-channel quantization). ±Inf saturate; NaN,
// which ONNX leaves undefined for integer outputs, maps to the zero point
// (clamped to the type): pimc's rule for every quantization (QuantizeF32,
// the simulator's input ports), where onnxruntime 1.31 gives the type's
// minimum (docs/QUANT.md "NaN and infinities").
func QuantizeLinear(dst, x, scale, zeroPoint *Tensor, axis int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType.Storage() != StoreF32 {
		return fmt.Errorf("quantize_linear: want a float32/float16 input, got %v", x)
	}
	if err := checkStorage("dst", dst); err != nil {
		return err
	}
	if !dst.DType.IsInt() || !SameShape(dst.Shape, x.Shape) {
		return fmt.Errorf("quantize_linear: dst is %v, want an integer tensor of shape %s", dst, ShapeString(x.Shape))
	}
	sc, zp, inner, err := quantParams("quantize_linear", x.Shape, scale, zeroPoint, axis)
	if err != nil {
		return err
	}
	lo, hi := dst.DType.IntRange()
	n := len(sc)
	for i, v := range x.F32 {
		c := (i / inner) % n
		q := math.RoundToEven(float64(v / float32(sc[c])))
		q += float64(zp[c])
		var r int64
		switch {
		case q != q: // NaN: the zero point
			r = min(max(zp[c], lo), hi)
		case q <= float64(lo):
			r = lo
		case q >= float64(hi):
			r = hi
		default:
			r = int64(q)
		}
		dst.I64[i] = r
	}
	return nil
}

// DequantizeLinear computes ONNX DequantizeLinear in float32:
// dst = (float32(x) - float32(zeroPoint)) * scale, with scale and zeroPoint
// as for QuantizeLinear. dst is float32 (or float16/bfloat16, rounded).
func DequantizeLinear(dst, x, scale, zeroPoint *Tensor, axis int) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsInt() {
		return fmt.Errorf("dequantize_linear: want an integer input, got %v", x)
	}
	if err := checkStorage("dst", dst); err != nil {
		return err
	}
	if dst.DType.Storage() != StoreF32 || !SameShape(dst.Shape, x.Shape) {
		return fmt.Errorf("dequantize_linear: dst is %v, want a float32 tensor of shape %s", dst, ShapeString(x.Shape))
	}
	sc, zp, inner, err := quantParams("dequantize_linear", x.Shape, scale, zeroPoint, axis)
	if err != nil {
		return err
	}
	n := len(sc)
	for i := range dst.F32 {
		c := (i / inner) % n
		dst.F32[i] = (float32(x.Float64At(i)) - float32(zp[c])) * float32(sc[c])
	}
	RoundToType(dst.DType, dst.F32)
	return nil
}

// quantParams checks and flattens scale and zero point: one value, or one
// per index along axis; inner is the number of elements after axis (so
// element i uses channel (i/inner) % len(scale)).
func quantParams(what string, shape []int, scale, zeroPoint *Tensor, axis int) (sc []float64, zp []int64, inner int, err error) {
	if err := checkStorage("scale", scale); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	if !scale.DType.IsFloat() || scale.Rank() > 1 || scale.Len() == 0 {
		return nil, nil, 0, fmt.Errorf("%s: scale must be a float scalar or 1-D tensor, got %v", what, scale)
	}
	n := scale.Len()
	inner = 1
	if n > 1 { // per-axis
		if axis < 0 || axis >= len(shape) || shape[axis] != n {
			return nil, nil, 0, fmt.Errorf("%s: %d scales do not match axis %d of %s", what, n, axis, ShapeString(shape))
		}
		inner = NumElems(shape[axis+1:])
	}
	sc = make([]float64, n)
	for i := range sc {
		sc[i] = scale.Float64At(i)
	}
	zp = make([]int64, n)
	if zeroPoint != nil {
		if err := checkStorage("zero point", zeroPoint); err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %w", what, err)
		}
		if !zeroPoint.DType.IsInt() || zeroPoint.Len() != n {
			return nil, nil, 0, fmt.Errorf("%s: zero point %v does not match scale %v", what, zeroPoint, scale)
		}
		copy(zp, zeroPoint.I64)
	}
	return sc, zp, inner, nil
}
