package passes

import (
	"fmt"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestHardSwishFuse: x * clip(x + 3, 0, 6) / 6 in the forms exporters write
// (division by 6 or product with 1/6, either operand order) becomes one
// hard_swish of x, equal within float32 rounding; a chain with another
// constant, or with clip bounds other than [0, 6], stays.
func TestHardSwishFuse(t *testing.T) {
	for i, tc := range []struct {
		add, hi float32
		div     bool
		swap    bool
		fused   bool
	}{
		{3, 6, true, false, true},
		{3, 6, false, false, true},
		{3, 6, false, true, true},
		{3, 6, true, true, true},
		{2, 6, true, false, false},
		{3, 5, true, false, false},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b := newBuilder(t)
			x := b.input("x", 1, 4, 5, 5)
			a := b.node(ir.OpAdd, nil, x, b.constF32("three", []float32{tc.add}))
			r := b.node(ir.OpClip, ir.Attrs{"min": ir.FloatAttr(0), "max": ir.FloatAttr(tc.hi)}, a)
			m := b.node(ir.OpMul, nil, x, r)
			if tc.swap {
				m = b.node(ir.OpMul, nil, r, x)
			}
			var y *ir.Value
			if tc.div {
				y = b.node(ir.OpDiv, nil, m, b.constF32("six", []float32{6}))
			} else {
				y = b.node(ir.OpMul, nil, m, b.constF32("sixth", []float32{float32(1.0 / 6)}))
			}
			g := b.output(y)
			checkPipeline(t, g, "hardswish-fuse,dce")
			ops := countOps(g)
			if tc.fused != (ops[ir.OpHardSwish] == 1 && ops[ir.OpMul] == 0 && ops[ir.OpClip] == 0) {
				t.Errorf("ops %v, fused %v", ops, tc.fused)
			}
		})
	}
}
