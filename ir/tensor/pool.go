package tensor

import (
	"fmt"
	"math"
)

// PoolParams are the attributes of max and average pooling over S = 1, 2 or
// 3 spatial axes: Kernel, Strides and Dilations (S values each), Pads
// ([begin..., end...], 2*S values), CeilMode, and for average pooling
// CountIncludePad.
type PoolParams struct {
	Kernel          []int
	Strides         []int
	Pads            []int
	Dilations       []int
	CeilMode        bool
	CountIncludePad bool
}

// PoolShape checks pooling of x [N,C,spatial...] and returns the output
// shape. With CeilMode the output size rounds up, except that a window
// starting in the end padding is dropped (ONNX's rule, same as PyTorch).
func PoolShape(x []int, p PoolParams) ([]int, error) {
	s := len(x) - 2
	if s < 1 || s > 3 {
		return nil, fmt.Errorf("pool: input must have 1 to 3 spatial axes, got %s", ShapeString(x))
	}
	if len(p.Kernel) != s {
		return nil, fmt.Errorf("pool: want %d kernel sizes, got %v", s, p.Kernel)
	}
	if err := checkWindowParams("pool", s, p.Strides, p.Pads, p.Dilations); err != nil {
		return nil, err
	}
	out := []int{x[0], x[1]}
	for i := 0; i < s; i++ {
		o, err := windowOut(x[2+i], p.Kernel[i], p.Strides[i], p.Pads[i], p.Pads[s+i], p.Dilations[i], p.CeilMode)
		if err != nil {
			return nil, fmt.Errorf("pool: spatial axis %d: %w", i, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// window3 is one spatial axis of a pooling window, normalized so every pool
// has three spatial axes (missing ones have size 1).
type window3 struct {
	in, out, k, stride, padB, padE, dil int
}

func poolAxes(xs, out []int, p PoolParams) [3]window3 {
	s := len(xs) - 2
	var ax [3]window3
	for i := 0; i < 3; i++ {
		ax[i] = window3{in: 1, out: 1, k: 1, stride: 1, dil: 1}
	}
	for i := 0; i < s; i++ {
		ax[3-s+i] = window3{in: xs[2+i], out: out[2+i], k: p.Kernel[i], stride: p.Strides[i],
			padB: p.Pads[i], padE: p.Pads[s+i], dil: p.Dilations[i]}
	}
	return ax
}

// taps returns, for output position o along one axis, the input index of
// the first tap and how many taps lie inside the input (lo..hi-1 are tap
// numbers) and inside the padded input (for count_include_pad).
func (a window3) taps(o int) (start, lo, hi, padded int) {
	start = o*a.stride - a.padB
	lo, hi = a.k, 0
	for t := 0; t < a.k; t++ {
		i := start + t*a.dil
		if i >= 0 && i < a.in {
			lo, hi = min(lo, t), t+1
		}
		if i >= -a.padB && i < a.in+a.padE {
			padded++
		}
	}
	if hi == 0 {
		lo = 0
	}
	return
}

// MaxPool computes max pooling; defined on float and integer types (uint64
// compares unsigned). A window holding a NaN yields NaN (IEEE 754-2019
// maximum, NumPy's max, PyTorch's max_pool2d; onnxruntime's result depends
// on where the NaN sits, docs/QUANT.md "NaN and infinities"); a window with
// no element inside the input yields -Inf (the type's minimum for
// integers).
func MaxPool(dst, x *Tensor, p PoolParams) error {
	return pool(dst, x, p, true)
}

// AvgPool computes average pooling on float types. The divisor counts the
// window elements inside the input, or with CountIncludePad those inside
// the padded input (never the part of a ceil-mode window hanging past the
// end padding). Sums are accumulated in float64.
func AvgPool(dst, x *Tensor, p PoolParams) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("avg_pool: want a float input, got %v", x)
	}
	return pool(dst, x, p, false)
}

func pool(dst, x *Tensor, p PoolParams, isMax bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType == Bool {
		return fmt.Errorf("pool: not defined on bool")
	}
	out, err := PoolShape(x.Shape, p)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("pool: %w", err)
	}
	ax := poolAxes(x.Shape, out, p)
	planes := x.Shape[0] * x.Shape[1]
	switch x.DType.Storage() {
	case StoreF32:
		if !isMax || !maxPoolInteriorF32(dst.F32, x.F32, planes, ax) {
			poolLoop(dst.F32, x.F32, planes, ax, isMax, p.CountIncludePad, float32(math.Inf(-1)))
		}
		RoundToType(x.DType, dst.F32)
	case StoreF64:
		poolLoop(dst.F64, x.F64, planes, ax, isMax, p.CountIncludePad, math.Inf(-1))
	case StoreI64:
		lo, _ := x.DType.IntRange()
		if x.DType != Uint64 {
			poolLoop(dst.I64, x.I64, planes, ax, true, false, lo)
			break
		}
		// Flipping the sign bit maps unsigned order onto signed order.
		flipped := make([]int64, len(x.I64))
		for i, v := range x.I64 {
			flipped[i] = v ^ math.MinInt64
		}
		poolLoop(dst.I64, flipped, planes, ax, true, false, math.MinInt64)
		for i := range dst.I64 {
			dst.I64[i] ^= math.MinInt64
		}
	}
	return nil
}

// axisTaps is window3.taps precomputed for every output position of an axis.
type axisTaps struct{ start, lo, hi, padded []int }

func (a window3) allTaps() axisTaps {
	t := axisTaps{make([]int, a.out), make([]int, a.out), make([]int, a.out), make([]int, a.out)}
	for o := 0; o < a.out; o++ {
		t.start[o], t.lo[o], t.hi[o], t.padded[o] = a.taps(o)
	}
	return t
}

func poolLoop[T elem](d, x []T, planes int, ax [3]window3, isMax, includePad bool, lowest T) {
	inPlane := ax[0].in * ax[1].in * ax[2].in
	outPlane := ax[0].out * ax[1].out * ax[2].out
	kvol := ax[0].k * ax[1].k * ax[2].k
	tz, ty, tx := ax[0].allTaps(), ax[1].allTaps(), ax[2].allTaps()
	dz, dy, dx := ax[0].dil, ax[1].dil, ax[2].dil
	inY, inX := ax[1].in, ax[2].in
	parallelFor(planes, outPlane*kvol, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp := x[pl*inPlane : (pl+1)*inPlane]
			dp := d[pl*outPlane : (pl+1)*outPlane]
			o := 0
			for oz := 0; oz < ax[0].out; oz++ {
				sz, z0, z1 := tz.start[oz], tz.lo[oz], tz.hi[oz]
				for oy := 0; oy < ax[1].out; oy++ {
					sy, y0, y1 := ty.start[oy], ty.lo[oy], ty.hi[oy]
					for ox := 0; ox < ax[2].out; ox++ {
						sx, x0, x1 := tx.start[ox], tx.lo[ox], tx.hi[ox]
						if isMax {
							m := lowest
							for kz := z0; kz < z1; kz++ {
								iz := sz + kz*dz
								for ky := y0; ky < y1; ky++ {
									row := xp[(iz*inY+sy+ky*dy)*inX:]
									for kx := x0; kx < x1; kx++ {
										if v := row[sx+kx*dx]; v > m || v != v { // a NaN sticks: v > NaN is false
											m = v
										}
									}
								}
							}
							dp[o] = m
						} else {
							var sum float64
							for kz := z0; kz < z1; kz++ {
								iz := sz + kz*dz
								for ky := y0; ky < y1; ky++ {
									row := xp[(iz*inY+sy+ky*dy)*inX:]
									for kx := x0; kx < x1; kx++ {
										sum += float64(row[sx+kx*dx])
									}
								}
							}
							cnt := (z1 - z0) * (y1 - y0) * (x1 - x0)
							if includePad {
								cnt = tz.padded[oz] * ty.padded[oy] * tx.padded[ox]
							}
							dp[o] = T(sum / float64(cnt))
						}
						o++
					}
				}
			}
		}
	})
}

// GlobalPoolShape is [N,C,1,...] for x [N,C,spatial...].
func GlobalPoolShape(x []int) ([]int, error) {
	if len(x) < 3 {
		return nil, fmt.Errorf("global pool: input must be [N,C,spatial...], got %s", ShapeString(x))
	}
	out := []int{x[0], x[1]}
	for range x[2:] {
		out = append(out, 1)
	}
	return out, nil
}

// GlobalAvgPool averages over all spatial axes (float types, float64 sums).
func GlobalAvgPool(dst, x *Tensor) error { return globalPool(dst, x, false) }

// GlobalMaxPool takes the maximum over all spatial axes (float and integer
// types; a plane holding a NaN gives NaN, like MaxPool).
func GlobalMaxPool(dst, x *Tensor) error { return globalPool(dst, x, true) }

func globalPool(dst, x *Tensor, isMax bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	out, err := GlobalPoolShape(x.Shape)
	if err != nil {
		return err
	}
	if !isMax && !x.DType.IsFloat() {
		return fmt.Errorf("global_avg_pool: want a float input, got %v", x)
	}
	// A global pool is a pool whose window is the whole plane.
	s := x.Rank() - 2
	p := PoolParams{Kernel: x.Shape[2:], Strides: ones(s), Dilations: ones(s), Pads: make([]int, 2*s)}
	if s > 3 {
		return fmt.Errorf("global pool: at most 3 spatial axes, got %s", ShapeString(x.Shape))
	}
	for _, d := range x.Shape[2:] {
		if d == 0 {
			return fmt.Errorf("global pool: empty spatial axis in %v", x)
		}
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("global pool: %w", err)
	}
	return pool(dst, x, p, isMax)
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
