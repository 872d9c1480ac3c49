package backend_test

import (
	"bytes"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// prunedLayer builds one conv layer (C=32 -> F=62, 3x3: at W8A8 two
// sub-arrays of 31 filters per column segment, K = 288 in two segments
// within the 24-bit accumulator bound) whose weights have the first pf
// filters and the first pc input channels zeroed (structured pruning).
func prunedLayer(t *testing.T, pf, pc int) (*ir.Graph, [][]*tensor.Tensor) {
	b := newGB(t, 9)
	x := b.input(1, 32, 6, 6)
	y := b.conv(x, 62, 3, 1, 1, 1, 1)
	w := y.Def.Inputs[1].Const
	for f := 0; f < 62; f++ {
		for c := 0; c < 32; c++ {
			if f < pf || c < pc {
				for k := 0; k < 9; k++ {
					w.F32[(f*32+c)*9+k] = 0
				}
			}
		}
	}
	return b.finish("wbits=8,abits=8", b.relu(y))
}

type costs struct {
	subarrays, rows    int
	wrp, bmac          int64
	cyclesNS, energyPJ float64
	res                *backend.Result
}

func measure(t *testing.T, tgt *target.Target, pf, pc int) costs {
	t.Helper()
	g, ins := prunedLayer(t, pf, pc)
	res, run := compileAndCheck(t, g, tgt, ins...)
	var c costs
	c.res = res
	c.subarrays, c.rows = res.Subarrays, res.WeightRows
	exe, err := sim.Prepare(res.Prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	rep := exe.BuildReport(run.Stats)
	c.cyclesNS = rep.PerInference.LatencyNS
	// dynamic energy: leakage is static power x latency (docs/ISA.md §4),
	// so it follows the latency (checked below), not the work pruning removes
	c.energyPJ = rep.PerInference.Energy.Total - rep.PerInference.Energy.Leakage
	c.wrp = rep.PerInference.Ops["row_write"]
	c.bmac = rep.PerInference.Ops["and_sense"]
	return c
}

// TestPruningSavings: removing half the filters halves the sub-arrays'
// weight rows and the ANDs; removing half the input channels halves the
// patch (one segment instead of two), so the row writes and ANDs halve;
// dynamic energy falls with them, and so does the latency on the serial
// preset.
// With group instructions (the default target) one gbmac drives every
// sub-array of a filter round, so the latency follows the rounds (the
// filters per sub-array, 31 in all three layers), not the sub-arrays:
// pruning frees sub-arrays and energy but does not shorten the layer.
func TestPruningSavings(t *testing.T) {
	serial, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	for _, tgt := range []*target.Target{serial, target.Default()} {
		t.Run(tgt.Name, func(t *testing.T) { pruningSavings(t, tgt) })
	}
}

func pruningSavings(t *testing.T, tgt *target.Target) {
	base := measure(t, tgt, 0, 0)
	filt := measure(t, tgt, 31, 0)
	chan_ := measure(t, tgt, 0, 16)
	t.Logf("base %+v\nfilters/2 %+v\nchannels/2 %+v", base, filt, chan_)
	ratio := func(what string, got, want float64, tol float64) {
		t.Helper()
		if got < want*(1-tol) || got > want*(1+tol) {
			t.Errorf("%s: ratio %.3f, want %.3f (±%.0f%%)", what, got, want, tol*100)
		}
	}
	l0, lf, lc := base.res.Layers[0], filt.res.Layers[0], chan_.res.Layers[0]
	if lf.KeptFilters != 31 || lc.KeptCols != 16*9 || l0.Segments != 2 || lc.Segments != 1 {
		t.Fatalf("kept filters %d (want 31), kept columns %d (want 144), segments %d -> %d (want 2 -> 1)", lf.KeptFilters, lc.KeptCols, l0.Segments, lc.Segments)
	}
	ratio("filters/2: weight rows", float64(filt.rows)/float64(base.rows), 0.5, 0)
	ratio("filters/2: ANDs", float64(filt.bmac)/float64(base.bmac), 0.5, 0)
	ratio("filters/2: sub-arrays", float64(filt.subarrays)/float64(base.subarrays), 0.5, 0)
	ratio("filters/2: row writes", float64(filt.wrp)/float64(base.wrp), 0.5, 0) // one tile per segment instead of two
	ratio("channels/2: weight rows", float64(chan_.rows)/float64(base.rows), 0.5, 0)
	ratio("channels/2: row writes", float64(chan_.wrp)/float64(base.wrp), 0.5, 0)
	ratio("channels/2: ANDs", float64(chan_.bmac)/float64(base.bmac), 0.5, 0)
	ratio("channels/2: sub-arrays", float64(chan_.subarrays)/float64(base.subarrays), 0.5, 0)
	// Cycles and energy also contain DPU, buffer and control work that
	// pruning does not remove, so they fall to about half, not exactly.
	for _, c := range []struct {
		name string
		x    costs
	}{{"filters/2", filt}, {"channels/2", chan_}} {
		if r := c.x.energyPJ / base.energyPJ; r > 0.6 || r < 0.45 {
			t.Errorf("%s: energy ratio %.3f, want in [0.45, 0.6]", c.name, r)
		}
		lo, hi := 0.45, 0.6
		if tgt.Arch().GroupSubarrays > 0 {
			// 1.01: with the rotated filter loops (emit_rotated.go)
			// the base's rounds no longer wait longer than the pruned
			// layer's, and the pruned-channel layer's one segment is
			// written plane after plane on one group (a row write
			// holds the write unit 2.5 ns), the base's two segments
			// interleaved: 1 ns per pixel more (ratio 1.0004).
			lo, hi = 0.9, 1.01
		}
		if r := c.x.cyclesNS / base.cyclesNS; r > hi || r < lo {
			t.Errorf("%s: latency ratio %.3f, want in [%g, %g]", c.name, r, lo, hi)
		}
	}
}

// TestDeterministic: compiling twice gives the same bytes.
func TestDeterministic(t *testing.T) {
	var bins [][]byte
	for i := 0; i < 2; i++ {
		g, _ := prunedLayer(t, 5, 3)
		res, err := compileQuantized(g, target.Default(), "off")
		if err != nil {
			t.Fatal(err)
		}
		b, err := isa.EncodeBinary(res.Prog)
		if err != nil {
			t.Fatal(err)
		}
		bins = append(bins, b)
	}
	if !bytes.Equal(bins[0], bins[1]) {
		t.Fatal("two compilations of one graph differ")
	}
}

// TestCheckCanFail: flipping one weight bit of the compiled program makes
// the simulator disagree with the interpreter (the oracle comparison is
// real).
func TestCheckCanFail(t *testing.T) {
	g, ins := prunedLayer(t, 0, 0)
	res, err := compileQuantized(g, target.Default(), "off")
	if err != nil {
		t.Fatal(err)
	}
	res.Prog.Weights[len(res.Prog.Weights)/2].Bits[0] ^= 1
	m, err := pimrt.Load(res.Prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Run(ins[0])
	if err != nil {
		t.Fatal(err)
	}
	res2, want := compileAndCheck(t, g, target.Default(), ins[0])
	_ = res2
	if firstDiff(want.Outputs[0], got.Outputs[0]) < 0 {
		t.Fatal("a flipped weight bit went unnoticed")
	}
}
