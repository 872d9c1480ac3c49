package passes

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

func TestReshapeCanon(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 3, 4)
	f := b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, x)         // [1,24]
	r1 := b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 24)}, f)  // no-op
	r2 := b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(2, 12)}, r1) // merges onto x
	u := b.node(ir.OpUnsqueeze, ir.Attrs{"axes": ir.IntsAttr(0)}, r2)     // [1,2,12]
	s := b.node(ir.OpSqueeze, ir.Attrs{"axes": ir.IntsAttr(0)}, u)        // [2,12]: no-op overall
	y := b.node(ir.OpRelu, nil, s)
	r3 := b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 2, 3, 4)}, x) // output copy of the input: kept
	g := b.output(y, r3)

	checkPipeline(t, g, "reshape-canon,dce")
	c := countOps(g)
	if c[ir.OpFlatten]+c[ir.OpSqueeze]+c[ir.OpUnsqueeze] != 0 {
		t.Errorf("view ops left: %v", c)
	}
	// relu(reshape(x to [2,12])), plus the kept output reshape.
	if c[ir.OpReshape] != 2 || len(g.Nodes) != 3 {
		t.Errorf("ops after: %v\n%s", c, g)
	}
	rn := g.Outputs[0].Def.Inputs[0].Def
	if rn == nil || rn.Op != ir.OpReshape || rn.Inputs[0] != x {
		t.Errorf("relu does not read reshape(x):\n%s", g)
	}
	checkIdempotent(t, g, "reshape-canon,dce")
}
