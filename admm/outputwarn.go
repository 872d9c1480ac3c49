package admm

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
)

// OutputFilterWarnings names the layers whose filters the config prunes
// although the layer's output reaches a model output through single-input
// ops other than matrix layers (relu, softmax, reshape, pooling, ...). Each
// such filter is one model output, for a classifier one class: pruned, it is
// fixed at its bias and that class is never predicted. The defaults of a config apply filter
// pruning to every layer but the first, so this is easy to do by accident
// (docs/ADMM.md prunes only the columns of LeNet-5's fc3 for that reason).
func OutputFilterWarnings(g *ir.Graph, layers []*Layer, specs map[string]Spec) []string {
	isOutput := map[*ir.Value]bool{}
	for _, v := range g.Outputs {
		isOutput[v] = true
	}
	// next[v] lists the outputs of the nodes whose only non-constant input is v.
	next := map[*ir.Value][]*ir.Value{}
	for _, n := range g.Nodes {
		switch n.Op {
		case ir.OpConv, ir.OpFC, ir.OpGemm, ir.OpMatMul:
			continue // mixes channels: its outputs are no longer the layer's filters
		}
		var data []*ir.Value
		for _, in := range n.Inputs {
			if in != nil && !in.IsConst() {
				data = append(data, in)
			}
		}
		if len(data) == 1 {
			next[data[0]] = append(next[data[0]], n.Outputs...)
		}
	}
	reaches := func(v *ir.Value) *ir.Value {
		seen := map[*ir.Value]bool{}
		for stack := []*ir.Value{v}; len(stack) > 0; {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[v] {
				continue
			}
			seen[v] = true
			if isOutput[v] {
				return v
			}
			stack = append(stack, next[v]...)
		}
		return nil
	}
	var warns []string
	for _, l := range layers {
		for _, p := range specs[l.Name].Prunes {
			if p.Kind != Filter || p.Ratio == 0 || len(l.Node.Outputs) == 0 {
				continue
			}
			if out := reaches(l.Node.Outputs[0]); out != nil {
				warns = append(warns, fmt.Sprintf("layer %q feeds model output %q and the config prunes its filters (filter %g): each pruned filter is one output (a class of a classifier) stuck at its bias, about %d of %d; prune its columns instead, e.g. layers: {%s: {prune: {column: %g}}}",
					l.Name, out.Name, p.Ratio, int(math.Floor(p.Ratio*float64(l.Shape.Rows))), l.Shape.Rows, l.Name, p.Ratio))
			}
		}
	}
	return warns
}
