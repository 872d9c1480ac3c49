package admm

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Layer is one compressible matrix layer of a graph: a conv or fc node whose
// weight is a float32 constant.
type Layer struct {
	Name   string // the ONNX node name (or "#<index>" for an unnamed node)
	Node   *ir.Node
	Weight *ir.Value
	Shape  Shape
}

// Layers returns the compressible layers of g in graph order: conv with
// group 1 and fc, or gemm computing x*W^T + b exactly like fc (fcLikeGemm,
// as ONNX exporters write fully connected layers), with a float32 constant
// weight. Other matrix ops with a constant operand are skipped: the second
// result names them and why.
func Layers(g *ir.Graph) ([]*Layer, []string) {
	var out []*Layer
	var skipped []string
	for i, n := range g.Nodes {
		switch n.Op {
		case ir.OpConv, ir.OpFC:
		case ir.OpGemm:
			if !fcLikeGemm(n) {
				if n.Input(0).IsConst() || n.Input(1).IsConst() {
					skipped = append(skipped, fmt.Sprintf("%s (only gemm with trans_a=0, trans_b=1, alpha=beta=1 and a [N] bias is compressed)", n.Origin()))
				}
				continue
			}
		case ir.OpMatMul:
			if n.Input(0).IsConst() || n.Input(1).IsConst() {
				skipped = append(skipped, fmt.Sprintf("%s (run canonicalize to make it fc)", n.Origin()))
			}
			continue
		default:
			continue
		}
		w := n.Input(1)
		if !w.IsConst() || w.Const.DType != tensor.Float32 {
			skipped = append(skipped, fmt.Sprintf("%s (weight not a float32 constant)", n.Origin()))
			continue
		}
		if n.Op == ir.OpConv && n.Int("group", 1) != 1 {
			skipped = append(skipped, fmt.Sprintf("%s (grouped convolution)", n.Origin()))
			continue
		}
		s, err := ShapeOf(w.Type.Shape)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s (%v)", n.Origin(), err))
			continue
		}
		name := n.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		out = append(out, &Layer{Name: name, Node: n, Weight: w, Shape: s})
	}
	return out, skipped
}

// fcLikeGemm reports whether gemm node n computes x*W^T + b exactly like fc
// (trans_a 0, trans_b 1, alpha = beta = 1, b absent or [N]); its weight is
// then [N, K] and its rows are output channels, as the exporter writes fc.
func fcLikeGemm(n *ir.Node) bool {
	if n.Op != ir.OpGemm || n.Int("trans_a", 0) != 0 || n.Int("trans_b", 0) != 1 || n.Float("alpha", 1) != 1 || n.Float("beta", 1) != 1 {
		return false
	}
	w := n.Input(1)
	if !w.IsConst() || len(w.Type.Shape) != 2 || n.Input(0).IsConst() {
		return false
	}
	if c := n.Input(2); c != nil && (!c.IsConst() || len(c.Type.Shape) != 1 || c.Type.Shape[0] != w.Type.Shape[0]) {
		return false
	}
	return true
}

// isFC reports whether n is an fc or an fc-like gemm.
func isFC(n *ir.Node) bool { return n.Op == ir.OpFC || fcLikeGemm(n) }
