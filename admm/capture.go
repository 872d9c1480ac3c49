package admm

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Stats are the second-order statistics of a layer's input patches over
// calibration samples, for the original model's input x (the reference)
// and the input y the layer sees in the model being compressed (equal to x
// when earlier layers are not taken into account): means Mean0 = E[x],
// MeanC = E[y] and the K x K covariances C00 = Cov(x, x), Ccc = Cov(y, y),
// Cc0 = Cov(y, x) (row k of Cc0 is E[(y_k - mu_k)(x - mu)]). A column is
// one column of the layer's im2col matrix (one output position of one
// sample, K = C*kh*kw) or one fc input row. The layer-wise objective
// ||W0 X + b0 - W Y - b||^2 with the bias b = b0 + W0 Mean0 - W MeanC is
// tr(W0 C00 W0^T) - 2 tr(W Cc0 W0^T) + tr(W Ccc W^T) per column.
type Stats struct {
	K            int
	N            int // columns seen
	Mean0, MeanC []float64
	C00, Ccc     []float64
	Cc0          []float64
}

// Capture runs the float reference interpreter on every sample (each a
// tensor shaped like g's single input) and returns the input statistics of
// each layer.
func Capture(g *ir.Graph, layers []*Layer, samples []*tensor.Tensor) (map[string]*Stats, error) {
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("admm: layer-wise mode needs a graph with one input, %q has %d", g.Name, len(g.Inputs))
	}
	c := ir.Clone(g)
	// The clone's node i is g's node i: read each layer's input from it.
	idx := map[*ir.Node]int{}
	for i, n := range g.Nodes {
		idx[n] = i
	}
	c.Outputs = nil
	for _, l := range layers {
		c.Outputs = append(c.Outputs, c.Nodes[idx[l.Node]].Inputs[0])
	}
	sums := make([]*accum, len(layers))
	for i, l := range layers {
		sums[i] = newAccum(l.Shape.Cols, false)
	}
	for si, x := range samples {
		outs, err := interp.Run(c, []*tensor.Tensor{x})
		if err != nil {
			return nil, fmt.Errorf("admm: calibration sample %d: %v", si, err)
		}
		for i, l := range layers {
			if err := sums[i].add(l, outs[i], outs[i]); err != nil {
				return nil, fmt.Errorf("admm: layer %q: %v", l.Name, err)
			}
		}
	}
	out := map[string]*Stats{}
	for i, l := range layers {
		out[l.Name] = sums[i].stats()
	}
	return out, nil
}

// CapturePair returns the statistics of layer l's input in the reference
// graph g0 (x) and in gc (y), a copy of g0 whose earlier layers are
// already compressed: layer l is node index idx in both.
func CapturePair(g0, gc *ir.Graph, l *Layer, idx int, samples []*tensor.Tensor) (*Stats, error) {
	probe := func(g *ir.Graph) *ir.Graph {
		c := ir.Clone(g)
		c.Outputs = []*ir.Value{c.Nodes[idx].Inputs[0]}
		return c
	}
	p0, pc := probe(g0), probe(gc)
	acc := newAccum(l.Shape.Cols, true)
	for si, x := range samples {
		o0, err := interp.Run(p0, []*tensor.Tensor{x})
		if err != nil {
			return nil, fmt.Errorf("admm: calibration sample %d: %v", si, err)
		}
		oc, err := interp.Run(pc, []*tensor.Tensor{x})
		if err != nil {
			return nil, fmt.Errorf("admm: calibration sample %d: %v", si, err)
		}
		if err := acc.add(l, o0[0], oc[0]); err != nil {
			return nil, fmt.Errorf("admm: layer %q: %v", l.Name, err)
		}
	}
	return acc.stats(), nil
}

type accum struct {
	k          int
	n          int
	pair       bool      // y differs from x
	sx, sy     []float64 // sums
	sxx        []float64 // sum x x^T (upper triangle)
	syy, syx   []float64 // sum y y^T (upper), sum y x^T (full); pair only
	colx, coly []float64
}

func newAccum(k int, pair bool) *accum {
	a := &accum{k: k, pair: pair, sx: make([]float64, k), sxx: make([]float64, k*k), colx: make([]float64, k)}
	if pair {
		a.sy, a.syy, a.syx, a.coly = make([]float64, k), make([]float64, k*k), make([]float64, k*k), make([]float64, k)
	}
	return a
}

// add accumulates the columns of one sample: a is the reference input x,
// b the input y of the model being compressed (the same tensor unless
// pair).
func (s *accum) add(l *Layer, a, b *tensor.Tensor) error {
	if a.DType != tensor.Float32 || b.DType != tensor.Float32 || !tensor.SameShape(a.Shape, b.Shape) {
		return fmt.Errorf("inputs %v and %v, want float32 of one shape", a, b)
	}
	switch l.Node.Op {
	case ir.OpFC, ir.OpGemm:
		if len(a.Shape) != 2 || a.Shape[1] != s.k {
			return fmt.Errorf("fc input %v, want [M, %d]", a.Shape, s.k)
		}
		for m := 0; m < a.Shape[0]; m++ {
			s.column(func(k int) (float64, float64) { return float64(a.F32[m*s.k+k]), float64(b.F32[m*s.k+k]) })
		}
		return nil
	case ir.OpConv:
		return s.conv(l, a, b)
	}
	return fmt.Errorf("BUG: admm: capture of %s", l.Node.Op)
}

// conv walks the im2col columns of a 2-D convolution input [N, C, H, W];
// row k = (c*kh + ky)*kw + kx matches the weight layout [F, C, kh, kw].
func (s *accum) conv(l *Layer, a, b *tensor.Tensor) error {
	n := l.Node
	ws := l.Weight.Type.Shape
	if len(ws) != 4 || len(a.Shape) != 4 {
		return fmt.Errorf("layer-wise mode supports 2-D convolutions only (weights %v, input %v)", ws, a.Shape)
	}
	c, h, w := a.Shape[1], a.Shape[2], a.Shape[3]
	kh, kw := ws[2], ws[3]
	if c*kh*kw != s.k {
		return fmt.Errorf("input has %d channels, weights want %d", c, s.k/(kh*kw))
	}
	st := n.Ints("strides", []int{1, 1})
	pd := n.Ints("pads", []int{0, 0, 0, 0})
	dl := n.Ints("dilations", []int{1, 1})
	if len(st) != 2 || len(pd) != 4 || len(dl) != 2 {
		return fmt.Errorf("strides %v, pads %v, dilations %v: want 2-D", st, pd, dl)
	}
	out := n.Outputs[0].Type.Shape
	oh, ow := out[2], out[3]
	for bi := 0; bi < a.Shape[0]; bi++ {
		xa := a.F32[bi*c*h*w : (bi+1)*c*h*w]
		xb := b.F32[bi*c*h*w : (bi+1)*c*h*w]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s.column(func(k int) (float64, float64) {
					ch, r := k/(kh*kw), k%(kh*kw)
					iy := oy*st[0] - pd[0] + (r/kw)*dl[0]
					ix := ox*st[1] - pd[1] + (r%kw)*dl[1]
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						return 0, 0
					}
					j := (ch*h+iy)*w + ix
					return float64(xa[j]), float64(xb[j])
				})
			}
		}
	}
	return nil
}

// column adds one column given element by element.
func (s *accum) column(at func(k int) (x, y float64)) {
	x, y := s.colx, s.coly
	for k := range x {
		xk, yk := at(k)
		x[k] = xk
		if s.pair {
			y[k] = yk
		}
	}
	upper(s.sxx, s.sx, x, s.k)
	if s.pair {
		upper(s.syy, s.sy, y, s.k)
		for i, yi := range y {
			if yi == 0 {
				continue
			}
			row := s.syx[i*s.k : (i+1)*s.k]
			for j, xj := range x {
				row[j] += yi * xj
			}
		}
	}
	s.n++
}

// upper adds v v^T to the upper triangle of m and v to sum.
func upper(m, sum, v []float64, k int) {
	for i, vi := range v {
		sum[i] += vi
		if vi == 0 {
			continue
		}
		row := m[i*k : (i+1)*k]
		for j := i; j < k; j++ {
			row[j] += vi * v[j]
		}
	}
}

// cov turns a sum of outer products (upper triangle) into a covariance.
func cov(m, mean []float64, n, k int) []float64 {
	out := make([]float64, k*k)
	inv := 1 / float64(n)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			v := m[i*k+j]*inv - mean[i]*mean[j]
			out[i*k+j], out[j*k+i] = v, v
		}
	}
	return out
}

func (s *accum) stats() *Stats {
	st := &Stats{K: s.k, N: s.n, Mean0: make([]float64, s.k)}
	if s.n == 0 {
		st.MeanC, st.C00, st.Ccc, st.Cc0 = st.Mean0, make([]float64, s.k*s.k), make([]float64, s.k*s.k), make([]float64, s.k*s.k)
		return st
	}
	inv := 1 / float64(s.n)
	for i := range st.Mean0 {
		st.Mean0[i] = s.sx[i] * inv
	}
	st.C00 = cov(s.sxx, st.Mean0, s.n, s.k)
	if !s.pair {
		st.MeanC, st.Ccc, st.Cc0 = st.Mean0, st.C00, st.C00
		return st
	}
	st.MeanC = make([]float64, s.k)
	for i := range st.MeanC {
		st.MeanC[i] = s.sy[i] * inv
	}
	st.Ccc = cov(s.syy, st.MeanC, s.n, s.k)
	st.Cc0 = make([]float64, s.k*s.k)
	for i := 0; i < s.k; i++ {
		for j := 0; j < s.k; j++ {
			st.Cc0[i*s.k+j] = s.syx[i*s.k+j]*inv - st.MeanC[i]*st.Mean0[j]
		}
	}
	return st
}
