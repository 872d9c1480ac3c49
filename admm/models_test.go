package admm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
)

// TestCommittedModels checks the compressed models shipped in
// testdata/models against the configs that made them: every constrained
// layer lies exactly in its constraint sets (as pimc compress guarantees),
// the structured pruning removes at least the factor the issue asks for,
// and the quantization record gives every quantized layer its width. The
// accuracy claims are documented runs (docs/RESULTS.md), not tests.
func TestCommittedModels(t *testing.T) {
	dir := filepath.Join("..", "testdata", "models")
	for _, c := range []struct {
		base, compressed, config string
		minFewer                 float64 // total weights / non-zero weights
	}{
		{"resnet-small-fashion-mnist.onnx", "resnet-small-fashion-mnist-admm5x.onnx", "resnet-small-admm5x.yaml", 5},
		{"lenet5/lenet5.onnx", "lenet5/lenet5-admm-w4a4.onnx", "lenet5/admm-w4a4.yaml", 10},
	} {
		t.Run(c.compressed, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, c.compressed)); err != nil {
				t.Fatalf("committed model missing: %v", err)
			}
			base, err := frontend.Load(filepath.Join(dir, c.base), frontend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := frontend.Load(filepath.Join(dir, c.compressed), frontend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ReadConfig(filepath.Join(dir, c.config))
			if err != nil {
				t.Fatal(err)
			}
			layers, _ := Layers(base)
			specs, err := cfg.Resolve(layers)
			if err != nil {
				t.Fatal(err)
			}
			orig := map[string]Shape{}
			total := 0
			for _, l := range layers {
				orig[l.Name] = l.Shape
				total += len(l.Weight.Const.F32)
			}
			if err := CheckGraph(out, specs, orig); err != nil {
				t.Fatalf("%s does not satisfy %s: %v", c.compressed, c.config, err)
			}
			kept := 0
			outLayers, _ := Layers(out)
			for _, l := range outLayers {
				for _, w := range l.Weight.Const.F32 {
					if w != 0 {
						kept++
					}
				}
			}
			fewer := float64(total) / float64(kept)
			t.Logf("%s: %d of %d weights non-zero (%.2fx fewer)", c.compressed, kept, total, fewer)
			if fewer < c.minFewer {
				t.Errorf("%d of %d weights non-zero: %.2fx fewer, want at least %gx", kept, total, fewer, c.minFewer)
			}
			rec, err := ReadRecord(out)
			if err != nil {
				t.Fatal(err)
			}
			if rec == nil {
				t.Fatalf("%s has no quantization record", c.compressed)
			}
			for name, sp := range specs {
				if sp.Bits == 0 {
					continue
				}
				lc := rec.Layers[name]
				if lc == nil || lc.WBits != sp.Bits {
					t.Errorf("layer %q: record %+v, want %d-bit codes", name, lc, sp.Bits)
				}
			}
		})
	}
}
