package admm

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
)

// keepBestConfig retrains the quantized model for 4 epochs.
const keepBestConfig = `
defaults: {prune: {filter: 0.25, column: 0.5}, wbits: 4}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 4, quant_retrain: ste, act_bits: {fc1: 4, fc2: 4, fc3: 4}, batch: 32, lr: 0.02, quant_lr: 0.05, quant_retrain_keep: best_val}
`

// keepBestRun compresses g with yml, the validation split val, and
// checkpoints collected in order.
func keepBestRun(t *testing.T, g *ir.Graph, tr, val *data.Dataset, yml string, resume *State) (*Result, []*State) {
	t.Helper()
	cfg, specs := mustConfig(t, g, yml)
	var states []*State
	res, err := Compress(g, Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Val: val, Resume: resume, Checkpoint: func(st *State) error {
		b, err := EncodeState(st)
		if err != nil {
			return err
		}
		c, err := DecodeState(b) // through the file format
		states = append(states, c)
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	return res, states
}

// paramsEqual reports whether every parameter of the model g (by name)
// holds in res.Graph exactly the values st.Params has for it.
func paramsEqual(t *testing.T, g *ir.Graph, st *State, res *Result) bool {
	t.Helper()
	byName := map[string][]float32{}
	for _, v := range res.Graph.Consts {
		if v.Const != nil {
			byName[v.Name] = v.Const.F32
		}
	}
	for i, p := range mustModel(t, g).Params() {
		got, ok := byName[p.Name]
		if !ok {
			t.Fatalf("parameter %q is not a constant of the result", p.Name)
		}
		if !slices.Equal(got, st.Params[i]) {
			return false
		}
	}
	return true
}

// TestQuantRetrainKeepBest: with quant_retrain_keep: best_val the result
// is exactly the model of the quantized-retraining epoch with the best
// validation accuracy (the later one on a tie), training itself is the
// same as with the default (the same epoch log), the kept epoch survives
// a checkpoint and resume bit for bit, and a checkpoint whose kept epoch
// does not fit is refused.
func TestQuantRetrainKeepBest(t *testing.T) {
	all, _ := mnist(t, 448, 0)
	tr, held, err := all.SplitValidation(128)
	if err != nil {
		t.Fatal(err)
	}
	// The validation labels are shifted by one class, so that the better
	// the model learns, the lower its "validation accuracy": the best
	// epoch is then an early one, and keeping it is what is tested.
	val := *held
	val.Y = make([]int32, len(held.Y))
	for i, y := range held.Y {
		val.Y[i] = (y + 1) % int32(held.Classes)
	}
	g := pretrained(t, tr)
	res, states := keepBestRun(t, g, tr, &val, keepBestConfig, nil)
	last, lastStates := keepBestRun(t, g, tr, &val, strings.Replace(keepBestConfig, "best_val", "last", 1), nil)
	if len(res.Log) != len(last.Log) {
		t.Fatalf("%d epochs with best_val, %d with last", len(res.Log), len(last.Log))
	}
	for i := range res.Log {
		if !sameLog(res.Log[i], last.Log[i]) {
			t.Fatalf("epoch %d differs: best_val %+v, last %+v (choosing must not change training)", i+1, res.Log[i], last.Log[i])
		}
	}
	first := len(res.Log) - 4 // the first quantized-retraining epoch in the log
	want, wantAcc := 0, -1.0
	for e, lg := range res.Log[first:] {
		if lg.Phase != phaseQuantFinal {
			t.Fatalf("log entry %d is %s, want %s", first+e+1, lg.Phase, phaseQuantFinal)
		}
		t.Logf("quant-retrain epoch %d: val %.4f", e+1, lg.TestAcc)
		if lg.TestAcc >= wantAcc {
			want, wantAcc = e+1, lg.TestAcc
		}
	}
	if res.KeptEpoch != want || res.KeptVal != wantAcc {
		t.Fatalf("kept epoch %d (val %v), want %d (val %v)", res.KeptEpoch, res.KeptVal, want, wantAcc)
	}
	if want == 4 {
		t.Fatalf("the best epoch is the last one: this setup no longer tests keeping an earlier one")
	}
	if !paramsEqual(t, g, states[first+want-1], res) {
		t.Errorf("the result is not the model of quantized-retraining epoch %d", want)
	}
	if paramsEqual(t, g, states[len(states)-1], res) {
		t.Errorf("the result is the last epoch's model, want epoch %d's", want)
	}
	if last.KeptEpoch != 0 || !paramsEqual(t, g, lastStates[len(lastStates)-1], last) {
		t.Errorf("quant_retrain_keep: last did not give the last epoch's model (kept epoch %d)", last.KeptEpoch)
	}
	if err := CheckGraph(res.Graph, mustSpecs(t, g, keepBestConfig), nil); err != nil {
		t.Fatalf("constraints not exact: %v", err)
	}
	// Resuming after the best epoch and before the end keeps it.
	at := states[first+want]
	if at.BestEpoch != want || len(at.Best) == 0 {
		t.Fatalf("checkpoint after epoch %d keeps epoch %d (%d arrays), want %d", want+1, at.BestEpoch, len(at.Best), want)
	}
	atBytes, err := EncodeState(at) // Compress continues the state it resumes from
	if err != nil {
		t.Fatal(err)
	}
	resumed, _ := keepBestRun(t, g, tr, &val, keepBestConfig, at)
	sameConsts(t, res.Graph, resumed.Graph)
	if resumed.KeptEpoch != want {
		t.Errorf("resumed run kept epoch %d, want %d", resumed.KeptEpoch, want)
	}
	cases := []struct {
		name string
		yml  string
		edit func(st *State)
		want string
	}{
		{"best epoch not done yet", keepBestConfig, func(st *State) { st.BestEpoch = want + 2 }, "best epoch"},
		{"accuracy above 1", keepBestConfig, func(st *State) { st.BestAcc = 1.5 }, "best validation accuracy"},
		{"an array short", keepBestConfig, func(st *State) { st.Best[0] = st.Best[0][:1] }, "best epoch's"},
		{"arrays missing", keepBestConfig, func(st *State) { st.Best = st.Best[1:] }, "arrays of the best epoch"},
		{"values without an epoch", keepBestConfig, func(st *State) { st.BestEpoch = 0 }, "without its epoch"},
		{"weight under its mask", keepBestConfig, func(st *State) {
			for i, m := range st.Masks {
				for k, v := range m {
					if v == 0 {
						st.Best[i][k] = 1
						return
					}
				}
			}
		}, "(best epoch)"},
		{"kept under quant_retrain_keep: last", strings.Replace(keepBestConfig, "best_val", "last", 1), func(*State) {}, "quant_retrain_keep is last"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DecodeState(atBytes)
			if err != nil {
				t.Fatal(err)
			}
			c.edit(st)
			cfg, err := ParseConfig([]byte(c.yml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Compress(g, Options{Specs: mustSpecs(t, g, c.yml), Hyper: cfg.ADMM, Train: tr, Val: &val, Resume: st})
			if !errors.Is(err, ErrCheckpointMismatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrCheckpointMismatch with %q", err, c.want)
			}
		})
	}
}

// TestQuantRetrainKeepBestNeedsVal: best_val chooses on the validation
// split only; without one it is an error, never a choice on the test set.
// An unknown choice is a config error naming the key.
func TestQuantRetrainKeepBestNeedsVal(t *testing.T) {
	tr, te := mnist(t, 64, 32)
	g := pretrained(t, tr)
	cfg, specs := mustConfig(t, g, keepBestConfig)
	_, err := Compress(g, Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Test: te})
	if err == nil || !strings.Contains(err.Error(), "validation split") {
		t.Fatalf("got %v, want an error about the missing validation split", err)
	}
	bad, err := ParseConfig([]byte(strings.Replace(keepBestConfig, "best_val", "best", 1)))
	if err == nil {
		_, err = bad.Resolve(mustLayers(g))
	}
	if err == nil || !strings.Contains(err.Error(), "admm.quant_retrain_keep") {
		t.Fatalf("got %v, want an error naming admm.quant_retrain_keep", err)
	}
}

func mustSpecs(t *testing.T, g *ir.Graph, yml string) map[string]Spec {
	t.Helper()
	_, specs := mustConfig(t, g, yml)
	return specs
}

// mustConfig parses yml and resolves its per-layer specs for g.
func mustConfig(t *testing.T, g *ir.Graph, yml string) (*Config, map[string]Spec) {
	t.Helper()
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := cfg.Resolve(mustLayers(g))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, specs
}

// sameLog compares two epoch lines, NaN equal to NaN (Rho and Residual
// outside the ADMM phases).
func sameLog(a, b EpochLog) bool {
	f := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return a.Phase == b.Phase && a.Epoch == b.Epoch && f(a.Loss, b.Loss) && f(a.Acc, b.Acc) && f(a.TestAcc, b.TestAcc) &&
		f(a.Penalty, b.Penalty) && f(a.Rho, b.Rho) && f(a.Residual, b.Residual)
}
