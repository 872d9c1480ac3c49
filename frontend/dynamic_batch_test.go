package frontend

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
)

// TestDynamicBatchInputs: a graph input whose dimension 0 is symbolic,
// unknown or negative is marked DynamicBatch (also when -shape pins it); a
// fixed one is not; Export writes a marked input's dimension 0 back as the
// symbolic "N", so a round trip keeps the mark.
func TestDynamicBatchInputs(t *testing.T) {
	b := newModel(13).input("dyn", onnxFloat, -1, 3).input("fixed", onnxFloat, 1, 3).input("pinned", onnxFloat, -1, 3).
		node("Add", "a", s("dyn", "fixed"), s("y")).node("Add", "b", s("y", "pinned"), s("z")).output("z")
	// An unknown dimension (neither value nor name) and a negative value.
	unk := newModel(13).input("u", onnxFloat, 1, 3).input("neg", onnxFloat, 1, 3).node("Add", "a", s("u", "neg"), s("y")).output("y")
	unk.m.Graph.Input[0].GetType().GetTensorType().GetShape().GetDim()[0].Value = nil
	unk.m.Graph.Input[1].GetType().GetTensorType().GetShape().GetDim()[0].GetValue().(*onnx.TensorShapeProto_Dimension_DimValue).DimValue = -1
	for _, c := range []struct {
		m    *modelBuilder
		opt  Options
		want map[string]bool
	}{
		{b, Options{}, map[string]bool{"dyn": true, "fixed": false, "pinned": true}},
		{b, Options{Shapes: map[string][]int{"pinned": {1, 3}}}, map[string]bool{"dyn": true, "fixed": false, "pinned": true}},
		{unk, Options{}, map[string]bool{"u": true, "neg": true}},
	} {
		g := c.m.mustImport(t, c.opt)
		for _, v := range g.Inputs {
			if v.DynamicBatch != c.want[v.Name] {
				t.Errorf("input %q: DynamicBatch %v, want %v", v.Name, v.DynamicBatch, c.want[v.Name])
			}
		}
		m, err := Export(g, ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, vi := range m.GetGraph().GetInput() {
			d := vi.GetType().GetTensorType().GetShape().GetDim()[0]
			if sym := d.GetDimParam() == "N"; sym != g.Inputs[i].DynamicBatch {
				t.Errorf("exported input %q: dimension 0 is %v, DynamicBatch %v", vi.GetName(), d, g.Inputs[i].DynamicBatch)
			}
		}
		g2 := roundTrip(t, g)
		for i, v := range g2.Inputs {
			if v.DynamicBatch != g.Inputs[i].DynamicBatch {
				t.Errorf("re-imported input %q: DynamicBatch %v, want %v", v.Name, v.DynamicBatch, g.Inputs[i].DynamicBatch)
			}
		}
	}
}
