package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestSimTracePipelinedRun: -trace on a pipelined program traces its first
// run, every frame of it: the last line is dispatched when the run ends
// (the report's pipelined_ns, one run of 4 frames here, not one image's
// run), and each line names the controller that issued it.
func TestSimTracePipelinedRun(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "p.pimb")
	if code, _, errs := runCLI("compile", embeddedLenet5, "-calib", "random:2", "-pipeline", "-pipeline-frames", "4", "-o", prog); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, 4*28*28)
	for i := range x {
		x[i] = rng.Float32()
	}
	in := filepath.Join(dir, "x.npy")
	if err := tensorio.Write(in, tensor.FromF32(x, 4, 1, 28, 28), ""); err != nil {
		t.Fatal(err)
	}
	trace, rep := filepath.Join(dir, "t.txt"), filepath.Join(dir, "r.json")
	if code, _, errs := runCLI("sim", prog, "-i", in, "-batch", "4", "-q", "-trace", trace, "-trace-limit", "0", "-report", rep); code != exitOK {
		t.Fatalf("sim: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r sim.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	tr, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(tr)), "\n")
	if !strings.HasPrefix(lines[0], "pc ctl   issue/ns") {
		t.Fatalf("header %q lacks the controller column", lines[0])
	}
	ctls := map[string]bool{}
	last := 0.0
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			t.Fatalf("trace line %q: want pc, controller, issue, dispatch, instruction", l)
		}
		ctls[f[1]] = true
		d, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			t.Fatalf("trace line %q: %v", l, err)
		}
		last = max(last, d)
	}
	if len(ctls) < 2 {
		t.Fatalf("trace lines from controllers %v, want every stage's", ctls)
	}
	if r.PipelinedRuns != 1 || r.PipelinedNS <= 0 || last != r.PipelinedNS {
		t.Fatalf("last dispatch %v ns, report: %d runs of %v ns; want the one run's end", last, r.PipelinedRuns, r.PipelinedNS)
	}
}
