package backend_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// windowBatch is n inputs of reprogramGraph's shape, each different.
func windowBatch(n int) [][]*tensor.Tensor { return patternBatch(n, 5, 41, true, 1, 8, 6, 6) }

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

// splitWindowStage compiles reprogramModel pipelined with 16 DPU lanes,
// so its window stage's reprogrammed layers are split over controllers
// by chunks, in runs of 4 frames; win is the window stage (the last).
func splitWindowStage(t *testing.T) (*ir.Graph, *target.Target, *backend.Result, backend.Stage) {
	g, tgt, _ := reprogramModel(t)
	tgt.Geometry.DPULanes.Value = 16
	res := compilePipelined(t, g, tgt, "auto", 4)
	return g, tgt, res, res.Stages[len(res.Stages)-1]
}

// TestWindowWeightLoader: in a window stage whose reprogrammed layers are
// split over controllers, every weight dload runs on a helper stream
// (reprogram_loader.go: the helper loads the next batch while the stage's
// stream writes the previous one) or, for the layers after the first, on
// the controller of the first stage not on controller 0, which prefetches
// them (window_prefetch.go),
// and the runs stay bit-exact (6 images in runs of 4 and 2: the load's
// tokens balance within a run).
func TestWindowWeightLoader(t *testing.T) {
	g, tgt, res, win := splitWindowStage(t)
	if !win.Window || len(win.Controllers) < 2 {
		t.Fatalf("window stage: controllers %v; want a split window stage", win.Controllers)
	}
	stream := streamOfPC(t, res.Prog)
	prefetcher := prefetchController(t, res)
	loads := 0
	for pc, in := range res.Prog.Code {
		if in.Op != isa.OpDload {
			continue
		}
		loads++
		if s := stream[pc]; s == win.Controllers[0] || (!slices.Contains(win.Controllers, s) && s != prefetcher) {
			t.Errorf("dload at pc %d runs on controller %d, not on a helper of the window stage (controllers %v) nor on the prefetching controller %d", pc, s, win.Controllers, prefetcher)
		}
	}
	if loads == 0 {
		t.Fatal("no dload: no reprogrammed layer")
	}
	checkPipelined(t, g, res, tgt, windowBatch(6))
}

// TestWindowWeightPrefetch: in a window stage whose reprogrammed layers
// are split over controllers, the second and third layers' weights are
// moved from the DRAM while the layer before them still computes
// (window_prefetch.go): in a traced run of 4 frames, some dload of each
// such layer's weights dispatches before the previous reprogrammed layer's
// last instruction issues (without the prefetch every one waits for the
// window's stream to reach the layer, after the previous layer's frame
// loop), on the prefetching stage's controller, and the layer's weight writes
// still follow every instruction of the layer before; a window helper that
// does not load writes a share of the prefetched batches. The runs stay bit-exact (6 images
// in runs of 4 and 2: the tokens balance within a run, and the words the
// prefetch reuses are cleared between runs).
func TestWindowWeightPrefetch(t *testing.T) {
	g, tgt, res, win := splitWindowStage(t)
	if !win.Window || len(win.Controllers) < 2 || len(win.Layers) < 3 {
		t.Fatalf("window stage: layers %v on controllers %v; want 3 reprogrammed layers split", win.Layers, win.Controllers)
	}
	batch := windowBatch(6)
	_, m := loadRoundTrip(t, res.Prog, tgt)
	mach := m.Exe.NewMachine()
	var tr strings.Builder
	mach.Trace = &tr
	if _, err := m.RunFramesOn(mach, batch[:4]); err != nil {
		t.Fatal(err)
	}
	// Per layer: the first dload of its weights (dispatch), the last
	// instruction of its own code (issue), the first weight write (issue).
	type span struct{ firstLoad, lastOwn, firstWrite float64 }
	spans := map[string]*span{}
	at := func(name string) *span {
		if spans[name] == nil {
			spans[name] = &span{firstLoad: math.Inf(1), lastOwn: math.Inf(-1), firstWrite: math.Inf(1)}
		}
		return spans[name]
	}
	for _, line := range strings.Split(tr.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		pc, err1 := strconv.Atoi(f[0])
		issue, err2 := strconv.ParseFloat(f[1], 64)
		dispatch, err3 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("trace line %q", line)
		}
		in := res.Prog.Code[pc]
		if in.Src < 0 || int(in.Src) >= len(res.Prog.Sources) {
			continue
		}
		layer := res.Prog.Sources[in.Src].Layer
		if name, ok := strings.CutSuffix(layer, " [weights]"); ok {
			s := at(name)
			switch in.Op {
			case isa.OpDload:
				s.firstLoad = min(s.firstLoad, dispatch)
			case isa.OpWrp:
				s.firstWrite = min(s.firstWrite, issue)
			}
			continue
		}
		at(layer).lastOwn = max(at(layer).lastOwn, issue)
	}
	for k := 1; k < 3; k++ {
		prev, cur := spans[win.Layers[k-1]], spans[win.Layers[k]]
		if prev == nil || cur == nil {
			t.Fatalf("layers %q, %q: not in the trace", win.Layers[k-1], win.Layers[k])
		}
		t.Logf("%s: first weight dload %.3f ns, first write %.3f ns; %s's last instruction %.3f ns", win.Layers[k], cur.firstLoad, cur.firstWrite, win.Layers[k-1], prev.lastOwn)
		if cur.firstLoad >= prev.lastOwn {
			t.Errorf("%s: first weight dload at %.3f ns, after %s's last instruction (%.3f ns): not prefetched", win.Layers[k], cur.firstLoad, win.Layers[k-1], prev.lastOwn)
		}
		if cur.firstWrite < prev.lastOwn {
			t.Errorf("%s: a weight write at %.3f ns, before %s's last instruction (%.3f ns) released the window", win.Layers[k], cur.firstWrite, win.Layers[k-1], prev.lastOwn)
		}
	}
	stream, prefetcher := streamOfPC(t, res.Prog), prefetchController(t, res)
	shared := 0 // weight writes on a window helper that does not load
	for pc, in := range res.Prog.Code {
		if in.Op == isa.OpDload && stream[pc] != win.Controllers[1] && stream[pc] != prefetcher {
			t.Errorf("dload at pc %d runs on controller %d, neither the loader (%d) nor the prefetching stage's (%d)", pc, stream[pc], win.Controllers[1], prefetcher)
		}
		if in.Op == isa.OpWrp && len(win.Controllers) > 2 && stream[pc] == win.Controllers[2] && strings.HasSuffix(res.Prog.Sources[in.Src].Layer, " [weights]") {
			shared++
		}
	}
	if len(win.Controllers) > 2 && shared == 0 {
		t.Errorf("no weight write on the window's helper %d: the prefetched batches are not shared with the helpers that do not load", win.Controllers[2])
	}
	checkPipelined(t, g, res, tgt, batch)
}

// streamOfPC is the stream (its controller: stream i runs on controller i)
// whose code each instruction of p is, by the instructions reachable from
// the stream's entry (falling through, and branching); -1 for none. A pc
// reachable from two streams fails the test.
func streamOfPC(t *testing.T, p *isa.Program) []int {
	t.Helper()
	of := slices.Repeat([]int{-1}, len(p.Code))
	for s, entry := range p.StreamEntries() {
		todo := []int{int(entry)}
		for len(todo) > 0 {
			pc := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			if pc < 0 || pc >= len(p.Code) || of[pc] == s {
				continue
			}
			if of[pc] >= 0 {
				t.Fatalf("pc %d is reachable from streams %d and %d", pc, of[pc], s)
			}
			of[pc] = s
			in := p.Code[pc]
			info := in.Op.Info()
			if nf := len(info.Fields); nf > 0 && info.Fields[nf-1].Kind == isa.FTarget {
				todo = append(todo, int(in.Args[nf-1]))
			}
			if in.Op != isa.OpHalt && in.Op != isa.OpJmp {
				todo = append(todo, pc+1)
			}
		}
	}
	return of
}

// prefetchController is the controller that prefetches the window stage's
// later weights (window_prefetch.go): the first stage's before the window
// that is not controller 0, else the first helper of such a stage.
func prefetchController(t *testing.T, res *backend.Result) int {
	t.Helper()
	for _, st := range res.Stages {
		if !st.Window && st.Controllers[0] != 0 {
			return st.Controllers[0]
		}
	}
	for _, st := range res.Stages {
		if !st.Window && len(st.Controllers) > 1 {
			return st.Controllers[1]
		}
	}
	t.Fatal("no controller before the window other than 0")
	return -1
}
