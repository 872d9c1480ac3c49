package ir

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

func TestCloneEqual(t *testing.T) {
	g := mnistLike(t)
	g.Inputs[0].Quant = &QuantParams{Bits: 8, Signed: true, Axis: 1, Scale: []float32{0.5}, ZeroPoint: []int32{1}}
	c := Clone(g)
	if d := diffGraphs(g, c); len(d) > 0 {
		t.Fatalf("clone differs:\n%s", strings.Join(d, "\n"))
	}
	if err := Verify(c); err != nil {
		t.Fatal(err)
	}
	for seed := range 300 {
		r := rand.New(rand.NewPCG(uint64(seed), 3))
		g := randGraph(r)
		if d := diffGraphs(g, Clone(g)); len(d) > 0 {
			t.Fatalf("seed %d: clone differs:\n%s", seed, strings.Join(d, "\n"))
		}
	}
	if Clone(nil) != nil {
		t.Error("Clone(nil) != nil")
	}
}

// TestCloneIndependent mutates everything mutable in the clone and checks
// the original is untouched (constant payloads are shared by design).
func TestCloneIndependent(t *testing.T) {
	g := mnistLike(t)
	g.Inputs[0].Quant = &QuantParams{Bits: 8, Axis: -1, Scale: []float32{0.5}, ZeroPoint: []int32{0}}
	nodeByOp(g, OpRelu).SetAttr("t", TensorAttr(tensor.FromF32([]float32{1}, 1)))
	before := printFull(t, g)

	c := Clone(g)
	for _, v := range g.Consts {
		found := false
		for _, w := range c.Consts {
			if w == v {
				t.Fatal("clone shares a constant Value")
			}
			if w.Const == v.Const {
				found = true
			}
		}
		if !found {
			t.Error("constant payload not shared")
		}
	}
	c.Name = "changed"
	c.Inputs[0].Name = "renamed"
	c.Inputs[0].Type.Shape[0] = 7
	c.Inputs[0].Quant.Scale[0] = 9
	c.Inputs[0].Quant.ZeroPoint[0] = 9
	conv := nodeByOp(c, OpConv)
	conv.Attrs["pads"].Ints[0] = 99
	conv.SetAttr("group", IntAttr(2))
	conv.Inputs[2] = nil
	conv.Outputs[0].Type.Shape[1] = 3
	conv.Name = "renamed"
	relu := nodeByOp(c, OpRelu)
	relu.Attrs["t"].Tensor.F32[0] = 42
	c.Nodes = c.Nodes[:2]
	c.Outputs[0] = c.Inputs[0]
	c.Consts[0].Const = nil

	if after := printFull(t, g); after != before {
		t.Fatalf("mutating the clone changed the original:\n%s\nvs\n%s", before, after)
	}
	// The clone's values point at the clone's nodes.
	c2 := Clone(g)
	for _, n := range c2.Nodes {
		for _, o := range n.Outputs {
			if o.Def != n {
				t.Errorf("cloned output of %s has Def %p, want the cloned node", n.Op, o.Def)
			}
		}
	}
}

func printFull(t *testing.T, g *Graph) string {
	t.Helper()
	var b strings.Builder
	if err := Print(&b, g, PrintOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
