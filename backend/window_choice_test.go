package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// windowChoiceGraph is a model whose weights fill reprogramTarget's 16
// sub-arrays: an early convolution of 256 pixels per image, then one of 16
// and two deep ones of 4, which hold 12 of the 16 sub-arrays.
func windowChoiceGraph(t *testing.T) *ir.Graph {
	b := newGB(t, 23)
	x := b.input(1, 4, 16, 16)
	y := b.relu(b.conv(x, 8, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 32, 3, 4, 1, 1, 1))
	y = b.relu(b.conv(y, 64, 3, 2, 1, 1, 1))
	y = b.conv(y, 32, 3, 1, 1, 1, 1)
	g, _ := b.finish("wbits=8,abits=8", y)
	return g
}

// windowChoiceBatch is n inputs of windowChoiceGraph's shape, each
// different.
func windowChoiceBatch(n int) [][]*tensor.Tensor { return patternBatch(n, 7, 43, true, 1, 4, 16, 16) }

// compileWindow maps g (replicate=auto) and compiles it with -pipeline, 4
// frames per run and -window w.
func compileWindow(t *testing.T, g *ir.Graph, tgt *target.Target, w int) (*backend.Result, error) {
	t.Helper()
	m, err := mapGraph(g, tgt, "auto")
	if err != nil {
		t.Fatal(err)
	}
	return backend.Compile(m, tgt, backend.Options{Pipeline: true, Frames: 4, Window: w})
}

// TestWindowChoice: a model whose weights fit a full chip gets a window
// stage by choice under -pipeline (-window auto, docs/PARALLEL.md §8.3):
// its two deep convolutions (4 pixels each) are reprogrammed once per run
// in a window, their sub-arrays go to pixel pieces of the first
// convolution (256 pixels), and the estimated run is shorter than the
// stationary pipeline's (-window off, which keeps every weight
// stationary). Every image of a batch of 6 (runs of 4 and 2 frames) is
// bit-exact against the interpreter, for auto and for every forced window.
func TestWindowChoice(t *testing.T) {
	g, tgt := windowChoiceGraph(t), reprogramTarget()
	off, err := compileWindow(t, g, tgt, backend.WindowOff)
	if err != nil {
		t.Fatal(err)
	}
	auto, err := compileWindow(t, g, tgt, backend.WindowAuto)
	if err != nil {
		t.Fatal(err)
	}
	if off.Reprogram.Layers != 0 || off.Reprogram.Chosen || off.Stages[len(off.Stages)-1].Window {
		t.Errorf("-window off: %d layers reprogrammed; want every weight stationary, no window stage", off.Reprogram.Layers)
	}
	last := auto.Stages[len(auto.Stages)-1]
	t.Logf("auto: run %.1f us (off %.1f us), window stage %v", auto.RunNS/1000, off.RunNS/1000, last.Layers)
	if auto.Reprogram.Layers != 2 || !auto.Reprogram.Chosen || !last.Window || len(last.Layers) != 2 {
		t.Fatalf("-window auto: %d layers reprogrammed, last stage %v (window %v); want the 2 deep convolutions in a window stage", auto.Reprogram.Layers, last.Layers, last.Window)
	}
	if !(auto.RunNS < off.RunNS) {
		t.Errorf("-window auto: estimated run %.1f us, not below the stationary %.1f us", auto.RunNS/1000, off.RunNS/1000)
	}
	pieces := func(res *backend.Result) int {
		return len(res.Stages[0].Controllers)
	}
	if pieces(auto) <= pieces(off) {
		t.Errorf("first stage on %d controllers with the window, %d without; want more pixel pieces of the first convolution", pieces(auto), pieces(off))
	}
	var sum strings.Builder
	auto.WriteStages(&sum)
	if !strings.Contains(sum.String(), "window stage: op by op over the 4 frames of a run, weights written once per run") {
		t.Errorf("summary:\n%s", sum.String())
	}
	batch := windowChoiceBatch(6)
	checkPipelined(t, g, auto, tgt, batch)
	for w := 1; w <= 3; w++ {
		res, err := compileWindow(t, g, tgt, w)
		if err != nil {
			t.Fatalf("-window %d: %v", w, err)
		}
		if res.Reprogram.Layers != w {
			t.Errorf("-window %d: %d layers reprogrammed", w, res.Reprogram.Layers)
		}
		checkPipelined(t, g, res, tgt, batch)
	}
}

// TestWindowChoiceRefused: -window N asks for a window the model or the
// target cannot have; auto leaves a chip with room (an eighth of it free
// or more) and a target without DRAM stationary, byte for byte as -window
// off.
func TestWindowChoiceRefused(t *testing.T) {
	g, tgt := windowChoiceGraph(t), reprogramTarget()
	if _, err := compileWindow(t, g, tgt, 4); err == nil || !strings.Contains(err.Error(), "-window 4: the model has 4 matrix layers") {
		t.Errorf("-window 4: %v", err)
	}
	noDRAM := reprogramTarget()
	noDRAM.DRAM = nil
	if _, err := compileWindow(t, g, noDRAM, 2); err == nil || !strings.Contains(err.Error(), "no dram section") {
		t.Errorf("-window 2 without a DRAM: %v", err)
	}
	roomy := target.Default() // 1024 sub-arrays: the model leaves most free
	for _, tg := range []*target.Target{noDRAM, roomy} {
		off, err := compileWindow(t, g, tg, backend.WindowOff)
		if err != nil {
			t.Fatal(err)
		}
		auto, err := compileWindow(t, g, tg, backend.WindowAuto)
		if err != nil {
			t.Fatal(err)
		}
		a, err := isa.EncodeBinary(auto.Prog)
		if err != nil {
			t.Fatal(err)
		}
		o, err := isa.EncodeBinary(off.Prog)
		if err != nil {
			t.Fatal(err)
		}
		if auto.Reprogram.Layers != 0 || string(a) != string(o) {
			t.Errorf("target with %d sub-arrays: -window auto reprograms %d layers or differs from -window off", tg.Arch().Subarrays, auto.Reprogram.Layers)
		}
	}
}
