package tensor

import (
	"fmt"
	"math"
)

// BatchNorm computes inference batch normalization over axis 1:
// y = (x - mean) / sqrt(var + eps) * scale + bias, with scale, bias, mean
// and var of shape [C] for x [N,C,...]. The per-channel factor
// scale/sqrt(var+eps) is computed in float64. Float types only.
func BatchNorm(dst, x, scale, bias, mean, variance *Tensor, eps float32) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() || x.Rank() < 2 {
		return fmt.Errorf("batch_norm: want a float input [N,C,...], got %v", x)
	}
	c := x.Shape[1]
	params := []*Tensor{scale, bias, mean, variance}
	for i, t := range params {
		name := [...]string{"scale", "bias", "mean", "var"}[i]
		if err := checkStorage(name, t); err != nil {
			return fmt.Errorf("batch_norm: %w", err)
		}
		if t.DType != x.DType || t.Rank() != 1 || t.Shape[0] != c {
			return fmt.Errorf("batch_norm: %s is %v, want %v[%d]", name, t, x.DType, c)
		}
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("batch_norm: %w", err)
	}
	inner := NumElems(x.Shape[2:])
	mul, add := make([]float64, c), make([]float64, c)
	for ch := 0; ch < c; ch++ {
		mul[ch] = scale.Float64At(ch) / math.Sqrt(variance.Float64At(ch)+float64(eps))
		add[ch] = bias.Float64At(ch) - mean.Float64At(ch)*mul[ch]
	}
	if x.DType == Float64 {
		affineChannels(dst.F64, x.F64, mul, add, x.Shape[0], c, inner)
		return nil
	}
	affineChannels(dst.F32, x.F32, mul, add, x.Shape[0], c, inner)
	RoundToType(x.DType, dst.F32)
	return nil
}

func affineChannels[T floatElem](d, x []T, mul, add []float64, n, c, inner int) {
	for i := 0; i < n*c; i++ {
		m, a := mul[i%c], add[i%c]
		row := x[i*inner : (i+1)*inner]
		out := d[i*inner : (i+1)*inner]
		for j, v := range row {
			out[j] = T(float64(v)*m + a)
		}
	}
}

// LRN computes local response normalization across channels (ONNX):
// y = x / (bias + alpha/size * square_sum)^beta, where square_sum at channel
// c sums x^2 over channels max(0, c-floor((size-1)/2)) ..
// min(C-1, c+ceil((size-1)/2)). Computed in float64. Float types only.
func LRN(dst, x *Tensor, size int, alpha, beta, bias float32) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() || x.Rank() < 2 {
		return fmt.Errorf("lrn: want a float input [N,C,...], got %v", x)
	}
	if size < 1 {
		return fmt.Errorf("lrn: size must be >= 1, got %d", size)
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("lrn: %w", err)
	}
	n, c, inner := x.Shape[0], x.Shape[1], NumElems(x.Shape[2:])
	before, after := (size-1)/2, size/2 // floor and ceil of (size-1)/2
	p := lrnParams{n: n, c: c, inner: inner, before: before, after: after,
		a: float64(alpha) / float64(size), beta: float64(beta), bias: float64(bias)}
	if x.DType == Float64 {
		lrnLoop(p, dst.F64, x.F64)
		return nil
	}
	lrnLoop(p, dst.F32, x.F32)
	RoundToType(x.DType, dst.F32)
	return nil
}

type lrnParams struct {
	n, c, inner, before, after int
	a, beta, bias              float64
}

func lrnLoop[T floatElem](p lrnParams, d, x []T) {
	parallelFor(p.n*p.c, p.inner*(p.before+p.after+1)*4, func(lo, hi int) {
		sq := make([]float64, p.inner)
		for j := lo; j < hi; j++ {
			b, ch := j/p.c, j%p.c
			clear(sq)
			for k := max(0, ch-p.before); k <= min(p.c-1, ch+p.after); k++ {
				xs := x[(b*p.c+k)*p.inner : (b*p.c+k+1)*p.inner]
				for i, v := range xs {
					sq[i] += float64(v) * float64(v)
				}
			}
			xs := x[j*p.inner : (j+1)*p.inner]
			ds := d[j*p.inner : (j+1)*p.inner]
			for i, v := range xs {
				ds[i] = T(float64(v) / math.Pow(p.bias+p.a*sq[i], p.beta))
			}
		}
	})
}
