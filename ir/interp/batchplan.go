package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// batchPlan lets RunBatch run a graph once on k stacked batches instead of
// k times: every value computed from the inputs then holds k times its
// declared batch on axis 0. One run of a batch of 16 does the per-node
// work (shape checks, allocation, dispatch) once instead of 16 times, and
// turns the matrix-vector products of a classifier head into one matrix
// product. It is only made for graphs where that is provably the same
// computation: each batched value's axis 0 is a batch axis that every op
// reading it treats element by element (see batchSafe).
type batchPlan struct {
	k     int
	types map[*ir.Value]ir.Type // batched values and their scaled types
}

// planBatch returns the plan for running g on k batches at once, or nil
// when some op of g might mix or reshape the batch axis (the caller then
// runs the batches one by one).
func planBatch(g *ir.Graph, k int) *batchPlan {
	p := &batchPlan{k: k, types: map[*ir.Value]ir.Type{}}
	add := func(v *ir.Value) bool {
		if v.Type.DType == tensor.Invalid || len(v.Type.Shape) == 0 || v.Type.Shape[0] < 1 {
			return false
		}
		s := append([]int{}, v.Type.Shape...)
		s[0] *= k
		p.types[v] = ir.Type{DType: v.Type.DType, Shape: s}
		return true
	}
	for _, v := range g.Inputs {
		if !add(v) {
			return nil
		}
	}
	for _, n := range g.Nodes {
		batched := make([]bool, len(n.Inputs))
		any := false
		for j, v := range n.Inputs {
			if v != nil {
				_, batched[j] = p.types[v]
				any = any || batched[j]
			}
		}
		if !any {
			continue // computed from constants only: the same in every batch
		}
		if !batchSafe(n, batched) {
			return nil
		}
		for _, v := range n.Outputs {
			if v != nil && !add(v) {
				return nil
			}
		}
	}
	for _, v := range g.Outputs {
		if _, ok := p.types[v]; !ok {
			return nil
		}
	}
	return p
}

// batchSafe reports whether node n computes each batch element of its
// output from the same batch element of its batched inputs (batched[j]),
// reading unbatched inputs whole, so that stacking batches on axis 0 of
// the inputs stacks the outputs the same way.
func batchSafe(n *ir.Node, batched []bool) bool {
	onlyFirst := func() bool {
		for j := 1; j < len(batched); j++ {
			if batched[j] {
				return false
			}
		}
		return batched[0]
	}
	switch n.Op {
	case ir.OpConv, ir.OpFC, ir.OpBatchNorm, ir.OpMaxPool, ir.OpAvgPool, ir.OpGlobalAvgPool,
		ir.OpGlobalMaxPool, ir.OpRelu, ir.OpLeakyRelu, ir.OpSigmoid, ir.OpHardSigmoid, ir.OpHardSwish,
		ir.OpTanh, ir.OpIdentity, ir.OpDropout:
		return onlyFirst()
	case ir.OpClip:
		return onlyFirst()
	case ir.OpFlatten:
		return onlyFirst() && n.Int("axis", 1) >= 1
	case ir.OpGemm:
		if !onlyFirst() || n.Int("trans_a", 0) != 0 {
			return false
		}
		// C must broadcast the same way to every batch's rows.
		if c := n.Input(2); c != nil && len(c.Type.Shape) == 2 && c.Type.Shape[0] != 1 {
			return false
		}
		return true
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv:
		out := n.Outputs[0]
		if out == nil || len(out.Type.Shape) == 0 {
			return false
		}
		r := len(out.Type.Shape)
		for j, v := range n.Inputs {
			if v == nil {
				return false
			}
			s := v.Type.Shape
			switch {
			case batched[j]:
				// a batched operand must supply the output's batch axis itself
				if len(s) != r || s[0] != out.Type.Shape[0] {
					return false
				}
			case len(s) == r && s[0] != 1:
				return false // an unbatched operand spanning the batch axis
			}
		}
		return true
	}
	return false
}
