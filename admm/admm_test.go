package admm

import (
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/train"
)

// mnist returns the first images of MNIST, skipping the test when the
// GoMNIST module is not downloaded (failing with PIMC_REQUIRE_CORPUS=1).
func mnist(t *testing.T, ntrain, ntest int) (*data.Dataset, *data.Dataset) {
	t.Helper()
	tr, te := testcorpus.Dataset(t, data.MNIST, data.Load)
	return tr.Head(ntrain), te.Head(ntest)
}

// pretrained returns a LeNet-5 trained briefly on tr (deterministic).
func pretrained(t *testing.T, tr *data.Dataset) *ir.Graph {
	t.Helper()
	g, err := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train.Fit(m, tr, nil, train.Config{Epochs: 3, Batch: 32, Seed: 1, Schedule: train.Constant(0.05)}); err != nil {
		t.Fatal(err)
	}
	return m.Graph()
}

const admmTestConfig = `
defaults: {prune: {filter: 0.25, column: 0.5}, wbits: 4}
layers:
  fc1: {prune: {filter: 0.5, channel: 0.25}}
admm: {updates: 2, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, batch: 32, lr: 0.02}
`

func compressTest(t *testing.T, g *ir.Graph, tr, te *data.Dataset, yml string, resume *State, ckpt func(*State) error) (*Result, map[string]Spec) {
	t.Helper()
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := Layers(g)
	specs, err := cfg.Resolve(layers)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compress(g, Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Test: te, Resume: resume, Checkpoint: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	return res, specs
}

// TestCompressShortRun checks the mechanics of a short ADMM run on a few
// hundred MNIST images: constraints hold exactly at the end, accuracy is
// above chance, and the run is deterministic and resumable bit for bit.
func TestCompressShortRun(t *testing.T) {
	tr, te := mnist(t, 384, 256)
	g := pretrained(t, tr)
	var states [][]byte
	res, specs := compressTest(t, g, tr, te, admmTestConfig, nil, func(st *State) error {
		b, err := EncodeState(st)
		states = append(states, b)
		return err
	})
	t.Logf("accuracy %.3f -> %.3f, %d epochs", res.AccBefore, res.AccAfter, len(res.Log))
	if err := CheckGraph(res.Graph, specs, nil); err != nil {
		t.Fatalf("constraints not exact: %v", err)
	}
	if res.AccAfter < 0.3 {
		t.Errorf("accuracy %.3f after compression, want above chance (0.1) by a margin", res.AccAfter)
	}
	if len(res.Log) != 2+1+1+1 || len(states) != len(res.Log) {
		t.Errorf("%d epochs and %d checkpoints, want 5 each", len(res.Log), len(states))
	}
	// Exact structure: conv2 keeps 12 of 16 filters, half its columns.
	for _, l := range mustLayers(res.Graph) {
		sp := specs[l.Name]
		for _, p := range sp.Prunes {
			kept, total, _ := GroupsKept(l.Weight.Const.F32, l.Shape, p)
			if kept > KeepCount(total, p.Ratio) {
				t.Errorf("%s %v: %d groups kept of %d", l.Name, p, kept, total)
			}
		}
		if sp.Bits > 0 && res.Codes[l.Name] == nil {
			t.Errorf("%s: no codes", l.Name)
		}
	}
	if sp := specs["conv1"]; len(sp.Prunes) != 0 || sp.Bits != 8 {
		t.Errorf("conv1 spec %+v: want unpruned 8 bits", sp)
	}
	full, _ := compressTest(t, g, tr, te, admmTestConfig, nil, nil)
	sameConsts(t, res.Graph, full.Graph)
	// Determinism, and resuming from the checkpoint after epoch 2 gives the
	// same model.
	st, err := DecodeState(states[1])
	if err != nil {
		t.Fatal(err)
	}
	res2, _ := compressTest(t, g, tr, te, admmTestConfig, st, nil)
	sameConsts(t, res.Graph, res2.Graph)
	if res2.AccAfter != res.AccAfter {
		t.Errorf("resumed run accuracy %v, want %v", res2.AccAfter, res.AccAfter)
	}
	// The last checkpoint (after the last epoch, before the output is
	// written) resumes to the same model without training.
	last, err := DecodeState(states[len(states)-1])
	if err != nil {
		t.Fatal(err)
	}
	res3, _ := compressTest(t, g, tr, te, admmTestConfig, last, nil)
	sameConsts(t, res.Graph, res3.Graph)
	if len(res3.Log) != len(res.Log) {
		t.Errorf("resuming from the end: %d epochs logged, want %d", len(res3.Log), len(res.Log))
	}
}

func mustLayers(g *ir.Graph) []*Layer {
	l, _ := Layers(g)
	return l
}

func sameConsts(t *testing.T, a, b *ir.Graph) {
	t.Helper()
	if len(a.Consts) != len(b.Consts) {
		t.Fatalf("%d vs %d constants", len(a.Consts), len(b.Consts))
	}
	for i := range a.Consts {
		if x, y := a.Consts[i].Const, b.Consts[i].Const; x != nil && !slices.Equal(x.F32, y.F32) {
			t.Fatalf("constant %q differs", a.Consts[i].Name)
		}
	}
}

// TestCompressPurify: with purify 0.6 every filter, channel and column
// whose norm is at most 0.6 x the largest of its kind in the layer is
// dropped at the hard prune, so groups are zero beyond what the ratios
// require, and the constraints still hold exactly.
func TestCompressPurify(t *testing.T) {
	tr, te := mnist(t, 256, 128)
	g := pretrained(t, tr)
	yml := `
defaults: {prune: {filter: 0.25}}
admm: {updates: 1, retrain_epochs: 1, batch: 32, purify: 0.6}
`
	res, specs := compressTest(t, g, tr, te, yml, nil, nil)
	if err := CheckGraph(res.Graph, specs, nil); err != nil {
		t.Fatal(err)
	}
	extra := 0
	for _, l := range mustLayers(res.Graph) {
		if len(specs[l.Name].Prunes) == 0 {
			continue
		}
		for _, k := range []Kind{Filter, Column} {
			kept, total, _ := GroupsKept(l.Weight.Const.F32, l.Shape, Prune{Kind: k})
			if k == Filter {
				total = KeepCount(total, 0.25)
			}
			extra += total - kept
		}
	}
	if extra == 0 {
		t.Error("purify 0.6 dropped no filter or column beyond the ratios")
	}
}
