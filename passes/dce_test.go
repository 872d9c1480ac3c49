package passes

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

func TestDCE(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 2, 4)
	unusedIn := b.input("unused_input", 3)
	_ = unusedIn
	c := b.randConst("c", -1, 1, 4)
	dead := b.randConst("dead_weight", -1, 1, 4)
	b.randConst("never_used", -1, 1, 5)
	a := b.node(ir.OpAdd, nil, x, c)
	parts := b.nodeN(ir.OpSplit, 2, ir.Attrs{"axis": ir.IntAttr(1), "split": ir.IntsAttr(1, 3)}, a)
	d1 := b.node(ir.OpMul, nil, x, dead) // dead chain
	b.node(ir.OpRelu, nil, d1)
	g := b.output(parts[1]) // split stays though part 0 is unused

	m := checkPipeline(t, g, "dce")
	if c := countOps(g); len(g.Nodes) != 2 || c[ir.OpAdd] != 1 || c[ir.OpSplit] != 1 {
		t.Errorf("nodes after dce: %v", c)
	}
	if len(g.Consts) != 1 || g.Consts[0].Name != "c" {
		t.Errorf("constants after dce: %d", len(g.Consts))
	}
	if len(g.Inputs) != 2 {
		t.Error("dce removed a graph input")
	}
	if m.Stats().Get("dce", "nodes removed") != 2 || m.Stats().Get("dce", "constants removed") != 2 {
		t.Errorf("stats: %d nodes, %d constants", m.Stats().Get("dce", "nodes removed"), m.Stats().Get("dce", "constants removed"))
	}
	checkIdempotent(t, g, "dce")
}
