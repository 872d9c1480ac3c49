package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestSplitLatency: -split compiles LeNet-5 as one stage of one image per
// run with its slowest layers split over the controllers (helper streams):
// every image is bit-exact, and one image's latency is below that of the
// program without it.
func TestSplitLatency(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	m, err := mapGraph(g, tgt, "auto")
	if err != nil {
		t.Fatal(err)
	}
	res, err := backend.Compile(m, tgt, backend.Options{Split: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stages) != 1 || len(res.Stages[0].Split) == 0 || res.Prog.FrameCount() != 1 || len(res.Prog.Streams) < 2 {
		t.Fatalf("%d stages (split %v), %d frames, %d streams; want one stage with split layers, one frame, helpers", len(res.Stages), res.Stages, res.Prog.FrameCount(), len(res.Prog.Streams))
	}
	t.Logf("split: %v on controllers %v", res.Stages[0].Split, res.Stages[0].Controllers)
	rep := checkPipelined(t, g, res, tgt, lenetBatch(3))
	flat, err := backend.Compile(m, tgt, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, fm := loadRoundTrip(t, flat.Prog, tgt)
	_, frep, err := fm.RunBatch(lenetBatch(3), sim.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, was := rep.PerInference.LatencyNS, frep.PerInference.LatencyNS
	t.Logf("latency of one image: %.0f ns split, %.0f ns not", got, was)
	if got >= was {
		t.Errorf("latency of one image split %.0f ns, not split %.0f ns", got, was)
	}
}
