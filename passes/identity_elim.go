package passes

import "github.com/pimc-dev/pimc/ir"

// identity-elim removes identity and (inference) dropout nodes by making
// their users read the input directly. A node whose output is a graph
// output keeps the output's ONNX name: the input value is renamed, unless
// the input is itself a graph input, a constant or another graph output —
// then the node stays (an identity is legal at every float stage), since
// removing it would rename or merge the model's outputs.
func init() {
	Register(&Info{
		Name:     "identity-elim",
		Summary:  "remove identity and dropout nodes",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runIdentityElim), nil },
	})
}

func runIdentityElim(ctx *Context, g *ir.Graph) (bool, error) {
	dead := map[*ir.Node]bool{}
	for _, n := range g.Nodes {
		if n.Op != ir.OpIdentity && n.Op != ir.OpDropout {
			continue
		}
		if len(n.Inputs) != 1 || len(n.Outputs) != 1 || n.Inputs[0] == nil {
			continue // malformed; the verifier reports it
		}
		if forward(g, n.Inputs[0], n.Outputs[0]) {
			dead[n] = true
		}
	}
	dropNodes(g, dead)
	ctx.Count("nodes removed", len(dead))
	return len(dead) > 0, nil
}
