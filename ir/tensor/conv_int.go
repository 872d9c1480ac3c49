package tensor

import (
	"fmt"
	"math"
)

// ConvInteger computes the exact integer convolution of ONNX ConvInteger,
// with an optional integer bias as quantized convolutions use it:
//
//	dst[n,f,...] = b[f] + Σ (x - xZero) * (w[f,...] - wZero[f])
//
// x and w may be any integer types; xZero is one value, wZero one value or
// one per output channel (len F); b is nil or an integer [F]. dst is an
// integer tensor (Int32 for ConvInteger) and the exact sum wraps to its type.
// Strides, pads, dilations and groups are as for Conv.
//
// When every partial sum is below 2^53 in magnitude (always so for 8-bit
// operands) the products run as float64 gemm, which is then exact; otherwise
// an int64 loop computes the sum modulo 2^64.
func ConvInteger(dst, x, w, b *Tensor, xZero int64, wZero []int64, p ConvParams) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if err := checkStorage("w", w); err != nil {
		return err
	}
	if !x.DType.IsInt() || !w.DType.IsInt() {
		return fmt.Errorf("conv_integer: want integer x and w, got %v and %v", x, w)
	}
	out, err := ConvShape(x.Shape, w.Shape, p)
	if err != nil {
		return err
	}
	if err := checkStorage("dst", dst); err != nil {
		return err
	}
	if !dst.DType.IsInt() || !SameShape(dst.Shape, out) {
		return fmt.Errorf("conv_integer: dst is %v, want an integer tensor of shape %s", dst, ShapeString(out))
	}
	F := out[1]
	if len(wZero) != 1 && len(wZero) != F {
		return fmt.Errorf("conv_integer: %d weight zero points, want 1 or %d", len(wZero), F)
	}
	if b != nil {
		if err := checkStorage("bias", b); err != nil {
			return err
		}
		if !b.DType.IsInt() || b.Rank() != 1 || b.Shape[0] != F {
			return fmt.Errorf("conv_integer: bias is %v, want an integer [%d]", b, F)
		}
	}
	c := newConv2D(x.Shape, w.Shape, out, p)
	// Shift by the zero points once; the differences fit int64 for every
	// integer type except extreme uint64 values, which wrap like the sum.
	xs := make([]int64, len(x.I64))
	xmax := int64(0)
	for i, v := range x.I64 {
		xs[i] = v - xZero
		xmax = max(xmax, absInt(xs[i]))
	}
	perF := c.kdim
	ws := make([]int64, len(w.I64))
	wmax := int64(0)
	for i, v := range w.I64 {
		z := wZero[0]
		if len(wZero) > 1 {
			z = wZero[i/perF]
		}
		ws[i] = v - z
		wmax = max(wmax, absInt(ws[i]))
	}
	bias := make([]int64, F)
	bmax := int64(0)
	if b != nil {
		copy(bias, b.I64)
		for _, v := range bias {
			bmax = max(bmax, absInt(v))
		}
	}
	acc := make([]int64, NumElems(out))
	if exactInFloat64(xmax, wmax, bmax, c.kdim) {
		xf, wf, bf := toF64(xs), toF64(ws), toF64(bias)
		df := make([]float64, len(acc))
		convRun(c, df, xf, wf, bf, gemmF64)
		for i, v := range df {
			acc[i] = int64(v)
		}
	} else {
		convIntDirect(c, acc, xs, ws, bias)
	}
	for i, v := range acc {
		dst.I64[i] = dst.DType.Wrap(v)
	}
	return nil
}

// exactInFloat64 reports whether bias + a sum of k products bounded by
// xmax*wmax stays below 2^53, so float64 arithmetic on it is exact in any
// order.
func exactInFloat64(xmax, wmax, bmax int64, k int) bool {
	const limit = 1 << 53
	if xmax >= limit || wmax >= limit || bmax >= limit {
		return false
	}
	bound := float64(xmax)*float64(wmax)*float64(k) + float64(bmax)
	return bound < limit/2 // margin for the float estimate of the bound
}

func absInt(v int64) int64 {
	if v < 0 {
		if v == math.MinInt64 {
			return math.MaxInt64
		}
		return -v
	}
	return v
}

func toF64(s []int64) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// convIntDirect is the int64 convolution (sums modulo 2^64) for operands too
// large for the exact float64 path.
func convIntDirect(c conv2D, d, x, w, bias []int64) {
	P := c.oh * c.ow
	parallelFor(c.n*c.f, P*c.kdim, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			n, f := j/c.f, j%c.f
			g := f / c.fg
			xg := x[(n*c.c+g*c.cg)*c.h*c.w:]
			wf := w[f*c.kdim : (f+1)*c.kdim]
			dc := d[j*P : (j+1)*P]
			for oy := 0; oy < c.oh; oy++ {
				for ox := 0; ox < c.ow; ox++ {
					s := bias[f]
					for ch := 0; ch < c.cg; ch++ {
						for ky := 0; ky < c.kh; ky++ {
							iy := oy*c.sh - c.pt + ky*c.dh
							if iy < 0 || iy >= c.h {
								continue
							}
							for kx := 0; kx < c.kw; kx++ {
								ix := ox*c.sw - c.pl + kx*c.dw
								if ix >= 0 && ix < c.w {
									s += wf[(ch*c.kh+ky)*c.kw+kx] * xg[(ch*c.h+iy)*c.w+ix]
								}
							}
						}
					}
					dc[oy*c.ow+ox] = s
				}
			}
		}
	})
}
