package admm

import (
	"math"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/train"
)

// TestZeroMeansZero: a written 0 of updates, retrain_epochs, quant_updates,
// quant_retrain_epochs and rho is zero, an absent key the default, and a
// written 0 of a field whose zero means nothing is an error.
func TestZeroMeansZero(t *testing.T) {
	cfg, err := ParseConfig([]byte("admm: {updates: 0, retrain_epochs: 0, quant_updates: 0, quant_retrain_epochs: 0, rho: 0}"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := cfg.ADMM.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if h.Updates != 0 || h.Retrain != 0 || h.QuantUpdates != 0 || h.QuantRetrain != 0 || h.Rho != 0 {
		t.Errorf("written zeros became %d, %d, %d, %d, rho %g", h.Updates, h.Retrain, h.QuantUpdates, h.QuantRetrain, h.Rho)
	}
	if p := plan(h, true, true); len(p) != 4 || p[0].epochs+p[1].epochs+p[2].epochs+p[3].epochs != 0 {
		t.Errorf("plan of zero epochs: %+v", p)
	}
	cfg, _ = ParseConfig([]byte("admm: {lr: 0.02}"))
	h, _ = cfg.ADMM.withDefaults()
	if h.Updates != 4 || h.Retrain != 2 || h.QuantUpdates != 3 || h.QuantRetrain != 1 || h.Rho != 1e-3 {
		t.Errorf("absent keys became %d, %d, %d, %d, rho %g; want the defaults 4, 2, 3, 1, 1e-3", h.Updates, h.Retrain, h.QuantUpdates, h.QuantRetrain, h.Rho)
	}
	g, _ := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	layers, _ := Layers(g)
	cfg, _ = ParseConfig([]byte("admm: {lr: 0, batch: 0, epochs_per_update: 0, updates: 0}"))
	_, err = cfg.Resolve(layers)
	for _, want := range []string{"admm.lr 0: want a positive value", "admm.batch 0", "admm.epochs_per_update 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "admm.updates") {
		t.Errorf("updates: 0 is allowed, error %v", err)
	}
}

// TestDualRescaledWithRho: the U-step adds W - Z and rescales U by
// rho_old/rho_new, so that the unscaled dual rho x U is continuous.
func TestDualRescaledWithRho(t *testing.T) {
	b := &bound{z: []float32{1, 0}, u: []float32{0.5, -0.25}, rho: 0.02}
	b.dualStep([]float32{1.5, 0.25}, 2, 1)
	if b.rho != 0.04 {
		t.Fatalf("rho %g, want 0.04", b.rho)
	}
	for i, want := range []float32{(0.5 + 0.5) / 2, (-0.25 + 0.25) / 2} {
		if math.Abs(float64(b.u[i]-want)) > 1e-7 {
			t.Errorf("u[%d] = %g, want %g", i, b.u[i], want)
		}
	}
	b = &bound{z: []float32{0}, u: []float32{1}, rho: 0.5}
	b.dualStep([]float32{1}, 4, 1) // capped at 1: factor 0.5
	if b.rho != 1 || b.u[0] != 1 {
		t.Errorf("capped: rho %g u %g, want 1 and (1+1)*0.5 = 1", b.rho, b.u[0])
	}
}

// TestWithMethod: the baselines keep the epoch budget, skip the pruning
// ADMM and (l1) rank by the L1 norm; unknown methods are errors.
func TestWithMethod(t *testing.T) {
	cfg, _ := ParseConfig([]byte("defaults: {prune: {filter: 0.5}, wbits: 4}\nadmm: {updates: 3, epochs_per_update: 2, retrain_epochs: 1}"))
	g, _ := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	layers, _ := Layers(g)
	specs, err := cfg.Resolve(layers)
	if err != nil {
		t.Fatal(err)
	}
	epochs := func(h Hyper) int {
		h, err := h.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range plan(h, true, true) {
			n += p.epochs
		}
		return n
	}
	for _, m := range Methods {
		sp, h, err := WithMethod(m, specs, cfg.ADMM)
		if err != nil {
			t.Fatal(err)
		}
		if epochs(h) != epochs(cfg.ADMM) {
			t.Errorf("%s: %d epochs, want %d (the same budget)", m, epochs(h), epochs(cfg.ADMM))
		}
		if m != MethodADMM && (h.Updates != 0 || h.Retrain != 7) {
			t.Errorf("%s: updates %d, retrain %d; want 0 and 1 + 3x2", m, h.Updates, h.Retrain)
		}
		if l1 := sp["fc1"].Prunes[0].L1; l1 != (m == MethodL1) {
			t.Errorf("%s: fc1 L1 %v", m, l1)
		}
	}
	if cfg.ADMM.Given["updates"] && cfg.ADMM.Updates != 3 {
		t.Error("WithMethod changed its argument")
	}
	if _, _, err := WithMethod("random", specs, cfg.ADMM); err == nil || !strings.Contains(err.Error(), "admm, magnitude or l1") {
		t.Errorf("unknown method: error %v", err)
	}
}

// TestProjectPruneL1: the L1 criterion keeps the group with the larger sum
// of magnitudes where the L2 norm keeps the one with the larger peak.
func TestProjectPruneL1(t *testing.T) {
	s := Shape{Rows: 2, Cols: 3, Spatial: 1}
	v := []float32{0.6, 0.6, 0.6, 1.2, 0, 0} // row 0: L1 1.8, L2^2 1.08; row 1: L1 1.2, L2^2 1.44
	dst := make([]float32, 6)
	keep, _ := ProjectPrune(dst, v, s, []Prune{{Kind: Filter, Ratio: 0.5}})
	if keep[0] || !keep[3] {
		t.Errorf("L2 keeps %v, want row 1", keep)
	}
	keep, _ = ProjectPrune(dst, v, s, []Prune{{Kind: Filter, Ratio: 0.5, L1: true}})
	if !keep[0] || keep[3] {
		t.Errorf("L1 keeps %v, want row 0", keep)
	}
}

// TestProgressiveStages: with stages: 2 over 4 updates the first two
// updates project onto half the ratios; the third starts a stage over at
// the full ratios with rho back at its start and U = 0; the hard prune
// and the result use the full ratios.
func TestProgressiveStages(t *testing.T) {
	tr, te := mnist(t, 128, 64)
	g := pretrained(t, tr)
	var states []*State
	res, specs := compressTest(t, g, tr, te, `
defaults: {prune: {filter: 0.5}}
layers: {fc3: {prune: {}}}
admm: {updates: 4, stages: 2, retrain_epochs: 1, batch: 32, rho: 0.01, rho_growth: 2}
`, nil, func(st *State) error {
		c := *st
		c.Z = append([][]float32(nil), st.Z...)
		for i := range c.Z {
			c.Z[i] = append([]float32(nil), st.Z[i]...)
		}
		c.U = append([][]float32(nil), st.U...)
		for i := range c.U {
			c.U[i] = append([]float32(nil), st.U[i]...)
		}
		c.Rho = append([]float64(nil), st.Rho...)
		states = append(states, &c)
		return nil
	})
	if err := CheckGraph(res.Graph, specs, nil); err != nil {
		t.Fatal(err)
	}
	var fc1 int // its index among the constrained layers (the state's order)
	var s Shape
	for _, l := range mustLayers(g) {
		if sp := specs[l.Name]; len(sp.Prunes) == 0 && sp.Bits == 0 {
			continue
		}
		if l.Name == "fc1" {
			s = l.Shape
			break
		}
		fc1++
	}
	rows := func(z []float32) int {
		k, _, _ := GroupsKept(z, s, Prune{Kind: Filter})
		return k
	}
	// states[e] is after epoch e+1: Z of updates 1, 2 (stage 1), then the
	// fresh stage 2 (after epoch 2), then update 3 of stage 2.
	if len(states) < 4 {
		t.Fatalf("%d checkpoints", len(states))
	}
	if got, want := rows(states[0].Z[fc1]), KeepCount(s.Rows, 0.25); got != want {
		t.Errorf("stage 1: fc1 Z keeps %d filters, want %d (ratio 0.25)", got, want)
	}
	if got, want := rows(states[1].Z[fc1]), KeepCount(s.Rows, 0.5); got != want {
		t.Errorf("stage 2 start: fc1 Z keeps %d filters, want %d (ratio 0.5)", got, want)
	}
	if states[0].Rho[fc1] != 0.02 || states[1].Rho[fc1] != 0.01 || states[2].Rho[fc1] != 0.02 {
		t.Errorf("rho after updates 1..3: %g %g %g, want 0.02 (grown), 0.01 (stage restart), 0.02", states[0].Rho[fc1], states[1].Rho[fc1], states[2].Rho[fc1])
	}
	for _, u := range states[1].U[fc1] {
		if u != 0 {
			t.Fatal("U not reset at the stage start")
		}
	}
}

func TestStagesChecked(t *testing.T) {
	for yml, want := range map[string]string{
		"admm: {stages: 3, updates: 2}":           "admm.stages 3: more stages than pruning updates (2)",
		"admm: {stages: 2, mode: joint}":          "progressive stages need mode: sequential",
		"admm: {stages: 0}":                       "admm.stages 0: want a positive value",
		"admm: {stages: -1}":                      "admm.stages -1",
		"admm: {stages: 2, updates: 0, rho: 0.1}": "more stages than pruning updates (0)",
	} {
		cfg, err := ParseConfig([]byte(yml))
		if err == nil {
			_, err = cfg.ADMM.withDefaults()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", yml, err, want)
		}
	}
}
