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

// Layers returns the compressible layers of g in graph order. Matrix ops
// with non-constant or non-float32 weights, grouped convolutions and gemm/
// matmul forms that canonicalize has not turned into fc are skipped: the
// second result names them.
func Layers(g *ir.Graph) ([]*Layer, []string) {
	var out []*Layer
	var skipped []string
	for i, n := range g.Nodes {
		switch n.Op {
		case ir.OpConv, ir.OpFC:
		case ir.OpGemm, ir.OpMatMul:
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
