package admm

import (
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/train"
)

// TestRecordSurvivesExportAndQuantize: a compressed model written as ONNX
// keeps its pimc.quant record, and the quantize pass (after canonicalize,
// whatever wbits it is asked for) maps exactly the recorded codes: every
// integer weight times its scale is the compressed float weight.
func TestRecordSurvivesExportAndQuantize(t *testing.T) {
	g, err := train.Build("lenet5", []int{1, 28, 28}, 10, 7)
	if err != nil {
		t.Fatal(err)
	}
	specs, _ := testSpecs(t, g, `
defaults: {prune: {filter: 0.25, column: 0.4}, wbits: 3}
layers:
  fc1: {prune: {filter: 0.5}, wbits: 1}
  fc3: {prune: {column: 0.5}}
`)
	samples := lenetSamples(8, 2)
	cg, _, err := Layerwise(g, specs, samples, Hyper{LayerwiseIters: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RemoveUnusedPaths(cg); err != nil {
		t.Fatal(err)
	}
	bits := map[string]int{}
	for k, s := range specs {
		bits[k] = s.Bits
	}
	if err := Record(cg, bits); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.onnx")
	if err := frontend.Save(path, cg, frontend.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := frontend.Load(path, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ReadRecord(back)
	if err != nil || rec == nil {
		t.Fatalf("record lost: %v", err)
	}
	if got := rec.Layers["fc1"].WBits; got != 2 {
		t.Errorf("binary fc1 with pruned weights recorded with %d bits, want 2 ({-1, 0, +1})", got)
	}
	want := map[string][]float32{}
	for _, l := range mustLayers(back) {
		want[l.Name] = l.Weight.Const.F32
	}
	q := ir.Clone(back)
	if err := passes.NewManager().RunString(q, "canonicalize,quantize{wbits=8,calib=random:2}"); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, n := range q.Nodes {
		if n.Op != ir.OpQConv && n.Op != ir.OpQFC {
			continue
		}
		seen++
		r := rec.Layers[n.Name]
		w := n.Input(1)
		if r == nil {
			t.Errorf("%s: not recorded", n.Name)
			continue
		}
		if w.Quant.Bits != r.WBits {
			t.Errorf("%s: quantized to %d bits, recorded %d", n.Name, w.Quant.Bits, r.WBits)
		}
		f := want[n.Name]
		per := len(f) / len(r.Alpha)
		for i, c := range w.Const.I64 {
			s := w.Quant.Scale[i/per]
			if got := float64(c) * float64(s); abs(got-float64(f[i])) > 1e-6*abs(float64(f[i])) {
				t.Fatalf("%s: weight %d: code %d x scale %g = %g, compressed weight %g", n.Name, i, c, s, got, f[i])
			}
		}
	}
	if seen != 5 {
		t.Errorf("%d integer matrix layers, want 5", seen)
	}
	// requantize ignores the record: conv2 then gets 8 bits.
	q2 := ir.Clone(back)
	if err := passes.NewManager().RunString(q2, "canonicalize,quantize{wbits=8,calib=random:2,weights=requantize}"); err != nil {
		t.Fatal(err)
	}
	for _, n := range q2.Nodes {
		if n.Name == "conv2" && n.Input(1).Quant.Bits != 8 {
			t.Errorf("weights=requantize: conv2 has %d bits", n.Input(1).Quant.Bits)
		}
	}
}
