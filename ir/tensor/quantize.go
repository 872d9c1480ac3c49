package tensor

import (
	"fmt"
	"math"
)

// QuantizeLinear computes ONNX QuantizeLinear with per-tensor or per-axis
// scales (QuantizeLinearBlocked with block 0).
func QuantizeLinear(dst, x, scale, zeroPoint *Tensor, axis int) error {
	return QuantizeLinearBlocked(dst, x, scale, zeroPoint, axis, 0)
}

// QuantizeLinearBlocked computes ONNX QuantizeLinear:
//
//	dst = saturate(roundHalfEven(x / scale) + zeroPoint)
//
// x is float32, float16 or bfloat16; the division is done in the precision
// of scale's type (ONNX: "the type of y_scale determines the precision of
// the division"): float32, or for a float16/bfloat16 scale x rounded to that
// type and the quotient rounded to it. The result is clamped to the range
// of dst's integer type (int2 to int16 and their unsigned kinds).
// scale and zeroPoint (integer, or nil for 0) have one of three layouts
// (quantLayout): one value, one per index of x along axis (1-D), or, with
// block > 0, x's shape with axis divided into blocks of block elements.
// ±Inf saturate; NaN, which ONNX leaves undefined for integer outputs, maps
// to the zero point (clamped to the type): pimc's rule for every
// quantization (QuantizeF32, the simulator's input ports), where
// onnxruntime 1.31 gives the type's minimum (docs/QUANT.md "NaN and
// infinities").
func QuantizeLinearBlocked(dst, x, scale, zeroPoint *Tensor, axis, block int) error {
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
	sc, zp, lay, err := quantParams("quantize_linear", x.Shape, scale, zeroPoint, axis, block)
	if err != nil {
		return err
	}
	narrow := scale.DType == Float16 || scale.DType == BFloat16
	lo, hi := dst.DType.IntRange()
	for i, v := range x.F32 {
		c := lay.index(i)
		var quot float32
		if narrow {
			quot = roundScalar(scale.DType, roundScalar(scale.DType, v)/float32(sc[c]))
		} else {
			quot = v / float32(sc[c])
		}
		q := math.RoundToEven(float64(quot)) + float64(zp[c])
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

// DequantizeLinear is DequantizeLinearBlocked with block 0.
func DequantizeLinear(dst, x, scale, zeroPoint *Tensor, axis int) error {
	return DequantizeLinearBlocked(dst, x, scale, zeroPoint, axis, 0)
}

// DequantizeLinearBlocked computes ONNX DequantizeLinear in float32:
// dst = (float32(x) - float32(zeroPoint)) * scale, with scale and zeroPoint
// laid out as for QuantizeLinearBlocked. dst is float32 (or float16/bfloat16,
// rounded once at the end). int32 inputs (ONNX allows them, with zero point
// 0) convert exactly only up to 2^24, as in onnxruntime's float32 kernel.
func DequantizeLinearBlocked(dst, x, scale, zeroPoint *Tensor, axis, block int) error {
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
	sc, zp, lay, err := quantParams("dequantize_linear", x.Shape, scale, zeroPoint, axis, block)
	if err != nil {
		return err
	}
	for i := range dst.F32 {
		c := lay.index(i)
		dst.F32[i] = (float32(x.Float64At(i)) - float32(zp[c])) * float32(sc[c])
	}
	RoundToType(dst.DType, dst.F32)
	return nil
}

// quantLayout maps an element of the quantized tensor to its scale: one
// scale (n == 1), one per index along an axis (per-axis: inner elements
// follow the axis of length axisLen), or blocks of block indices along the
// axis (blocked: the scale tensor has x's shape with blocks in place of
// axisLen).
type quantLayout struct {
	n, inner, axisLen, block, blocks int
}

func (l quantLayout) index(i int) int {
	switch {
	case l.n == 1:
		return 0
	case l.block == 0:
		return (i / l.inner) % l.axisLen
	}
	o, a, r := i/(l.axisLen*l.inner), (i/l.inner)%l.axisLen, i%l.inner
	return (o*l.blocks+a/l.block)*l.inner + r
}

// quantParams checks and flattens scale and zero point (which must have
// scale's shape) for a tensor of the given shape, and returns their layout.
// A one-element scale is per tensor whatever its rank (as the ONNX
// reference implementation reads it).
func quantParams(what string, shape []int, scale, zeroPoint *Tensor, axis, block int) (sc []float64, zp []int64, lay quantLayout, err error) {
	if err := checkStorage("scale", scale); err != nil {
		return nil, nil, lay, fmt.Errorf("%s: %w", what, err)
	}
	if !scale.DType.IsFloat() || scale.Len() == 0 {
		return nil, nil, lay, fmt.Errorf("%s: scale must be a float tensor, got %v", what, scale)
	}
	n := scale.Len()
	lay = quantLayout{n: n, inner: 1, axisLen: 1}
	if n > 1 || block > 0 {
		if axis < 0 || axis >= len(shape) {
			return nil, nil, lay, fmt.Errorf("%s: axis %d out of range for %s", what, axis, ShapeString(shape))
		}
		lay.inner, lay.axisLen = NumElems(shape[axis+1:]), shape[axis]
	}
	switch {
	case block > 0:
		lay.block, lay.blocks = block, (shape[axis]+block-1)/block
		want := append([]int{}, shape...)
		want[axis] = lay.blocks
		if !SameShape(scale.Shape, want) {
			return nil, nil, lay, fmt.Errorf("%s: blocked scale %v: want shape %s (axis %d of %s in blocks of %d)", what, scale, ShapeString(want), axis, ShapeString(shape), block)
		}
		lay.n = NumElems(want) // 1 too when every axis has one block
		if lay.n == 1 {
			lay.block = 0
		}
	case n > 1:
		if scale.Rank() != 1 || shape[axis] != n {
			return nil, nil, lay, fmt.Errorf("%s: %d scales do not match axis %d of %s", what, n, axis, ShapeString(shape))
		}
	}
	sc = make([]float64, n)
	for i := range sc {
		sc[i] = scale.Float64At(i)
	}
	zp = make([]int64, n)
	if zeroPoint != nil {
		if err := checkStorage("zero point", zeroPoint); err != nil {
			return nil, nil, lay, fmt.Errorf("%s: %w", what, err)
		}
		if !zeroPoint.DType.IsInt() || zeroPoint.Len() != n {
			return nil, nil, lay, fmt.Errorf("%s: zero point %v does not match scale %v", what, zeroPoint, scale)
		}
		copy(zp, zeroPoint.I64)
	}
	return sc, zp, lay, nil
}

// DynamicQuantizeLinear computes ONNX DynamicQuantizeLinear of the float32
// tensor x into the uint8 tensor y: scale = (max(0, max x) - min(0, min x))
// / 255 and zero point = round_half_even(clamp(0 - min(0, min x) / scale,
// 0, 255)) in float32, then QuantizeLinear with them. NaN elements are left
// out of the range. It returns the scale and the zero point.
func DynamicQuantizeLinear(y, x *Tensor) (float32, int64, error) {
	if err := checkStorage("x", x); err != nil {
		return 0, 0, err
	}
	if x.DType != Float32 || y == nil || y.DType != Uint8 || !SameShape(y.Shape, x.Shape) || len(y.I64) != x.Len() {
		return 0, 0, fmt.Errorf("dynamic_quantize_linear: want f32 x and u8 y of its shape, got %v and %v", x, y)
	}
	var lo, hi float32
	for _, v := range x.F32 {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	scale := (hi - lo) / 255
	zp := float64(0)
	if scale != 0 {
		zp = math.RoundToEven(float64(min(max(0-lo/scale, 0), 255)))
	}
	z := int64(zp)
	s := FromF32([]float32{scale})
	if scale == 0 { // all zeros: every code is the zero point
		for i := range y.I64 {
			y.I64[i] = z
		}
		return scale, z, nil
	}
	return scale, z, QuantizeLinear(y, x, s, FromI64(Uint8, []int64{z}), 0)
}
