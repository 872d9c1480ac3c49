package admm

import (
	"fmt"
	"io"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// LayerError is the outcome of the layer-wise mode on one layer: relative
// reconstruction errors E(W) = tr((W0-W) C (W0-W)^T) / tr(W0 C W0^T) over
// the calibration patches (C their covariance; the bias absorbs the mean
// shift). Naive projects W0 directly; History has the best feasible error
// after each ADMM iteration (non-increasing); Final is the result's.
type LayerError struct {
	Name         string
	Naive, Final float64
	History      []float64
}

// Layerwise compresses every layer of g that specs constrains without
// labels or training, from calibration samples (tensors shaped like g's
// input): per layer, in graph order, ADMM on min ||W0 X + b0 - W Y - b||^2
// s.t. W in S (then, with the mask kept, W in Q), where X is the layer's
// input in g and Y its input in the partly compressed model (earlier
// layers already compressed; Y = X with h.LayerwiseIndependent), with
// closed-form W-steps (2 Cyy + rho I) w = 2 Cyx w0 + rho (z - u) per row
// (restricted to the kept support in the quantization phase), Z-step
// projections, U-step, rho growing by RhoGrowth (QuantRhoGrowth). The best
// feasible Z is kept; after pruning the kept weights are refitted in closed
// form on their support; the bias becomes b0 + W0 E[x] - W E[y]. It
// returns a new graph (g is not modified) whose layers lie exactly in
// their constraint sets.
func Layerwise(g *ir.Graph, specs map[string]Spec, samples []*tensor.Tensor, h Hyper, progress io.Writer) (*ir.Graph, []LayerError, error) {
	h, err := h.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	out := ir.Clone(g)
	layers, _ := Layers(g)
	olayers, _ := Layers(out)
	idx := map[*ir.Node]int{}
	for i, n := range g.Nodes {
		idx[n] = i
	}
	var indep map[string]*Stats
	if h.LayerwiseIndependent {
		if indep, err = Capture(g, layers, samples); err != nil {
			return nil, nil, err
		}
	}
	var res []LayerError
	for li, l := range layers {
		sp := specs[l.Name]
		if len(sp.Prunes) == 0 && sp.Bits == 0 {
			continue
		}
		s := indep[l.Name]
		if s == nil {
			if s, err = CapturePair(g, out, l, idx[l.Node], samples); err != nil {
				return nil, nil, err
			}
		}
		if s.N == 0 {
			return nil, nil, fmt.Errorf("admm: layer %q: no calibration statistics", l.Name)
		}
		w, e, err := layerwiseOne(l, sp, s, h)
		if err != nil {
			return nil, nil, fmt.Errorf("admm: layer %q: %v", l.Name, err)
		}
		e.Name = l.Name
		res = append(res, e)
		if progress != nil {
			fmt.Fprintf(progress, "layer %-12s %-28s bits %d: reconstruction error %.4g (plain projection %.4g)\n", l.Name, specString(sp), sp.Bits, e.Final, e.Naive)
		}
		if err := setLayer(out, olayers[li], l, w, s); err != nil {
			return nil, nil, err
		}
	}
	return out, res, nil
}

func specString(sp Spec) string {
	if len(sp.Prunes) == 0 {
		return "no pruning"
	}
	s := ""
	for i, p := range sp.Prunes {
		if i > 0 {
			s += ","
		}
		s += p.String()
	}
	return s
}

// setLayer installs weights w (float32) in the clone's layer ol and
// corrects its bias by W0 E[x] - W E[y].
func setLayer(g *ir.Graph, ol, l *Layer, w []float32, st *Stats) error {
	sh := l.Shape
	wt := tensor.New(tensor.Float32, l.Weight.Type.Shape...)
	copy(wt.F32, w)
	ol.Weight.Const = wt
	delta := make([]float32, sh.Rows)
	w0 := l.Weight.Const.F32
	for r := 0; r < sh.Rows; r++ {
		var d float64
		for k := 0; k < sh.Cols; k++ {
			i := r*sh.Cols + k
			d += float64(w0[i])*st.Mean0[k] - float64(w[i])*st.MeanC[k]
		}
		delta[r] = float32(d)
	}
	b := ol.Node.Input(2)
	nb := tensor.New(tensor.Float32, sh.Rows)
	if b != nil {
		if !b.IsConst() || b.Const.DType != tensor.Float32 || b.Const.Len() != sh.Rows {
			return fmt.Errorf("admm: layer %q: bias is not a float32 constant of %d elements", l.Name, sh.Rows)
		}
		copy(nb.F32, b.Const.F32)
	}
	for r := range delta {
		nb.F32[r] += delta[r]
	}
	if b != nil {
		b.Const = nb
		return nil
	}
	nv := g.AddConst(l.Name+".bias", nb)
	for len(ol.Node.Inputs) < 3 {
		ol.Node.Inputs = append(ol.Node.Inputs, nil)
	}
	ol.Node.Inputs[2] = nv
	return nil
}

// lsq is the layer-wise least-squares problem of one layer.
type lsq struct {
	s    Shape
	c    []float64 // K x K covariance of the compressed model's input (Cyy)
	cw0  []float64 // rows of W0 Cyx^T: row r is Cyx w0_r
	base float64   // tr(W0 Cxx W0^T)
}

func newLSQ(l *Layer, st *Stats) *lsq {
	s := l.Shape
	p := &lsq{s: s, c: st.Ccc, cw0: make([]float64, s.Len())}
	k := s.Cols
	w0 := make([]float64, k)
	for r := 0; r < s.Rows; r++ {
		for i := range w0 {
			w0[i] = float64(l.Weight.Const.F32[r*k+i])
		}
		for i := 0; i < k; i++ {
			var a, b float64
			cyx := st.Cc0[i*k : (i+1)*k]
			cxx := st.C00[i*k : (i+1)*k]
			for j, wj := range w0 {
				a += cyx[j] * wj
				b += cxx[j] * wj
			}
			p.cw0[r*k+i] = a
			p.base += w0[i] * b
		}
	}
	return p
}

// err is the relative reconstruction error of w (float32 weights):
// (tr(W0 Cxx W0^T) - 2 tr(W Cyx W0^T) + tr(W Cyy W^T)) / tr(W0 Cxx W0^T).
func (p *lsq) err(w []float32) float64 {
	k := p.s.Cols
	e := p.base
	for r := 0; r < p.s.Rows; r++ {
		row := w[r*k : (r+1)*k]
		for i, wi := range row {
			if wi == 0 {
				continue
			}
			ci := p.c[i*k : (i+1)*k]
			var a float64
			for j, wj := range row {
				a += ci[j] * float64(wj)
			}
			e += float64(wi) * (a - 2*p.cw0[r*k+i])
		}
	}
	if p.base <= 0 {
		return e
	}
	return math.Max(e, 0) / p.base
}

// wstep solves, for each row r, (2 C_PP + rho I) w_P = 2 (C w0)_P + rho
// (target)_P on the row's support P (keep nil: all columns); other
// elements become 0. Rows with the same support share one factorization.
func (p *lsq) wstep(w []float32, target []float32, rho float64, keep []bool) error {
	k := p.s.Cols
	facts := map[string]*factor{}
	for r := 0; r < p.s.Rows; r++ {
		var sup []int
		key := make([]byte, k)
		for j := 0; j < k; j++ {
			if keep == nil || keep[r*k+j] {
				sup = append(sup, j)
				key[j] = 1
			}
		}
		row := w[r*k : (r+1)*k]
		if len(sup) == 0 {
			clear(row)
			continue
		}
		f := facts[string(key)]
		if f == nil {
			var err error
			if f, err = p.factor(sup, rho); err != nil {
				return err
			}
			facts[string(key)] = f
		}
		b := make([]float64, len(sup))
		for a, j := range sup {
			b[a] = 2 * p.cw0[r*k+j]
			if rho > 0 {
				b[a] += rho * float64(target[r*k+j])
			}
		}
		cholSolve(f.l, len(sup), b)
		clear(row)
		for a, j := range sup {
			row[j] = float32(b[a])
		}
	}
	return nil
}

type factor struct{ l []float64 }

// factor is the Cholesky factor of 2 C_PP + rho I (plus a tiny ridge so a
// rank-deficient covariance, e.g. of always-zero inputs, stays definite).
func (p *lsq) factor(sup []int, rho float64) (*factor, error) {
	k, n := p.s.Cols, len(sup)
	var tr float64
	for i := 0; i < k; i++ {
		tr += p.c[i*k+i]
	}
	ridge := 1e-6*tr/float64(k) + 1e-12
	a := make([]float64, n*n)
	for x, i := range sup {
		for y, j := range sup {
			a[x*n+y] = 2 * p.c[i*k+j]
		}
		a[x*n+x] += rho + ridge
	}
	if err := cholesky(a, n); err != nil {
		return nil, err
	}
	return &factor{l: a}, nil
}

// layerwiseOne runs the layer-wise ADMM on one layer.
func layerwiseOne(l *Layer, sp Spec, st *Stats, h Hyper) ([]float32, LayerError, error) {
	p := newLSQ(l, st)
	s := l.Shape
	n := s.Len()
	w0 := l.Weight.Const.F32
	var e LayerError
	// The plain projection of W0, for comparison.
	naive := make([]float32, n)
	keep, err := ProjectPrune(naive, w0, s, sp.Prunes)
	if err != nil {
		return nil, e, err
	}
	if sp.Bits > 0 {
		if _, err := ProjectQuant(naive, naive, keep, s, sp.Bits); err != nil {
			return nil, e, err
		}
	}
	e.Naive = p.err(naive)
	var trace float64
	for i := 0; i < s.Cols; i++ {
		trace += p.c[i*s.Cols+i]
	}
	rho0 := h.LayerwiseRho * 2 * trace / float64(s.Cols)
	if !(rho0 > 0) {
		rho0 = h.LayerwiseRho
	}
	best := append([]float32(nil), w0...)
	var mask []bool
	if len(sp.Prunes) > 0 {
		proj := func(dst, v []float32) error {
			_, err := ProjectPrune(dst, v, s, sp.Prunes)
			return err
		}
		best, e.History, err = p.admm(w0, nil, proj, rho0, h.RhoGrowth, h.LayerwiseIters)
		if err != nil {
			return nil, e, err
		}
		mask = make([]bool, n)
		for i, x := range best {
			mask[i] = x != 0
		}
		// Refit the kept weights in closed form on their support.
		refit := make([]float32, n)
		if err := p.wstep(refit, nil, 0, mask); err != nil {
			return nil, e, err
		}
		if p.err(refit) < p.err(best) {
			best = refit
		}
		e.History = append(e.History, p.err(best))
	}
	if sp.Bits > 0 {
		proj := func(dst, v []float32) error {
			_, err := ProjectQuant(dst, v, mask, s, sp.Bits)
			return err
		}
		var hist []float64
		best, hist, err = p.admm(best, mask, proj, rho0, h.QuantRhoGrowth, h.LayerwiseIters)
		if err != nil {
			return nil, e, err
		}
		e.History = append(e.History, hist...)
	}
	e.Final = p.err(best)
	return best, e, nil
}

// admm runs iters ADMM iterations from W = start and returns the feasible Z
// with the smallest error and the best error after each iteration.
func (p *lsq) admm(start []float32, keep []bool, proj func(dst, v []float32) error, rho, growth float64, iters int) ([]float32, []float64, error) {
	n := len(start)
	w := append([]float32(nil), start...)
	z := make([]float32, n)
	u := make([]float32, n)
	if err := proj(z, w); err != nil {
		return nil, nil, err
	}
	best := append([]float32(nil), z...)
	bestErr := p.err(best)
	hist := []float64{bestErr}
	target := make([]float32, n)
	v := make([]float32, n)
	rhoMax := rho * 1e4
	for it := 0; it < iters; it++ {
		for i := range target {
			target[i] = z[i] - u[i]
		}
		if err := p.wstep(w, target, rho, keep); err != nil {
			return nil, nil, err
		}
		for i := range v {
			v[i] = w[i] + u[i]
		}
		if err := proj(z, v); err != nil {
			return nil, nil, err
		}
		for i := range u {
			u[i] += w[i] - z[i]
		}
		if e := p.err(z); e < bestErr {
			bestErr = e
			copy(best, z)
		}
		hist = append(hist, bestErr)
		rho = math.Min(rho*growth, rhoMax)
	}
	return best, hist, nil
}
