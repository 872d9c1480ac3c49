package passes

import (
	"math"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// A batch norm after a concat (a mul and an add of per-channel constants,
// scales of both signs, then ReLU) and a mul alone on codes become qaffine:
// no host op, no float mul/add left, the ReLU folded into the range. Each
// output code is within one code of the real map round((a[c] s_x q +
// b[c]) / s_y), clamped, and the model stays close to the float one.
func TestQuantizeAffine(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 5, 5)
	r1 := b.node(ir.OpRelu, nil, b.conv2d(x, 4, 3, true))
	r2 := b.node(ir.OpRelu, nil, b.conv2d(r1, 3, 1, true))
	cat := b.node(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, r1, r2) // [1,7,5,5]
	ka := b.constF32("bn.a", []float32{1.3, -0.7, 0.02, 2.5, -1.9, 0, 0.6}, 7, 1, 1)
	kb := b.constF32("bn.b", []float32{0.1, 0.9, -0.3, 0, 0.5, 0.2, -1}, 7, 1, 1)
	m := b.node(ir.OpMul, nil, cat, ka)
	bn := b.node(ir.OpRelu, nil, b.node(ir.OpAdd, nil, kb, m))
	y := b.conv2d(bn, 2, 3, true)
	ks := b.constF32("s", []float32{-3, 0.5}, 1, 2, 1, 1)
	s := b.node(ir.OpMul, nil, y, ks) // signed codes, no add
	g := b.output(s)
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	qg := ir.Clone(g)
	if err := NewManager().RunString(qg, "quantize{calib=random:8,seed=2}"); err != nil {
		t.Fatal(err)
	}
	ops := countOps(qg)
	if ops[ir.OpQAffine] != 2 || ops[ir.OpMul] != 0 || ops[ir.OpAdd] != 0 || ops[ir.OpRelu] != 0 || ops[ir.OpQuantize] != 1 {
		t.Fatalf("ops after quantize: %v; want 2 qaffine, no float mul/add/relu, one quantize", ops)
	}
	real := map[string][2][]float64{ // node name -> a, b per channel
		m.Def.Name: {f64s(ka), f64s(kb)},
		s.Def.Name: {f64s(ks), make([]float64, 2)},
	}
	// Observe every value of the quantized graph on one input.
	probe := ir.Clone(qg)
	probe.Outputs = nil
	for _, n := range probe.Nodes {
		probe.Outputs = append(probe.Outputs, n.Outputs...)
	}
	in := randomSamples(g, 1, 4, 1)[0]
	vals, err := interp.Run(probe, in)
	if err != nil {
		t.Fatal(err)
	}
	at := map[*ir.Value]*tensor.Tensor{}
	for i, n := range qg.Nodes {
		at[n.Outputs[0]] = vals[i]
	}
	checked := 0
	for _, n := range qg.Nodes {
		if n.Op != ir.OpQAffine {
			continue
		}
		ab, ok := real[n.Name]
		if !ok {
			t.Fatalf("qaffine %s: unexpected node", n.Name)
		}
		checked++
		xq, yq := at[n.Inputs[0]], at[n.Outputs[0]]
		sx, sy := float64(n.Inputs[0].Quant.Scale[0]), float64(n.Outputs[0].Quant.Scale[0])
		lo, hi := float64(n.Int("lo", 0)), float64(n.Int("hi", 0))
		ch := xq.Shape[1]
		inner := xq.Len() / ch
		for i, q := range xq.I64 {
			c := i / inner % ch
			want := math.Max(lo, math.Min(hi, math.Round((ab[0][c]*sx*float64(q)+ab[1][c])/sy)))
			if d := math.Abs(float64(yq.I64[i]) - want); d > 1 {
				t.Fatalf("%s: element %d (channel %d, code %d): %d, want %v", n.Name, i, c, q, yq.I64[i], want)
			}
		}
	}
	if checked != 2 {
		t.Fatalf("checked %d qaffine nodes, want 2", checked)
	}
	for _, in := range randomSamples(g, 3, 5, 1) {
		closeOutputs(t, g, qg, in, 0.99)
	}
}

func f64s(v *ir.Value) []float64 {
	out := make([]float64, v.Const.Len())
	for i := range out {
		out[i] = v.Const.Float64At(i)
	}
	return out
}
