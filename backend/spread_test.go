package backend_test

import (
	"math"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/target"
)

// TestPipelineSpread: -pipeline -spread spreads LeNet-5's layer pieces
// one tile per sub-array where the balance spreads them: the
// program computes bit for bit what the quantized interpreter computes,
// uses more sub-arrays and issues fewer instructions per image than the
// dense pipeline, since each gbmac of a round drives more sub-arrays.
func TestPipelineSpread(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	compile := func(spread bool) *backend.Result {
		m, err := mapGraph(g, tgt, "auto")
		if err != nil {
			t.Fatal(err)
		}
		res, err := backend.Compile(m, tgt, backend.Options{Pipeline: true, Frames: 4, Spread: spread})
		if err != nil {
			t.Fatalf("compile -pipeline (spread %v): %v", spread, err)
		}
		return res
	}
	holding := func(res *backend.Result) int {
		sas := map[uint32]bool{}
		for _, w := range res.Prog.Weights {
			sas[w.Subarray] = true
		}
		return len(sas)
	}
	dense, spread := compile(false), compile(true)
	if hs, hd := holding(spread), holding(dense); hs <= hd {
		t.Errorf("spread: %d sub-arrays hold weights, dense %d: want more", hs, hd)
	}
	batch := lenetBatch(4)
	rd := checkPipelined(t, g, dense, tgt, batch)
	rs := checkPipelined(t, g, spread, tgt, batch)
	if di, si := rd.PerInference.Instructions, rs.PerInference.Instructions; si >= di {
		t.Errorf("spread: %.0f instructions per image, dense %.0f: want fewer", si, di)
	}
}

// TestPipelineSpreadEstimate: with -spread, the partition's estimate of a
// stage is that of its layers as placed (placed.go): a stage on one
// controller is estimated within 5% of the simulator's controller time of
// its layers, spread layers included (before, a spread layer was
// estimated as its dense layout, several times what it issues), and the
// slowest stage is the one with the largest estimate.
func TestPipelineSpreadEstimate(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	// 32 banks, two per controller, so that no stage reaches a bank over
	// a link: a link hop delays each instruction of a stream reaching
	// another bank, which the estimate does not add to the stream's time
	// (on the default target LeNet-5's fc stage, spread over two banks,
	// runs 15% above its estimate). 8 controllers, four banks each, so
	// that spread layers get stages of one controller: with 16 and the
	// rotated filter loops (emit_rotated.go) every spread layer's stage
	// was split or dense.
	tgt := *target.Default()
	tgt.Name = "banks32"
	tgt.Geometry.Banks.Value = 32
	par := *tgt.Parallel
	par.Controllers.Value = 8
	tgt.Parallel = &par
	m, err := mapGraph(g, &tgt, "auto")
	if err != nil {
		t.Fatal(err)
	}
	res, err := backend.Compile(m, &tgt, backend.Options{Pipeline: true, Frames: 2, Spread: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.LinkNS > 0 {
		var sb strings.Builder
		res.WriteStages(&sb)
		t.Fatalf("a stage reaches a bank over a link:\n%s", sb.String())
	}
	rep := checkPipelined(t, g, res, &tgt, lenetBatch(2))
	latency := map[string]float64{}
	for _, src := range rep.Sources {
		latency[src.Layer] += src.LatencyNS
	}
	spread := map[string]bool{}
	for _, l := range res.Layers {
		spread[l.Node] = l.Spread > 0
	}
	checked := 0
	for s, st := range res.Stages {
		if st.EstimatedNS > res.Stages[res.Slowest].EstimatedNS {
			t.Errorf("stage %d is slower than the slowest, %d", s, res.Slowest)
		}
		if len(st.Controllers) != 1 {
			continue
		}
		var got float64
		hasSpread := false
		for _, l := range st.Layers {
			got += latency[l]
			hasSpread = hasSpread || spread[l]
		}
		t.Logf("stage %d %v (spread %v): estimated %.0f ns, simulated %.0f ns", s, st.Layers, hasSpread, st.EstimatedNS, got)
		if math.Abs(got-st.EstimatedNS) > 0.05*st.EstimatedNS {
			t.Errorf("stage %d %v: estimated %.0f ns, the simulator's controller time of its layers is %.0f ns", s, st.Layers, st.EstimatedNS, got)
		}
		if hasSpread {
			checked++
		}
	}
	if checked == 0 {
		t.Error("no stage on one controller with a spread layer")
	}
}
