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

// bandModel is a convolution whose 16x16x16 output (5184 words with the
// margin its second reader needs) does not fit a 4096-word buffer beside
// the input, read by a max pool and a strided convolution.
func bandModel(t *testing.T) (*ir.Graph, func(int) *target.Target, [][]*tensor.Tensor) {
	b := newGB(t, 11)
	x := b.input(1, 3, 16, 16)
	y := b.relu(b.conv(x, 16, 3, 1, 1, 1, 1))
	p := b.pool(ir.OpMaxPool, y, 2, 2, 0, 0, 0)
	z := b.relu(b.conv(y, 8, 3, 2, 1, 1, 1))
	g, ins := b.finish("wbits=8,abits=8", p, z)
	small := func(words int) *target.Target {
		tgt := target.Default()
		tgt.Geometry.ActBufferWords.Value = int64(words)
		return tgt
	}
	return g, small, ins
}

// dramOps counts the dload and dstore instructions of p.
func dramOps(p *isa.Program) (loads, stores int) {
	for _, in := range p.Code {
		switch in.Op {
		case isa.OpDload:
			loads++
		case isa.OpDstore:
			stores++
		}
	}
	return loads, stores
}

// TestBands: a layer whose output does not fit the activation buffer is
// computed in bands of output rows stored to DRAM, and its readers (a pool,
// a convolution) load the input rows of each band: bit-exact against the
// interpreter. With room, the same model compiles without DRAM transfers.
func TestBands(t *testing.T) {
	g, small, ins := bandModel(t)
	res, _ := compileAndCheck(t, g, small(4608), ins...)
	l, s := dramOps(res.Prog)
	// conv: bands of 9 and 7 rows stored (2868 words free, 288-word
	// rows); pool: 4 bands of 2 output rows (1568 free: 4 input rows);
	// strided conv: 8 bands of 1 row (1056 free: 3 input rows).
	if s != 2 || l != 12 {
		t.Errorf("%d dload, %d dstore; want 12 and 2", l, s)
	}
	if len(res.Bands) != 3 || res.Bands[0].Bands != 2 || res.Bands[0].Rows != 9 || res.Bands[2].Bands != 8 || res.DRAMWords != 5184 {
		t.Errorf("bands %+v, %d DRAM words; want 3 layers (2 bands of 9 rows first, 8 last) and 5184 words", res.Bands, res.DRAMWords)
	}
	res, _ = compileAndCheck(t, g, target.Default(), ins...)
	if l, s := dramOps(res.Prog); l+s != 0 || len(res.Bands) != 0 {
		t.Errorf("with room: %d dload, %d dstore, bands %v", l, s, res.Bands)
	}
}

// TestBandsTooSmall: "activation buffer full" only when one band of one
// output row cannot fit; a target without DRAM keeps the old error.
func TestBandsTooSmall(t *testing.T) {
	g, small, _ := bandModel(t)
	_, err := compileQuantized(g, small(1800), "off")
	if err == nil || !strings.Contains(err.Error(), "activation buffer full: convolution in bands: one band of 1 output row needs 288 words") {
		t.Errorf("error %v", err)
	}
	noDRAM := small(4608)
	noDRAM.DRAM = nil
	_, err = compileQuantized(g, noDRAM, "off")
	if err == nil || !strings.Contains(err.Error(), "activation buffer full: a tensor of shape [1 16 16 16] needs 5184 words") {
		t.Errorf("without DRAM: error %v", err)
	}
}

// TestBandsNotUnderPipeline: -pipeline and -split keep every feature map
// in the activation buffer, so bandModel on a 4608-word buffer, which
// compiles in bands without them (TestBands), is refused with both ways
// out named; the error is still "activation buffer full".
func TestBandsNotUnderPipeline(t *testing.T) {
	g, small, _ := bandModel(t)
	tgt := small(4608)
	m, err := mapGraph(g, tgt, "off")
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []backend.Options{{Pipeline: true, Frames: 2}, {Split: true}} {
		_, err := backend.Compile(m, tgt, opts)
		if err == nil || !strings.Contains(err.Error(), "activation buffer full") || !strings.Contains(err.Error(), "compile without them, which bands feature maps through the DRAM, or use a target with a larger act_buffer_words") {
			t.Errorf("%+v: error %v; want activation buffer full, naming the banded compile and act_buffer_words", opts, err)
		}
	}
}

// TestBandsResidual: a residual block whose three 16x16x16 maps all live in
// DRAM: the second convolution reads and writes bands, the add reads two
// DRAM-resident inputs and writes a third in bands, the pool reads it.
func TestBandsResidual(t *testing.T) {
	b := newGB(t, 12)
	x := b.input(1, 3, 16, 16)
	y := b.relu(b.conv(x, 16, 3, 1, 1, 1, 1))
	z := b.conv(y, 16, 3, 1, 1, 1, 1)
	s := b.relu(b.op(ir.OpAdd, nil, y, z))
	p := b.pool(ir.OpMaxPool, s, 2, 2, 0, 0, 0)
	g, ins := b.finish("wbits=8,abits=8", p)
	tgt := target.Default()
	tgt.Geometry.ActBufferWords.Value = 4608
	res, _ := compileAndCheck(t, g, tgt, ins...)
	// Every layer moves its maps through DRAM: the first convolution
	// stores, the second loads and stores, the add loads two inputs and
	// stores, the pool loads.
	moves := map[string][2]int{}
	for _, in := range res.Prog.Code {
		if in.Src < 0 {
			continue
		}
		m := moves[res.Prog.Sources[in.Src].Layer]
		switch in.Op {
		case isa.OpDload:
			m[0]++
		case isa.OpDstore:
			m[1]++
		}
		moves[res.Prog.Sources[in.Src].Layer] = m
	}
	for layer, want := range map[string][2]int{"conv_3": {0, 1}, "conv_7": {1, 1}, "add_8": {2, 1}, "max_pool_10": {1, 0}} {
		if m := moves[layer]; (m[0] > 0) != (want[0] > 0) || (m[1] > 0) != (want[1] > 0) || m[0] < want[0] {
			t.Errorf("%s: %d dload, %d dstore; want loads %v, stores %v", layer, m[0], m[1], want[0] > 0, want[1] > 0)
		}
	}
	res, _ = compileAndCheck(t, g, target.Default(), ins...)
	if l, s := dramOps(res.Prog); l+s != 0 {
		t.Errorf("with room: %d dload, %d dstore", l, s)
	}
}
