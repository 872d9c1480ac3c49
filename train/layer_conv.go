package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// convLayer is a grouped, strided, padded, dilated 1-D or 2-D convolution
// (1-D runs as 2-D with height 1). Per group it lowers the whole batch to one
// im2col matrix col [Cg*KH*KW, N*OH*OW] and computes
//
//	Y_g = W_g * col            (forward)
//	dW_g += dY_g * col^T       (weight gradient)
//	dcol = W_g^T * dY_g        (input gradient, scattered back by col2im)
//
// with tensor.SgemmParallel. col is recomputed in backward from the saved
// input instead of being kept, which bounds memory to one col per layer.
type convLayer struct {
	p      tensor.ConvParams
	params []*Param
	oned   bool

	g       convGeom
	colKept bool // col holds every group's im2col of x (training forward)
	x, w    *tensor.Tensor
	y, dx   *tensor.Tensor
	col     *tensor.Tensor
	scratch *convScratch // shared by the model's convolutions
}

// convScratch holds the buffers a convolution needs only while it runs (the
// im2col matrix in inference, the product before the layout change, the
// output gradient as a matrix, the im2col gradient); layers run one at a time, so a model's convolutions
// share one set.
type convScratch struct {
	col, tmp, dy, dcol *tensor.Tensor
}

// convGeom is the 2-D geometry of one convolution call.
type convGeom struct {
	n, c, h, w, f, groups, cg, fg int
	kh, kw, oh, ow                int
	sh, sw, ph, pw, dh, dw        int
}

func (g convGeom) rows() int { return g.cg * g.kh * g.kw } // rows of col per group
func (g convGeom) cols() int { return g.n * g.oh * g.ow }  // columns of col

func newConvLayer(n *ir.Node, params []*Param, scratch *convScratch) (*convLayer, error) {
	p := tensor.ConvParams{Strides: n.Ints("strides", nil), Pads: n.Ints("pads", nil), Dilations: n.Ints("dilations", nil), Group: int(n.Int("group", 1))}
	r := len(n.Inputs[0].Type.Shape)
	if r != 3 && r != 4 {
		return nil, fmt.Errorf("conv input %v: want rank 3 or 4", n.Inputs[0].Type)
	}
	return &convLayer{p: p, params: params, oned: r == 3, scratch: scratch}, nil
}

func (l *convLayer) geometry(x, w *tensor.Tensor) (convGeom, []int, error) {
	out, err := tensor.ConvShape(x.Shape, w.Shape, l.p)
	if err != nil {
		return convGeom{}, nil, err
	}
	g := convGeom{n: x.Shape[0], c: x.Shape[1], f: w.Shape[0], groups: l.p.Group}
	g.cg, g.fg = g.c/g.groups, g.f/g.groups
	if l.oned {
		g.h, g.w, g.kh, g.kw, g.oh, g.ow = 1, x.Shape[2], 1, w.Shape[2], 1, out[2]
		g.sh, g.sw, g.ph, g.pw, g.dh, g.dw = 1, l.p.Strides[0], 0, l.p.Pads[0], 1, l.p.Dilations[0]
	} else {
		g.h, g.w, g.kh, g.kw, g.oh, g.ow = x.Shape[2], x.Shape[3], w.Shape[2], w.Shape[3], out[2], out[3]
		g.sh, g.sw, g.ph, g.pw, g.dh, g.dw = l.p.Strides[0], l.p.Strides[1], l.p.Pads[0], l.p.Pads[1], l.p.Dilations[0], l.p.Dilations[1]
	}
	return g, out, nil
}

func (l *convLayer) forward(in []*tensor.Tensor, training bool) (*tensor.Tensor, error) {
	x, w := in[0], in[1]
	if err := checkF32("x", x); err != nil {
		return nil, err
	}
	if err := checkF32("w", w); err != nil {
		return nil, err
	}
	var b []float32
	if len(in) > 2 && in[2] != nil {
		if err := checkF32("b", in[2]); err != nil {
			return nil, err
		}
		if in[2].Len() != w.Shape[0] {
			return nil, fmt.Errorf("bias %v, want [%d]", in[2], w.Shape[0])
		}
		b = in[2].F32
	}
	g, out, err := l.geometry(x, w)
	if err != nil {
		return nil, err
	}
	l.g, l.x, l.w = g, x, w
	rows, cols := g.rows(), g.cols()
	// In training mode every group's col is kept for the weight gradient.
	// In inference the col of one group at a time lives in the shared scratch.
	ncol, colBuf := 1, &l.scratch.col
	if training {
		ncol, colBuf = g.groups, &l.col
	}
	col := buf(colBuf, ncol*rows, cols)
	l.colKept = training
	tmp := buf(&l.scratch.tmp, g.f, cols)
	for gi := 0; gi < g.groups; gi++ {
		cg := col.F32[(gi%ncol)*rows*cols:]
		im2col(g, cg, x.F32, gi)
		tensor.SgemmParallel(workers(), false, false, g.fg, cols, rows, 1, w.F32[gi*g.fg*rows:], rows, cg, cols, 0, tmp.F32[gi*g.fg*cols:], cols)
	}
	y := buf(&l.y, out...)
	P := g.oh * g.ow
	ys, ts := y.F32, tmp.F32
	parallelFor(g.n*g.f, P, func(lo, hi int) {
		for nf := lo; nf < hi; nf++ {
			n, f := nf/g.f, nf%g.f
			dst := ys[nf*P : (nf+1)*P]
			src := ts[f*cols+n*P : f*cols+(n+1)*P]
			if b == nil {
				copy(dst, src)
				continue
			}
			bf := b[f]
			for i, v := range src {
				dst[i] = v + bf
			}
		}
	})
	return y, nil
}

func (l *convLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	g := l.g
	rows, cols, P := g.rows(), g.cols(), g.oh*g.ow
	// dY [F, N*P] from dout [N, F, P].
	dy := buf(&l.scratch.dy, g.f, cols)
	ds, dys := dout.F32, dy.F32
	parallelFor(g.n*g.f, P, func(lo, hi int) {
		for nf := lo; nf < hi; nf++ {
			n, f := nf/g.f, nf%g.f
			copy(dys[f*cols+n*P:f*cols+(n+1)*P], ds[nf*P:(nf+1)*P])
		}
	})
	if p := l.param(2); p != nil {
		rowSums(p.Grad, dys, g.f, cols)
	}
	pw := l.param(1)
	var dx *tensor.Tensor
	if want[0] {
		dx = buf(&l.dx, l.x.Shape...)
		clear(dx.F32)
	}
	if pw == nil && dx == nil {
		return []*tensor.Tensor{nil, nil, nil}[:len(want)], nil
	}
	var dcol *tensor.Tensor
	if dx != nil {
		dcol = buf(&l.scratch.dcol, rows, cols)
	}
	for gi := 0; gi < g.groups; gi++ {
		dyg := dys[gi*g.fg*cols:]
		if pw != nil {
			var cg []float32
			if l.colKept {
				cg = l.col.F32[gi*rows*cols:]
			} else {
				cg = buf(&l.scratch.col, rows, cols).F32
				im2col(g, cg, l.x.F32, gi)
			}
			tensor.SgemmParallel(workers(), false, true, g.fg, rows, cols, 1, dyg, cols, cg, cols, 1, pw.Grad[gi*g.fg*rows:], rows)
		}
		if dx != nil {
			tensor.SgemmParallel(workers(), true, false, rows, cols, g.fg, 1, l.w.F32[gi*g.fg*rows:], rows, dyg, cols, 0, dcol.F32, cols)
			col2im(g, dx.F32, dcol.F32, gi)
		}
	}
	res := make([]*tensor.Tensor, len(want))
	if dx != nil {
		res[0] = dx
	}
	return res, nil
}

// param returns the trainable parameter at input i, or nil.
func (l *convLayer) param(i int) *Param {
	if i < len(l.params) && l.params[i] != nil && l.params[i].Trainable() {
		return l.params[i]
	}
	return nil
}

// rowSums adds the row sums of the m×n matrix a into g (float64 sums in
// column order).
func rowSums(g, a []float32, m, n int) {
	parallelFor(m, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var s float64
			for _, v := range a[i*n : (i+1)*n] {
				s += float64(v)
			}
			g[i] += float32(s)
		}
	})
}

// outRange returns the output positions [lo, hi) whose tap at input offset
// off+o*stride lies inside [0, in).
func outRange(off, stride, in, out int) (lo, hi int) {
	// o*stride + off >= 0  and  o*stride + off < in
	lo = 0
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	hi = 0
	if in-off > 0 {
		hi = (in - off + stride - 1) / stride
	}
	return min(lo, out), min(max(hi, 0), out)
}

// im2col fills col [Cg*KH*KW, N*OH*OW] with the taps of group gi.
func im2col(g convGeom, col, x []float32, gi int) {
	rows, cols, P := g.rows(), g.cols(), g.oh*g.ow
	parallelFor(rows, cols, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			c, kk := r/(g.kh*g.kw), r%(g.kh*g.kw)
			i, j := kk/g.kw, kk%g.kw
			offW := j*g.dw - g.pw
			owLo, owHi := outRange(offW, g.sw, g.w, g.ow)
			row := col[r*cols : (r+1)*cols]
			for n := 0; n < g.n; n++ {
				plane := x[(n*g.c+gi*g.cg+c)*g.h*g.w:]
				for oh := 0; oh < g.oh; oh++ {
					dst := row[n*P+oh*g.ow : n*P+(oh+1)*g.ow]
					ih := oh*g.sh - g.ph + i*g.dh
					if ih < 0 || ih >= g.h || owLo >= owHi {
						clear(dst)
						continue
					}
					clear(dst[:owLo])
					clear(dst[owHi:])
					src := plane[ih*g.w:]
					if g.sw == 1 {
						copy(dst[owLo:owHi], src[owLo+offW:owHi+offW])
						continue
					}
					for ow := owLo; ow < owHi; ow++ {
						dst[ow] = src[ow*g.sw+offW]
					}
				}
			}
		}
	})
}

// col2im adds dcol [Cg*KH*KW, N*OH*OW] of group gi into dx. Each (n, c)
// plane of dx is written by one goroutine, taps in a fixed order.
func col2im(g convGeom, dx, dcol []float32, gi int) {
	cols, P := g.cols(), g.oh*g.ow
	parallelFor(g.n*g.cg, g.kh*g.kw*P, func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			n, c := nc/g.cg, nc%g.cg
			plane := dx[(n*g.c+gi*g.cg+c)*g.h*g.w:]
			for i := 0; i < g.kh; i++ {
				for j := 0; j < g.kw; j++ {
					r := (c*g.kh+i)*g.kw + j
					offW := j*g.dw - g.pw
					owLo, owHi := outRange(offW, g.sw, g.w, g.ow)
					row := dcol[r*cols+n*P:]
					for oh := 0; oh < g.oh; oh++ {
						ih := oh*g.sh - g.ph + i*g.dh
						if ih < 0 || ih >= g.h {
							continue
						}
						src := row[oh*g.ow:]
						dst := plane[ih*g.w:]
						if g.sw == 1 && owLo < owHi {
							s := src[owLo:owHi]
							d := dst[owLo+offW : owHi+offW]
							d = d[:len(s)]
							for k, v := range s {
								d[k] += v
							}
							continue
						}
						for ow := owLo; ow < owHi; ow++ {
							dst[ow*g.sw+offW] += src[ow]
						}
					}
				}
			}
		}
	})
}
