package passes

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// resBlockGraph is a small CNN with every integer op the pass emits: conv
// (+ReLU, +ReLU6 as clip), a residual add with ReLU, concat of branches at
// different scales, average pooling, max pooling, global average pooling,
// flatten, fc, and a softmax left on the host.
func resBlockGraph(t *testing.T) *ir.Graph {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 8, 8)
	a := b.node(ir.OpRelu, nil, b.conv2d(x, 8, 3, true))
	c := b.conv2d(a, 8, 3, true)
	r := b.node(ir.OpRelu, nil, b.node(ir.OpAdd, nil, a, c))
	d := b.node(ir.OpClip, ir.Attrs{"min": ir.FloatAttr(0), "max": ir.FloatAttr(6)}, b.conv2d(r, 4, 1, false))
	cat := b.node(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, r, d) // [1,12,8,8]
	pool := func(op ir.Op, k int64) *ir.Value {
		attrs := ir.Attrs{"kernel": ir.IntsAttr(k, k), "strides": ir.IntsAttr(2, 2), "pads": ir.IntsAttr(0, 0, 1, 1), "dilations": ir.IntsAttr(1, 1)}
		if op == ir.OpAvgPool {
			attrs["count_include_pad"] = ir.IntAttr(0)
		}
		return b.node(op, attrs, cat)
	}
	p := b.node(ir.OpAdd, nil, pool(ir.OpAvgPool, 3), pool(ir.OpMaxPool, 2)) // [1,12,4,4]
	gp := b.node(ir.OpGlobalAvgPool, nil, p)
	f := b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, gp)
	fc := b.node(ir.OpFC, nil, f, b.randConst("fcw", -0.5, 0.5, 5, 12), b.randConst("fcb", -0.1, 0.1, 5))
	sm := b.node(ir.OpSoftmax, ir.Attrs{"axis": ir.IntAttr(1)}, fc)
	g := b.output(sm, fc)
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	return g
}

func TestQuantizeEveryIntegerOp(t *testing.T) {
	g := resBlockGraph(t)
	qg := ir.Clone(g)
	if err := NewManager().RunString(qg, "quantize{calib=random:16,seed=3}"); err != nil {
		t.Fatal(err)
	}
	ops := countOps(qg)
	for _, op := range []ir.Op{ir.OpQuantize, ir.OpQConv, ir.OpQAdd, ir.OpQConcat, ir.OpQAvgPool, ir.OpMaxPool, ir.OpQGlobalAvgPool, ir.OpFlatten, ir.OpQFC, ir.OpDequantize, ir.OpSoftmax} {
		if ops[op] == 0 {
			t.Errorf("no %s in the quantized graph: %v", op, ops)
		}
	}
	for _, op := range []ir.Op{ir.OpConv, ir.OpFC, ir.OpRelu, ir.OpClip, ir.OpAdd, ir.OpAvgPool} {
		if ops[op] != 0 {
			t.Errorf("%d %s left as float ops", ops[op], op)
		}
	}
	// Exactly one quantize (the input) and dequantizes only for the two outputs' producers.
	if ops[ir.OpQuantize] != 1 || ops[ir.OpDequantize] != 1 {
		t.Errorf("conversions: %d quantize, %d dequantize; want 1 and 1 (fc feeds both outputs)", ops[ir.OpQuantize], ops[ir.OpDequantize])
	}
	// ReLU6 fused: the clip's conv has range [0, round(6/s)] or the type max.
	for _, n := range qg.Nodes {
		if n.Op == ir.OpQConv && n.Int("lo", -1) < 0 && n.Outputs[0].Quant.Signed == false {
			t.Errorf("%s: unsigned output with lo %d", n.Origin(), n.Int("lo", 0))
		}
	}
	in := randomSamples(g, 4, 9, 1)
	for _, x := range in {
		closeOutputs(t, g, qg, x, 0.99)
	}
}

func TestQuantizeAccumulatorBoundError(t *testing.T) {
	// K = 200000, |w| codes around 95, signed 8-bit inputs (max|x| 128):
	// about 2.4e9 > 2^31.
	b := newBuilder(t)
	x := b.input("x", 1, 200000)
	y := b.node(ir.OpFC, nil, x, b.randConst("w", 0.5, 1, 2, 200000))
	g := b.output(y)
	g.Stage = ir.StageCanonical
	err := NewManager().RunString(g, "quantize{calib=random:1}")
	if err == nil || !strings.Contains(err.Error(), "accumulator bound") || !strings.Contains(err.Error(), y.Def.Name) {
		t.Fatalf("want an accumulator bound error naming %q, got %v", y.Def.Name, err)
	}
	// Fewer activation bits make it fit (max|x| 8).
	g2 := newBuilder(t)
	x2 := g2.input("x", 1, 200000)
	y2 := g2.node(ir.OpFC, nil, x2, g2.randConst("w", 0.5, 1, 2, 200000))
	gg := g2.output(y2)
	gg.Stage = ir.StageCanonical
	if err := NewManager().RunString(gg, "quantize{calib=random:1,abits=4,keep-ends=false}"); err != nil {
		t.Fatal(err)
	}
}

func TestQuantizeBinaryWeights(t *testing.T) {
	g := resBlockGraph(t)
	qg := ir.Clone(g)
	if err := NewManager().RunString(qg, "quantize{wbits=1,abits=2,keep-ends=false,calib=random:2}"); err != nil {
		t.Fatal(err)
	}
	for _, n := range qg.Nodes {
		if n.Op != ir.OpQConv && n.Op != ir.OpQFC {
			continue
		}
		w := n.Inputs[1]
		if w.Quant.Bits != 1 {
			t.Errorf("%s: weight bits %d", n.Origin(), w.Quant.Bits)
		}
		for _, v := range w.Const.I64 {
			if v != 1 && v != -1 {
				t.Fatalf("%s: binary weight code %d", n.Origin(), v)
			}
		}
		if x := n.Inputs[0].Quant; x.Bits != 2 && !(x.Signed && x.Bits == 2) {
			t.Errorf("%s: input bits %d", n.Origin(), x.Bits)
		}
	}
	if _, err := interp.Run(qg, randomSamples(g, 1, 1, 1)[0]); err != nil {
		t.Fatal(err)
	}
}

func TestQuantizeConfigFile(t *testing.T) {
	g := resBlockGraph(t)
	var first, fc *ir.Node
	for _, n := range g.Nodes {
		if n.Op == ir.OpConv && first == nil {
			first = n
		}
		if n.Op == ir.OpFC {
			fc = n
		}
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bits.yaml")
	if err := os.WriteFile(cfg, []byte(first.Name+": {wbits: 3, abits: 5}\n"+fc.Name+": {wbits: 6}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	qg := ir.Clone(g)
	if err := fileManager().RunString(qg, `quantize{wbits=4,abits=4,calib=random:2,config="`+cfg+`"}`); err != nil {
		t.Fatal(err)
	}
	for _, n := range qg.Nodes {
		if n.Op != ir.OpQConv && n.Op != ir.OpQFC {
			continue
		}
		wb, ab := n.Inputs[1].Quant.Bits, n.Outputs[0].Quant.Bits
		switch {
		case n.Name == first.Name && (wb != 3 || ab != 5):
			t.Errorf("%s: w%d a%d, want w3 a5 from the config", n.Name, wb, ab)
		case n.Name == fc.Name && (wb != 6 || ab != 16):
			t.Errorf("%s: w%d a%d, want w6 (config) a16 (its result goes to the host: out-bits)", n.Name, wb, ab)
		case n.Name != first.Name && n.Name != fc.Name && wb != 4:
			t.Errorf("%s: w%d, want the option's 4", n.Name, wb)
		}
	}
	if err := os.WriteFile(cfg, []byte("NoSuchNode: {wbits: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := fileManager().RunString(ir.Clone(g), `quantize{config="`+cfg+`"}`)
	if err == nil || !strings.Contains(err.Error(), `"NoSuchNode"`) {
		t.Errorf("unknown node: got %v", err)
	}
	if err := os.WriteFile(cfg, []byte(first.Name+": {wbits: 9}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fileManager().RunString(ir.Clone(g), `quantize{config="`+cfg+`"}`); err == nil || !strings.Contains(err.Error(), "1..8") {
		t.Errorf("wbits 9: got %v", err)
	}
	if err := os.WriteFile(cfg, []byte(first.Name+": {wbitz: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fileManager().RunString(ir.Clone(g), `quantize{config="`+cfg+`"}`); err == nil || !strings.Contains(err.Error(), "wbitz") {
		t.Errorf("unknown key: got %v", err)
	}
}

func TestQuantizeOptionsAndStages(t *testing.T) {
	for _, bad := range []string{"quantize{wbits=0}", "quantize{abits=9}", "quantize{calibrator=kl}", "quantize{percentile=0}"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	g := resBlockGraph(t)
	// fashion-mnist fails either way: not installed, or its 28x28 images do
	// not fit the test graph's input.
	for _, calib := range []string{"random:0", "nosuchdir", "fashion-mnist"} {
		if err := fileManager().RunString(ir.Clone(g), "quantize{calib="+calib+"}"); err == nil {
			t.Errorf("calib=%s accepted", calib)
		}
	}
	// The pass needs a canonical graph, and a quantized graph verifies.
	imp := ir.Clone(g)
	imp.Stage = ir.StageImport
	if err := NewManager().RunString(imp, "canonicalize,quantize{wbits=8,abits=8}"); err != nil {
		t.Fatal(err)
	}
	if err := NewManager().RunString(imp, "quantize"); err == nil {
		t.Error("quantize ran twice")
	}
	// The quantized graph prints and parses back identically.
	print := func(g *ir.Graph) string {
		var sb strings.Builder
		if err := ir.Print(&sb, g, ir.PrintOptions{}); err != nil {
			t.Fatal(err)
		}
		return sb.String()
	}
	text := print(imp)
	back, err := ir.Parse("quantized.pir", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(back); err != nil {
		t.Fatal(err)
	}
	if print(back) != text {
		t.Error("quantized graph does not round-trip through the text format")
	}
}

func TestQuantizeConcatRescales(t *testing.T) {
	// Two branches with very different ranges: the output scale covers the
	// larger one and the smaller branch is rescaled, not clipped.
	b := newBuilder(t)
	x := b.input("x", 1, 2, 4, 4)
	small := b.node(ir.OpRelu, nil, b.conv2d(x, 3, 1, false))
	big := b.node(ir.OpMul, nil, x, b.constF32("k", []float32{40}, 1))
	bigQ := b.node(ir.OpRelu, nil, b.conv2d(big, 3, 1, false))
	y := b.node(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, small, bigQ)
	g := b.output(y)
	g.Stage = ir.StageCanonical
	qg := ir.Clone(g)
	if err := NewManager().RunString(qg, "quantize{calib=random:8}"); err != nil {
		t.Fatal(err)
	}
	var cat *ir.Node
	for _, n := range qg.Nodes {
		if n.Op == ir.OpQConcat {
			cat = n
		}
	}
	if cat == nil {
		t.Fatal("no qconcat")
	}
	if m := cat.Ints("in_mults", nil); len(m) != 2 || (m[0] == 1 && m[1] == 1) {
		t.Errorf("in_mults %v: want a real rescale", m)
	}
	for _, in := range randomSamples(g, 3, 5, 1) {
		closeOutputs(t, g, qg, in, 0.99)
	}
	_ = tensor.Float32
}

// The integers the pass chooses implement the real-valued layer: for every
// qconv/qfc, weight codes are within half a step of the float weights,
// bias codes within half a step of the float bias, and each output code
// is within one code of (acc + bias) * s_x * s_w[c] / s_y rounded and
// clamped (the fixed-point multiplier's error stays below one code).
func TestQuantizeLayerAlgebra(t *testing.T) {
	g := resBlockGraph(t)
	qg := ir.Clone(g)
	if err := NewManager().RunString(qg, "quantize{calib=random:4,wbits=5,abits=6}"); err != nil {
		t.Fatal(err)
	}
	floatW := map[string]*tensor.Tensor{}
	for _, c := range g.Consts {
		floatW[c.Name] = c.Const
	}
	// Observe every value of the quantized graph.
	probe := ir.Clone(qg)
	var outs []*ir.Value
	for _, n := range probe.Nodes {
		outs = append(outs, n.Outputs...)
	}
	probe.Outputs = outs
	vals, err := interp.Run(probe, randomSamples(g, 1, 11, 1)[0])
	if err != nil {
		t.Fatal(err)
	}
	at := map[*ir.Value]*tensor.Tensor{}
	k := 0
	for i, n := range qg.Nodes {
		for j := range n.Outputs {
			at[qg.Nodes[i].Outputs[j]] = vals[k]
			k++
		}
	}
	checked := 0
	for _, n := range qg.Nodes {
		if n.Op != ir.OpQConv && n.Op != ir.OpQFC {
			continue
		}
		checked++
		x, w, b, y := n.Inputs[0], n.Inputs[1], n.Inputs[2], n.Outputs[0]
		sx, sy := float64(x.Quant.Scale[0]), float64(y.Quant.Scale[0])
		fw := floatW[w.Name]
		if fw == nil {
			t.Fatalf("%s: no float weights named %q", n.Origin(), w.Name)
		}
		f := w.Type.Shape[0]
		per := w.Type.NumElems() / f
		for i, code := range w.Const.I64 {
			sw := float64(w.Quant.Scale[i/per])
			if d := math.Abs(float64(code)*sw - fw.Float64At(i)); d > 0.5*sw*(1+1e-6) {
				t.Fatalf("%s: weight %d: code %d * %g is %g from %g", n.Origin(), i, code, sw, d, fw.Float64At(i))
			}
		}
		for c := 0; c < f; c++ {
			sb := float64(b.Quant.Scale[c])
			if math.Abs(sb-sx*float64(w.Quant.Scale[c]))/sb > 1e-6 {
				t.Fatalf("%s: bias scale %g, want s_x*s_w = %g", n.Origin(), sb, sx*float64(w.Quant.Scale[c]))
			}
		}
		var acc *tensor.Tensor
		xt := at[x]
		if xt == nil {
			t.Fatalf("%s: no input codes", n.Origin())
		}
		if n.Op == ir.OpQConv {
			p := tensor.ConvParams{Strides: n.Ints("strides", nil), Pads: n.Ints("pads", nil), Dilations: n.Ints("dilations", nil), Group: int(n.Int("group", 1))}
			shape, _ := tensor.ConvShape(xt.Shape, w.Type.Shape, p)
			acc = tensor.New(tensor.Int64, shape...)
			if err := tensor.QConvAcc(acc, xt, w.Const, p); err != nil {
				t.Fatal(err)
			}
		} else {
			acc = tensor.New(tensor.Int64, xt.Shape[0], f)
			if err := tensor.QFCAcc(acc, xt, w.Const); err != nil {
				t.Fatal(err)
			}
		}
		yt := at[y]
		inner := acc.Len() / (acc.Shape[0] * f)
		lo, hi := float64(n.Int("lo", 0)), float64(n.Int("hi", 0))
		for i, a := range acc.I64 {
			c := (i / inner) % f
			real := float64(a+b.Const.I64[c]) * float64(b.Quant.Scale[c]) / sy
			want := math.Max(lo, math.Min(hi, math.Floor(real+0.5)))
			if d := math.Abs(float64(yt.I64[i]) - want); d > 1 {
				t.Fatalf("%s: output %d = %d, want %v (real %v)", n.Origin(), i, yt.I64[i], want, real)
			}
		}
	}
	if checked < 4 {
		t.Fatalf("checked %d matrix layers", checked)
	}
}
