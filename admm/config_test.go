package admm

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/train"
)

func TestConfigErrors(t *testing.T) {
	g, _ := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	layers, _ := Layers(g)
	for _, c := range []struct{ yml, want string }{
		{"layers: {nosuch: {wbits: 4}, other: {}}", `no compressible layer named "nosuch", "other"`},
		{"defaults: {prune: {filter: 1.5}}", "ratio"},
		{"defaults: {prune: {rows: 0.5}}", "unknown sparsity type"},
		{"defaults: {wbits: 9}", "wbits 9"},
		{"defaults: {wbitz: 4}", "wbitz"},
		{"layers: {conv2: {prune: {block: 0.5}, tile: [4]}}", "tile"},
		// Everything Resolve checks before training, all at once.
		{"admm: {rho_growth: 0.5, batch: -5, lr: .nan, optimizer: rmsprop, updates: 2000000, act_bits: {fc9: 4, fc1: 40}}\ngeometry: {rows: 8}\nend_bits: 12",
			"9 problems:\n" +
				"  admm.optimizer \"rmsprop\": want sgd, nesterov or adam\n" +
				"  admm.lr NaN: want a finite value > 0\n" +
				"  admm.rho_growth 0.5: want a finite factor >= 1\n" +
				"  admm.updates 2000000: want 0 (the default) to 1000000\n" +
				"  admm.batch -5: want 0 (the default) or a positive count\n" +
				"  admm.act_bits.fc1 40: want 0 to 16 bits\n" +
				"  geometry: 8 activation bits leave no weight rows in a sub-array of 8 rows\n" +
				"  end_bits 12: want 0 (like the other layers) or 1..8\n" +
				"  admm.act_bits: no compressible layer named \"fc9\""},
		{"admm: {mode: fast}", `admm.mode "fast": want sequential or joint`},
		{"admm: {quant_retrain: soft}", `admm.quant_retrain "soft"`},
		{"admm: {act_scale: p99}", `admm.act_scale "p99"`},
		{"admm: {limit: -1}", "admm.limit -1"},
		{"admm: {epochs_per_update: -1}", "admm.epochs_per_update -1"},
		{"admm: {weight_decay: -0.1}", "admm.weight_decay -0.1"},
		{"admm: {distill: 1.5}", "admm.distill 1.5"},
		{"admm: {distill_t: .inf}", "admm.distill_t +Inf"},
		{"admm: {distill_teacher: t.onnx}", `admm.distill_teacher "t.onnx": want distill > 0 as well`},
		{"admm: {rho: .inf}", "admm.rho +Inf"},
		{"admm: {purify: 1}", "admm.purify 1"},
		{"admm: {calib_images: -3}", "admm.calib_images -3"},
		{"admm: {layerwise_iters: -3}", "admm.layerwise_iters -3"},
		{"admm: {layerwise_rho: -3}", "admm.layerwise_rho -3"},
		{"admm: {act_calib_every: -1}", "admm.act_calib_every -1"},
		{"geometry: {rows: -4}", "geometry: rows -4, cols 0, abits 0: want positive values"},
	} {
		cfg, err := ParseConfig([]byte(c.yml))
		if err == nil {
			_, err = cfg.Resolve(layers)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.yml, err, c.want)
		}
	}
	cfg, _ := ParseConfig([]byte("defaults: {prune: {block: 0.5}, wbits: 4}\nprune_first: true\nend_bits: 0\ngeometry: {rows: 128, cols: 64, abits: 4}"))
	specs, err := cfg.Resolve(layers)
	if err != nil {
		t.Fatal(err)
	}
	if p := specs["conv1"].Prunes; len(p) != 1 || p[0].TileRows != 6 || p[0].TileCols != 64 {
		t.Errorf("conv1 (prune_first) block tile %+v, want 6x64 (its 6 filters fit one sub-array of (128-4)/4 = 31 x 64 columns)", p)
	}
	if b := specs["fc3"].Bits; b != 4 {
		t.Errorf("end_bits 0: last layer has %d bits, want 4", b)
	}
}

// TestCompressJoint: joint mode ends exactly in both sets as well.
func TestCompressJoint(t *testing.T) {
	tr, te := mnist(t, 256, 128)
	g := pretrained(t, tr)
	res, specs := compressTest(t, g, tr, te, `
defaults: {prune: {column: 0.5}, wbits: 3}
admm: {mode: joint, updates: 2, quant_retrain_epochs: 1, batch: 32, rho: 0.01}
`, nil, nil)
	if err := CheckGraph(res.Graph, specs, nil); err != nil {
		t.Fatal(err)
	}
	if len(res.Log) != 3 || res.Log[0].Phase != phaseJointADMM || res.Log[2].Phase != phaseQuantFinal {
		t.Errorf("phases %+v", res.Log)
	}
	t.Logf("joint: accuracy %.3f -> %.3f", res.AccBefore, res.AccAfter)
}

// FuzzConfig feeds arbitrary YAML to ParseConfig and, when it parses, to
// Resolve against LeNet-5's layers: errors, never a panic, and a resolved
// spec is within the ranges Resolve promises (ratios in [0, 1), 1..8 bits).
func FuzzConfig(f *testing.F) {
	g, _ := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	layers, _ := Layers(g)
	for _, seed := range []string{
		"defaults: {prune: {filter: 0.5}, wbits: 4}\nlayers: {conv1: {prune: {}}, fc3: {wbits: 8}}",
		"admm: {rho: 0.001, rho_growth: 1.3, updates: 3, epochs_per_update: 1, optimizer: adam, act_bits: {fc1: 4}}\nend_bits: 8",
		"layers: {conv2: {prune: {block: 0.5}, tile: [4, 8]}}\ngeometry: {rows: 256, cols: 256}",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]",
		"defaults: {prune: {column: 0.25, channel: 0.5}, wbits: 2, ternary: true}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err != nil {
			return
		}
		specs, err := cfg.Resolve(layers)
		if err != nil {
			return
		}
		for name, sp := range specs {
			if sp.Bits < 0 || sp.Bits > 8 {
				t.Fatalf("layer %s: resolved to %d bits", name, sp.Bits)
			}
			for _, p := range sp.Prunes {
				if !(p.Ratio >= 0 && p.Ratio < 1) || p.TileRows < 0 || p.TileCols < 0 {
					t.Fatalf("layer %s: resolved to %v", name, p)
				}
			}
		}
	})
}
