package tensor

import (
	"fmt"
	"math"
)

// onnxruntime's other quantized contrib ops (com.microsoft QLinearMul,
// QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool), in float32
// as onnxruntime computes them.

// quantizeF32 is onnxruntime's MlasQuantizeLinear of one float32 value:
// round_half_even(v / scale) + zp, saturated; NaN gives the zero point.
func quantizeF32(v, scale float32, zp, lo, hi int64) int64 {
	f := float64(v / scale)
	if f != f {
		return min(max(zp, lo), hi)
	}
	return min(max(int64(math.RoundToEven(max(min(f, 1<<62), -1<<62)))+zp, lo), hi)
}

// QLinearMul writes into dst onnxruntime's QLinearMul (NumPy broadcasting):
// c = saturate(round_half_even((a-za)*(b-zb) * (sa*sb/sc)) + zc), the
// product of the shifted codes exact, the multiplier and the product with
// it in float32.
func QLinearMul(dst, a, b *Tensor, q QLinearAddParams) error {
	return qlinearBinary("qlinear_mul", dst, a, b, q, func(da, db float64, sa, sb, sc float32) float32 {
		return float32(da*db) * (sa * sb / sc)
	})
}

// QLinearUnary writes into dst y = QuantizeLinear(fn(DequantizeLinear(x)))
// element by element, the float32 semantics of onnxruntime's
// QLinearSigmoid and QLinearLeakyRelu (which tabulate it for the 256
// codes). Zero points may be nil (0).
func QLinearUnary(dst, x, xScale, xZero, yScale, yZero *Tensor, fn func(float32) float32) error {
	if err := checkIntIn("x", x); err != nil {
		return err
	}
	p, err := scalarParams("qlinear op", xScale, xZero, yScale, yZero)
	if err != nil {
		return err
	}
	if err := checkIntDst("qlinear op", dst, x.Shape); err != nil {
		return err
	}
	lo, hi := dst.DType.IntRange()
	for i, v := range x.I64 {
		real := p[0] * float32(float64(v)-float64(p[1]))
		dst.I64[i] = quantizeF32(fn(real), p[2], int64(p[3]), lo, hi)
	}
	return nil
}

// Sigmoid32 is 1/(1+e^-x) in float32.
func Sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// QLinearGlobalAvgPool writes into dst [N,C,1,...] onnxruntime's
// QLinearGlobalAveragePool of x [N,C,spatial...] (NCHW): the exact sum S of
// a channel's n codes, then RequantFloat(S - n*xz, xs/(ys*n), yz).
func QLinearGlobalAvgPool(dst, x, xScale, xZero, yScale, yZero *Tensor) error {
	if err := checkIntIn("x", x); err != nil {
		return err
	}
	if x.Rank() < 3 {
		return fmt.Errorf("qlinear_global_avg_pool: input %v: want [N,C,spatial...]", x)
	}
	p, err := scalarParams("qlinear_global_avg_pool", xScale, xZero, yScale, yZero)
	if err != nil {
		return err
	}
	shape := append([]int{}, x.Shape...)
	for i := 2; i < len(shape); i++ {
		shape[i] = 1
	}
	if err := checkIntDst("qlinear_global_avg_pool", dst, shape); err != nil {
		return err
	}
	n := NumElems(x.Shape[2:])
	if n == 0 {
		return fmt.Errorf("qlinear_global_avg_pool: empty spatial axes")
	}
	scale := p[0] / (p[2] * float32(n))
	lo, hi := dst.DType.IntRange()
	for c := range dst.I64 {
		var s int64
		for _, v := range x.I64[c*n : (c+1)*n] {
			s += v
		}
		dst.I64[c] = RequantFloat(s-int64(n)*int64(p[1]), scale, int64(p[3]), lo, hi)
	}
	return nil
}

// scalarParams reads a scale, a zero point (nil: 0), a scale and a zero
// point, each one value.
func scalarParams(what string, ts ...*Tensor) ([4]float32, error) {
	var p [4]float32
	for i, t := range ts {
		if t == nil {
			if i%2 == 0 {
				return p, fmt.Errorf("%s: scale missing", what)
			}
			continue
		}
		if checkStorage("parameter", t) != nil || t.Len() != 1 || (i%2 == 0) != t.DType.IsFloat() {
			return p, fmt.Errorf("%s: parameter %v: want one %s value", what, t, map[bool]string{true: "float", false: "integer"}[i%2 == 0])
		}
		p[i] = float32(t.Float64At(0))
	}
	return p, nil
}
