package passes

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Helpers shared by the rewriting passes.

// forward makes every user of out read in instead, so the node defining out
// can be dropped. When out is a graph output its ONNX name must survive: in
// then takes over out's name, which is only possible if in is the output of
// a node and not already a graph output or input. forward reports false
// (changing nothing) when that is impossible; the caller keeps the node.
func forward(g *ir.Graph, in, out *ir.Value) bool {
	if !in.Type.Equal(out.Type) {
		return false
	}
	if g.IsOutput(out) {
		if in.Def == nil || g.IsOutput(in) || isGraphInput(g, in) {
			return false
		}
		in.Name = out.Name
	}
	g.ReplaceAllUses(out, in)
	return true
}

func isGraphInput(g *ir.Graph, v *ir.Value) bool {
	for _, x := range g.Inputs {
		if x == v {
			return true
		}
	}
	return false
}

// dropNodes removes the nodes in dead from g.Nodes, keeping the order.
func dropNodes(g *ir.Graph, dead map[*ir.Node]bool) {
	if len(dead) == 0 {
		return
	}
	out := g.Nodes[:0]
	for _, n := range g.Nodes {
		if !dead[n] {
			out = append(out, n)
		}
	}
	for i := len(out); i < len(g.Nodes); i++ {
		g.Nodes[i] = nil
	}
	g.Nodes = out
}

// singleUse reports whether v is read by exactly one operand of one node and
// is not a graph output: only then may a pass fold v's producer into its
// consumer.
func singleUse(g *ir.Graph, uses map[*ir.Value][]*ir.Node, v *ir.Value) bool {
	return len(uses[v]) == 1 && !g.IsOutput(v)
}

// orderConsts restores the invariant that g.Consts lists constants in
// first-use order (node inputs in node order, then graph outputs); constants
// nobody uses go last, in their old order, for dce to remove.
func orderConsts(g *ir.Graph) {
	seen := make(map[*ir.Value]bool, len(g.Consts))
	out := make([]*ir.Value, 0, len(g.Consts))
	isConst := make(map[*ir.Value]bool, len(g.Consts))
	for _, c := range g.Consts {
		isConst[c] = true
	}
	visit := func(v *ir.Value) {
		if v != nil && isConst[v] && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			visit(in)
		}
	}
	for _, o := range g.Outputs {
		visit(o)
	}
	for _, c := range g.Consts {
		visit(c)
	}
	g.Consts = out
}

// foldableFloat reports whether constants of type dt can be rewritten
// exactly as computed: f32 and f64. 16-bit floats would need rounding that
// the original model never did, so passes leave them alone.
func foldableFloat(dt tensor.DType) bool { return dt == tensor.Float32 || dt == tensor.Float64 }

// float64s returns the elements of t as float64.
func float64s(t *tensor.Tensor) []float64 {
	out := make([]float64, t.Len())
	for i := range out {
		out[i] = t.Float64At(i)
	}
	return out
}

// makeFloat builds a new tensor of float type dt (f32 or f64) from vals.
func makeFloat(dt tensor.DType, vals []float64, shape ...int) *tensor.Tensor {
	t := tensor.New(dt, shape...)
	if len(vals) != t.Len() {
		panic(fmt.Sprintf("BUG: makeFloat: %d values for shape %v", len(vals), shape))
	}
	switch dt {
	case tensor.Float32:
		for i, v := range vals {
			t.F32[i] = float32(v)
		}
	case tensor.Float64:
		copy(t.F64, vals)
	default:
		panic(fmt.Sprintf("BUG: makeFloat: dtype %v", dt))
	}
	return t
}

// newValue makes an anonymous value of type t defined by nothing yet.
func newValue(t ir.Type) *ir.Value {
	return &ir.Value{Type: ir.Type{DType: t.DType, Shape: append([]int{}, t.Shape...)}}
}

// newNode builds a node that inherits the ONNX origin of from, and makes it
// the definer of its outputs.
func newNode(op ir.Op, from *ir.Node, attrs ir.Attrs, inputs []*ir.Value, outputs ...*ir.Value) *ir.Node {
	n := &ir.Node{Op: op, Inputs: inputs, Outputs: outputs, Attrs: attrs, Name: from.Name, OnnxOp: from.OnnxOp}
	if n.Attrs == nil {
		n.Attrs = ir.Attrs{}
	}
	for _, o := range outputs {
		o.Def = n
	}
	return n
}

// vectorOf returns the values of a constant c broadcast to a vector of
// length n along the last axis of an [M, n] result (shapes [], [1], [n],
// [1, n], [1, 1]...), or ok=false when c varies along another axis.
func vectorOf(c *tensor.Tensor, n int) (vals []float64, ok bool) {
	for i, d := range c.Shape {
		if i == len(c.Shape)-1 {
			if d != 1 && d != n {
				return nil, false
			}
		} else if d != 1 {
			return nil, false
		}
	}
	vals = make([]float64, n)
	for i := range vals {
		if c.Len() == 1 {
			vals[i] = c.Float64At(0)
		} else {
			vals[i] = c.Float64At(i)
		}
	}
	return vals, true
}

// namer hands out value names that no value of the graph uses yet, so new
// constants can carry a name derived from the ONNX weight they replace.
type namer struct{ used map[string]bool }

func newNamer(g *ir.Graph) *namer {
	nm := &namer{used: map[string]bool{}}
	add := func(v *ir.Value) {
		if v != nil && v.Name != "" {
			nm.used[v.Name] = true
		}
	}
	for _, v := range g.Inputs {
		add(v)
	}
	for _, v := range g.Consts {
		add(v)
	}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			add(v)
		}
	}
	for _, v := range g.Outputs {
		add(v)
	}
	return nm
}

// fresh returns base+suffix, or with a counter appended if that is taken;
// "" (an anonymous value the printer numbers) when base is "". A base that
// already ends in suffix (a weight rewritten twice) is not suffixed again:
// w.bn becomes w.bn2, not w.bn.bn.
func (nm *namer) fresh(base, suffix string) string {
	if base == "" {
		return ""
	}
	base = strings.TrimSuffix(base, suffix)
	name := base + suffix
	for i := 2; nm.used[name]; i++ {
		name = fmt.Sprintf("%s%s%d", base, suffix, i)
	}
	nm.used[name] = true
	return name
}

// rewriteNodes rebuilds g.Nodes, replacing every node for which f returns
// ok=true by the nodes it returns (in order; the last must define the
// replaced node's outputs). f sees the nodes in their original order.
func rewriteNodes(g *ir.Graph, f func(n *ir.Node) ([]*ir.Node, bool, error)) (int, error) {
	out := make([]*ir.Node, 0, len(g.Nodes))
	count := 0
	for _, n := range g.Nodes {
		repl, ok, err := f(n)
		if err != nil {
			return count, err
		}
		if !ok {
			out = append(out, n)
			continue
		}
		out = append(out, repl...)
		count++
	}
	g.Nodes = out
	return count, nil
}

// scalarConst adds a rank-0 float constant of type dt.
func scalarConst(g *ir.Graph, dt tensor.DType, v float64) *ir.Value {
	return g.AddConst("", makeFloat(dt, []float64{v}))
}
