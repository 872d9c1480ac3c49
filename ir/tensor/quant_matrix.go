package tensor

import (
	"fmt"
	"math"
)

// Exact integer matrix products of the quantized stage. The sums are kept in
// int64 (never saturated): the quantize pass guarantees that they fit the
// accelerator's accumulators, so the exact value is what the hardware holds.

// maxQOperand bounds the magnitude of the operands of the accumulating
// kernels (quantized codes have at most 8 bits; 16 leaves room): each
// product is then below 2^32, so an int64 sum of up to 2^31 products is
// exact.
const maxQOperand = 1 << 16

func checkQOperands(what string, ts ...*Tensor) error {
	for _, t := range ts {
		for _, v := range t.I64 {
			if v > maxQOperand || v < -maxQOperand {
				return fmt.Errorf("%s: operand value %d outside [-2^16, 2^16] (matrix operands are quantized codes)", what, v)
			}
		}
	}
	return nil
}

// QConvAcc writes the exact convolution sums acc[n,f,o] = sum w[f,c,k] *
// x[n,c,o*stride+k*dil-pad] of integer tensors x [N,C,spatial...] and w
// [F,C/group,kernel...] into the Int64 tensor dst (shape from ConvShape).
// Padded positions contribute 0: with zero points fixed at 0, code 0 is real 0.
func QConvAcc(dst, x, w *Tensor, p ConvParams) error {
	if err := checkIntIn("qconv x", x); err != nil {
		return err
	}
	if err := checkIntIn("qconv w", w); err != nil {
		return err
	}
	shape, err := ConvShape(x.Shape, w.Shape, p)
	if err != nil {
		return err
	}
	if err := checkIntDst("qconv", dst, shape); err != nil {
		return err
	}
	if err := checkQOperands("qconv", x, w); err != nil {
		return err
	}
	// Normalize 1-D to 2-D (H = 1).
	s := len(x.Shape) - 2
	ih, iw, kh, kw := 1, x.Shape[2], 1, w.Shape[2]
	oh, ow := 1, shape[2]
	sh, sw, dh, dw, ph, pw := 1, p.Strides[0], 1, p.Dilations[0], 0, p.Pads[0]
	if s == 2 {
		ih, iw, kh, kw = x.Shape[2], x.Shape[3], w.Shape[2], w.Shape[3]
		oh, ow = shape[2], shape[3]
		sh, sw, dh, dw, ph, pw = p.Strides[0], p.Strides[1], p.Dilations[0], p.Dilations[1], p.Pads[0], p.Pads[1]
	}
	n, c, f, g := x.Shape[0], x.Shape[1], w.Shape[0], p.Group
	cg, fg := c/g, f/g
	kc := cg * kh * kw
	pix := oh * ow
	for b := 0; b < n; b++ {
		for gi := 0; gi < g; gi++ {
			// im2col of this image and group: col[k][p], zero where padded.
			col := make([]int64, kc*pix)
			for ci := 0; ci < cg; ci++ {
				xc := x.I64[((b*c)+gi*cg+ci)*ih*iw:]
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						row := col[((ci*kh+ky)*kw+kx)*pix:]
						for oy := 0; oy < oh; oy++ {
							iy := oy*sh + ky*dh - ph
							for ox := 0; ox < ow; ox++ {
								ix := ox*sw + kx*dw - pw
								if iy >= 0 && iy < ih && ix >= 0 && ix < iw {
									row[oy*ow+ox] = xc[iy*iw+ix]
								}
							}
						}
					}
				}
			}
			parallelFor(fg, kc*pix, func(lo, hi int) {
				for fi := lo; fi < hi; fi++ {
					fo := gi*fg + fi
					out := dst.I64[(b*f+fo)*pix : (b*f+fo+1)*pix]
					clear(out)
					wr := w.I64[fo*kc : (fo+1)*kc]
					for k, wv := range wr {
						if wv == 0 {
							continue
						}
						cr := col[k*pix : (k+1)*pix]
						for i, xv := range cr {
							out[i] += wv * xv
						}
					}
				}
			})
		}
	}
	return nil
}

// QFCAcc writes the exact sums acc[m,n] = sum_k x[m,k] * w[n,k] of integer
// tensors x [M,K] and w [N,K] into the Int64 tensor dst [M,N].
func QFCAcc(dst, x, w *Tensor) error {
	if err := checkIntIn("qfc x", x); err != nil {
		return err
	}
	if err := checkIntIn("qfc w", w); err != nil {
		return err
	}
	shape, err := FCShape(x.Shape, w.Shape)
	if err != nil {
		return err
	}
	if err := checkIntDst("qfc", dst, shape); err != nil {
		return err
	}
	if err := checkQOperands("qfc", x, w); err != nil {
		return err
	}
	m, k, nn := x.Shape[0], x.Shape[1], w.Shape[0]
	parallelFor(nn, m*k, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			wr := w.I64[j*k : (j+1)*k]
			for i := 0; i < m; i++ {
				xr := x.I64[i*k : (i+1)*k]
				var s int64
				for t, wv := range wr {
					s += wv * xr[t]
				}
				dst.I64[i*nn+j] = s
			}
		}
	})
	return nil
}

// RequantChannels applies Requant to every element of acc, with the bias and
// multiplier of its channel along axis, writing into the integer tensor dst
// of the same shape.
func RequantChannels(dst, acc *Tensor, axis int, bias, mult []int64, shift uint, mode RoundMode, lo, hi int64) error {
	if err := checkIntIn("requant acc", acc); err != nil {
		return err
	}
	if axis < 0 || axis >= len(acc.Shape) {
		return fmt.Errorf("requant: axis %d outside rank %d", axis, len(acc.Shape))
	}
	ch := acc.Shape[axis]
	if len(bias) != ch || len(mult) != ch {
		return fmt.Errorf("requant: %d channels, got %d biases and %d multipliers", ch, len(bias), len(mult))
	}
	if err := checkRequant(shift, lo, hi); err != nil {
		return err
	}
	for c := 0; c < ch; c++ {
		if bias[c] < math.MinInt32 || bias[c] > math.MaxInt32 || mult[c] < math.MinInt32 || mult[c] > math.MaxInt32 {
			return fmt.Errorf("requant: channel %d: bias %d or multiplier %d outside int32", c, bias[c], mult[c])
		}
	}
	if err := checkIntDst("requant", dst, acc.Shape); err != nil {
		return err
	}
	inner := NumElems(acc.Shape[axis+1:])
	outer := NumElems(acc.Shape[:axis])
	for o := 0; o < outer; o++ {
		for c := 0; c < ch; c++ {
			base := (o*ch + c) * inner
			b, m := bias[c], mult[c]
			for i := base; i < base+inner; i++ {
				dst.I64[i] = Requant(acc.I64[i], b, m, shift, mode, lo, hi)
			}
		}
	}
	return nil
}

// checkRequant validates the immediate operands of a requantization.
func checkRequant(shift uint, lo, hi int64) error {
	if shift > 63 {
		return fmt.Errorf("requant: shift %d outside 0..63", shift)
	}
	if lo > hi || lo < math.MinInt32 || hi > math.MaxInt32 {
		return fmt.Errorf("requant: output range [%d, %d] is empty or outside int32", lo, hi)
	}
	return nil
}
