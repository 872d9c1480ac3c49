package evaluate

import (
	"fmt"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// floatChunk is the number of inferences per interp.RunBatch call: large
// enough to keep both cores busy, small enough for a smooth progress bar.
const floatChunk = 256

// Float evaluates g (any stage the interpreter runs: float, or quantized
// with its integer semantics) on every image of ds with the reference
// interpreter.
func Float(g *ir.Graph, ds *data.Dataset, opt Options) (*Result, error) {
	start := time.Now()
	p, err := newPlan(fmt.Sprintf("model %q", g.Name), g.Inputs, g.Outputs, ds)
	if err != nil {
		return nil, err
	}
	res := &Result{Images: ds.Len(), Pred: make([]int32, ds.Len())}
	total := p.runs(ds.Len())
	for first := 0; first < total; first += floatChunk {
		k := min(floatChunk, total-first)
		outs, err := interp.RunBatch(g, []*tensor.Tensor{p.input(ds, first, k)})
		if err != nil {
			return nil, fmt.Errorf("images %d..%d: %w", first*p.perRun, min((first+k)*p.perRun, ds.Len())-1, err)
		}
		res.Correct += p.score(ds, outs[0], first, k, res.Pred)
		if opt.Progress != nil {
			opt.Progress(min((first+k)*p.perRun, ds.Len()), ds.Len())
		}
	}
	res.Wall = time.Since(start)
	return res, nil
}
