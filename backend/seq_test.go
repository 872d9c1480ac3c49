package backend_test

import (
	"github.com/pimc-dev/pimc/pimrt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// withSequencer is tgt with the plane sequencer of
// target/testdata/plane-sequencer.yaml (ISA v1.7 gdot): its area and its
// plane_step cost, on a copy.
func withSequencer(t testing.TB, tgt *target.Target) *target.Target {
	t.Helper()
	seq, err := target.Load(filepath.Join("..", "target", "testdata", "plane-sequencer.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := *tgt
	par := *tgt.Parallel
	par.PlaneSequencer = seq.Parallel.PlaneSequencer
	c.Parallel = &par
	c.Ops.PlaneStep = seq.Ops.PlaneStep
	c.Name = tgt.Name + "-seq"
	return &c
}

// withoutSequencer is tgt without a plane sequencer (the default target
// before s8, whose rounds are gbmacs), on a copy.
func withoutSequencer(t testing.TB, tgt *target.Target) *target.Target {
	t.Helper()
	c := *tgt
	if tgt.Parallel != nil {
		par := *tgt.Parallel
		par.PlaneSequencer = nil
		c.Parallel = &par
	}
	c.Ops.PlaneStep = nil
	c.Name = tgt.Name + "-noseq"
	return &c
}

// withSequencer2 is withSequencer(tgt) with two accumulators per
// sub-array (target/testdata/plane-sequencer-acc2.yaml): the rounds keep
// a gdot sequence in flight while draining the previous one.
func withSequencer2(t testing.TB, tgt *target.Target) *target.Target {
	t.Helper()
	c := withSequencer(t, tgt)
	acc2, err := target.Load(filepath.Join("..", "target", "testdata", "plane-sequencer-acc2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if acc2.Geometry.AccPerSubarray.Value != 2 {
		t.Fatalf("plane-sequencer-acc2.yaml: %v accumulators per sub-array", acc2.Geometry.AccPerSubarray.Value)
	}
	c.Geometry.AccPerSubarray = acc2.Geometry.AccPerSubarray
	c.Name = tgt.Name + "-seq-acc2"
	return c
}

// testTarget is tgt, or with PIMC_TEST_SEQUENCER=1 tgt with the plane
// sequencer when it has a parallel section (=2: and two accumulators per
// sub-array, overlapped rounds), so every bit-exactness test can be re-run
// on gdot rounds (tests asserting exact instruction counts then fail by
// design).
func testTarget(t testing.TB, tgt *target.Target) *target.Target {
	if tgt.Parallel == nil || tgt.HasPlaneSequencer() {
		return tgt
	}
	switch os.Getenv("PIMC_TEST_SEQUENCER") {
	case "1":
		return withSequencer(t, tgt)
	case "2":
		return withSequencer2(t, tgt)
	}
	return tgt
}

// opCounts counts p's instructions by opcode.
func opCounts(p *isa.Program) map[isa.Opcode]int {
	n := map[isa.Opcode]int{}
	for _, in := range p.Code {
		n[in.Op]++
	}
	return n
}

// TestSequencerModels: on the default target with the plane sequencer the
// rounds of matrix layers are gdots (none of their plane pairs stays a
// gbmac or bmac) and the models are bit-exact against the interpreter:
// MNIST (W8A8; W4A4; binary one-plane weights, W1A8, whose inputs'
// popcount corrections stay gbmacs), and a signed-input layer stack.
func TestSequencerModels(t *testing.T) {
	tgt := withSequencer(t, target.Default())
	dir := filepath.Join(corpusDir(t), "models", "mnist-cntk-zoo")
	m, err := tensorio.ReadNPZ(filepath.Join(dir, "test_data_0.npz"))
	if err != nil {
		t.Fatal(err)
	}
	x := m["inputs"]
	x.Shape = []int{1, 1, 28, 28}
	for _, opts := range []string{"calib=mnist", "calib=mnist,wbits=4,abits=4,keep-ends=false", "calib=mnist,wbits=1,abits=8,keep-ends=false"} {
		t.Run(opts, func(t *testing.T) {
			g := quantizeModel(t, filepath.Join(dir, "model.onnx"), opts)
			res, run := compileAndCheck(t, g, tgt, []*tensor.Tensor{x})
			n := opCounts(res.Prog)
			if n[isa.OpGdot] == 0 {
				t.Error("no gdot")
			}
			for pc, in := range res.Prog.Code {
				// only the one-plane form's popcount corrections (a row
				// ANDed with itself) stay bmacs or gbmacs
				if (in.Op == isa.OpBmac || in.Op == isa.OpGbmac) && (in.Args[2] != in.Args[4] || in.Args[3] != 0) {
					t.Fatalf("code[%d] %v: a plane pair outside a gdot", pc, isa.FormatInstr(in))
				}
			}
			plain, err := compileQuantized(g, withoutSequencer(t, target.Default()), "off")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d instructions (%d without the sequencer), %d steps", len(res.Prog.Code), len(plain.Prog.Code), run.Stats[0].Steps)
		})
	}
}

// TestSequencerPipeline: LeNet-5 with -pipeline on the sequencer's target
// is bit-exact on a batch of 6 (runs of 4 and 2 frames) and issues fewer
// instructions per image than without the sequencer.
func TestSequencerPipeline(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := withSequencer(t, target.Default())
	res := compilePipelined(t, g, tgt, "auto", 4)
	if opCounts(res.Prog)[isa.OpGdot] == 0 {
		t.Fatal("no gdot in the pipelined program")
	}
	rep := checkPipelined(t, g, res, tgt, lenetBatch(6))
	noseq := withoutSequencer(t, target.Default())
	plain := compilePipelined(t, g, noseq, "auto", 4)
	prep := checkPipelined(t, g, plain, noseq, lenetBatch(6))
	if rep.PerInference.Instructions >= prep.PerInference.Instructions {
		t.Errorf("%.0f instructions per image with the sequencer, %.0f without", rep.PerInference.Instructions, prep.PerInference.Instructions)
	}
	t.Logf("instructions per image %.0f (without the sequencer %.0f), pipeline bound %.1f ns (%.1f)", rep.PerInference.Instructions, prep.PerInference.Instructions, rep.PerInference.PipelineBoundNS, prep.PerInference.PipelineBoundNS)
}

// TestSequencerOverlap: with two accumulators per sub-array a round's
// gdots are issued before the previous round's drains, into the other
// accumulator (the first drain comes after a gdot into accumulator 1, and
// drains read both); with one accumulator every gdot goes into
// accumulator 0. With either, a layer's lane chunks on disjoint sub-arrays
// run as one batch (fc1), and LeNet-5 stays bit-exact against the
// interpreter.
func TestSequencerOverlap(t *testing.T) {
	one, two := withSequencer(t, target.Default()), withSequencer2(t, target.Default())
	for _, c := range []struct{ model, opts string }{
		{"../testdata/models/lenet5/lenet5.onnx", "calib=random:2"},
		{"../testdata/models/lenet5/lenet5.onnx", "calib=random:2,wbits=4,abits=4,keep-ends=false"},
	} {
		t.Run(c.opts, func(t *testing.T) {
			g := quantizeModel(t, c.model, c.opts)
			res, _ := compileAndCheck(t, g, two, lenetBatch(2)...)
			acc1, drained := false, [2]bool{}
			for pc, in := range res.Prog.Code {
				switch in.Op {
				case isa.OpGdot:
					acc1 = acc1 || in.Args[5] == 1
				case isa.OpVacc, isa.OpGvacc:
					a := in.Args[5]
					if in.Op == isa.OpGvacc {
						a = in.Args[6]
					}
					if !acc1 {
						t.Fatalf("code[%d] %v: a drain before any gdot into accumulator 1", pc, isa.FormatInstr(in))
					}
					drained[a] = true
				}
			}
			if !drained[0] || !drained[1] {
				t.Errorf("drains of accumulators 0/1: %v", drained)
			}
			base, _ := compileAndCheck(t, g, one, lenetBatch(2)...)
			// fc1's 120 filters are two lane chunks (64 lanes) on disjoint
			// sub-arrays: with either target they run as one batch, both
			// chunks' drains (into v0 and v6) before the layer's first vrq
			// (one chunk at a time, only chunk 0's).
			if got, want := drainsBeforeVrq(t, res.Prog, "fc1"), 2; got != want {
				t.Errorf("two accumulators: fc1 drains into %d DPU registers before its first vrq, want %d", got, want)
			}
			if got, want := drainsBeforeVrq(t, base.Prog, "fc1"), 2; got != want {
				t.Errorf("one accumulator: fc1 drains into %d DPU registers before its first vrq, want %d", got, want)
			}
			for pc, in := range base.Prog.Code {
				if in.Op == isa.OpGdot && in.Args[5] != 0 {
					t.Fatalf("one accumulator: code[%d] %v", pc, isa.FormatInstr(in))
				}
			}
		})
	}
}

// drainsBeforeVrq counts the DPU registers the drains of layer write
// before the layer's first vrq.
func drainsBeforeVrq(t *testing.T, p *isa.Program, layer string) int {
	t.Helper()
	regs, seen := map[int64]bool{}, false
	for _, in := range p.Code {
		if in.Src < 0 || p.Sources[in.Src].Layer != layer {
			continue
		}
		seen = true
		if in.Op == isa.OpVrq {
			break
		}
		if in.Op == isa.OpVacc || in.Op == isa.OpGvacc {
			regs[in.Args[0]] = true
		}
	}
	if !seen {
		t.Fatalf("no instruction of layer %q", layer)
	}
	return len(regs)
}

// TestSequencerDepthwiseBlocks: on the sequencer's target a depthwise
// layer's channels are gathered b at a time (block-diagonal groups,
// ir/mapping/block.go): kh*kw plds of b words instead of kh*kw one-word
// plds per channel. Bit-exact against the interpreter (depthwise, with a
// multiplier and stride 2, two input channels per group; W8A8 and W4A4;
// replicated). At W8A8 (16, 8 and 8 groups per block) the layers' plds
// fall at least 4-fold against the program without the sequencer; at
// W4A4 only the multiplier layer's groups are merged (elsewhere blocks
// would take more sub-arrays than the 32 groups per sub-array unblocked).
// A 1x1 layer of 320 filters (5 lane chunks on disjoint sub-arrays) runs
// them as one batch, the fifth chunk in v1 (chunkAccs), requantized in
// place before the others. The declared MACs are the ONNX layers' (the
// zero codes off the diagonal blocks are not counted).
func TestSequencerDepthwiseBlocks(t *testing.T) {
	seq := withSequencer(t, target.Default())
	for _, wa := range []string{"wbits=8,abits=8", "wbits=4,abits=4,keep-ends=false"} {
		for _, rep := range []string{"off", "auto"} {
			t.Run(wa+",replicate="+rep, func(t *testing.T) {
				b := newGB(t, 11)
				x := b.input(1, 3, 8, 8)
				y := b.relu(b.conv(x, 32, 3, 1, 1, 1, 1))
				var grouped []string // 32 groups each
				for _, c := range []struct{ F, stride, group int }{
					{32, 1, 32}, // depthwise
					{64, 2, 32}, // multiplier 2, stride 2
					{64, 1, 32}, // two input channels per group
				} {
					y = b.conv(y, c.F, 3, c.stride, 1, 1, c.group)
					grouped = append(grouped, y.Def.Name)
					y = b.relu(y)
				}
				wide := b.relu(b.conv(y, 320, 1, 1, 0, 1, 1))
				g, ins := b.finish(wa, b.conv(wide, 8, 1, 1, 0, 1, 1))
				plain, plainRun := compileAndCheckRep(t, g, withoutSequencer(t, target.Default()), rep, ins...)
				res, run := compileAndCheckRep(t, g, seq, rep, ins...)
				for _, name := range grouped {
					// executed, not static: the sequencer's pixel loops
					// are unrolled by two (double-buffered, emit_dbuf.go)
					got, base := layerRuns(res.Prog, run, name, isa.OpPld), layerRuns(plain.Prog, plainRun, name, isa.OpPld)
					if wa == "wbits=8,abits=8" && 4*got > base {
						t.Errorf("%s: %d plds, %d without the sequencer; want at most a quarter", name, got, base)
					}
					t.Logf("%s: %d plds, %d without the sequencer", name, got, base)
					if a, b := sourceMACs(res.Prog, name), sourceMACs(plain.Prog, name); a != b || a == 0 {
						t.Errorf("%s: declares %d MACs, %d without the sequencer", name, a, b)
					}
				}
				if rep == "off" {
					if got := drainsBeforeVrq(t, res.Prog, wide.Def.Inputs[0].Def.Name); got != 5 {
						t.Errorf("320 filters: drains into %d DPU registers before the first vrq, want 5", got)
					}
				}
			})
		}
	}
}

// sourceMACs is the MACs the sources of layer declare.
func sourceMACs(p *isa.Program, layer string) int64 {
	var n int64
	for _, s := range p.Sources {
		if s.Layer == layer {
			n += s.MACs
		}
	}
	return n
}

// layerRuns counts the executions of the instructions of opcode op that
// layer's source emitted, over run's device segments.
func layerRuns(p *isa.Program, run *pimrt.Result, layer string, op isa.Opcode) int64 {
	var n int64
	for _, st := range run.Stats {
		for pc, x := range st.PC {
			if in := p.Code[pc]; in.Op == op && in.Src >= 0 && p.Sources[in.Src].Layer == layer {
				n += x.Count
			}
		}
	}
	return n
}

// layerOps counts the instructions of opcode op that layer's source
// emitted (static: a loop body counts once).
func layerOps(p *isa.Program, layer string, op isa.Opcode) int {
	n := 0
	for _, in := range p.Code {
		if in.Op == op && in.Src >= 0 && p.Sources[in.Src].Layer == layer {
			n++
		}
	}
	return n
}
