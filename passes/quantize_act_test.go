package passes

import (
	"math"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestQuantizeActivations: a sigmoid, a tanh and a hard-swish (x *
// hard_sigmoid(x)) of codes become qlut, the gate product qmul: no host op
// but the input quantize and the output dequantize. Each table entry is
// the float function at the code's value, rounded to the output scale
// (checked against math's float64 functions: within one code, since the
// interpreter computes in float32); the sigmoid's codes are unsigned (it is
// never negative) and the qmul's multiplier is s_a s_b / s_y.
func TestQuantizeActivations(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 5, 5)
	c := b.conv2d(x, 4, 3, true)
	sg := b.node(ir.OpSigmoid, nil, c)
	th := b.node(ir.OpTanh, nil, b.conv2d(sg, 4, 1, true))
	hsg := b.node(ir.OpHardSigmoid, ir.Attrs{"alpha": ir.FloatAttr(1.0 / 6), "beta": ir.FloatAttr(0.5)}, th)
	hs := b.node(ir.OpMul, nil, th, hsg)
	g := b.output(b.conv2d(hs, 2, 1, true))
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	if err := NewManager().RunString(g, "quantize{calib=random:8,seed=3}"); err != nil {
		t.Fatal(err)
	}
	ops := countOps(g)
	if ops[ir.OpQLut] != 3 || ops[ir.OpQMul] != 1 || ops[ir.OpQuantize] != 1 || ops[ir.OpDequantize] != 1 || ops[ir.OpSigmoid]+ops[ir.OpTanh]+ops[ir.OpMul] != 0 {
		t.Fatalf("ops after quantize: %v; want 3 qlut, 1 qmul, one quantize and one dequantize", ops)
	}
	fns := map[string]func(float64) float64{
		"sigmoid": func(v float64) float64 { return 1 / (1 + math.Exp(-v)) },
		"tanh":    math.Tanh,
	}
	checked := 0
	for _, n := range g.Nodes {
		switch {
		case n.Op == ir.OpQLut && fns[n.OnnxOp] != nil:
			x, y := n.Inputs[0], n.Outputs[0]
			if n.OnnxOp == "sigmoid" && y.Quant.Signed {
				t.Error("the sigmoid's codes are signed")
			}
			lo, hi := n.Int("lo", 0), n.Int("hi", 0)
			for k, e := range n.Ints("table", nil) {
				v := float64(n.Int("in_lo", 0)+int64(k)) * float64(x.Quant.Scale[0])
				want := min(max(math.RoundToEven(fns[n.OnnxOp](v)/float64(y.Quant.Scale[0])), float64(lo)), float64(hi))
				if math.Abs(float64(e)-want) > 1 {
					t.Fatalf("%s: table[%d] = %d, want %v", n.OnnxOp, k, e, want)
				}
			}
			checked++
		case n.Op == ir.OpQMul:
			sa, sb, sy := float64(n.Inputs[0].Quant.Scale[0]), float64(n.Inputs[1].Quant.Scale[0]), float64(n.Outputs[0].Quant.Scale[0])
			if got := math.Ldexp(float64(n.Int("mult", 0)), -int(n.Int("shift", 0))); math.Abs(got/(sa*sb/sy)-1) > 1e-6 {
				t.Errorf("qmul multiplier %g, want s_a s_b / s_y = %g", got, sa*sb/sy)
			}
			checked++
		}
	}
	if checked != 3 {
		t.Errorf("checked %d nodes, want the sigmoid's and the tanh's tables and the qmul", checked)
	}
}

// TestQuantizeDivByConstant: a div of codes by a per-channel constant (the
// "/ 6" of PaddleOCR's hard-swish) is a qaffine by the reciprocals: no host
// op, and its multiplier encodes 1/6.
func TestQuantizeDivByConstant(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 5, 5)
	c := b.conv2d(x, 4, 3, true)
	d := b.node(ir.OpDiv, nil, c, b.constF32("six", []float32{6}, 1))
	g := b.output(b.conv2d(d, 2, 1, true))
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	if err := NewManager().RunString(g, "quantize{calib=random:8}"); err != nil {
		t.Fatal(err)
	}
	ops := countOps(g)
	if ops[ir.OpQAffine] != 1 || ops[ir.OpDiv] != 0 || ops[ir.OpQuantize] != 1 {
		t.Fatalf("ops after quantize: %v; want one qaffine and no div", ops)
	}
	for _, n := range g.Nodes {
		if n.Op == ir.OpQAffine {
			sx, sy := float64(n.Inputs[0].Quant.Scale[0]), float64(n.Outputs[0].Quant.Scale[0])
			st := n.Inputs[1].Const.I64[0]
			// y = (x * scale * s_t / s_x ...): the real map is x * s_x * scale * s_t / s_y; check scale*s_t ~ s_x / 6.
			real := float64(st) * math.Ldexp(float64(n.Int("mult", 0)), -int(n.Int("shift", 0))) * sy / sx
			if math.Abs(real*6-1) > 1e-3 {
				t.Errorf("qaffine maps x to %g x, want x/6", real)
			}
		}
	}
}
