package interp

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// RunBatch runs g on inputs whose leading dimension is k times the graph's
// (the same k for every input). When every op of g treats axis 0 as a
// batch axis (see planBatch) it runs g once on the stacked inputs, the
// kernels spreading their work over the cores; otherwise it splits the
// inputs into k pieces along axis 0, runs the pieces with Run on
// GOMAXPROCS goroutines, and concatenates each output's pieces along axis
// 0 in order. Every graph output must therefore
// carry the batch on axis 0. With k = 1 it is Run. The result does not
// depend on the number of goroutines.
func RunBatch(g *ir.Graph, inputs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(inputs) != len(g.Inputs) {
		return nil, fmt.Errorf("interp: graph %q has %d inputs, got %d tensors", g.Name, len(g.Inputs), len(inputs))
	}
	k := -1
	for i, v := range g.Inputs {
		t := inputs[i]
		if t == nil {
			return nil, fmt.Errorf("interp: input %d (%q): missing tensor", i, v.Name)
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("interp: input %d (%q): %w", i, v.Name, err)
		}
		decl := v.Type.Shape
		if len(decl) == 0 || decl[0] < 1 || t.Rank() != len(decl) || t.Shape[0]%decl[0] != 0 ||
			!tensor.SameShape(t.Shape[1:], decl[1:]) || t.DType != v.Type.DType {
			batch := ""
			if len(decl) > 0 && decl[0] >= 1 {
				batch = fmt.Sprintf(" (or a batch of them: axis 0 a multiple of %d)", decl[0])
			}
			return nil, fmt.Errorf("interp: input %d (%q): want %v%s, got %v", i, v.Name, v.Type, batch, t)
		}
		ki := t.Shape[0] / decl[0]
		if k >= 0 && ki != k {
			return nil, fmt.Errorf("interp: input %d (%q) holds %d batches, input 0 holds %d", i, v.Name, ki, k)
		}
		k = ki
	}
	if k <= 1 || len(g.Inputs) == 0 {
		return Run(g, inputs)
	}
	batch := g.Inputs[0].Type.Shape[0]
	for i, v := range g.Outputs {
		if len(v.Type.Shape) == 0 || v.Type.Shape[0] != batch {
			return nil, fmt.Errorf("interp: output %d (%q) is %v: RunBatch needs the batch (%d) on axis 0 of every output",
				i, v.Name, v.Type, batch)
		}
	}
	if plan := planBatch(g, k); plan != nil {
		// One run over the stacked batches; on an error the batches run one
		// by one below and report it per piece.
		if outs, err := run(g, inputs, plan); err == nil {
			return outs, nil
		}
	}
	results := make([][]*tensor.Tensor, k)
	errs := make([]error, k)
	workers := min(runtime.GOMAXPROCS(0), k)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				pieces := make([]*tensor.Tensor, len(inputs))
				for i, t := range inputs {
					pieces[i] = slice0(t, p, g.Inputs[i].Type.Shape[0])
				}
				results[p], errs[p] = Run(g, pieces)
			}
		}()
	}
	for p := 0; p < k; p++ {
		next <- p
	}
	close(next)
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("batch piece %d: %w", p, err)
		}
	}
	outs := make([]*tensor.Tensor, len(g.Outputs))
	for o := range g.Outputs {
		parts := make([]*tensor.Tensor, k)
		for p := range parts {
			parts[p] = results[p][o]
		}
		shapes := make([][]int, k)
		for p, t := range parts {
			shapes[p] = t.Shape
		}
		shape, err := tensor.ConcatShape(shapes, 0)
		if err != nil {
			return nil, fmt.Errorf("interp: output %d: %w", o, err)
		}
		outs[o] = tensor.New(parts[0].DType, shape...)
		if err := tensor.Concat(outs[o], 0, parts...); err != nil {
			return nil, fmt.Errorf("interp: output %d: %w", o, err)
		}
	}
	return outs, nil
}

// slice0 returns piece p (of size b along axis 0) of t as a view.
func slice0(t *tensor.Tensor, p, b int) *tensor.Tensor {
	shape := append([]int{b}, t.Shape[1:]...)
	n := tensor.NumElems(shape)
	v := &tensor.Tensor{DType: t.DType, Shape: shape}
	lo, hi := p*n, (p+1)*n
	switch t.DType.Storage() {
	case tensor.StoreF32:
		v.F32 = t.F32[lo:hi:hi]
	case tensor.StoreF64:
		v.F64 = t.F64[lo:hi:hi]
	default:
		v.I64 = t.I64[lo:hi:hi]
	}
	return v
}
