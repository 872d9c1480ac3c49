package passes

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// Caffe-converted models: conv -> mul -> add by per-channel constants (a
// Scale layer) folds into the conv; concat -> bn -> mul -> add (lowered
// batch norm plus Scale) collapses to one mul and one add.
func TestAffineFold(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 4, 4)
	c := b.conv2d(x, 4, 3, false)
	h := b.node(ir.OpMul, nil, c, b.randConst("s1", 0.5, 2, 4, 1, 1))
	h = b.node(ir.OpAdd, nil, b.randConst("t1", -1, 1, 1, 4, 1, 1), h) // constant first
	h = b.node(ir.OpRelu, nil, h)
	cat := b.node(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, h, x) // 7 channels
	h = b.batchNorm(cat)
	h = b.node(ir.OpMul, nil, h, b.randConst("s2", 0.5, 2, 7, 1, 1))
	h = b.node(ir.OpAdd, nil, h, b.randConst("t2", -1, 1, 7, 1, 1))
	h = b.node(ir.OpMul, nil, h, b.constF32("half", []float32{0.5})) // scalar
	y := b.node(ir.OpRelu, nil, h)
	// Not per-channel: varies along the width.
	z := b.node(ir.OpAdd, nil, y, b.randConst("row", -1, 1, 1, 1, 4))
	g := b.output(z)

	m := checkPipeline(t, g, "bn-fold,affine-fold,dce")
	cnt := countOps(g)
	if cnt[ir.OpMul] != 1 || cnt[ir.OpAdd] != 2 || cnt[ir.OpConv] != 1 {
		t.Errorf("ops after: %v\n%s", cnt, g)
	}
	if got := m.Stats().Get("affine-fold", "folded into conv"); got != 2 {
		t.Errorf("folded %d into the conv, want 2", got)
	}
	checkIdempotent(t, g, "bn-fold,affine-fold,dce")
}

// Affine ops the pass must leave alone: the conv output has a second
// reader, the constant would broadcast the value to a larger shape, the
// operand is not constant.
func TestAffineFoldKeeps(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 3, 3)
	c := b.conv2d(x, 2, 1, true)
	y1 := b.node(ir.OpMul, nil, c, b.randConst("s", 0.5, 2, 2, 1, 1))
	y2 := b.node(ir.OpRelu, nil, c)
	v := b.input("v", 2, 1)
	y3 := b.node(ir.OpAdd, nil, v, b.randConst("grow", -1, 1, 2, 5)) // broadcasts [2,1] to [2,5]
	y4 := b.node(ir.OpMul, nil, x, b.input("k", 2, 1, 1))
	g := b.output(y1, y2, y3, y4)
	checkPipeline(t, g, "affine-fold")
	if cnt := countOps(g); cnt[ir.OpMul] != 2 || cnt[ir.OpAdd] != 1 {
		t.Errorf("ops after: %v", cnt)
	}
}
