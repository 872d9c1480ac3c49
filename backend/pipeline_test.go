package backend_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// compilePipelined maps the quantized g (replicate) and compiles it with
// -pipeline at frames per run.
func compilePipelined(t testing.TB, g *ir.Graph, tgt *target.Target, replicate string, frames int) *backend.Result {
	t.Helper()
	m, err := mapGraph(g, tgt, replicate)
	if err != nil {
		t.Fatal(err)
	}
	res, err := backend.Compile(m, tgt, backend.Options{Pipeline: true, Frames: frames})
	if err != nil {
		t.Fatalf("compile -pipeline: %v", err)
	}
	return res
}

// checkPipelined runs batch through the pipelined program (runs of up to
// Frames images, pimrt.Model.RunBatch) and compares every image's outputs
// with the quantized interpreter bit for bit.
func checkPipelined(t testing.TB, g *ir.Graph, res *backend.Result, tgt *target.Target, batch [][]*tensor.Tensor) *sim.Report {
	t.Helper()
	_, m := loadRoundTrip(t, res.Prog, tgt)
	outs, rep, err := m.RunBatch(batch, sim.BatchOptions{})
	if err != nil {
		t.Fatalf("runtime: %v", err)
	}
	for k, in := range batch {
		want, err := interp.Run(g, in)
		if err != nil {
			t.Fatalf("interp: %v", err)
		}
		for i := range want {
			if d := firstDiff(want[i], outs[k][i]); d >= 0 {
				t.Fatalf("image %d output %d element %d: oracle %v, simulator %v", k, i, d, want[i].Float64At(d), outs[k][i].Float64At(d))
			}
		}
	}
	return rep
}

// patternBatch is n inputs of the given shape, each a different pattern:
// element i of input k is v = i x (k + k0) mod m scaled to [0, 1], or to
// [-1, 1] when signed (2v / (m - 1) - 1: the same float32 as v / ((m -
// 1) / 2) - 1, both one rounded division of the same quotient).
func patternBatch(n, k0, m int, signed bool, shape ...int) [][]*tensor.Tensor {
	batch := make([][]*tensor.Tensor, n)
	for k := range batch {
		x := tensor.New(tensor.Float32, shape...)
		for i := range x.F32 {
			v := (i * (k + k0)) % m
			if signed {
				x.F32[i] = float32(2*v)/float32(m-1) - 1
			} else {
				x.F32[i] = float32(v) / float32(m-1)
			}
		}
		batch[k] = []*tensor.Tensor{x}
	}
	return batch
}

// lenetBatch is n LeNet-5 inputs, each a different pattern.
func lenetBatch(n int) [][]*tensor.Tensor { return patternBatch(n, 3, 37, false, 1, 1, 28, 28) }

// TestPipelineLeNet: LeNet-5 with -pipeline is several stages, 4 frames
// per run, its slowest layers split over the controllers the stages leave
// (one stream per controller, numbered by the banks their layers land in),
// every layer in the bank of the controller that drives it (no link hop),
// and every image of a batch of 6 (runs of 4
// and 2 frames) is bit-exact. The summary ends with the pixel-balance
// bound on sub-array busy of its 5 matrix layers.
func TestPipelineLeNet(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	res := compilePipelined(t, g, tgt, "auto", 4)
	ctrls, split, top := 0, 0, -1
	seen := map[int]bool{}
	for s, st := range res.Stages {
		t.Logf("stage %d: controllers %v %v %.1f us (%s) split %v", s, st.Controllers, st.Layers, st.EstimatedNS/1000, st.Busiest, st.Split)
		if !slices.Contains(st.Controllers, st.Controller) {
			t.Errorf("stage %d: stream on controller %d, not one of %v", s, st.Controller, st.Controllers)
		}
		for _, c := range st.Controllers {
			if seen[c] {
				t.Errorf("stage %d: controller %d drives another stage too", s, c)
			}
			seen[c], top = true, max(top, c)
		}
		ctrls += len(st.Controllers)
		split += len(st.Split)
	}
	// Streams are numbered as the controllers, which follow the banks
	// (numbers between used ones get a stream that halts at once).
	if len(res.Stages) < 2 || split == 0 || len(res.Prog.Streams) != top+1 || ctrls > int(tgt.Controllers()) || res.Prog.Frames != 4 {
		t.Fatalf("%d stages, %d split layers, %d streams for %d controllers up to %d, %d frames", len(res.Stages), split, len(res.Prog.Streams), ctrls, top, res.Prog.Frames)
	}
	if !res.StagesLocal {
		t.Error("some layer is not in its controller's bank")
	}
	var sum strings.Builder
	res.WriteStages(&sum)
	if b := res.BusyBound; b == nil || b.Busy <= 0 || b.Busy > 1 || b.Subarrays > b.Total || b.Layers != 5 || !strings.Contains(sum.String(), "  pixel-balance bound on sub-array busy: ") {
		t.Errorf("busy bound %+v; summary:\n%s", b, sum.String())
	}
	rep := checkPipelined(t, g, res, tgt, lenetBatch(6))
	for _, r := range rep.Resources {
		if r.Kind == "link" && r.BusyNS > 0 {
			t.Errorf("%s: %.0f ns per image (a controller reaches a sub-array or port of another bank)", r.Resource, r.BusyNS)
		}
	}
}

// TestPipelineMatchesSerial: a batch of 16 through the pipelined LeNet-5
// (one run of 16 frames) gives exactly the outputs of the program that is
// not pipelined, image by image.
func TestPipelineMatchesSerial(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	m, err := mapGraph(g, tgt, "auto")
	if err != nil {
		t.Fatal(err)
	}
	flat, err := backend.Compile(m, tgt, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	piped := compilePipelined(t, g, tgt, "auto", 16)
	batch := lenetBatch(16)
	run := func(res *backend.Result) [][]*tensor.Tensor {
		rt, err := pimrt.Load(res.Prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		outs, _, err := rt.RunBatch(batch, sim.BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return outs
	}
	want, got := run(flat), run(piped)
	for k := range batch {
		for i := range want[k] {
			if d := firstDiff(want[k][i], got[k][i]); d >= 0 {
				t.Fatalf("image %d output %d element %d: not pipelined %v, pipelined %v", k, i, d, want[k][i].Float64At(d), got[k][i].Float64At(d))
			}
		}
	}
}

// TestPipelineRefusals: a partition needing more tokens than the target
// has, or ports of more frames than ABUF holds, is refused with the reason.
func TestPipelineRefusals(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	few := *target.Default()
	par := *few.Parallel
	par.Tokens.Value = 1
	few.Parallel = &par
	m, err := mapGraph(g, &few, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Compile(m, &few, backend.Options{Pipeline: true}); err == nil || !strings.Contains(err.Error(), "which need ") || !strings.Contains(err.Error(), " tokens; the target \"sot-mram-45nm\" has 1 (parallel.tokens)") {
		t.Errorf("tokens: %v", err)
	}
	// Enough tokens for the values between stages, not for the helper
	// controllers of the split layers (2 each, after the stages' tokens).
	res := compilePipelined(t, g, target.Default(), "auto", 0)
	helpers, used := len(res.Prog.Streams)-len(res.Stages), int64(0)
	for _, in := range res.Prog.Code {
		if in.Op == isa.OpTsig || in.Op == isa.OpTwait {
			used = max(used, in.Args[0]+1)
		}
	}
	if helpers == 0 {
		t.Fatal("no layer split")
	}
	par.Tokens.Value = used - int64(2*helpers)
	if _, err := backend.Compile(m, &few, backend.Options{Pipeline: true}); err == nil || !strings.Contains(err.Error(), "helper controllers of split layers") || !strings.Contains(err.Error(), " tokens; the target") {
		t.Errorf("helper tokens: %v", err)
	}
	m, err = mapGraph(g, target.Default(), "auto")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Compile(m, target.Default(), backend.Options{Pipeline: true, Frames: 4096}); err == nil || !strings.Contains(err.Error(), "4096 frames of 784 words do not fit the activation buffer") {
		t.Errorf("frames: %v", err)
	}
}

// TestPipelineEstimate: a stage on one controller is estimated at the time
// its stream spends on its layers per frame, issue and waits for its
// sub-arrays' cell arrays (a static execution counts every loop trip and
// replays in-order dispatch): the simulator's controller time of the
// stage's layers agrees within 5% (measured 0-1.3% on LeNet-5: the
// estimate was made on the program that is not pipelined, without the
// stage's copies and tokens), and the slowest stage is the one with the
// largest estimate.
func TestPipelineEstimate(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	res := compilePipelined(t, g, tgt, "auto", 2)
	rep := checkPipelined(t, g, res, tgt, lenetBatch(2))
	// A stage on one controller: its layers' controller time per image
	// (issue and waits, the simulator's per-source latency) against the
	// estimate's stream time.
	latency := map[string]float64{}
	for _, src := range rep.Sources {
		latency[src.Layer] += src.LatencyNS
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
		for _, l := range st.Layers {
			got += latency[l]
		}
		t.Logf("stage %d %v: estimated %.0f ns, simulated %.0f ns", s, st.Layers, st.EstimatedNS, got)
		if math.Abs(got-st.EstimatedNS) > 0.05*st.EstimatedNS {
			t.Errorf("stage %d %v: estimated %.0f ns, the simulator's controller time of its layers is %.0f ns", s, st.Layers, st.EstimatedNS, got)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no stage on one controller")
	}
}

// TestPipelineModels: a residual network (skip connections crossing
// stages: rings deeper than 2) and the CNTK MNIST model, pipelined, are
// bit-exact on every frame of a batch of 5 in runs of 3 frames.
func TestPipelineModels(t *testing.T) {
	tgt := target.Default()
	for _, path := range []string{"../testdata/models/resnet-small-fashion-mnist.onnx", "../testdata/models/mnist-cntk/model.onnx"} {
		g := quantizeModel(t, path, "calib=random:2")
		res := compilePipelined(t, g, tgt, "auto", 3)
		shape := g.Inputs[0].Type.Shape
		batch := make([][]*tensor.Tensor, 5)
		for k := range batch {
			x := tensor.New(tensor.Float32, shape...)
			for i := range x.F32 {
				x.F32[i] = float32((i*(k+5))%29) / 28
			}
			batch[k] = []*tensor.Tensor{x}
		}
		checkPipelined(t, g, res, tgt, batch)
		depth := 0
		for _, st := range res.Stages {
			depth += len(st.Layers)
		}
		t.Logf("%s: %d stages over %d ops", path, len(res.Stages), depth)
		if len(res.Stages) < 2 {
			t.Errorf("%s: %d stage(s)", path, len(res.Stages))
		}
	}
}

// chunkTarget is the default target with 16 DPU lanes and 64 banks and
// controllers: the residual test network's 32- and 64-channel layers have
// several lane chunks, and -pipeline splits some of them by chunks, some
// by pixels and chunks.
func chunkTarget() *target.Target {
	tgt := *target.Default()
	tgt.Name = "lanes16-64banks"
	tgt.Geometry.DPULanes.Value = 16
	tgt.Geometry.Banks.Value = 64
	par := *tgt.Parallel
	par.Controllers.Value = 64
	tgt.Parallel = &par
	return &tgt
}

// TestPipelineChunks: layers split by output-channel chunks over
// controllers (each piece computing its chunks of every pixel on its own
// controller, no sub-array added), some by pixels too, compute every frame of a batch of 5
// (runs of 3 frames) bit-exactly, and a batch of 4 in one run equals the
// program without -pipeline image by image.
func TestPipelineChunks(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/resnet-small-fashion-mnist.onnx", "calib=random:2")
	tgt := chunkTarget()
	res := compilePipelined(t, g, tgt, "auto", 3)
	chunked, both := 0, 0
	for s, st := range res.Stages {
		t.Logf("stage %d: controllers %v %v %.1f us (%s) split %v", s, st.Controllers, st.Layers, st.EstimatedNS/1000, st.Busiest, st.Split)
		for _, x := range st.Split {
			if strings.Contains(x, "by chunks") {
				chunked++
			}
			if strings.Contains(x, "by pixels x") {
				both++
			}
		}
	}
	if chunked == 0 || both == 0 {
		t.Fatalf("%d layers split by chunks, %d of them by pixels too; want some of each", chunked, both)
	}
	shape := g.Inputs[0].Type.Shape
	batch := make([][]*tensor.Tensor, 5)
	for k := range batch {
		x := tensor.New(tensor.Float32, shape...)
		for i := range x.F32 {
			x.F32[i] = float32((i*(k+7))%31) / 30
		}
		batch[k] = []*tensor.Tensor{x}
	}
	checkPipelined(t, g, res, tgt, batch)

	m, err := mapGraph(g, tgt, "auto")
	if err != nil {
		t.Fatal(err)
	}
	flat, err := backend.Compile(m, tgt, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	one := compilePipelined(t, g, tgt, "auto", 4)
	run := func(res *backend.Result) [][]*tensor.Tensor {
		rt, err := pimrt.Load(res.Prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		outs, _, err := rt.RunBatch(batch[:4], sim.BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return outs
	}
	want, got := run(flat), run(one)
	for k := range want {
		for i := range want[k] {
			if d := firstDiff(want[k][i], got[k][i]); d >= 0 {
				t.Fatalf("image %d output %d element %d: not pipelined %v, pipelined %v", k, i, d, want[k][i].Float64At(d), got[k][i].Float64At(d))
			}
		}
	}
}
