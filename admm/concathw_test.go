package admm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// concatNet builds an Inception-style net on [1, 1, 12, 12] inputs: convs
// "a" (4 filters) and "b" (6) on the input, each followed by a ReLU,
// joined by concats along the channels in the order parts names ("a" may
// come twice), then a 2x2 max pool, conv "c" (8 filters, 3x3), ReLU,
// flatten and fc "fc" (10). Weights and biases are random.
func concatNet(t *testing.T, parts ...string) *ir.Graph {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	g := &ir.Graph{Name: "concat", Stage: ir.StageImport, Opset: 13}
	add := func(op ir.Op, name string, attrs ir.Attrs, ins ...*ir.Value) *ir.Value {
		n := &ir.Node{Op: op, Name: name, Attrs: attrs, Inputs: ins}
		n.Outputs = []*ir.Value{{Name: name + ".out", Def: n}}
		if err := ir.InferNode(n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g.Nodes = append(g.Nodes, n)
		return n.Outputs[0]
	}
	random := func(name string, shape ...int) *ir.Value {
		c := tensor.New(tensor.Float32, shape...)
		for i := range c.F32 {
			c.F32[i] = float32(r.NormFloat64()) * 0.3
		}
		return g.AddConst(name, c)
	}
	conv := func(name string, x *ir.Value, f int) *ir.Value {
		c := x.Type.Shape[1]
		y := add(ir.OpConv, name, ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(1, 1, 1, 1), "dilations": ir.IntsAttr(1, 1),
			"group": ir.IntAttr(1)}, x, random(name+".weight", f, c, 3, 3), random(name+".bias", f))
		return add(ir.OpRelu, name+".relu", nil, y)
	}
	x := &ir.Value{Name: "input", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 1, 12, 12}}}
	g.Inputs = []*ir.Value{x}
	branch := map[string]*ir.Value{"a": conv("a", x, 4), "b": conv("b", x, 6)}
	h := branch[parts[0]]
	for i, p := range parts[1:] {
		h = add(ir.OpConcat, fmt.Sprintf("cat%d", i), ir.Attrs{"axis": ir.IntAttr(1)}, h, branch[p])
	}
	h = add(ir.OpMaxPool, "pool", ir.Attrs{"kernel": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(2, 2), "pads": ir.IntsAttr(0, 0, 0, 0),
		"dilations": ir.IntsAttr(1, 1)}, h)
	h = add(ir.OpFlatten, "flatten", ir.Attrs{"axis": ir.IntAttr(1)}, conv("c", h, 8))
	out := add(ir.OpFC, "fc", nil, h, random("fc.weight", 10, h.Type.Shape[1]), random("fc.bias", 10))
	g.Outputs = []*ir.Value{out}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	return g
}

func node(g *ir.Graph, name string) *ir.Node {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// zeroFilter sets filter f of layer name (weights and bias) to 0.
func zeroFilter(g *ir.Graph, name string, f int) {
	n := node(g, name)
	w, b := n.Input(1).Const.Clone(), n.Input(2).Const.Clone()
	k := w.Len() / w.Shape[0]
	clear(w.F32[f*k : (f+1)*k])
	b.F32[f] = 0
	n.Inputs[1], n.Inputs[2] = g.AddConst(n.Input(1).Name, w), g.AddConst(n.Input(2).Name, b)
}

func concatInput() *tensor.Tensor {
	x := tensor.New(tensor.Float32, 1, 1, 12, 12)
	for i := range x.F32 {
		x.F32[i] = float32(i%13) / 12
	}
	return x
}

// TestRemoveUnusedPathsConcat: a dead filter of a conv whose output reaches
// the next conv through a concat (here nested, and with branch a's
// channels in it twice: channels 0-3 and 10-13 of c's 14) is removed from
// the producer and from the consumer's input channels at every offset it
// occupies; the network computes the same.
func TestRemoveUnusedPathsConcat(t *testing.T) {
	g := concatNet(t, "a", "b", "a")
	zeroFilter(g, "a", 1)
	zeroFilter(g, "b", 4)
	ref := ir.Clone(g)
	st, err := admm.RemoveUnusedPaths(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	if st.Channels != 2 || st.ByLayer["a"] != 1 || st.ByLayer["b"] != 1 {
		t.Errorf("removed %+v, want a 1, b 1", st)
	}
	for name, want := range map[string][]int{"a": {3, 1, 3, 3}, "b": {5, 1, 3, 3}, "c": {8, 11, 3, 3}} {
		if got := node(g, name).Input(1).Type.Shape; !tensor.SameShape(got, want) {
			t.Errorf("%s weight %v, want %v", name, got, want)
		}
	}
	// c keeps its input channels 0, 2, 3 (a), 4-7, 9 (b), 10, 12, 13 (a again).
	before, after := node(ref, "c").Input(1).Const.F32, node(g, "c").Input(1).Const.F32
	for f := range 8 {
		for j, c := range []int{0, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13} {
			if a, b := after[(f*11+j)*9:(f*11+j+1)*9], before[(f*14+c)*9:(f*14+c+1)*9]; !slicesEqual(a, b) {
				t.Fatalf("c filter %d input %d: %v, want old input %d %v", f, j, a, c, b)
			}
		}
	}
	ya, err := interp.Run(ref, []*tensor.Tensor{concatInput()})
	if err != nil {
		t.Fatal(err)
	}
	yb, err := interp.Run(g, []*tensor.Tensor{concatInput()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ya[0].F32 {
		if d := math.Abs(float64(ya[0].F32[i] - yb[0].F32[i])); d > 1e-4*(1+math.Abs(float64(ya[0].F32[i]))) {
			t.Fatalf("output %d: %g before, %g after removal", i, ya[0].F32[i], yb[0].F32[i])
		}
	}
}

func slicesEqual(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestCoupledConcat: with coupled: true, each branch joined by a concat
// forms one coupled group with the columns of the conv reading the concat
// at the branch's offset, so a pruned filter of a branch removes c's
// input channel in the same step; after ADMM (two short epochs on random
// data) unused-path removal narrows a to 2, b to 3 and c's input to 5
// channels, and the result compiles to a program bit-exact against the
// quantized interpreter.
func TestCoupledConcat(t *testing.T) {
	g := concatNet(t, "a", "b")
	layers, cfg, specs := configured(t, g, `defaults: {prune: {filter: 0.5}, wbits: 4}
prune_first: true
coupled: true
layers: {fc: {prune: {}}}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 0, quant_retrain_epochs: 0, batch: 16, rho: 0.02}
`)
	cs := admm.Couplings(g, specs)
	var got []string
	for _, c := range cs {
		got = append(got, c.String())
	}
	want := []string{"4 channels of a (read by c channels 0-3 of 10), 0.5 pruned", "6 channels of b (read by c channels 4-9 of 10), 0.5 pruned",
		"8 channels of c (read by fc), 0.5 pruned"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("couplings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	tr := randomImages(64, 1, 12, 12)
	res, err := admm.Compress(g, admm.Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Couplings: cs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admm.Finish(g, res, layers, specs, nil, "concat.onnx", func([]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	final := res.Graph
	for name, want := range map[string][]int{"a": {2, 1, 3, 3}, "b": {3, 1, 3, 3}, "c": {4, 5, 3, 3}, "fc": {10, 4 * 36}} {
		if got := node(final, name).Input(1).Type.Shape; !tensor.SameShape(got, want) {
			t.Errorf("%s weight %v after unused-path removal, want %v", name, got, want)
		}
	}
	prog, err := driver.Compile(final, driver.Options{WBits: 4, ABits: 8, Calib: "random:2", Replicate: "off", Target: target.Default()})
	if err != nil {
		t.Fatal(err)
	}
	v, err := driver.Verify(final, prog, []*tensor.Tensor{concatInput()})
	if err != nil || v.DeviceSegments == 0 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	t.Logf("bit-exact: %d values in %d device segments, %d sub-arrays", v.Values, v.DeviceSegments, prog.Subarrays)
}
