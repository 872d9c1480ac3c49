package tensor

import (
	"fmt"
	"math"
)

// LayerNormShapes returns the shape of the mean and inverse standard
// deviation outputs of layer normalization of x over axes axis..rank-1:
// x's leading axes, then 1 for each normalized axis.
func LayerNormShapes(x []int, axis int) ([]int, error) {
	if axis < 0 || axis >= len(x) {
		return nil, fmt.Errorf("layer_norm: axis %d out of range for rank %d", axis, len(x))
	}
	s := append([]int{}, x[:axis]...)
	for range x[axis:] {
		s = append(s, 1)
	}
	return s, nil
}

// LayerNorm normalizes x over its axes from axis on: y = (x-mean) /
// sqrt(var+eps) * scale + bias, scale and bias (bias may be nil)
// broadcasting to the normalized shape x[axis:]. mean and invStd (either
// may be nil) get the statistics in LayerNormShapes' shape. Statistics are
// float64 (the variance the population one, as ONNX defines it), results
// rounded once to the element type.
func LayerNorm(y, mean, invStd, x, scale, bias *Tensor, axis int, eps float64) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("layer_norm: want a float input, got %v", x)
	}
	stat, err := LayerNormShapes(x.Shape, axis)
	if err != nil {
		return err
	}
	norm := x.Shape[axis:]
	params := []*Tensor{scale}
	if bias != nil {
		params = append(params, bias)
	}
	for _, t := range params {
		if err := checkStorage("scale/bias", t); err != nil {
			return err
		}
		if t.DType != x.DType {
			return fmt.Errorf("layer_norm: scale/bias %v and input %v differ in element type", t, x)
		}
		if b, err := BroadcastShape(norm, t.Shape); err != nil || !SameShape(b, norm) {
			return fmt.Errorf("layer_norm: scale/bias %v does not broadcast to the normalized shape %s", t, ShapeString(norm))
		}
	}
	if err := checkDst(y, x.DType, x.Shape); err != nil {
		return fmt.Errorf("layer_norm: %w", err)
	}
	for _, t := range []*Tensor{mean, invStd} {
		if t != nil {
			if err := checkDst(t, x.DType, stat); err != nil {
				return fmt.Errorf("layer_norm: %w", err)
			}
		}
	}
	n := NumElems(norm)
	sc := expandFloat(scale, norm)
	var bs []float64
	if bias != nil {
		bs = expandFloat(bias, norm)
	}
	yv := make([]float64, n)
	for g := 0; g < NumElems(x.Shape[:axis]); g++ {
		sum := 0.0
		for i := 0; i < n; i++ {
			sum += x.Float64At(g*n + i)
		}
		mu := sum / float64(n)
		v := 0.0
		for i := 0; i < n; i++ {
			d := x.Float64At(g*n+i) - mu
			v += d * d
		}
		inv := 1 / math.Sqrt(v/float64(n)+eps)
		for i := range yv {
			yv[i] = (x.Float64At(g*n+i) - mu) * inv * sc[i]
			if bs != nil {
				yv[i] += bs[i]
			}
		}
		setFloats(y, g*n, yv)
		if mean != nil {
			setFloats(mean, g, []float64{mu})
		}
		if invStd != nil {
			setFloats(invStd, g, []float64{inv})
		}
	}
	return nil
}

// expandFloat returns t broadcast to shape as float64 values.
func expandFloat(t *Tensor, shape []int) []float64 {
	e := New(t.DType, shape...)
	_ = Expand(e, t) // shapes checked by the caller
	v := make([]float64, e.Len())
	for i := range v {
		v[i] = e.Float64At(i)
	}
	return v
}

// setFloats stores v at offset off of the float tensor t, rounded to its type.
func setFloats(t *Tensor, off int, v []float64) {
	for i, f := range v {
		if t.DType == Float64 {
			t.F64[off+i] = f
		} else {
			t.F32[off+i] = roundScalar(t.DType, float32(f))
		}
	}
}
