package admm

import (
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
)

// TestAcceptanceConfigBound: issue 16's LeNet-5 acceptance configs store at
// least 80x fewer bits than float32 for any seed. The bound counts, per
// layer, the filters and columns its ratios keep (KeepCount) times its
// width, whatever groups training keeps (unused-path removal can only
// lower it); the header comment of each config does the same sum.
func TestAcceptanceConfigBound(t *testing.T) {
	dir := filepath.Join("..", "testdata", "models", "lenet5")
	g, err := frontend.Load(filepath.Join(dir, "lenet5.onnx"), frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := Layers(g)
	for _, c := range []struct {
		config string
		bits   int // the bound the header comment states
	}{{"admm-w4a4-val.yaml", 24432}, {"admm-w4a4-val-3bit.yaml", 24336}, {"admm-w4a4-val-3bit-best.yaml", 24336}, {"admm-w4a4-val-3bit-wd.yaml", 24336}} {
		cfg, err := ReadConfig(filepath.Join(dir, c.config))
		if err != nil {
			t.Fatal(err)
		}
		specs, err := cfg.Resolve(layers)
		if err != nil {
			t.Fatal(err)
		}
		bound, float := 0, 0
		for _, l := range layers {
			rows, cols := l.Shape.Rows, l.Shape.Cols
			float += 32 * rows * cols
			s := specs[l.Name]
			for _, p := range s.Prunes {
				switch p.Kind {
				case Filter:
					rows = KeepCount(rows, p.Ratio)
				case Column:
					cols = KeepCount(cols, p.Ratio)
				default:
					t.Fatalf("%s: %s pruning is not counted by this bound", c.config, p.Kind)
				}
			}
			if s.Bits == 0 {
				t.Fatalf("%s: layer %s stays float", c.config, l.Name)
			}
			bound += rows * cols * s.Bits
		}
		if bound != c.bits || float < 80*bound {
			t.Errorf("%s: at most %d stored bits of %d (%.1fx fewer), want the header's %d and >= 80x", c.config, bound, float, float64(float)/float64(bound), c.bits)
		}
	}
}
