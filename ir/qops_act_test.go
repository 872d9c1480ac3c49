package ir

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestQLutQMulInfer: the shape rules of qlut and qmul and their refusals.
func TestQLutQMulInfer(t *testing.T) {
	codes := func(bits int, signed bool, shape ...int) *Value {
		dt := tensor.Uint8
		if signed {
			dt = tensor.Int8
		}
		return &Value{Name: "x", Type: Type{DType: dt, Shape: shape}, Quant: &QuantParams{Bits: bits, Signed: signed, Axis: -1, Scale: []float32{0.1}}}
	}
	table := func(n int, v int64) []int64 {
		t := make([]int64, n)
		for i := range t {
			t[i] = v
		}
		return t
	}
	lut := func(x *Value, tab []int64, inLo, lo, hi int64) *Node {
		return &Node{Op: OpQLut, Inputs: []*Value{x}, Outputs: []*Value{{Name: "y"}},
			Attrs: Attrs{"table": IntsAttr(tab...), "in_lo": IntAttr(inLo), "lo": IntAttr(lo), "hi": IntAttr(hi)}}
	}
	mul := func(a, b *Value) *Node {
		return &Node{Op: OpQMul, Inputs: []*Value{a, b}, Outputs: []*Value{{Name: "y"}},
			Attrs: Attrs{"mult": IntAttr(3), "shift": IntAttr(2), "round": StringAttr("up"), "lo": IntAttr(-128), "hi": IntAttr(127)}}
	}
	if err := InferNode(lut(codes(8, true, 1, 4), table(256, 7), -128, 0, 255)); err != nil {
		t.Fatalf("an i8 table: %v", err)
	}
	if err := InferNode(lut(codes(4, false, 2, 3), table(16, -1), 0, -8, 7)); err != nil {
		t.Fatalf("a u4 table: %v", err)
	}
	if err := InferNode(mul(codes(8, true, 1, 8, 5, 5), codes(8, false, 1, 8, 1, 1))); err != nil {
		t.Fatalf("a broadcast gate: %v", err)
	}
	for _, c := range []struct {
		n    *Node
		want string
	}{
		{lut(codes(8, true, 4), table(255, 0), -128, 0, 255), "table of 255 entries from code -128, want 256 from -128"},
		{lut(codes(8, true, 4), table(256, 0), 0, 0, 255), "want 256 from -128"},
		{lut(codes(8, true, 4), table(256, 300), -128, 0, 255), "entry 0 = 300 outside the output range [0, 255]"},
		{lut(codes(8, true, 4), nil, -128, 0, 255), "\"table\""},
		{mul(codes(8, true, 1, 8, 5, 5), codes(8, true, 1, 8, 5, 1, 1)), "does not broadcast"},
		{mul(codes(8, true, 1, 8, 5, 5), codes(8, true, 1, 4, 1, 1)), "does not broadcast"},
		{mul(codes(8, true, 1, 8, 1, 1), codes(8, true, 1, 8, 5, 5)), "broadcasts its second input only"},
	} {
		if err := InferNode(c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.n.Op, err, c.want)
		}
	}
}
