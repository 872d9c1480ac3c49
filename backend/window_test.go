package backend_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
)

// windowBatch is n inputs of reprogramGraph's shape, each different.
func windowBatch(n int) [][]*tensor.Tensor {
	batch := make([][]*tensor.Tensor, n)
	for k := range batch {
		x := tensor.New(tensor.Float32, 1, 8, 6, 6)
		for i := range x.F32 {
			x.F32[i] = float32((i*(k+5))%41)/20 - 1
		}
		batch[k] = []*tensor.Tensor{x}
	}
	return batch
}

// TestPipelineWindow: a model whose weights need more sub-arrays than the
// target has (reprogramModel: 3 of its 4 convolutions reprogrammed) compiles
// with -pipeline into stages before a window stage, the last, holding every
// op from the first reprogrammed layer on (docs/PARALLEL.md §8.2); every
// image of a batch of 6 (runs of 4 and 2 frames) is bit-exact against the
// interpreter, and the reprogrammed layers' weights are written once per
// run: per image, a quarter of what the program that is not pipelined
// writes for every image.
func TestPipelineWindow(t *testing.T) {
	g, tgt, _ := reprogramModel(t)
	res := compilePipelined(t, g, tgt, "auto", 4)
	if len(res.Stages) < 2 {
		t.Fatalf("%d stages, want stages before a window stage", len(res.Stages))
	}
	for s, st := range res.Stages {
		t.Logf("stage %d: controllers %v %v %.1f us (%s) window %v", s, st.Controllers, st.Layers, st.EstimatedNS/1000, st.Busiest, st.Window)
		if st.Window != (s == len(res.Stages)-1) {
			t.Errorf("stage %d: window %v; want the last stage alone", s, st.Window)
		}
	}
	last := res.Stages[len(res.Stages)-1]
	if len(last.Layers) != 3 || len(last.Controllers) != 1 {
		t.Errorf("window stage: layers %v on controllers %v; want the 3 reprogrammed convolutions on one", last.Layers, last.Controllers)
	}
	var sum strings.Builder
	res.WriteStages(&sum)
	if !strings.Contains(sum.String(), "window stage: op by op over the 4 frames of a run, weights written once per run") {
		t.Errorf("summary:\n%s", sum.String())
	}
	if res.Reprogram.Layers != 3 {
		t.Errorf("%d layers reprogrammed, want 3", res.Reprogram.Layers)
	}
	batch := windowBatch(6)
	checkPipelined(t, g, res, tgt, batch)

	// Weight writes per image: one run of 4 frames against the program
	// that is not pipelined.
	m, err := mapGraph(g, tgt, "auto")
	if err != nil {
		t.Fatal(err)
	}
	flat, err := backend.Compile(m, tgt, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	weights := func(res *backend.Result) float64 {
		rt, err := pimrt.Load(res.Prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		_, rep, err := rt.RunBatch(batch[:4], sim.BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0.0
		for _, s := range rep.Sources {
			if strings.HasSuffix(s.Layer, " [weights]") {
				n += s.Instructions
			}
		}
		return n
	}
	wf, wp := weights(flat), weights(res)
	if wf == 0 || math.Abs(4*wp-wf) > 1e-6*wf {
		t.Errorf("weight-writing instructions per image: %.2f pipelined, %.2f not; want a quarter", wp, wf)
	}
}

// TestPipelineWindowChunks: with 16 DPU lanes the window stage's
// reprogrammed convolutions (32 and 64 filters) have lane chunks, and each
// is split by chunks over the controllers local to the window's banks,
// whose helper streams loop over the window's ops as its stream does:
// every image of a batch of 6 (runs of 4 and 2 frames) is still bit-exact.
func TestPipelineWindowChunks(t *testing.T) {
	g, tgt, _ := reprogramModel(t)
	tgt.Geometry.DPULanes.Value = 16
	res := compilePipelined(t, g, tgt, "auto", 4)
	last := res.Stages[len(res.Stages)-1]
	t.Logf("window stage: controllers %v %v split %v", last.Controllers, last.Layers, last.Split)
	if !last.Window || len(last.Split) != 3 || len(last.Controllers) < 2 {
		t.Fatalf("window stage: controllers %v, split %v; want its 3 convolutions split by chunks", last.Controllers, last.Split)
	}
	for _, c := range last.Controllers {
		if b := c * 16 / int(tgt.Controllers()); b < res.Reprogram.Window {
			t.Errorf("window controller %d is local to bank %d, below the window (sub-array %d on)", c, b, res.Reprogram.Window)
		}
	}
	var sum strings.Builder
	res.WriteStages(&sum)
	if !strings.Contains(sum.String(), "by chunks; window stage: op by op") {
		t.Errorf("summary:\n%s", sum.String())
	}
	checkPipelined(t, g, res, tgt, windowBatch(6))
}

// TestWindowWeightLoader: in a window stage whose reprogrammed layers are
// split over controllers, every weight dload runs on a helper stream
// (reprogram_loader.go: the helper loads the next batch while the stage's
// stream writes the previous one), and the runs stay bit-exact (6 images
// in runs of 4 and 2: the load's tokens balance within a run).
func TestWindowWeightLoader(t *testing.T) {
	g, tgt, _ := reprogramModel(t)
	tgt.Geometry.DPULanes.Value = 16
	res := compilePipelined(t, g, tgt, "auto", 4)
	win := res.Stages[len(res.Stages)-1]
	if !win.Window || len(win.Controllers) < 2 {
		t.Fatalf("window stage: controllers %v; want a split window stage", win.Controllers)
	}
	// Stream i runs on controller i (its entry: the first pc of its code).
	entries := res.Prog.StreamEntries()
	stream := func(pc int) int {
		s := -1
		for i, e := range entries {
			if int(e) <= pc && (s < 0 || e > entries[s]) {
				s = i
			}
		}
		return s
	}
	loads := 0
	for pc, in := range res.Prog.Code {
		if in.Op != isa.OpDload {
			continue
		}
		loads++
		if s := stream(pc); s == win.Controllers[0] || !slices.Contains(win.Controllers, s) {
			t.Errorf("dload at pc %d runs on controller %d, not on a helper of the window stage (controllers %v)", pc, s, win.Controllers)
		}
	}
	if loads == 0 {
		t.Fatal("no dload: no reprogrammed layer")
	}
	checkPipelined(t, g, res, tgt, windowBatch(6))
}
