package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/target"
)

// TestPipelineSpread: -pipeline -spread spreads LeNet-5's layer pieces
// over the free sub-arrays of their banks (mapping.Plan.Spread): the
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
