package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// gemmLayer is Y = alpha*op(A)*op(B) + beta*C with C broadcast to [M, N]:
// gemm, matmul (alpha 1, no C) and fc (op(B) = B^T, C the bias [N]).
// Gradients: dA' = alpha*dY*op(B)^T, dB' = alpha*op(A)^T*dY, dC = beta*dY
// summed over the broadcast axes.
type gemmLayer struct {
	transA, transB bool
	alpha, beta    float32
	fc             bool
	params         []*Param

	a, b, c       *tensor.Tensor
	m, n, k       int
	y, da, db, dc *tensor.Tensor
}

func (l *gemmLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	a, b := in[0], in[1]
	var c *tensor.Tensor
	if len(in) > 2 {
		c = in[2]
	}
	for i, t := range []*tensor.Tensor{a, b, c} {
		if t == nil && i == 2 {
			continue
		}
		if err := checkF32(fmt.Sprintf("input %d", i), t); err != nil {
			return nil, err
		}
		if i < 2 && len(t.Shape) != 2 {
			return nil, fmt.Errorf("input %d is %v, want a matrix", i, t)
		}
	}
	m, ka := a.Shape[0], a.Shape[1]
	if l.transA {
		m, ka = ka, m
	}
	kb, n := b.Shape[0], b.Shape[1]
	if l.transB {
		kb, n = n, kb
	}
	if ka != kb {
		return nil, fmt.Errorf("inner dimensions differ: %v x %v", a, b)
	}
	l.a, l.b, l.c, l.m, l.n, l.k = a, b, c, m, n, ka
	y := buf(&l.y, m, n)
	beta := float32(0)
	if c != nil {
		if err := broadcastRows(y.F32, m, n, c); err != nil {
			return nil, err
		}
		beta = l.beta
	}
	tensor.SgemmParallel(workers(), l.transA, l.transB, m, n, ka, l.alpha, a.F32, a.Shape[1], b.F32, b.Shape[1], beta, y.F32, n)
	return y, nil
}

// broadcastRows writes C broadcast to [m, n] into y (C is [n], [1,n], [m,1],
// [m,n], or a scalar).
func broadcastRows(y []float32, m, n int, c *tensor.Tensor) error {
	out, err := tensor.BroadcastShape([]int{m, n}, c.Shape)
	if err != nil || !tensor.SameShape(out, []int{m, n}) {
		return fmt.Errorf("C %v does not broadcast to [%d,%d]", c, m, n)
	}
	idx := broadcastIndex(c.Shape, []int{m, n})
	for i := range y {
		y[i] = c.F32[idx[i]]
	}
	return nil
}

func (l *gemmLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	m, n, k := l.m, l.n, l.k
	dy := dout.F32
	lda, ldb := l.a.Shape[1], l.b.Shape[1]
	res := make([]*tensor.Tensor, len(want))
	w := workers()
	// dA.
	if g, t := l.target(0, want, &l.da, l.a.Shape); g != nil {
		if !l.transA { // dA[m,k] = alpha * dY[m,n] * op(B)^T
			tensor.SgemmParallel(w, false, !l.transB, m, k, n, l.alpha, dy, n, l.b.F32, ldb, 1, g, k)
		} else { // dA[k,m] = alpha * op(B)[k,n] * dY^T
			tensor.SgemmParallel(w, l.transB, true, k, m, n, l.alpha, l.b.F32, ldb, dy, n, 1, g, m)
		}
		res[0] = t
	}
	// dB.
	if g, t := l.target(1, want, &l.db, l.b.Shape); g != nil {
		if !l.transB { // dB[k,n] = alpha * op(A)^T[k,m] * dY
			tensor.SgemmParallel(w, !l.transA, false, k, n, m, l.alpha, l.a.F32, lda, dy, n, 1, g, n)
		} else { // dB[n,k] = alpha * dY^T * op(A)
			tensor.SgemmParallel(w, true, l.transA, n, k, m, l.alpha, dy, n, l.a.F32, lda, 1, g, k)
		}
		res[1] = t
	}
	// dC.
	if l.c != nil && len(want) > 2 {
		if g, t := l.target(2, want, &l.dc, l.c.Shape); g != nil {
			if tensor.SameShape(l.c.Shape, []int{n}) || tensor.SameShape(l.c.Shape, []int{1, n}) {
				sumRows(g, dy, m, n, l.beta)
			} else {
				idx := broadcastIndex(l.c.Shape, []int{m, n})
				for i, v := range dy {
					g[idx[i]] += l.beta * v
				}
			}
			res[2] = t
		}
	}
	return res, nil
}

// target returns where the gradient of input i goes: a zeroed buffer when
// the input is a value whose gradient is wanted, the parameter's Grad when
// it is trainable, else nil.
func (l *gemmLayer) target(i int, want []bool, b **tensor.Tensor, shape []int) ([]float32, *tensor.Tensor) {
	if p := l.params[i]; p != nil {
		if p.Trainable() {
			return p.Grad, nil
		}
		return nil, nil
	}
	if i < len(want) && want[i] {
		t := buf(b, shape...)
		clear(t.F32)
		return t.F32, t
	}
	return nil, nil
}

// sumRows adds scale times the column sums of the m×n matrix dy into g,
// summing each column in row order in float64.
func sumRows(g, dy []float32, m, n int, scale float32) {
	parallelFor(n, m, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			var s float64
			for i := 0; i < m; i++ {
				s += float64(dy[i*n+j])
			}
			g[j] += scale * float32(s)
		}
	})
}
