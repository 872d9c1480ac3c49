package passes

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// reshape-canon leaves one view op, reshape, with its fully resolved target
// shape: squeeze, unsqueeze and flatten become reshape (shapes are static,
// so the output type is the target); a reshape of a reshape reads the inner
// input directly (the inner one dies if nothing else reads it; dce removes
// it); a reshape to its input's shape is removed like an identity. Since a
// reshape never moves data in row-major order, all of these are exact.
func init() {
	Register(&Info{
		Name:     "reshape-canon",
		Summary:  "turn squeeze/unsqueeze/flatten into reshape, merge reshape chains, drop no-op reshapes",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runReshapeCanon), nil },
	})
}

func runReshapeCanon(ctx *Context, g *ir.Graph) (bool, error) {
	changed := false
	dead := map[*ir.Node]bool{}
	for _, n := range g.Nodes {
		if len(n.Inputs) != 1 || len(n.Outputs) != 1 || n.Inputs[0] == nil {
			continue
		}
		switch n.Op {
		case ir.OpSqueeze, ir.OpUnsqueeze, ir.OpFlatten:
			n.Op = ir.OpReshape
			n.Attrs = ir.Attrs{"shape": ir.IntsFromInts(n.Outputs[0].Type.Shape)}
			ctx.Count("converted to reshape", 1)
			changed = true
		case ir.OpReshape:
		default:
			continue
		}
		if p := n.Inputs[0].Def; p != nil && p.Op == ir.OpReshape && len(p.Inputs) == 1 && p.Inputs[0] != nil {
			n.Inputs[0] = p.Inputs[0]
			ctx.Count("reshapes merged", 1)
			changed = true
		}
		in, out := n.Inputs[0], n.Outputs[0]
		if tensor.SameShape(in.Type.Shape, out.Type.Shape) && forward(g, in, out) {
			dead[n] = true
			ctx.Count("no-op reshapes removed", 1)
			changed = true
		}
	}
	dropNodes(g, dead)
	return changed, nil
}
