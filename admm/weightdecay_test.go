package admm

import (
	"math"
	"strings"
	"testing"
)

// weightDecayConfig is a hard prune and one epoch of masked retraining
// (float weights, so the result is the retrained weights themselves).
const weightDecayConfig = `
defaults: {prune: {filter: 0.25, column: 0.5}}
admm: {updates: 0, retrain_epochs: 1, quant_updates: 0, quant_retrain_epochs: 0, batch: 32, lr: 0.05, weight_decay: 0}
`

// TestWeightDecayReachesRetraining: the config's weight_decay acts in
// compression's training (issue 16's s9 acceptance config differs from
// s8's only by it): with the same seed, data order and masks, a large
// decay leaves the kept weights of every constrained layer with a smaller
// norm than no decay, and the masks (the pruned groups) are the same.
func TestWeightDecayReachesRetraining(t *testing.T) {
	tr, _ := mnist(t, 320, 0)
	g := pretrained(t, tr)
	run := func(yml string) *Result {
		t.Helper()
		res, err := Compress(g, Options{Specs: mustSpecs(t, g, yml), Hyper: mustHyper(t, yml), Train: tr})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	plain := run(weightDecayConfig)
	decayed := run(strings.Replace(weightDecayConfig, "weight_decay: 0", "weight_decay: 0.5", 1))
	for _, l := range mustLayers(g) {
		a, b := constF32(t, plain, l.Weight.Name), constF32(t, decayed, l.Weight.Name)
		var na, nb float64
		for i := range a {
			if (a[i] == 0) != (b[i] == 0) {
				t.Fatalf("%s: weight %d pruned in one run only (%v, %v): the masks must not depend on weight_decay", l.Name, i, a[i], b[i])
			}
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		na, nb = math.Sqrt(na), math.Sqrt(nb)
		t.Logf("%s: |W| %.4f without decay, %.4f with weight_decay 0.5", l.Name, na, nb)
		if !(nb < 0.95*na) {
			t.Errorf("%s: |W| %.4f with weight_decay 0.5, %.4f without: the decay did not reach masked retraining", l.Name, nb, na)
		}
	}
}

// mustHyper is the admm: section of the config yml.
func mustHyper(t *testing.T, yml string) Hyper {
	t.Helper()
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.ADMM
}

// constF32 is the float32 constant named name in res.Graph.
func constF32(t *testing.T, res *Result, name string) []float32 {
	t.Helper()
	for _, v := range res.Graph.Consts {
		if v.Name == name && v.Const != nil {
			return v.Const.F32
		}
	}
	t.Fatalf("no constant %q in the compressed graph", name)
	return nil
}
