package admm

import (
	"slices"
	"strings"
	"testing"
)

const steTestConfig = `
defaults: {prune: {filter: 0.25, column: 0.5}, wbits: 4}
admm: {updates: 1, retrain_epochs: 2, quant_updates: 1, quant_retrain_epochs: 2, quant_retrain: ste, act_bits: {fc1: 4, fc2: 4, fc3: 4}, distill: 0.5, batch: 32, lr: 0.02}
`

// TestCompressSTE: quantized retraining with the straight-through
// estimator (with 4-bit fake-quantized activations and distillation from
// the uncompressed model) ends exactly on the
// constraint sets, moves the quantized
// weights (the frozen mode cannot), and resuming inside a multi-epoch
// phase (masked retraining: optimizer momentum; STE retraining: momentum
// and float shadows) is bit-identical to the uninterrupted run.
func TestCompressSTE(t *testing.T) {
	tr, te := mnist(t, 320, 128)
	g := pretrained(t, tr)
	var states [][]byte
	res, specs := compressTest(t, g, tr, te, steTestConfig, nil, func(st *State) error {
		b, err := EncodeState(st)
		states = append(states, b)
		return err
	})
	if err := CheckGraph(res.Graph, specs, nil); err != nil {
		t.Fatalf("constraints not exact: %v", err)
	}
	if len(states) != 6 {
		t.Fatalf("%d checkpoints, want 6", len(states))
	}
	frozen, _ := compressTest(t, g, tr, te, strings.Replace(steTestConfig, "quant_retrain: ste, ", "", 1), nil, nil)
	moved := false
	for i, v := range res.Graph.Consts {
		if l := frozen.Graph.Consts[i]; v.Const != nil && v.Name == l.Name && len(v.Const.F32) > 1000 && !slices.Equal(v.Const.F32, l.Const.F32) {
			moved = true
		}
	}
	if !moved {
		t.Error("STE retraining left every large weight as the frozen mode did")
	}
	for _, at := range []int{1, 4} { // inside masked retraining, inside STE retraining
		st, err := DecodeState(states[at])
		if err != nil {
			t.Fatal(err)
		}
		if st.Opt == nil {
			t.Fatalf("checkpoint %d inside a phase has no optimizer state", at+1)
		}
		if at == 4 && (!slices.ContainsFunc(st.Shadows, func(s []float32) bool { return len(s) > 0 }) || len(st.ActMax) != 3) {
			t.Fatalf("checkpoint inside STE retraining has no shadows or activation maxima (%v)", st.ActMax)
		}
		r2, _ := compressTest(t, g, tr, te, steTestConfig, st, nil)
		sameConsts(t, res.Graph, r2.Graph)
	}
}
