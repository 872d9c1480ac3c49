package passes

import (
	"github.com/pimc-dev/pimc/ir"
)

// hardswish-fuse finds hard-swish written out element by element, as
// exporters without a HardSwish op write it (paddle2onnx at opset 9:
// x * Clip(x + 3, 0, 6) / 6; also x * Relu6(x + 3) * (1/6)), and replaces
// the final division by one hard_swish of x. The quantize pass then makes a
// single table of it (qlut) where the chain took four requantizations, one
// of them of the product x * (x + 3), whose range grows with the square of
// x's: an 8-bit step of that product is too coarse for the small values
// most activations take (PP-OCRv4's recogniser: docs/QUANT.md §3.2). The
// intermediate nodes stay for their other readers, if any; dce removes the
// rest. Results differ from the chain's by float32 rounding only.
func init() {
	Register(&Info{
		Name:     "hardswish-fuse",
		Summary:  "replace x * clip(x + 3, 0, 6) / 6 by hard_swish(x)",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runHardSwishFuse), nil },
	})
}

func runHardSwishFuse(ctx *Context, g *ir.Graph) (bool, error) {
	n, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		x := hardSwishOf(n)
		if x == nil {
			return nil, false, nil
		}
		ctx.Count("hard-swish chains fused", 1)
		return []*ir.Node{newNode(ir.OpHardSwish, n, ir.Attrs{}, []*ir.Value{x}, n.Outputs[0])}, true, nil
	})
	return n > 0, err
}

// hardSwishOf returns x when n computes x * clip(x + 3, 0, 6) / 6 (n the
// final div by 6 or mul by 1/6), else nil.
func hardSwishOf(n *ir.Node) *ir.Value {
	if len(n.Inputs) != 2 || len(n.Outputs) != 1 {
		return nil
	}
	var m *ir.Value
	switch {
	case n.Op == ir.OpDiv && scalarIs(n.Inputs[1], 6):
		m = n.Inputs[0]
	case n.Op == ir.OpMul && scalarIs(n.Inputs[1], float32(1.0/6)):
		m = n.Inputs[0]
	case n.Op == ir.OpMul && scalarIs(n.Inputs[0], float32(1.0/6)):
		m = n.Inputs[1]
	default:
		return nil
	}
	mul := m.Def
	if mul == nil || mul.Op != ir.OpMul || len(mul.Inputs) != 2 {
		return nil
	}
	for i := range 2 {
		x, r := mul.Inputs[i], mul.Inputs[1-i]
		if x == nil || r == nil || !tensorSameShape(x, n.Outputs[0]) {
			continue
		}
		c := r.Def
		if c == nil || c.Op != ir.OpClip || len(c.Inputs) != 1 {
			continue
		}
		lo, hi := clipBounds(c)
		a := c.Inputs[0].Def
		if lo != 0 || hi != 6 || a == nil || a.Op != ir.OpAdd || len(a.Inputs) != 2 {
			continue
		}
		if (a.Inputs[0] == x && scalarIs(a.Inputs[1], 3)) || (a.Inputs[1] == x && scalarIs(a.Inputs[0], 3)) {
			return x
		}
	}
	return nil
}

// scalarIs reports whether v is a one-element float constant equal to c.
func scalarIs(v *ir.Value, c float32) bool {
	return v != nil && v.IsConst() && v.Const.Len() == 1 && v.Type.DType.IsFloat() && float32(v.Const.Float64At(0)) == c
}

// tensorSameShape reports whether a and b have the same shape (no
// broadcasting hides in the chain).
func tensorSameShape(a, b *ir.Value) bool {
	if len(a.Type.Shape) != len(b.Type.Shape) {
		return false
	}
	for i, d := range a.Type.Shape {
		if b.Type.Shape[i] != d {
			return false
		}
	}
	return true
}
