package admm

import (
	"errors"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/train"
)

// TestResumeRefusesMisfits: a checkpoint that decodes but that this model
// and configuration could not have written (a hostile one carries a valid
// checksum as easily as a good one) is refused with ErrCheckpointMismatch
// and the reason, before the run changes anything: never a panic, never a
// result outside the constraint sets.
func TestResumeRefusesMisfits(t *testing.T) {
	tr, _ := mnist(t, 96, 0)
	g, err := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	yml := `
defaults: {prune: {filter: 0.25, column: 0.5}, wbits: 4}
admm: {updates: 1, retrain_epochs: 2, quant_updates: 1, quant_retrain_epochs: 1, batch: 32}
`
	cfg, specs := mustConfig(t, g, yml)
	var states [][]byte
	o := Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Checkpoint: func(st *State) error {
		b, err := EncodeState(st)
		states = append(states, b)
		return err
	}}
	if _, err := Compress(g, o); err != nil {
		t.Fatal(err)
	}
	if len(states) != 5 {
		t.Fatalf("%d checkpoints, want 5", len(states))
	}
	// states[1]: after masked-retrain epoch 1 of 2 (pruned, masks, momentum).
	layer := func(st *State, name string) int { // index of a layer's weight in Params
		for i, p := range mustModel(t, g).Params() {
			if p.Name == name {
				return i
			}
		}
		t.Fatalf("no parameter %q", name)
		return -1
	}
	w := mustLayers(g)[1].Weight.Name // conv2's weight, pruned
	cases := []struct {
		name string
		edit func(st *State)
		want string
	}{
		{"rho of one layer", func(st *State) { st.Rho = st.Rho[:1] }, "rho"},
		{"short U", func(st *State) { st.U[1] = st.U[1][:3] }, "Z or U"},
		{"NaN rho", func(st *State) { st.Rho[0] = st.Rho[0] * 0 / 0 }, "rho"},
		{"phase past the end", func(st *State) { st.Phase = 9 }, "phase 10"},
		{"epoch past its phase", func(st *State) { st.Epoch = 2 }, "epoch 2"},
		{"log shorter than the position", func(st *State) { st.Log = st.Log[:1] }, "logged"},
		{"missing parameter", func(st *State) { st.Params = st.Params[1:] }, "parameter arrays"},
		{"half mask", func(st *State) { st.Masks[layer(st, w)][0] = 0.5 }, "want 0 or 1"},
		{"weight under its mask", func(st *State) {
			i := layer(st, w)
			for k, m := range st.Masks[i] {
				if m == 0 {
					st.Params[i][k] = 1
					return
				}
			}
		}, "where its mask is 0"},
		{"mask keeps every group", func(st *State) {
			i := layer(st, w)
			for k := range st.Masks[i] {
				st.Masks[i][k] = 1
			}
		}, "groups"},
		{"no mask after the hard prune", func(st *State) { st.Masks[layer(st, w)] = nil }, "no mask"},
		{"optimizer of another kind", func(st *State) { st.Opt.Kind = "adam"; st.Opt.Slots = append(st.Opt.Slots, nil) }, "does not fit SGD"},
		{"optimizer state at a phase start", func(st *State) { st.Phase, st.Epoch, st.Global = 2, 0, 3; st.Log = append(st.Log, st.Log[0]) }, "start of a phase"},
		{"activation maxima without act_bits", func(st *State) { st.ActMax = []float32{1} }, "activation maxima"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DecodeState(states[1])
			if err != nil {
				t.Fatal(err)
			}
			c.edit(st)
			o := o
			o.Resume, o.Checkpoint = st, nil
			_, err = Compress(g, o)
			if !errors.Is(err, ErrCheckpointMismatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrCheckpointMismatch with %q", err, c.want)
			}
		})
	}
}

func mustModel(t *testing.T, g *ir.Graph) *train.Model {
	t.Helper()
	m, err := train.NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
