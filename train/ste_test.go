package train

import (
	"math"
	"slices"
	"testing"
)

// TestFrozen: a frozen parameter stays bit-identical through training with
// momentum and weight decay while the others move, and the optimizer keeps
// no state for it.
func TestFrozen(t *testing.T) {
	m := lenetLike(t)
	w := m.Weights()[0]
	w.Frozen = true
	orig := slices.Clone(w.Data.F32)
	others := map[*Param][]float32{}
	for _, p := range m.Params() {
		others[p] = slices.Clone(p.Data.F32)
	}
	opt := &SGD{Momentum: 0.9}
	if _, err := Fit(m, synthetic(128, 4), nil, Config{Epochs: 1, Batch: 16, Optimizer: opt, Schedule: Constant(0.05), WeightDecay: 1e-2}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Data.F32, orig) {
		t.Error("frozen weight changed")
	}
	if opt.vel[w] != nil {
		t.Error("optimizer has state for the frozen weight")
	}
	for _, p := range m.Params() {
		if p != w && slices.Equal(p.Data.F32, others[p]) {
			t.Errorf("%s did not move", p.Name)
		}
	}
}

// roundTo is a projector onto multiples of step (a quantizer).
func roundTo(step float32) Projector {
	return func(dst, src []float32) error {
		for i, v := range src {
			dst[i] = step * float32(math.Round(float64(v/step)))
		}
		return nil
	}
}

// TestSTE: with a straight-through-estimator weight the forward pass sees
// only projected values (Data stays on the grid after every step), the
// float shadow accumulates updates smaller than a grid step (so the grid
// values change only through it), masks hold in both, and SetSTE(nil)
// leaves the projected values.
func TestSTE(t *testing.T) {
	m := lenetLike(t)
	w := m.Weights()[1]
	const step = 0.05
	keep := make([]bool, w.Len())
	for i := range keep {
		keep[i] = i%4 != 0
	}
	if err := w.SetMask(keep); err != nil {
		t.Fatal(err)
	}
	start := slices.Clone(w.Data.F32)
	if err := w.SetSTE(roundTo(step), nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Shadow, start) {
		t.Fatal("shadow is not the starting weights")
	}
	onGrid := func(xs []float32) bool {
		for _, v := range xs {
			if q := step * float32(math.Round(float64(v/step))); q != v {
				return false
			}
		}
		return true
	}
	if !onGrid(w.Data.F32) {
		t.Fatal("Data not projected by SetSTE")
	}
	checks := 0
	ds := synthetic(256, 5)
	hist, err := Fit(m, ds, ds, Config{Epochs: 3, Batch: 16, Optimizer: &SGD{Momentum: 0.9}, Schedule: Constant(0.02), WeightDecay: 1e-4,
		OnEpoch: func(*Model, EpochStats) error {
			checks++
			if !onGrid(w.Data.F32) {
				t.Error("Data left the grid")
			}
			for i, k := range keep {
				if !k && (w.Data.F32[i] != 0 || w.Shadow[i] != 0) {
					t.Fatalf("masked element %d: data %v shadow %v", i, w.Data.F32[i], w.Shadow[i])
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if checks != 3 || hist[2].TestAcc < 0.5 {
		t.Errorf("epochs %d, accuracy %.2f", checks, hist[2].TestAcc)
	}
	offGrid := 0
	for i, v := range w.Shadow {
		if keep[i] && v != start[i] && float32(step*math.Round(float64(v/step))) != v {
			offGrid++
		}
	}
	if offGrid == 0 {
		t.Error("the shadow did not keep off-grid float updates")
	}
	proj := slices.Clone(w.Data.F32)
	if err := w.SetSTE(nil, nil); err != nil {
		t.Fatal(err)
	}
	if w.Shadow != nil || !slices.Equal(w.Data.F32, proj) {
		t.Error("SetSTE(nil) changed the projected weights or kept the shadow")
	}
	if err := w.SetSTE(roundTo(step), make([]float32, 3)); err == nil {
		t.Error("short shadow accepted")
	}
}

// TestOptimizerStateRoundTrip: training 2 epochs in one Fit equals 1 epoch,
// an export/import of the optimizer into a fresh one, and 1 more epoch, bit
// for bit (SGD with momentum and Adam); mismatched states are refused.
func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, name := range []string{"sgd", "adam"} {
		ds := synthetic(128, 6)
		a := lenetLike(t)
		oa, _ := NewOptimizer(name)
		if _, err := Fit(a, ds, nil, Config{Epochs: 2, Batch: 16, Optimizer: oa, Schedule: Constant(0.01)}); err != nil {
			t.Fatal(err)
		}
		b := lenetLike(t)
		ob, _ := NewOptimizer(name)
		if _, err := Fit(b, ds, nil, Config{Epochs: 1, Batch: 16, Optimizer: ob, Schedule: Constant(0.01)}); err != nil {
			t.Fatal(err)
		}
		st := ob.(StatefulOptimizer).Export(b.Params())
		oc, _ := NewOptimizer(name)
		if err := oc.(StatefulOptimizer).Import(b.Params(), st); err != nil {
			t.Fatal(err)
		}
		if _, err := Fit(b, ds, nil, Config{Epochs: 1, Batch: 16, Optimizer: oc, Schedule: Constant(0.01), StartEpoch: 1}); err != nil {
			t.Fatal(err)
		}
		for i, p := range a.Params() {
			if !slices.Equal(p.Data.F32, b.Params()[i].Data.F32) {
				t.Fatalf("%s: %s differs after resume", name, p.Name)
			}
		}
		other := "adam"
		if name == "adam" {
			other = "sgd"
		}
		od, _ := NewOptimizer(other)
		if err := od.(StatefulOptimizer).Import(b.Params(), st); err == nil {
			t.Errorf("%s state accepted by %s", name, other)
		}
		if err := oc.(StatefulOptimizer).Import(b.Params()[1:], st); err == nil {
			t.Errorf("%s state accepted for fewer parameters", name)
		}
	}
}
