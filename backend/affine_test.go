package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/target"
)

// TestAffineOnDevice: a batch norm after a concat (mul and add of
// per-channel constants, some scales negative, then ReLU), as DenseNet has
// it, becomes qaffine and runs on the device bit-exactly: one segment, no
// host op between the layers. More channels than DPU lanes exercise the
// per-chunk scale and bias vectors; a mul alone and an add alone (no ReLU,
// signed output) are affine maps too.
func TestAffineOnDevice(t *testing.T) {
	for _, wa := range []string{"wbits=8,abits=8", "wbits=4,abits=4,keep-ends=false"} {
		t.Run(wa, func(t *testing.T) {
			b := newGB(t, 8)
			x := b.input(1, 3, 6, 6)
			a := b.relu(b.conv(x, 40, 3, 1, 1, 1, 1))
			c := b.relu(b.conv(a, 36, 1, 1, 0, 1, 1))
			cat := b.op(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, a, c) // 76 channels > 64 lanes
			bn := b.op(ir.OpMul, nil, cat, b.rand(1.5, 76, 1, 1))           // scales in [-1.5, 1.5]
			bn = b.relu(b.op(ir.OpAdd, nil, bn, b.rand(0.5, 76, 1, 1)))
			y := b.conv(bn, 8, 3, 1, 1, 1, 1)
			m := b.op(ir.OpMul, nil, b.rand(2, 1, 8, 1, 1), y) // constant first, signed output
			o := b.op(ir.OpAdd, nil, m, b.rand(0.3, 8, 1, 1))
			gr, ins := b.finish(wa, b.op(ir.OpAdd, nil, b.rand(0.3, 8, 1, 1), y), o)
			res, _ := compileAndCheck(t, gr, target.Default(), ins...)
			n := 0
			for _, nd := range gr.Nodes {
				if nd.Op == ir.OpQAffine {
					n++
				}
			}
			if n != 3 || res.Segments != 1 || res.HostOps != 0 {
				t.Errorf("%d qaffine nodes, %d segments, %d host ops; want 3, 1, 0", n, res.Segments, res.HostOps)
			}
		})
	}
}
