package train

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

var (
	negInf = math.Inf(-1)
	posInf = math.Inf(1)
)

type unaryKind uint8

const (
	unaryRelu unaryKind = iota
	unaryLeaky
	unaryClip
)

// unaryLayer is relu, leaky_relu or clip. The derivative at a kink is taken
// from the right for relu/leaky_relu (0 at x = 0 for relu, as PyTorch) and
// 1 inside the closed interval [lo, hi] for clip (as torch.clamp).
type unaryLayer struct {
	kind          unaryKind
	alpha, lo, hi float32
	x, y, dx      *tensor.Tensor
}

func (l *unaryLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	x := in[0]
	if err := checkF32("x", x); err != nil {
		return nil, err
	}
	l.x = x
	y := buf(&l.y, x.Shape...)
	xs, ys := x.F32, y.F32
	parallelFor(len(xs), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := xs[i]
			switch l.kind {
			case unaryRelu:
				if v < 0 {
					v = 0
				}
			case unaryLeaky:
				if v < 0 {
					v *= l.alpha
				}
			case unaryClip:
				v = min(max(v, l.lo), l.hi)
			}
			ys[i] = v
		}
	})
	return y, nil
}

func (l *unaryLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	if !want[0] {
		return []*tensor.Tensor{nil}, nil
	}
	dx := buf(&l.dx, l.x.Shape...)
	xs, ds, gs := l.x.F32, dout.F32, dx.F32
	parallelFor(len(xs), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v, g := xs[i], ds[i]
			switch l.kind {
			case unaryRelu:
				if v <= 0 {
					g = 0
				}
			case unaryLeaky:
				if v < 0 {
					g *= l.alpha
				}
			case unaryClip:
				if v < l.lo || v > l.hi {
					g = 0
				}
			}
			gs[i] = g
		}
	})
	return []*tensor.Tensor{dx}, nil
}

// addLayer is a+b with NumPy broadcasting: a residual add of two equal
// shapes, or a bias broadcast over the batch and spatial axes.
type addLayer struct {
	params []*Param
	a, b   *tensor.Tensor
	y      *tensor.Tensor
	out    []int
	da, db *tensor.Tensor
}

func (l *addLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	a, b := in[0], in[1]
	if err := checkF32("a", a); err != nil {
		return nil, err
	}
	if err := checkF32("b", b); err != nil {
		return nil, err
	}
	out, err := tensor.BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	l.a, l.b, l.out = a, b, out
	y := buf(&l.y, out...)
	if tensor.SameShape(a.Shape, b.Shape) {
		as, bs, ys := a.F32, b.F32, y.F32
		parallelFor(len(ys), 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				ys[i] = as[i] + bs[i]
			}
		})
		return y, nil
	}
	ia, ib := broadcastIndex(a.Shape, out), broadcastIndex(b.Shape, out)
	for i := range y.F32 {
		y.F32[i] = a.F32[ia[i]] + b.F32[ib[i]]
	}
	return y, nil
}

func (l *addLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	res := make([]*tensor.Tensor, 2)
	for k, x := range []*tensor.Tensor{l.a, l.b} {
		p := l.params[k]
		if !want[k] && (p == nil || !p.Trainable()) {
			continue
		}
		var g []float32
		if want[k] {
			d := &l.da
			if k == 1 {
				d = &l.db
			}
			t := buf(d, x.Shape...)
			clear(t.F32)
			res[k] = t
			g = t.F32
		} else {
			g = p.Grad
		}
		if tensor.SameShape(x.Shape, l.out) {
			for i, v := range dout.F32 {
				g[i] += v
			}
			continue
		}
		idx := broadcastIndex(x.Shape, l.out)
		for i, v := range dout.F32 {
			g[idx[i]] += v
		}
	}
	if res[0] != nil && res[0] == res[1] {
		return nil, fmt.Errorf("BUG: add gradients alias")
	}
	return res, nil
}

// broadcastIndex maps every element of shape out (row-major) to the element
// of shape in it reads under NumPy broadcasting.
func broadcastIndex(in, out []int) []int32 {
	n := tensor.NumElems(out)
	idx := make([]int32, n)
	r := len(out)
	strides := make([]int, r)
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		j := r - len(in) + i
		if in[i] != 1 {
			strides[j] = s
		}
		s *= in[i]
	}
	pos := make([]int, r)
	off := 0
	for e := 0; e < n; e++ {
		idx[e] = int32(off)
		for d := r - 1; d >= 0; d-- {
			pos[d]++
			off += strides[d]
			if pos[d] < out[d] {
				break
			}
			off -= strides[d] * pos[d]
			pos[d] = 0
		}
	}
	return idx
}
