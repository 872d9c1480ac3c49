package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// reprogramModel is four convolutions whose weights need 23 sub-arrays
// (2, 6, 9 and 6 at W8A8), and a target of 16 sub-arrays (16 banks of
// one) with the default DRAM.
func reprogramModel(t *testing.T) (*ir.Graph, *target.Target, [][]*tensor.Tensor) {
	g, ins := reprogramGraph(t)
	return g, reprogramTarget(), ins
}

// reprogramTarget is the default target with 16 sub-arrays, one per bank.
func reprogramTarget() *target.Target {
	tgt := target.Default()
	tgt.Geometry.MatsPerBank.Value = 1
	tgt.Geometry.SubarraysPerMat.Value = 1
	return tgt
}

// reprogramGraph is reprogramModel's graph and inputs.
func reprogramGraph(t *testing.T) (*ir.Graph, [][]*tensor.Tensor) {
	b := newGB(t, 21)
	x := b.input(1, 8, 6, 6)
	y := b.relu(b.conv(x, 32, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 64, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 64, 3, 1, 1, 1, 1))
	y = b.conv(y, 32, 3, 1, 1, 1, 1)
	return b.finish("wbits=8,abits=8", y)
}

// TestReprogram: weights beyond the target's sub-arrays are written from
// the DRAM each time their layer runs, in a window the reprogrammed layers
// share, bit-exact against the interpreter. The first layer stays
// stationary; the others' rows are not in the weight image but in the DRAM
// image, and each is written once per image.
func TestReprogram(t *testing.T) {
	g, tgt, ins := reprogramModel(t)
	res, _ := compileAndCheck(t, g, tgt, ins...)
	r := res.Reprogram
	if r.Layers != 3 || r.Window != 7 || res.Subarrays != 16 {
		t.Errorf("reprogram %+v, %d sub-arrays; want 3 layers in the window from sub-array 7 and all 16 used", r, res.Subarrays)
	}
	rows := 0
	for i, l := range res.Layers {
		if l.Reprogrammed != (i > 0) {
			t.Errorf("layer %d %s: reprogrammed %v", i, l.Node, l.Reprogrammed)
		}
		if l.Reprogrammed {
			rows += l.WeightRows
			if l.FirstSubarray != 7 {
				t.Errorf("layer %d from sub-array %d, want the window's 7", i, l.FirstSubarray)
			}
		}
	}
	p := res.Prog
	if r.Rows != rows || len(p.Weights) != res.Layers[0].WeightRows {
		t.Errorf("%d rows reprogrammed, %d in the weight image; want %d and %d", r.Rows, len(p.Weights), rows, res.Layers[0].WeightRows)
	}
	words := 0
	for _, blk := range p.DRAM {
		words += len(blk.Data)
		if blk.Type.Signed() || blk.Type.Bits() > 31 {
			t.Errorf("DRAM block %s of type %v", blk.Name, blk.Type)
		}
	}
	if words != r.DRAMWords || res.DRAMWords != 0 {
		t.Errorf("%d DRAM image words, %d feature-map words; want %d and 0", words, res.DRAMWords, r.DRAMWords)
	}
	// Every reprogrammed row is written once per image: the run writes
	// that many rows more than the same model with every weight
	// stationary (32 banks of one sub-array; the same tiles elsewhere).
	big := reprogramTarget()
	big.Geometry.Banks.Value = 32
	stationary, err := compileQuantized(g, big, "off")
	if err != nil {
		t.Fatal(err)
	}
	if n := stationary.Reprogram.Layers; n != 0 {
		t.Fatalf("%d layers reprogrammed on 32 sub-arrays", n)
	}
	writes := func(p *isa.Program, tgt *target.Target) int64 {
		m, err := sim.Load(p, tgt)
		if err != nil {
			t.Fatal(err)
		}
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return m.Report(st).PerInference.Ops["row_write"]
	}
	if got, base := writes(p, tgt), writes(stationary.Prog, big); got-base != int64(rows) {
		t.Errorf("%d row writes per image, %d with every weight stationary: %d more, want the %d reprogrammed rows", got, base, got-base, rows)
	}
	// 16-bit ABUF words hold chunks of at most 15 rows.
	narrow := reprogramTarget()
	narrow.Geometry.ActWordBits.Value = 16
	res, _ = compileAndCheck(t, g, narrow, ins...)
	for _, blk := range res.Prog.DRAM {
		if blk.Type.Bits() > 15 {
			t.Errorf("16-bit words: DRAM block %s of type %v", blk.Name, blk.Type)
		}
	}
}

// TestReprogramRefused: without a DRAM the old error stands (with the
// hint); a layer alone larger than the chip is refused by name; -split
// refuses reprogrammed layers, and so does -pipeline on one controller
// (its window stage needs a controller of its own).
func TestReprogramRefused(t *testing.T) {
	g, tgt, _ := reprogramModel(t)
	noDRAM := reprogramTarget()
	noDRAM.DRAM = nil
	_, err := compileQuantized(g, noDRAM, "off")
	if err == nil || !strings.Contains(err.Error(), "the model needs 23 sub-arrays for its weights") || !strings.Contains(err.Error(), "or a target with a dram section") {
		t.Errorf("without DRAM: %v", err)
	}
	tiny := reprogramTarget()
	tiny.Geometry.Banks.Value = 8
	_, err = compileQuantized(g, tiny, "off")
	if err == nil || !strings.Contains(err.Error(), "the layer alone needs 9 sub-arrays for its weights, the target \"sot-mram-45nm\" has 8") {
		t.Errorf("a layer larger than the chip: %v", err)
	}
	m, err := mapGraph(g, tgt, "off")
	if err != nil {
		t.Fatal(err)
	}
	_, err = backend.Compile(m, tgt, backend.Options{Split: true})
	if err == nil || !strings.Contains(err.Error(), "-split needs every weight stationary") {
		t.Errorf("-split: %v", err)
	}
	one := reprogramTarget()
	one.Parallel.Controllers.Value = 1
	m1, err := mapGraph(g, one, "off")
	if err != nil {
		t.Fatal(err)
	}
	_, err = backend.Compile(m1, one, backend.Options{Pipeline: true})
	if err == nil || !strings.Contains(err.Error(), "needs a window stage on a controller of its own") {
		t.Errorf("-pipeline on one controller: %v", err)
	}
	// Only reprogrammed layers may share sub-arrays: the last one made
	// stationary collides with the others in the window.
	last := m.Nodes[len(m.Nodes)-1]
	for i := len(m.Nodes) - 1; !mapping.HasMapping(last); i-- {
		last = m.Nodes[i]
	}
	delete(last.Attrs, mapping.AttrReprogram)
	_, err = backend.Compile(m, tgt, backend.Options{})
	if err == nil || !strings.Contains(err.Error(), "mapping: sub-array 7 also holds tiles of") {
		t.Errorf("a stationary layer in the window: %v", err)
	}
}
