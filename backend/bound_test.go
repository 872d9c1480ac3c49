package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestLeNetDeviceBoundSerial: on the serial machine (one controller, one
// instruction per clock, every instruction on one sub-array) LeNet-5 W8A8
// (replicate auto, pimc compile's default)'s
// device bound is within a few per cent of its latency, and the controller's
// issue slots are what sets it: the figure issue 11 criticises (docs/
// PARALLEL.md §1). Every layer is on the critical path (the network is a
// chain through ABUF).
func TestLeNetDeviceBoundSerial(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for i := range x.F32 {
		x.F32[i] = float32(i%29) / 28
	}
	tgt, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	res, r := compileAndCheckRep(t, g, tgt, "auto", []*tensor.Tensor{x})
	exe, err := sim.Prepare(res.Prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	rep := exe.BuildReport([]*sim.RunStats{sim.CombineRuns(r.Stats)})
	p := rep.PerInference
	if p.DeviceBoundNS > p.LatencyNS || p.DeviceBoundNS < 0.95*p.LatencyNS {
		t.Errorf("device bound %.1f ns, latency %.1f ns: want the bound within 5%% below the latency", p.DeviceBoundNS, p.LatencyNS)
	}
	if rep.PipelineBusiest != "controller 0 issue" {
		t.Errorf("pipeline bound set by %q, want controller 0 issue", rep.PipelineBusiest)
	}
	for _, s := range rep.Sources {
		if s.Instructions > 0 && s.Index >= 0 && (!s.Critical || s.Busiest == "") {
			t.Errorf("%s: critical %v, busiest %q: want every layer on the critical path", s.Layer, s.Critical, s.Busiest)
		}
	}
	for _, s := range rep.Sources {
		t.Logf("%s: instrs %.0f latency %.1f us bound %.1f us %s", s.Layer, s.Instructions, s.LatencyNS/1e3, s.BoundNS/1e3, s.Busiest)
	}
	t.Logf("latency %.1f us, device bound %.1f us (%.1f%%), pipeline bound %.1f us", p.LatencyNS/1e3, p.DeviceBoundNS/1e3, 100*p.DeviceBoundNS/p.LatencyNS, p.PipelineBoundNS/1e3)
}
