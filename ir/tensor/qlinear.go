package tensor

import (
	"fmt"
	"math"
)

// Integer matrix ops of ONNX quantized models (ConvInteger, MatMulInteger,
// QLinearConv, QLinearMatMul), with their zero points and float scales as
// onnxruntime's CPU kernels compute them: exact integer sums of
// (x - x_zero_point) * (w - w_zero_point) (int32 accumulators), and for the
// QLinear ops a float32 requantization (RequantFloat).

// RequantFloat is onnxruntime's requantization of an int32 accumulator
// (MlasRequantizeOutput): float32(acc) * scale in float32, rounded half to
// even, plus the zero point, saturated to [lo, hi]. scale is the float32
// product x_scale * w_scale / y_scale (ZeroPointScales).
func RequantFloat(acc int64, scale float32, zp, lo, hi int64) int64 {
	f := float64(float32(int32(acc)) * scale)
	if f != f { // NaN (a NaN or Inf scale): the zero point
		return min(max(zp, lo), hi)
	}
	// Clamping before rounding is the same: the bounds are integers.
	return min(max(int64(math.RoundToEven(max(min(f, 1<<62), -1<<62)))+zp, lo), hi)
}

// RequantScale is onnxruntime's real multiplier x_scale * w_scale / y_scale,
// each operation rounded to float32.
func RequantScale(xScale, wScale, yScale float32) float32 { return xScale * wScale / yScale }

// zeroPointShifted returns x - zp as an Int64 tensor of x's shape, with zp
// (nil: 0) one value or one per index along axis (inner elements after it).
func zeroPointShifted(what string, x, zp *Tensor, axis int) (*Tensor, error) {
	if err := checkIntIn(what, x); err != nil {
		return nil, err
	}
	out := New(Int64, x.Shape...)
	copy(out.I64, x.I64)
	if zp == nil || len(out.I64) == 0 {
		return out, nil
	}
	if err := checkIntIn(what+" zero point", zp); err != nil {
		return nil, err
	}
	n := zp.Len()
	inner := 1
	if n == 0 {
		return nil, fmt.Errorf("%s: empty zero point", what)
	}
	if n > 1 {
		if axis < 0 || axis >= len(x.Shape) || x.Shape[axis] != n {
			return nil, fmt.Errorf("%s: %d zero points do not match axis %d of %s", what, n, axis, ShapeString(x.Shape))
		}
		inner = NumElems(x.Shape[axis+1:])
	}
	for i := range out.I64 {
		out.I64[i] -= zp.I64[(i/inner)%n]
	}
	return out, nil
}

// MatMulInteger writes into the Int32 tensor dst matmul(a - aZero, b - bZero)
// with NumPy semantics (ONNX MatMulInteger). aZero is one value or one per
// row of a (its axis -2), bZero one value or one per column of b (axis -1).
func MatMulInteger(dst, a, b, aZero, bZero *Tensor) error {
	acc, err := matMulIntegerAcc(a, b, aZero, bZero)
	if err != nil {
		return err
	}
	if err := checkIntDst("matmul_integer", dst, acc.Shape); err != nil {
		return err
	}
	for i, v := range acc.I64 {
		dst.I64[i] = int64(int32(v))
	}
	return nil
}

func matMulIntegerAcc(a, b, aZero, bZero *Tensor) (*Tensor, error) {
	as, err := zeroPointShifted("matmul a", a, aZero, len(a.Shape)-2)
	if err != nil {
		return nil, err
	}
	bs, err := zeroPointShifted("matmul b", b, bZero, len(b.Shape)-1)
	if err != nil {
		return nil, err
	}
	if err := checkQOperands("matmul_integer", as, bs); err != nil {
		return nil, err
	}
	shape, err := MatMulShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	acc := New(Int64, shape...)
	return acc, MatMul(acc, as, bs)
}

// QLinearParams are the scales and zero points of a QLinearConv or
// QLinearMatMul: x (or a) one value, w (or b) one or one per output channel
// (column), y one value. Zero points may be nil (0).
type QLinearParams struct {
	XScale, XZero, WScale, WZero, YScale, YZero *Tensor
}

// scales returns the per-channel requantization scales (n channels) and
// y's zero point.
func (q QLinearParams) scales(what string, n int) ([]float32, int64, error) {
	for _, s := range []struct {
		name string
		t    *Tensor
		one  bool
	}{{"x_scale", q.XScale, true}, {"y_scale", q.YScale, true}, {"w_scale", q.WScale, false}} {
		if s.t == nil || !s.t.DType.IsFloat() || checkStorage(s.name, s.t) != nil {
			return nil, 0, fmt.Errorf("%s: %s must be a float tensor", what, s.name)
		}
		if l := s.t.Len(); l != 1 && (s.one || l != n) {
			return nil, 0, fmt.Errorf("%s: %s has %d values, want 1%s", what, s.name, l, map[bool]string{false: fmt.Sprintf(" or %d", n), true: ""}[s.one])
		}
	}
	var yz int64
	if q.YZero != nil {
		if q.YZero.Len() != 1 || checkIntIn("y_zero_point", q.YZero) != nil {
			return nil, 0, fmt.Errorf("%s: y_zero_point must be one integer", what)
		}
		yz = q.YZero.I64[0]
	}
	xs, ys := float32(q.XScale.Float64At(0)), float32(q.YScale.Float64At(0))
	out := make([]float32, n)
	for c := range out {
		ws := float32(q.WScale.Float64At(min(c, q.WScale.Len()-1)))
		out[c] = RequantScale(xs, ws, ys)
	}
	return out, yz, nil
}

// QLinearConv writes into dst (an integer type, which sets the saturation
// range) the ONNX QLinearConv: acc = ConvInteger sums + bias[f] (int32,
// bias may be nil), then RequantFloat with x_scale * w_scale[f] / y_scale.
func QLinearConv(dst, x, w, bias *Tensor, q QLinearParams, p ConvParams) error {
	shape, err := ConvShape(x.Shape, w.Shape, p)
	if err != nil {
		return fmt.Errorf("qlinear_conv: %w", err)
	}
	f := shape[1]
	xz, wz, err := ConvZeroPoints(q.XZero, q.WZero, f)
	if err != nil {
		return fmt.Errorf("qlinear_conv: %w", err)
	}
	scales, yz, err := q.scales("qlinear_conv", f)
	if err != nil {
		return err
	}
	if bias != nil && (checkIntIn("bias", bias) != nil || bias.Len() != f) {
		return fmt.Errorf("qlinear_conv: bias %v: want %d int32 values", bias, f)
	}
	if err := checkIntDst("qlinear_conv", dst, shape); err != nil {
		return err
	}
	acc := New(Int32, shape...)
	if err := ConvInteger(acc, x, w, bias, xz, wz, p); err != nil {
		return fmt.Errorf("qlinear_conv: %w", err)
	}
	lo, hi := dst.DType.IntRange()
	inner := NumElems(shape[2:])
	for i, v := range acc.I64 {
		dst.I64[i] = RequantFloat(v, scales[(i/inner)%f], yz, lo, hi)
	}
	return nil
}

// ConvZeroPoints reads ConvInteger's zero points: x one value, w one value
// or one per output channel (f); nil is 0.
func ConvZeroPoints(xZero, wZero *Tensor, f int) (int64, []int64, error) {
	var xz int64
	if xZero != nil {
		if checkIntIn("x zero point", xZero) != nil || xZero.Len() != 1 {
			return 0, nil, fmt.Errorf("x zero point %v: want one integer", xZero)
		}
		xz = xZero.I64[0]
	}
	wz := make([]int64, f)
	if wZero != nil {
		if checkIntIn("w zero point", wZero) != nil || (wZero.Len() != 1 && wZero.Len() != f) {
			return 0, nil, fmt.Errorf("w zero point %v: want one integer or %d", wZero, f)
		}
		for i := range wz {
			wz[i] = wZero.I64[min(i, wZero.Len()-1)]
		}
	}
	return xz, wz, nil
}

// QLinearMatMul writes into dst the ONNX QLinearMatMul: MatMulInteger sums
// requantized per column j with a_scale * b_scale[j] / y_scale.
func QLinearMatMul(dst, a, b *Tensor, q QLinearParams) error {
	acc, err := matMulIntegerAcc(a, b, q.XZero, q.WZero)
	if err != nil {
		return fmt.Errorf("qlinear_matmul: %w", err)
	}
	n := 1
	if len(b.Shape) > 1 {
		n = b.Shape[len(b.Shape)-1]
	}
	scales, yz, err := q.scales("qlinear_matmul", n)
	if err != nil {
		return err
	}
	if err := checkIntDst("qlinear_matmul", dst, acc.Shape); err != nil {
		return err
	}
	lo, hi := dst.DType.IntRange()
	for i, v := range acc.I64 {
		dst.I64[i] = RequantFloat(v, scales[i%n], yz, lo, hi)
	}
	return nil
}
