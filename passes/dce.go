package passes

import "github.com/pimc-dev/pimc/ir"

// dce removes nodes none of whose outputs reaches a graph output, then
// constants nobody reads. Every op in a CNN graph is pure, so a node is
// live exactly when one of its outputs is. Graph inputs are the model's
// interface and are never removed, even when unused.
func init() {
	Register(&Info{
		Name:     "dce",
		Summary:  "remove dead nodes and unused constants",
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runDCE), nil },
	})
}

func runDCE(ctx *Context, g *ir.Graph) (bool, error) {
	live := make(map[*ir.Value]bool, len(g.Nodes))
	for _, o := range g.Outputs {
		live[o] = true
	}
	dead := map[*ir.Node]bool{}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		used := false
		for _, o := range n.Outputs {
			if live[o] {
				used = true
				break
			}
		}
		if !used {
			dead[n] = true
			continue
		}
		for _, in := range n.Inputs {
			if in != nil {
				live[in] = true
			}
		}
	}
	dropNodes(g, dead)
	keep := g.Consts[:0]
	removedConsts := 0
	for _, c := range g.Consts {
		if live[c] {
			keep = append(keep, c)
		} else {
			removedConsts++
		}
	}
	for i := len(keep); i < len(g.Consts); i++ {
		g.Consts[i] = nil
	}
	g.Consts = keep
	ctx.Count("nodes removed", len(dead))
	ctx.Count("constants removed", removedConsts)
	return len(dead) > 0 || removedConsts > 0, nil
}
