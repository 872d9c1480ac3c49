package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// poolLayer is max or average pooling over 1 or 2 spatial axes (1-D runs as
// 2-D with height 1), with the window rules of tensor.PoolShape/AvgPool:
// ceil mode, padding, dilation, and count_include_pad for the divisor.
// Max pooling records the first maximal tap of each window, which receives
// the whole output gradient.
type poolLayer struct {
	p     tensor.PoolParams
	isMax bool
	oned  bool

	g        convGeom // kh/kw are the window; c is channels; f unused
	xShape   []int
	arg      []int32   // max: input index (in its plane) per output
	div      []float32 // avg: 1/divisor per output position (one plane)
	y, dx    *tensor.Tensor
	divShape [2]int
}

func newPoolLayer(n *ir.Node) (*poolLayer, error) {
	r := len(n.Inputs[0].Type.Shape)
	if r != 3 && r != 4 {
		return nil, fmt.Errorf("pool input %v: want rank 3 or 4", n.Inputs[0].Type)
	}
	p := tensor.PoolParams{Kernel: n.Ints("kernel", nil), Strides: n.Ints("strides", nil), Pads: n.Ints("pads", nil),
		Dilations: n.Ints("dilations", nil), CeilMode: n.Int("ceil_mode", 0) != 0, CountIncludePad: n.Int("count_include_pad", 0) != 0}
	return &poolLayer{p: p, isMax: n.Op == ir.OpMaxPool, oned: r == 3}, nil
}

func (l *poolLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	x := in[0]
	if err := checkF32("x", x); err != nil {
		return nil, err
	}
	out, err := tensor.PoolShape(x.Shape, l.p)
	if err != nil {
		return nil, err
	}
	g := convGeom{n: x.Shape[0], c: x.Shape[1]}
	// Per-axis end padding (only the divisor with count_include_pad needs it).
	var peH, peW int
	if l.oned {
		g.h, g.w, g.kh, g.kw, g.oh, g.ow = 1, x.Shape[2], 1, l.p.Kernel[0], 1, out[2]
		g.sh, g.sw, g.ph, g.pw, g.dh, g.dw = 1, l.p.Strides[0], 0, l.p.Pads[0], 1, l.p.Dilations[0]
		peW = l.p.Pads[1]
	} else {
		g.h, g.w, g.kh, g.kw, g.oh, g.ow = x.Shape[2], x.Shape[3], l.p.Kernel[0], l.p.Kernel[1], out[2], out[3]
		g.sh, g.sw, g.ph, g.pw, g.dh, g.dw = l.p.Strides[0], l.p.Strides[1], l.p.Pads[0], l.p.Pads[1], l.p.Dilations[0], l.p.Dilations[1]
		peH, peW = l.p.Pads[2], l.p.Pads[3]
	}
	l.g, l.xShape = g, x.Shape
	y := buf(&l.y, out...)
	P, HW := g.oh*g.ow, g.h*g.w
	if l.isMax {
		if cap(l.arg) < len(y.F32) {
			l.arg = make([]int32, len(y.F32))
		}
		l.arg = l.arg[:len(y.F32)]
	} else if l.divShape != [2]int{g.oh, g.ow} || l.div == nil {
		l.div = make([]float32, P)
		for oh := 0; oh < g.oh; oh++ {
			ch := tapCount(oh*g.sh-g.ph, g.kh, g.dh, g.h, g.ph, peH, l.p.CountIncludePad)
			for ow := 0; ow < g.ow; ow++ {
				cw := tapCount(ow*g.sw-g.pw, g.kw, g.dw, g.w, g.pw, peW, l.p.CountIncludePad)
				if ch*cw > 0 {
					l.div[oh*g.ow+ow] = 1 / float32(ch*cw)
				}
			}
		}
		l.divShape = [2]int{g.oh, g.ow}
	}
	xs, ys := x.F32, y.F32
	parallelFor(g.n*g.c, P*g.kh*g.kw, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp := xs[pl*HW : (pl+1)*HW]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					o := pl*P + oh*g.ow + ow
					best, arg := float32(negInf), int32(-1)
					var sum float32
					for i := 0; i < g.kh; i++ {
						ih := oh*g.sh - g.ph + i*g.dh
						if ih < 0 || ih >= g.h {
							continue
						}
						for j := 0; j < g.kw; j++ {
							iw := ow*g.sw - g.pw + j*g.dw
							if iw < 0 || iw >= g.w {
								continue
							}
							v := xp[ih*g.w+iw]
							if v > best || arg < 0 {
								best, arg = v, int32(ih*g.w+iw)
							}
							sum += v
						}
					}
					if l.isMax {
						ys[o], l.arg[o] = best, arg
					} else {
						ys[o] = sum * l.div[oh*g.ow+ow]
					}
				}
			}
		}
	})
	return y, nil
}

// tapCount is the divisor contribution of one axis: the window taps inside
// the input, or with includePad those inside the padded input.
func tapCount(start, k, dil, in, padB, padE int, includePad bool) int {
	n := 0
	for t := 0; t < k; t++ {
		i := start + t*dil
		if includePad {
			if i >= -padB && i < in+padE {
				n++
			}
		} else if i >= 0 && i < in {
			n++
		}
	}
	return n
}

func (l *poolLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	if !want[0] {
		return []*tensor.Tensor{nil}, nil
	}
	g := l.g
	dx := buf(&l.dx, l.xShape...)
	clear(dx.F32)
	P, HW := g.oh*g.ow, g.h*g.w
	ds, dxs := dout.F32, dx.F32
	parallelFor(g.n*g.c, P*g.kh*g.kw, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp := dxs[pl*HW : (pl+1)*HW]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					o := pl*P + oh*g.ow + ow
					if l.isMax {
						if a := l.arg[o]; a >= 0 {
							xp[a] += ds[o]
						}
						continue
					}
					d := ds[o] * l.div[oh*g.ow+ow]
					for i := 0; i < g.kh; i++ {
						ih := oh*g.sh - g.ph + i*g.dh
						if ih < 0 || ih >= g.h {
							continue
						}
						for j := 0; j < g.kw; j++ {
							iw := ow*g.sw - g.pw + j*g.dw
							if iw >= 0 && iw < g.w {
								xp[ih*g.w+iw] += d
							}
						}
					}
				}
			}
		}
	})
	return []*tensor.Tensor{dx}, nil
}

// globalAvgLayer averages each channel plane to one value.
type globalAvgLayer struct {
	xShape []int
	y, dx  *tensor.Tensor
}

func (l *globalAvgLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	x := in[0]
	if err := checkF32("x", x); err != nil {
		return nil, err
	}
	if len(x.Shape) < 3 {
		return nil, fmt.Errorf("input %v: want [N,C,spatial...]", x)
	}
	out := []int{x.Shape[0], x.Shape[1]}
	for range x.Shape[2:] {
		out = append(out, 1)
	}
	l.xShape = x.Shape
	y := buf(&l.y, out...)
	S := x.Len() / (x.Shape[0] * x.Shape[1])
	for pl := range y.F32 {
		var s float64
		for _, v := range x.F32[pl*S : (pl+1)*S] {
			s += float64(v)
		}
		y.F32[pl] = float32(s / float64(S))
	}
	return y, nil
}

func (l *globalAvgLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	if !want[0] {
		return []*tensor.Tensor{nil}, nil
	}
	dx := buf(&l.dx, l.xShape...)
	S := dx.Len() / (l.xShape[0] * l.xShape[1])
	inv := 1 / float32(S)
	for pl, d := range dout.F32 {
		v := d * inv
		row := dx.F32[pl*S : (pl+1)*S]
		for i := range row {
			row[i] = v
		}
	}
	return []*tensor.Tensor{dx}, nil
}
