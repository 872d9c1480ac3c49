package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// maxFoldResult bounds the output of a folded node (64 MiB of float32), so
// a tiny model cannot make the importer allocate gigabytes (a Pad of a
// constant with huge pads, say). Larger results stay nodes, which is still a
// static graph: the light/ zoo models build every weight with
// ConstantOfShape, and VGG-19's 102M-element fc6 weight stays such a node.
const maxFoldResult = 1 << 24

// fold evaluates n when all its inputs are constants and turns its outputs
// into constants. It reports whether n was folded (and so must not be added
// to the graph). Shape subgraphs of old PyTorch exports vanish this way.
// DequantizeLinear stays: passes' constant-fold folds it unless it gives
// the weights of a QDQ conv or matmul, whose codes the quantize pass
// compiles as they are (passes/qdq_matrix.go).
func (im *importer) fold(n *ir.Node) (bool, error) {
	if n.Op == ir.OpDequantizeLinear {
		return false, nil
	}
	var ins []*tensor.Tensor
	any := false
	for _, in := range n.Inputs {
		if in == nil {
			ins = append(ins, nil)
			continue
		}
		if !in.IsConst() {
			return false, nil
		}
		ins = append(ins, in.Const)
		any = true
	}
	if !any {
		return false, nil
	}
	for _, o := range n.Outputs {
		if o.Type.NumElems() > maxFoldResult {
			return false, nil
		}
	}
	if foldCost(n) > maxFoldCost {
		return false, nil
	}
	var outs []*tensor.Tensor
	switch n.Op {
	case ir.OpReshape, ir.OpFlatten, ir.OpSqueeze, ir.OpUnsqueeze, ir.OpIdentity, ir.OpDropout:
		// Pure relabelings of the data: share the immutable payload.
		outs = []*tensor.Tensor{ins[0].Reshaped(n.Outputs[0].Type.Shape...)}
	default:
		var err error
		outs, err = interp.EvalNode(n, ins)
		if err != nil {
			return false, fmt.Errorf("folding constant %s: %v", n.Op, err)
		}
	}
	if len(outs) != len(n.Outputs) {
		return false, fmt.Errorf("folding constant %s: interpreter gave %d outputs, want %d", n.Op, len(outs), len(n.Outputs))
	}
	for i, v := range n.Outputs {
		t := outs[i]
		if t == nil || t.DType != v.Type.DType || !tensor.SameShape(t.Shape, v.Type.Shape) {
			return false, fmt.Errorf("folding constant %s: interpreter gave %v for output %d, shape inference says %s", n.Op, t, i, v.Type)
		}
		v.Const = t
		v.Def = nil
		im.g.Consts = append(im.g.Consts, v)
	}
	return true, nil
}

// maxFoldCost bounds the arithmetic spent folding one node (about a tenth
// of a second), so constant convolutions or matrix products of crafted
// models cannot stall the import. Costlier nodes stay in the graph.
const maxFoldCost = 1 << 26

// foldCost estimates the operations needed to evaluate n.
func foldCost(n *ir.Node) int {
	out := 0
	for _, o := range n.Outputs {
		out += o.Type.NumElems()
	}
	in := 0
	for _, v := range n.Inputs {
		if v != nil {
			in += v.Type.NumElems()
		}
	}
	per := 1
	switch n.Op {
	case ir.OpConv:
		if w := n.Input(1); w != nil && len(w.Type.Shape) > 1 {
			per = tensor.NumElems(w.Type.Shape[1:])
		}
	case ir.OpGemm, ir.OpMatMul, ir.OpFC:
		if a := n.Input(0); a != nil && len(a.Type.Shape) > 0 {
			per = max(a.Type.Shape[len(a.Type.Shape)-1], a.Type.Shape[0])
		}
	case ir.OpMaxPool, ir.OpAvgPool:
		per = tensor.NumElems(n.Ints("kernel", nil))
	case ir.OpLRN:
		per = int(n.Int("size", 1))
	}
	if per > maxFoldCost || (out > 0 && per > maxFoldCost/out) {
		return maxFoldCost + 1
	}
	return in + out*per
}
