package backend_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestPipelineSteadyStateLeNet: a batch of 8 images through LeNet-5
// compiled with -pipeline at 8 frames per run (one run) reports T_1, the
// latency of image 0 run alone (what a one-image run of the same program
// measures), and a steady state (n - 1) / (T_n - T_1) above the run's
// n / T_n (the fill and drain of the pipeline), at most the pipeline
// bound's FPS and at least half the slowest stage's; its controllers,
// DPUs and ports are measured over the steady-state window.
func TestPipelineSteadyStateLeNet(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	res := compilePipelined(t, g, tgt, "auto", 8)
	batch := lenetBatch(8)
	rep := checkPipelined(t, g, res, tgt, batch)
	m, err := pimrt.Load(res.Prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	// On two workers (one of them makes the single run) the report is the same.
	_, rep2, err := m.RunBatch(batch, sim.BatchOptions{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	j1, err1 := rep.JSON()
	j2, err2 := rep2.JSON()
	if err1 != nil || err2 != nil || !bytes.Equal(j1, j2) {
		t.Errorf("the report on 2 workers differs (%v, %v)", err1, err2)
	}
	one, err := m.Run(batch[0])
	if err != nil {
		t.Fatal(err)
	}
	t1 := float64(sim.CombineRuns(one.Stats).LatencyPS) / 1000
	if rep.SingleImageNS != t1 {
		t.Errorf("single image %g ns, a one-image run takes %g ns", rep.SingleImageNS, t1)
	}
	if rep.PipelinedRuns != 1 || rep.PipelinedFrames != 8 || rep.PipelinedNS != rep.Batch.LatencyNS {
		t.Errorf("%d runs of %d frames in %g ns; want 1 of 8 in the batch's %g ns", rep.PipelinedRuns, rep.PipelinedFrames, rep.PipelinedNS, rep.Batch.LatencyNS)
	}
	// The steady state is measured inside the run (frame 0 to frame 7
	// entering the last stage); LeNet-5's stages share no link, so frame 0
	// is not slowed by the later ones and 7 / (T_8 - T_1) agrees closely.
	if want := 7e9 / (rep.Batch.LatencyNS - t1); math.Abs(rep.SteadyStateFPS-want) > 0.01*want {
		t.Errorf("steady state %g FPS, want within 1%% of 7 / (T_8 - T_1) = %g", rep.SteadyStateFPS, want)
	}
	slowest := 0.0
	for _, st := range rep.Stages {
		if st.Slowest {
			slowest = 1e9 / st.BoundNS
		}
	}
	if rep.SteadyStateFPS <= rep.PipelinedFPS || rep.SteadyStateFPS > 1.02*rep.FPSBound || rep.SteadyStateFPS < 0.5*slowest {
		t.Errorf("steady state %.0f FPS; with fill and drain %.0f, pipeline bound %.0f, slowest stage %.0f FPS",
			rep.SteadyStateFPS, rep.PipelinedFPS, rep.FPSBound, slowest)
	}
	// Controllers, DPUs and ports are measured over the steady state too,
	// where the slowest stage's controller is busier than over the run.
	for _, u := range rep.Resources {
		whole := u.BusyNS * float64(rep.Images) / rep.Batch.LatencyNS
		if u.SteadyState != (u.Kind != "link") || u.Utilisation > 1 {
			t.Errorf("%s: %.3f, steady state %v", u.Resource, u.Utilisation, u.SteadyState)
		}
		if u.Resource == rep.PipelineBusiest && u.Utilisation <= whole {
			t.Errorf("%s: %.3f over the steady state, %.3f over the run", u.Resource, u.Utilisation, whole)
		}
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "single image") || strings.Contains(l, "steady state") || strings.Contains(l, "bound") || strings.Contains(l, "throughput") || strings.Contains(l, "slowest") || strings.Contains(l, "over the steady state") {
			t.Log(l)
		}
	}
}
