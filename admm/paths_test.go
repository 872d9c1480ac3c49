package admm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/train"
)

// killFilter zeroes filter f of the named conv/fc (weights and bias) and
// the shift and running mean of the batch_norm reading it alone; the BN
// scale and variance are randomized so a wrong removal would show.
func killFilter(t *testing.T, g *ir.Graph, name string, f int) {
	t.Helper()
	uses := g.Uses()
	for _, n := range g.Nodes {
		if n.Name != name {
			continue
		}
		w := n.Input(1).Const.Clone()
		k := w.Len() / w.Shape[0]
		clear(w.F32[f*k : (f+1)*k])
		n.Inputs[1] = g.AddConst(n.Input(1).Name, w)
		if b := n.Input(2); b != nil {
			bt := b.Const.Clone()
			bt.F32[f] = 0
			n.Inputs[2] = g.AddConst(b.Name, bt)
		}
		if rd := uses[n.Outputs[0]]; len(rd) == 1 && rd[0].Op == ir.OpBatchNorm {
			bn := rd[0]
			for i, v := range []float32{0.7, 0, 0, 2.5} {
				c := bn.Input(i + 1).Const.Clone()
				c.F32[f] = v
				bn.Inputs[i+1] = g.AddConst(bn.Input(i+1).Name, c)
			}
		}
		return
	}
	t.Fatalf("no node %q", name)
}

// randomizeBN gives every batch_norm non-trivial statistics.
func randomizeBN(g *ir.Graph, r *rand.Rand) {
	for _, n := range g.Nodes {
		if n.Op != ir.OpBatchNorm {
			continue
		}
		for i := 1; i <= 4; i++ {
			c := n.Input(i).Const.Clone()
			for j := range c.F32 {
				switch i {
				case 1, 4:
					c.F32[j] = 0.5 + r.Float32()
				default:
					c.F32[j] = 0.2 * float32(r.NormFloat64())
				}
			}
			n.Inputs[i] = g.AddConst(n.Input(i).Name, c)
		}
	}
}

func outputsClose(t *testing.T, a, b *ir.Graph, x *tensor.Tensor) {
	t.Helper()
	ya, err := interp.Run(a, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	yb, err := interp.Run(b, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ya[0].F32 {
		if d := math.Abs(float64(ya[0].F32[i] - yb[0].F32[i])); d > 1e-4*(1+math.Abs(float64(ya[0].F32[i]))) {
			t.Fatalf("output %d: %g before, %g after removal", i, ya[0].F32[i], yb[0].F32[i])
		}
	}
}

func weightShape(g *ir.Graph, name string) []int {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n.Input(1).Type.Shape
		}
	}
	return nil
}

func TestRemoveUnusedPathsLeNet(t *testing.T) {
	g, _ := train.Build("lenet5", []int{1, 28, 28}, 10, 5)
	killFilter(t, g, "conv1", 2)
	killFilter(t, g, "conv2", 0)
	killFilter(t, g, "conv2", 7)
	killFilter(t, g, "fc1", 5)
	ref := ir.Clone(g)
	st, err := RemoveUnusedPaths(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	if st.Channels != 4 {
		t.Errorf("removed %d channels, want 4", st.Channels)
	}
	for name, want := range map[string][]int{"conv1": {5, 1, 5, 5}, "conv2": {14, 5, 5, 5}, "fc1": {119, 14 * 25}, "fc2": {84, 119}, "fc3": {10, 84}} {
		if got := weightShape(g, name); !tensor.SameShape(got, want) {
			t.Errorf("%s weight %v, want %v", name, got, want)
		}
	}
	outputsClose(t, ref, g, lenetSamples(1, 3)[0])
}

func TestRemoveUnusedPathsResidual(t *testing.T) {
	g, err := train.Build("resnet-small", []int{3, 16, 16}, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	randomizeBN(g, rand.New(rand.NewPCG(1, 1)))
	// An inner channel of a block: removable (conv1 -> bn1 -> relu -> conv2).
	killFilter(t, g, "layer1.0.conv1", 3)
	// Channel 5 of the stage-1 residual stream, dead in only two of its
	// three producers: must stay.
	killFilter(t, g, "stem.conv", 5)
	killFilter(t, g, "layer1.0.conv2", 5)
	// Channel 9, dead in every producer of the stream: goes.
	for _, n := range []string{"stem.conv", "layer1.0.conv2", "layer1.1.conv2"} {
		killFilter(t, g, n, 9)
	}
	ref := ir.Clone(g)
	st, err := RemoveUnusedPaths(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"layer1.0.conv1": {15, 15, 3, 3}, "layer1.0.conv2": {15, 15, 3, 3},
		"stem.conv": {15, 3, 3, 3}, "layer1.1.conv2": {15, 16, 3, 3}, "layer1.1.conv1": {16, 15, 3, 3},
		"layer2.0.conv1": {32, 15, 3, 3}, "layer2.0.down.conv": {32, 15, 1, 1},
	}
	for name, w := range want {
		if got := weightShape(g, name); !tensor.SameShape(got, w) {
			t.Errorf("%s weight %v, want %v", name, got, w)
		}
	}
	if st.Channels != 2 {
		t.Errorf("removed %d channels, want 2", st.Channels)
	}
	x := tensor.New(tensor.Float32, 1, 3, 16, 16)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range x.F32 {
		x.F32[i] = r.Float32()
	}
	outputsClose(t, ref, g, x)
}
