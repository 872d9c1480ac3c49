package admm

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Stats are the second-order statistics of a layer's input patches over
// calibration samples: Mean[k] = E[x_k] and Cov[k*K+j] = E[(x_k - mu_k)(x_j
// - mu_j)], where x is one column of the layer's im2col matrix (one output
// position of one sample, K = C*kh*kw) or one fc input row. The layer-wise
// objective ||(W0 - W) X||^2 with the bias corrected by (W0 - W) mu is
// tr((W0 - W) Cov (W0 - W)^T) per column.
type Stats struct {
	K    int
	N    int // columns seen
	Mean []float64
	Cov  []float64
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
		sums[i] = newAccum(l.Shape.Cols)
	}
	for si, x := range samples {
		outs, err := interp.Run(c, []*tensor.Tensor{x})
		if err != nil {
			return nil, fmt.Errorf("admm: calibration sample %d: %v", si, err)
		}
		for i, l := range layers {
			a := outs[i]
			if a.DType != tensor.Float32 {
				return nil, fmt.Errorf("admm: layer %q: input is %v, want float32", l.Name, a.DType)
			}
			if err := sums[i].add(l, a); err != nil {
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

type accum struct {
	k    int
	n    int
	sum  []float64
	sq   []float64 // sum x x^T (upper and lower)
	col  []float64
	cols int
}

func newAccum(k int) *accum {
	return &accum{k: k, sum: make([]float64, k), sq: make([]float64, k*k)}
}

// add accumulates the columns of one sample's input a.
func (s *accum) add(l *Layer, a *tensor.Tensor) error {
	switch l.Node.Op {
	case ir.OpFC, ir.OpGemm:
		if len(a.Shape) != 2 || a.Shape[1] != s.k {
			return fmt.Errorf("fc input %v, want [M, %d]", a.Shape, s.k)
		}
		for m := 0; m < a.Shape[0]; m++ {
			s.column(func(k int) float64 { return float64(a.F32[m*s.k+k]) })
		}
		return nil
	case ir.OpConv:
		return s.conv(l, a)
	}
	return fmt.Errorf("BUG: admm: capture of %s", l.Node.Op)
}

// conv walks the im2col columns of a 2-D convolution input [N, C, H, W];
// row k = (c*kh + ky)*kw + kx matches the weight layout [F, C, kh, kw].
func (s *accum) conv(l *Layer, a *tensor.Tensor) error {
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
	x := a.F32
	for b := 0; b < a.Shape[0]; b++ {
		img := x[b*c*h*w : (b+1)*c*h*w]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s.column(func(k int) float64 {
					ch, r := k/(kh*kw), k%(kh*kw)
					iy := oy*st[0] - pd[0] + (r/kw)*dl[0]
					ix := ox*st[1] - pd[1] + (r%kw)*dl[1]
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						return 0
					}
					return float64(img[(ch*h+iy)*w+ix])
				})
			}
		}
	}
	return nil
}

// column adds one column given element by element.
func (s *accum) column(at func(k int) float64) {
	if s.col == nil {
		s.col = make([]float64, s.k)
	}
	v := s.col
	for k := range v {
		v[k] = at(k)
	}
	for i, xi := range v {
		s.sum[i] += xi
		if xi == 0 {
			continue
		}
		row := s.sq[i*s.k : (i+1)*s.k]
		for j := i; j < s.k; j++ {
			row[j] += xi * v[j]
		}
	}
	s.n++
}

func (s *accum) stats() *Stats {
	st := &Stats{K: s.k, N: s.n, Mean: make([]float64, s.k), Cov: make([]float64, s.k*s.k)}
	if s.n == 0 {
		return st
	}
	inv := 1 / float64(s.n)
	for i := range st.Mean {
		st.Mean[i] = s.sum[i] * inv
	}
	for i := 0; i < s.k; i++ {
		for j := i; j < s.k; j++ {
			v := s.sq[i*s.k+j]*inv - st.Mean[i]*st.Mean[j]
			st.Cov[i*s.k+j], st.Cov[j*s.k+i] = v, v
		}
	}
	return st
}
