package passes

import (
	"math"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
)

// TestQuantizeDeadChannel: a conv channel whose weights are negligible
// against its bias (1e-30 under 0.4, as in PaddleOCR's PP-OCRv4 models)
// quantizes, its weight scale raised so the bias fits an int32 (raiseBiasScales),
// and the channel computes its bias; the other channels keep the scale
// max|w|/127. Before, the pass refused the layer ("bias of channel 1 ...
// does not fit int32").
func TestQuantizeDeadChannel(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 4, 4)
	w := b.randConst("w", -0.5, 0.5, 3, 2, 3, 3)
	for i := 18; i < 36; i++ { // channel 1
		w.Const.F32[i] *= 1e-30
	}
	bias := b.constF32("b", []float32{0.1, 0.4, -0.2}, 3)
	y := b.node(ir.OpConv, ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(1, 1, 1, 1), "dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1)}, x, w, bias)
	g := b.output(y)
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	qg := ir.Clone(g)
	if err := NewManager().RunString(qg, "quantize{calib=random:4,seed=2}"); err != nil {
		t.Fatal(err)
	}
	var qw *ir.Value
	for _, n := range qg.Nodes {
		if n.Op == ir.OpQConv {
			qw = n.Inputs[1]
		}
	}
	if qw == nil {
		t.Fatalf("no qconv: %v", countOps(qg))
	}
	for c, s := range qw.Quant.Scale {
		amax := 0.0
		for _, v := range w.Const.F32[c*18 : (c+1)*18] {
			amax = math.Max(amax, math.Abs(float64(v)))
		}
		if dead := c == 1; dead != (float64(s) > amax) || !dead && float64(s) != float64(float32(amax/127)) {
			t.Errorf("channel %d: weight scale %g, max|w| %g", c, s, amax)
		}
	}
	in := randomSamples(g, 2, 5, 1)
	for _, x := range in {
		closeOutputs(t, g, qg, x, 0.99)
		out, err := interp.Run(qg, x)
		if err != nil {
			t.Fatal(err)
		}
		for i := 16; i < 32; i++ { // channel 1: the bias
			if v := out[0].Float64At(i); math.Abs(v-0.4) > 0.01 {
				t.Fatalf("channel 1 pixel %d: %v, want the bias 0.4", i-16, v)
			}
		}
	}
}
