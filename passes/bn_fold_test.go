package passes

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

func TestBNFoldIntoConv(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 6, 6)
	c1 := b.conv2d(x, 4, 3, true)
	bn1 := b.batchNorm(c1)
	r := b.node(ir.OpRelu, nil, bn1)
	c2 := b.conv2d(r, 5, 1, false) // no bias: fold creates one
	bn2 := b.batchNorm(c2)         // graph output: its name must survive
	g := b.output(bn2)
	outName := bn2.Name
	w1 := g.Nodes[0].Inputs[1]
	w1Before := w1.Const.Clone()

	m := checkPipeline(t, g, "bn-fold,dce")
	if c := countOps(g); c[ir.OpBatchNorm] != 0 || c[ir.OpMul] != 0 || c[ir.OpConv] != 2 {
		t.Errorf("ops after: %v", c)
	}
	if g.Outputs[0].Name != outName || g.Outputs[0].Def.Op != ir.OpConv {
		t.Errorf("output is %q defined by %v", g.Outputs[0].Name, g.Outputs[0].Def.Op)
	}
	if !tensor.Equal(w1.Const, w1Before) {
		t.Error("bn-fold mutated the original weight payload")
	}
	if nw := g.Nodes[0].Inputs[1]; nw == w1 || nw.Name != "w1.bn" {
		t.Errorf("folded weight is %q (same value: %v)", nw.Name, nw == w1)
	}
	if got := m.Stats().Get("bn-fold", "folded into conv"); got != 2 {
		t.Errorf("folded %d, want 2", got)
	}
	checkIdempotent(t, g, "bn-fold,dce")
}

// A conv weight shared by two convs, each followed by a batch_norm: each
// gets its own new weight; the shared one is untouched.
func TestBNFoldSharedWeight(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 5, 5)
	w := b.randConst("w", -1, 1, 3, 2, 3, 3)
	attrs := ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(1, 1, 1, 1), "dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1)}
	y1 := b.batchNorm(b.node(ir.OpConv, attrs, x, w))
	y2 := b.batchNorm(b.node(ir.OpConv, attrs, x, w))
	g := b.output(y1, y2)
	before := w.Const.Clone()
	checkPipeline(t, g, "bn-fold,dce")
	if !tensor.Equal(w.Const, before) {
		t.Error("shared weight mutated")
	}
	w1, w2 := g.Nodes[0].Inputs[1], g.Nodes[1].Inputs[1]
	if w1 == w2 || w1.Name == w2.Name {
		t.Errorf("folded weights %q and %q not distinct", w1.Name, w2.Name)
	}
}

// Batch norms that cannot fold become mul+add: the conv output is also
// used elsewhere, the input is a graph input (ranks 2, 3 and 4), the conv
// weight is not constant.
func TestBNLowerToMulAdd(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 4, 4)
	c := b.conv2d(x, 3, 3, true)
	y1 := b.batchNorm(c)
	y2 := b.node(ir.OpRelu, nil, c) // second user of c
	y3 := b.batchNorm(x)
	v := b.input("v", 2, 5)
	y4 := b.batchNorm(v)
	l := b.input("l", 2, 3, 7)
	y5 := b.batchNorm(l)
	wIn := b.input("w_in", 2, 3, 1, 1)
	cw := b.node(ir.OpConv, ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(0, 0, 0, 0), "dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1)}, x, wIn)
	y6 := b.batchNorm(cw)
	g := b.output(y1, y2, y3, y4, y5, y6)
	m := checkPipeline(t, g, "bn-fold,dce")
	if cnt := countOps(g); cnt[ir.OpBatchNorm] != 0 || cnt[ir.OpMul] != 5 || cnt[ir.OpAdd] != 5 {
		t.Errorf("ops after: %v", cnt)
	}
	if got := m.Stats().Get("bn-fold", "lowered to mul+add"); got != 5 {
		t.Errorf("lowered %d, want 5", got)
	}
	for i, o := range g.Outputs {
		if o.Name == "" {
			t.Errorf("output %d lost its name", i)
		}
	}
}

// gemm (+ 1-D batch_norm, as in PyTorch exports of Linear+BatchNorm1d)
// folds into one fc.
func TestBNFoldGemm(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 3, 6)
	wt := b.randConst("fc.weight", -1, 1, 4, 6)
	bias := b.randConst("fc.bias", -1, 1, 4)
	y := b.node(ir.OpGemm, ir.Attrs{"alpha": ir.FloatAttr(1), "beta": ir.FloatAttr(1), "trans_b": ir.IntAttr(1)}, x, wt, bias)
	g := b.output(b.batchNorm(y))
	checkPipeline(t, g, "bn-fold,dce")
	if c := countOps(g); len(g.Nodes) != 1 || c[ir.OpFC] != 1 {
		t.Errorf("ops after: %v\n%s", c, g)
	}
}

// A batch_norm with a non-constant parameter stays, and canonicalize
// names it.
func TestBNNonConstant(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 3, 3)
	mean := b.input("mean", 2)
	y := b.node(ir.OpBatchNorm, nil, x, b.randConst("s", 1, 2, 2), b.randConst("b", 0, 1, 2), mean, b.randConst("v", 1, 2, 2))
	g := b.output(y)
	m := checkPipeline(t, g, "bn-fold")
	if m.Stats().Get("bn-fold", "batch_norms kept") != 1 || countOps(g)[ir.OpBatchNorm] != 1 {
		t.Error("non-constant batch_norm not kept")
	}
	err := NewManager().RunString(g, "canonicalize")
	if err == nil || !strings.Contains(err.Error(), `batch_norm "batch_norm_1"`) || !strings.Contains(err.Error(), "pass canonical-stage") {
		t.Errorf("canonicalize error: %v", err)
	}
	if g.Stage != ir.StageImport {
		t.Error("stage changed despite the error")
	}
}

// A batch_norm after the last ReLU, before the classifier (burn's MNIST
// CNN): folded into the fc's columns through the flatten; a 2-D one into
// the next fc directly.
func TestBNFoldIntoNextFC(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 3, 3)
	h := b.node(ir.OpRelu, nil, b.conv2d(x, 4, 3, true))
	h = b.batchNorm(h)
	h = b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, h) // [1, 36]
	h = b.node(ir.OpGemm, ir.Attrs{"trans_b": ir.IntAttr(1)}, h, b.randConst("fc1.w", -1, 1, 5, 36), b.randConst("fc1.b", -1, 1, 5))
	h = b.batchNorm(b.node(ir.OpRelu, nil, h))
	h = b.node(ir.OpGemm, nil, h, b.randConst("fc2.w", -1, 1, 5, 3)) // no bias: the fold adds one
	g := b.output(h)
	m := checkPipeline(t, g, "bn-fold,dce")
	if c := countOps(g); c[ir.OpBatchNorm]+c[ir.OpMul]+c[ir.OpAdd]+c[ir.OpGemm] != 0 || c[ir.OpFC] != 2 {
		t.Errorf("ops after: %v\n%s", c, g)
	}
	if got := m.Stats().Get("bn-fold", "folded into the next fc"); got != 2 {
		t.Errorf("folded %d into the next fc, want 2", got)
	}
	checkIdempotent(t, g, "bn-fold,dce")

	// The flattened value has a second reader: lowered instead.
	b = newBuilder(t)
	x = b.input("x", 1, 2, 2, 2)
	f := b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 8)}, b.batchNorm(x))
	y := b.node(ir.OpFC, nil, f, b.randConst("w", -1, 1, 3, 8))
	g = b.output(y, f)
	checkPipeline(t, g, "bn-fold,dce")
	if c := countOps(g); c[ir.OpMul] != 1 || c[ir.OpAdd] != 1 {
		t.Errorf("ops after: %v", c)
	}
}
