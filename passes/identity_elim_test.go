package passes

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

func TestIdentityElim(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 2, 3)
	i1 := b.node(ir.OpIdentity, nil, x)
	r := b.node(ir.OpRelu, nil, i1)
	d := b.node(ir.OpDropout, nil, r)   // graph output: relu takes its name
	i2 := b.node(ir.OpIdentity, nil, x) // graph output copying a graph input: kept
	s := b.node(ir.OpSigmoid, nil, x)
	i3 := b.node(ir.OpIdentity, nil, s) // s is an output too: kept, or two outputs would merge
	g := b.output(d, i2, s, i3)
	names := []string{d.Name, i2.Name, s.Name, i3.Name}

	m := checkPipeline(t, g, "identity-elim")
	if c := countOps(g); c[ir.OpIdentity] != 2 || c[ir.OpDropout] != 0 || c[ir.OpRelu] != 1 {
		t.Errorf("ops after: %v", c)
	}
	for i, o := range g.Outputs {
		if o.Name != names[i] {
			t.Errorf("output %d renamed from %q to %q", i, names[i], o.Name)
		}
	}
	if g.Outputs[0].Def.Op != ir.OpRelu || g.Outputs[0].Def.Inputs[0] != x {
		t.Errorf("output 0 not relu(x): %s", g)
	}
	if got := m.Stats().Get("identity-elim", "nodes removed"); got != 2 {
		t.Errorf("removed %d nodes, want 2", got)
	}
	checkIdempotent(t, g, "identity-elim")
}
