package passes

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestConstantFoldRespectsTheValueLimit: a constant_of_shape whose result
// is above ir.Limits (a graph typed under other limits, or built without
// shape inference) is refused by the interpreter before it allocates, so
// folding never materializes it.
func TestConstantFoldRespectsTheValueLimit(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 1024)
	shp := b.constI64("shape", []int64{1024, 1024}, 2)
	fill := b.node(ir.OpConstantOfShape, ir.Attrs{"value": ir.TensorAttr(tensor.FromF32([]float32{1}, 1))}, shp)
	fill.Def.Name = "ConstantOfShape_0"
	g := b.output(b.node(ir.OpMatMul, nil, x, fill))
	prev := ir.SetLimits(ir.Limits{ValueBytes: 1 << 20})
	defer ir.SetLimits(prev)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := (&constantFold{}).Run(&Context{pass: "constant-fold"}, g)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), `node "ConstantOfShape_0" (constant_of_shape): output f32[1024,1024] is 4 MiB, above the 1 MiB limit (-max-value-bytes)`) {
		t.Errorf("constant-fold = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("constant-fold allocated %d bytes before refusing", n)
	}
	if fill.IsConst() {
		t.Error("the refused node was folded")
	}
}

func init() {
	Register(&Info{
		Name: "test-grow", Summary: "adds a 4 KiB constant", Produces: SameStage,
		New: func(Options) (Pass, error) {
			return PassFunc(func(_ *Context, g *ir.Graph) (bool, error) {
				g.AddConst("grown", tensor.New(tensor.Float32, 1024))
				return true, nil
			}), nil
		},
	})
}

// TestManagerChecksSizesAfterEveryPass: a pass that takes the graph above
// the total limit stops the pipeline with the limit named, as a resource
// limit and not as a broken pass (no IR dump is written).
func TestManagerChecksSizesAfterEveryPass(t *testing.T) {
	g := smallGraph(t)
	prev := ir.SetLimits(ir.Limits{TotalBytes: 4 << 10})
	defer ir.SetLimits(prev)
	m := NewManager()
	m.DumpDir, m.Files = t.TempDir(), outfile.Disk{}
	err := m.RunString(g, "identity-elim,test-grow,dce")
	want := `passes: after pass test-grow: constant "grown": f32[1024] brings the values of the graph to 4.2 KiB, above the 4 KiB total limit (-max-total-bytes)`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if ents, _ := os.ReadDir(m.DumpDir); len(ents) != 0 {
		t.Errorf("dumps written: %v", ents)
	}
	ir.SetLimits(ir.Limits{TotalBytes: 256})
	if err := NewManager().RunString(smallGraph(t), "dce"); err == nil || !strings.Contains(err.Error(), "passes: the input graph: ") {
		t.Errorf("input graph above the limit: %v", err)
	}
}
