package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/target"
)

// TestTransposedOutputPort: a device value seen through a reshape and a
// transpose as a graph output is copied into its port after the last node;
// its buffer stays allocated until then (a transposed view keeps its
// buffer live), so the port does not land on the words it copies from
// (PaddleOCR's recogniser: a CTC head reading [N,C,W] as [N,W,C]).
func TestTransposedOutputPort(t *testing.T) {
	b := newGB(t, 6)
	x := b.input(1, 8, 1, 12)
	y := b.relu(b.conv(x, 70, 1, 1, 0, 1, 1)) // 70 channels: two lane chunks
	r := b.op(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 70, 12)}, y)
	tr := b.op(ir.OpTranspose, ir.Attrs{"perm": ir.IntsAttr(0, 2, 1)}, r)
	gr, ins := b.finish("wbits=8,abits=8", tr)
	compileAndCheck(t, gr, target.Default(), ins...)
}
