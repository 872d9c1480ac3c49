package interp

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// A hand-computed quantized graph: quantize, qconv with bias and a
// rounding requantization, qglobal_avg_pool, qadd, dequantize.
func TestQuantizedGraphByHand(t *testing.T) {
	g := &ir.Graph{Name: "q", Stage: ir.StageQuantized}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 1, 3, 3}}}
	g.Inputs = []*ir.Value{x}
	w := g.AddConst("w", tensor.FromI64(tensor.Int8, []int64{1, -1, 2, 0}, 1, 1, 2, 2))
	b := g.AddConst("b", tensor.FromI64(tensor.Int32, []int64{4}, 1))
	m := g.AddConst("m", tensor.FromI64(tensor.Int32, []int64{1 << 20}, 1))
	add := func(op ir.Op, attrs ir.Attrs, ins ...*ir.Value) *ir.Value {
		out := &ir.Value{}
		n := &ir.Node{Op: op, Inputs: ins, Outputs: []*ir.Value{out}, Attrs: attrs}
		out.Def = n
		if err := ir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return out
	}
	rq := func(shift, lo, hi int64, extra ir.Attrs) ir.Attrs {
		a := ir.Attrs{"shift": ir.IntAttr(shift), "round": ir.StringAttr("up"), "lo": ir.IntAttr(lo), "hi": ir.IntAttr(hi)}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	q := add(ir.OpQuantize, ir.Attrs{"scale": ir.FloatAttr(0.5), "lo": ir.IntAttr(0), "hi": ir.IntAttr(255)}, x)
	c := add(ir.OpQConv, rq(21, 0, 255, ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(0, 0, 0, 0),
		"dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1), "acc_bound": ir.IntsAttr(4 * 255)}), q, w, b, m)
	avg := add(ir.OpQGlobalAvgPool, rq(30, 0, 255, nil), c)
	// qadd of c with itself: each term x*3 >> 1, sum, then *1 >> 2.
	sum := add(ir.OpQAdd, rq(2, -128, 127, ir.Attrs{"in_mults": ir.IntsAttr(3, 3), "in_shifts": ir.IntsAttr(1, 1), "mult": ir.IntAttr(1)}), c, c)
	y := add(ir.OpDequantize, ir.Attrs{"scale": ir.FloatAttr(0.25)}, c)
	g.Outputs = []*ir.Value{y, avg, sum}
	// Codes 0..8 in a 3x3 image.
	in := tensor.FromF32([]float32{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4}, 1, 1, 3, 3)
	outs, err := Run(g, []*tensor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	// conv sums 5, 7, 11, 13; +4 = 9, 11, 15, 17; /2 rounded up = 5, 6, 8, 9.
	wantC := []float32{1.25, 1.5, 2, 2.25}
	for i, v := range wantC {
		if outs[0].F32[i] != v {
			t.Fatalf("dequantized conv = %v, want %v", outs[0].F32, wantC)
		}
	}
	if outs[1].DType != tensor.Uint8 || outs[1].I64[0] != 7 { // (5+6+8+9)/4
		t.Errorf("global average = %v %v, want u8 7", outs[1].DType, outs[1].I64)
	}
	// 5: 15>>1 = 7.5 -> 8, twice = 16, >>2 = 4; 6: 9+9 = 18 -> 4.5 -> 5; 8: 12+12 -> 6; 9: 13.5 -> 14, 28 -> 7
	wantS := []int64{4, 5, 6, 7}
	for i, v := range wantS {
		if outs[2].I64[i] != v {
			t.Fatalf("qadd = %v, want %v", outs[2].I64, wantS)
		}
	}
	if outs[2].DType != tensor.Int8 {
		t.Errorf("qadd type %v", outs[2].DType)
	}
}

func TestQuantizedKernelErrors(t *testing.T) {
	x := tensor.FromI64(tensor.Uint8, []int64{1, 2, 3, 4}, 1, 1, 2, 2)
	for _, c := range []struct {
		n    *ir.Node
		want string
	}{
		{&ir.Node{Op: ir.OpQClip, Attrs: ir.Attrs{"lo": ir.IntAttr(2), "hi": ir.IntAttr(1)}}, "empty"},
		{&ir.Node{Op: ir.OpQGlobalAvgPool, Attrs: ir.Attrs{"shift": ir.IntAttr(3), "round": ir.StringAttr("nearest"), "lo": ir.IntAttr(0), "hi": ir.IntAttr(1)}}, "rounding mode"},
		{&ir.Node{Op: ir.OpQGlobalAvgPool, Attrs: ir.Attrs{"shift": ir.IntAttr(64), "round": ir.StringAttr("up"), "lo": ir.IntAttr(0), "hi": ir.IntAttr(1)}}, "shift"},
		{&ir.Node{Op: ir.OpDequantize, Attrs: ir.Attrs{}}, "scale"},
	} {
		c.n.Inputs = []*ir.Value{{}}
		c.n.Outputs = []*ir.Value{{}}
		_, err := EvalNode(c.n, []*tensor.Tensor{x})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.n.Op, err, c.want)
		}
	}
}
