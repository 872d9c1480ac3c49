package passes

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// fingerprint renders g's structure for Manager.CheckChanged: stage, graph
// inputs, constants and outputs, and every node (op, origin, sorted
// attributes, operands, results with their types). Values are identified by
// address, so a pass that replaces a value by a fresh equal one counts as a
// change; constant payloads by the address of their tensor, which is enough
// because passes never rewrite a payload in place. Unlike printing, it costs
// nothing per constant element, so it is usable on ImageNet-size models.
func fingerprint(g *ir.Graph) string {
	var b strings.Builder
	val := func(v *ir.Value) {
		if v == nil {
			b.WriteString(" _")
			return
		}
		fmt.Fprintf(&b, " %p:%q:%v", v, v.Name, v.Type)
		if v.Const != nil {
			fmt.Fprintf(&b, "=%p", v.Const)
		}
		if q := v.Quant; q != nil {
			fmt.Fprintf(&b, "{%d %v %d %v %v}", q.Bits, q.Signed, q.Axis, q.Scale, q.ZeroPoint)
		}
	}
	fmt.Fprintf(&b, "stage %v\ninputs", g.Stage)
	for _, v := range g.Inputs {
		val(v)
	}
	b.WriteString("\nconsts")
	for _, v := range g.Consts {
		val(v)
	}
	b.WriteString("\noutputs")
	for _, v := range g.Outputs {
		val(v)
	}
	for _, n := range g.Nodes {
		if n == nil {
			b.WriteString("\nnil node")
			continue
		}
		fmt.Fprintf(&b, "\n%s %q %q", n.Op, n.Name, n.OnnxOp)
		for _, k := range n.Attrs.Names() {
			a := n.Attrs[k]
			fmt.Fprintf(&b, " %s=%v:%d:%v:%v:%v:%q", k, a.Kind, a.Int, a.Ints, a.Float, a.Floats, a.Str)
			if a.Tensor != nil {
				fmt.Fprintf(&b, ":%v%v", a.Tensor, a.Tensor.Float32s())
			}
		}
		b.WriteString(" <-")
		for _, v := range n.Inputs {
			val(v)
		}
		b.WriteString(" ->")
		for _, v := range n.Outputs {
			val(v)
		}
	}
	return b.String()
}
