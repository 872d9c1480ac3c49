package passes

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

func constFoldGraph(t *testing.T) *ir.Graph {
	b := newBuilder(t)
	x := b.input("x", 2, 3)
	c1 := b.randConst("c1", -1, 1, 3)
	c2 := b.randConst("c2", -1, 1, 3)
	sum := b.node(ir.OpAdd, nil, c1, c2)
	scale := b.node(ir.OpMul, nil, sum, b.constF32("two", []float32{2}))
	y := b.node(ir.OpMul, nil, x, scale)
	shp := b.constI64("shape", []int64{2, 3}, 2)
	fill := b.node(ir.OpConstantOfShape, ir.Attrs{"value": ir.TensorAttr(tensor.FromF32([]float32{0.25}, 1))}, shp)
	z := b.node(ir.OpAdd, nil, y, fill)
	s := b.node(ir.OpShape, ir.Attrs{"start": ir.IntAttr(0), "end": ir.IntAttr(2)}, x) // folded from the static type
	return b.output(z, s)
}

func TestConstantFold(t *testing.T) {
	g := constFoldGraph(t)
	outName := g.Outputs[1].Name
	m := checkPipeline(t, g, "constant-fold,dce")
	if c := countOps(g); len(g.Nodes) != 2 || c[ir.OpMul] != 1 || c[ir.OpAdd] != 1 {
		t.Errorf("ops after folding: %v\n%s", c, g)
	}
	if s := g.Outputs[1]; !s.IsConst() || s.Name != outName || !tensor.Equal(s.Const, tensor.FromI64(tensor.Int64, []int64{2, 3}, 2)) {
		t.Errorf("shape output: %+v", s)
	}
	if got := m.Stats().Get("constant-fold", "nodes folded"); got != 4 {
		t.Errorf("folded %d nodes, want 4", got)
	}
	checkIdempotent(t, g, "constant-fold,dce")
}

func TestConstantFoldMaxElems(t *testing.T) {
	g := constFoldGraph(t)
	checkPipeline(t, g, "constant-fold{max-elems=5},dce")
	if c := countOps(g); c[ir.OpConstantOfShape] != 1 {
		t.Errorf("constant_of_shape of 6 elements folded despite max-elems=5: %v", c)
	}
	_, err := Parse("constant-fold{max-elems=-1}")
	if err == nil || !strings.Contains(err.Error(), "want >= 0") {
		t.Errorf("negative max-elems: %v", err)
	}
}
