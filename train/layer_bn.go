package train

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// bnLayer is batch normalization over axis 1 of x [N, C, spatial...]. In
// training mode it normalizes with the batch mean and (biased) variance and
// moves the running statistics toward them, the running variance taking the
// unbiased estimate (PyTorch's convention); in inference mode it uses the
// running statistics, which makes it an affine map per channel. Gradients
// follow from y = scale*xhat + bias with xhat = (x - mean)*invstd.
type bnLayer struct {
	eps      float32
	params   []*Param // scale, bias, mean, var at inputs 1..4
	momentum *float32

	training bool
	xShape   []int
	xhat     *tensor.Tensor
	invstd   []float64
	y, dx    *tensor.Tensor
}

func (l *bnLayer) forward(in []*tensor.Tensor, training bool) (*tensor.Tensor, error) {
	x := in[0]
	if err := checkF32("x", x); err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input %v: want [N,C,...]", x)
	}
	n, c := x.Shape[0], x.Shape[1]
	for i := 1; i < 5; i++ {
		if in[i].Len() != c {
			return nil, fmt.Errorf("input %d is %v, want %d channels", i, in[i], c)
		}
	}
	S := x.Len() / max(n*c, 1)
	scale, bias, rmean, rvar := in[1].F32, in[2].F32, in[3].F32, in[4].F32
	l.training, l.xShape = training, x.Shape
	if len(l.invstd) != c {
		l.invstd = make([]float64, c)
	}
	xhat := buf(&l.xhat, x.Shape...)
	y := buf(&l.y, x.Shape...)
	momentum := float64(0.1)
	if l.momentum != nil {
		momentum = float64(*l.momentum)
	}
	M := n * S
	xs, hs, ys := x.F32, xhat.F32, y.F32
	parallelFor(c, 3*M, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var mean, variance float64
			if training {
				var s float64
				for b := 0; b < n; b++ {
					for _, v := range xs[(b*c+ch)*S : (b*c+ch+1)*S] {
						s += float64(v)
					}
				}
				mean = s / float64(M)
				var q float64
				for b := 0; b < n; b++ {
					for _, v := range xs[(b*c+ch)*S : (b*c+ch+1)*S] {
						d := float64(v) - mean
						q += d * d
					}
				}
				variance = q / float64(M)
				unbiased := variance
				if M > 1 {
					unbiased = q / float64(M-1)
				}
				rmean[ch] = float32((1-momentum)*float64(rmean[ch]) + momentum*mean)
				rvar[ch] = float32((1-momentum)*float64(rvar[ch]) + momentum*unbiased)
			} else {
				mean, variance = float64(rmean[ch]), float64(rvar[ch])
			}
			inv := 1 / math.Sqrt(variance+float64(l.eps))
			l.invstd[ch] = inv
			sc, bi := scale[ch], bias[ch]
			m32, i32 := float32(mean), float32(inv)
			for b := 0; b < n; b++ {
				o := (b*c + ch) * S
				for i, v := range xs[o : o+S] {
					h := (v - m32) * i32
					hs[o+i] = h
					ys[o+i] = h*sc + bi
				}
			}
		}
	})
	return y, nil
}

func (l *bnLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	n, c := l.xShape[0], l.xShape[1]
	S := tensor.NumElems(l.xShape) / max(n*c, 1)
	M := n * S
	ds, hs := dout.F32, l.xhat.F32
	scale := l.params[1].Data.F32
	gs, gb := l.params[1].Grad, l.params[2].Grad
	var dxs []float32
	var dx *tensor.Tensor
	if want[0] {
		dx = buf(&l.dx, l.xShape...)
		dxs = dx.F32
	}
	parallelFor(c, 3*M, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var sd, sdh float64
			for b := 0; b < n; b++ {
				o := (b*c + ch) * S
				for i, d := range ds[o : o+S] {
					sd += float64(d)
					sdh += float64(d) * float64(hs[o+i])
				}
			}
			if gs != nil {
				gs[ch] += float32(sdh)
			}
			if gb != nil {
				gb[ch] += float32(sd)
			}
			if dxs == nil {
				continue
			}
			k := float32(float64(scale[ch]) * l.invstd[ch])
			if !l.training {
				for b := 0; b < n; b++ {
					o := (b*c + ch) * S
					for i, d := range ds[o : o+S] {
						dxs[o+i] = k * d
					}
				}
				continue
			}
			// dx = scale*invstd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat))
			md, mdh := float32(sd/float64(M)), float32(sdh/float64(M))
			for b := 0; b < n; b++ {
				o := (b*c + ch) * S
				for i, d := range ds[o : o+S] {
					dxs[o+i] = k * (d - md - hs[o+i]*mdh)
				}
			}
		}
	})
	res := make([]*tensor.Tensor, len(want))
	if dx != nil {
		res[0] = dx
	}
	return res, nil
}
