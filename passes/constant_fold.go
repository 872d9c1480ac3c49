package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// constant-fold evaluates, with the reference interpreter, every node whose
// inputs are all constants, and turns its outputs into constants (same
// values, same names, so users need no rewiring). A shape node is folded
// whatever its input, because shapes are static in the IR.
//
// Size policy: by default everything is folded, even when the result is
// much larger than the inputs (constant_of_shape of a weight shape, as in
// the "light" model zoo files). In this compiler every constant ends up
// materialized as weights in the PIM arrays anyway — there is no runtime
// that could compute a constant lazily — and bn-fold, matmul-canon and
// quantization only recognize weights that are constants. The max-elems
// option skips results with more elements than that (0: no limit) when they
// are larger than the node's inputs together, for memory-bound experiments.
//
// One exception: the dequantize_linear of the constant weight and bias
// codes of a QDQ conv or matmul (dequantize_linear -> conv/matmul ->
// quantize_linear, qdq_matrix.go) stays, so the quantize pass compiles the
// layer with the model's own codes instead of re-quantizing float weights.
func init() {
	Register(&Info{
		Name:     "constant-fold",
		Summary:  "evaluate nodes whose inputs are all constants",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		Options: []OptionSpec{{
			Name: "max-elems", Kind: OptInt, Default: "0",
			Doc: "do not fold growing results with more elements than this (0: no limit)",
			Check: func(v any) error {
				if v.(int64) < 0 {
					return fmt.Errorf("want >= 0")
				}
				return nil
			},
		}},
		New: func(o Options) (Pass, error) {
			cf := &constantFold{maxElems: int(o.Int("max-elems"))}
			return cf, nil
		},
	})
}

type constantFold struct{ maxElems int }

func (cf *constantFold) Run(ctx *Context, g *ir.Graph) (bool, error) {
	dead := map[*ir.Node]bool{}
	keep := keptQDQ(g)
	for _, n := range g.Nodes {
		if keep[n] {
			continue
		}
		results, err := cf.fold(n)
		if err != nil {
			return false, err
		}
		if results == nil {
			continue
		}
		for i, o := range n.Outputs {
			if o == nil {
				continue
			}
			t := results[i]
			if t.DType != o.Type.DType || !tensor.SameShape(t.Shape, o.Type.Shape) {
				return false, fmt.Errorf("node %s: output %d: the interpreter produced %v, the IR says %v", n.Origin(), i, t, o.Type)
			}
			o.Const = t
			o.Def = nil
			g.Consts = append(g.Consts, o)
		}
		dead[n] = true
	}
	if len(dead) == 0 {
		return false, nil
	}
	dropNodes(g, dead)
	orderConsts(g)
	ctx.Count("nodes folded", len(dead))
	return true, nil
}

// fold returns the output tensors of n when it can be folded, or nil.
func (cf *constantFold) fold(n *ir.Node) ([]*tensor.Tensor, error) {
	if n.Op == ir.OpShape && len(n.Inputs) == 1 && n.Inputs[0] != nil && len(n.Outputs) == 1 {
		return foldShape(n)
	}
	if len(n.Inputs) == 0 {
		return nil, nil
	}
	ins := make([]*tensor.Tensor, len(n.Inputs))
	inElems := 0
	for i, v := range n.Inputs {
		if v == nil {
			continue
		}
		if !v.IsConst() || v.Quant != nil {
			return nil, nil
		}
		ins[i] = v.Const
		inElems += v.Const.Len()
	}
	if cf.maxElems > 0 {
		for _, o := range n.Outputs {
			if o != nil && o.Type.NumElems() > cf.maxElems && o.Type.NumElems() > inElems {
				return nil, nil
			}
		}
	}
	outs, err := interp.EvalNode(n, ins)
	if err != nil {
		return nil, fmt.Errorf("folding node %s: %w", n.Origin(), err)
	}
	if len(outs) != len(n.Outputs) {
		return nil, fmt.Errorf("BUG: interp.EvalNode gave %d outputs for node %s with %d", len(outs), n.Origin(), len(n.Outputs))
	}
	return outs, nil
}

// foldShape computes a shape node from its input's static type: dims
// [start, end) as i64 (start and end are clamped at import).
func foldShape(n *ir.Node) ([]*tensor.Tensor, error) {
	shape := n.Inputs[0].Type.Shape
	start, end := int(n.Int("start", 0)), int(n.Int("end", int64(len(shape))))
	if start < 0 || end > len(shape) {
		return nil, fmt.Errorf("node %s: start %d, end %d out of range for rank %d", n.Origin(), start, end, len(shape))
	}
	dims := make([]int64, max(0, end-start))
	for i := range dims {
		dims[i] = int64(shape[start+i])
	}
	return []*tensor.Tensor{tensor.FromI64(tensor.Int64, dims, len(dims))}, nil
}
