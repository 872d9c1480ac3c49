package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/target"
)

// TestPieceReplicas: with Options.PieceReplicas the pipeline's balance may
// give a layer's pixel pieces more replicas than the mapping's
// (docs/PARALLEL.md §8.11). The map pass gives every layer of a small net
// one copy (replicate off); its 16-filter first layer over 256 pixels
// dominates on 3 controllers, and its sub-arrays, not its controller,
// bound a piece of one replica, so the balance gives its pieces several,
// which one controller drives together. The summary names
// them, the estimate of the slowest stage and the measured FPS both
// improve on the pipeline without them, and every image of a batch of 6
// (runs of 4 and 2 frames) is bit-exact against the interpreter.
func TestPieceReplicas(t *testing.T) {
	b := newGB(t, 43)
	y := b.input(1, 3, 16, 16)
	y = b.relu(b.conv(y, 16, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 16, 3, 2, 1, 1, 1))
	g, _ := b.finish("wbits=8,abits=8", y)
	tgt := target.Default()
	tgt.Parallel.Controllers.Value = 3
	m, err := mapGraph(g, tgt, "off")
	if err != nil {
		t.Fatal(err)
	}
	compile := func(reps bool) *backend.Result {
		res, err := backend.Compile(m, tgt, backend.Options{Pipeline: true, Frames: 4, PieceReplicas: reps})
		if err != nil {
			t.Fatalf("compile -pipeline (piece replicas %v): %v", reps, err)
		}
		return res
	}
	without, with := compile(false), compile(true)
	named := false
	for _, st := range with.Stages {
		t.Logf("stage: controllers %v %v split %v est. %.0f ns", st.Controllers, st.Layers, st.Split, st.EstimatedNS)
		for _, sp := range st.Split {
			named = named || strings.Contains(sp, "replicas")
		}
	}
	if !named {
		t.Fatalf("no stage's split names replicas per piece: the balance gave none")
	}
	est := func(r *backend.Result) float64 { return r.Stages[r.Slowest].EstimatedNS }
	if est(with) >= est(without) {
		t.Errorf("slowest stage est. %.0f ns with replicas per piece, %.0f without: want lower", est(with), est(without))
	}
	batch := patternBatch(6, 5, 41, true, 1, 3, 16, 16)
	fps := func(r *backend.Result) float64 { return checkPipelined(t, g, r, tgt, batch).SteadyStateFPS }
	if f, f0 := fps(with), fps(without); f <= f0 {
		t.Errorf("steady state %.0f FPS with replicas per piece, %.0f without: want higher", f, f0)
	} else {
		t.Logf("steady state %.0f FPS with replicas per piece, %.0f without", f, f0)
	}
}
