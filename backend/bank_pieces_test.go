package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// bankPiecesGraph is a 64-filter then a 128-filter 3x3 convolution over an
// 8x8 input (the second is VGG-11-BN's features.4 shape: 128 filters over
// 64 channels, its rounds draining in 7 runs).
func bankPiecesGraph(t *testing.T) *ir.Graph {
	t.Helper()
	b := newGB(t, 41)
	y := b.input(1, 3, 8, 8)
	y = b.relu(b.conv(y, 64, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 128, 3, 1, 1, 1, 1))
	g, _ := b.finish("wbits=8,abits=8", y)
	return g
}

// oneBank is the default target's sub-arrays in one bank, with ctl
// controllers.
func oneBank(ctl int64) *target.Target {
	tgt := target.Default()
	tgt.Geometry.MatsPerBank.Value *= tgt.Geometry.Banks.Value
	tgt.Geometry.Banks.Value = 1
	tgt.Parallel.Controllers.Value = ctl
	return tgt
}

// TestBankPiecesSplitGdots: a layer whose rounds drain in 7 runs (a
// 128-filter 3x3 convolution over 64 channels, VGG-11-BN's features.4
// shape) splits each round's gdot into one per drain run (§8.7) while the
// split gdots of all its pixel pieces that share a bank fit the bank's 16
// plane sequences: on one bank of 1024 sub-arrays, 2 pieces (14 in
// flight) still split, 3 pieces (21) issue one gdot per round
// (docs/PARALLEL.md §8.11). Each image of a batch of 6 is bit-exact
// against the interpreter either way.
func TestBankPiecesSplitGdots(t *testing.T) {
	g := bankPiecesGraph(t)
	// gdotsPerPiece compiles g -pipeline on ctl controllers and one bank
	// and returns the 128-filter layer's split ("x2", "x3") and its gdot
	// instructions per piece.
	gdotsPerPiece := func(ctl int64) (string, int, *backend.Result, *target.Target) {
		tgt := oneBank(ctl)
		res := compilePipelined(t, g, tgt, "off", 4)
		name := ""
		for _, l := range res.Layers {
			if l.Filters == 128 {
				name = l.Node
			}
		}
		split := ""
		for _, st := range res.Stages {
			for _, sp := range st.Split {
				if n, x, ok := strings.Cut(sp, " "); ok && n == name {
					split = x
				}
			}
		}
		pieces := 1
		if split != "" {
			pieces = int(split[1] - '0')
		}
		n := 0
		for _, in := range res.Prog.Code {
			if in.Op == isa.OpGdot && in.Src >= 0 && res.Prog.Sources[in.Src].Layer == name {
				n++
			}
		}
		return split, n / pieces, res, tgt
	}
	s2, n2, _, _ := gdotsPerPiece(3)
	s3, n3, res3, tgt3 := gdotsPerPiece(6)
	if s2 != "x2" || s3 != "x3" {
		t.Fatalf("the 128-filter layer split %q on 3 controllers and %q on 6, want x2 and x3: the test no longer covers pieces sharing a bank", s2, s3)
	}
	if n3*4 > n2 {
		t.Errorf("%d gdots per piece in 3 pieces on one bank, %d in 2: want one per round (about 7 times fewer)", n3, n2)
	}
	checkPipelined(t, g, res3, tgt3, patternBatch(6, 3, 37, true, 1, 3, 8, 8))
}

// TestBankPiecesChunkPieces: on one bank with 12 controllers the 128-filter
// layer of TestBankPiecesSplitGdots splits into 4 pixel pieces x 2 chunk
// pieces, 8 streams in the bank, whose split gdots (7 per round each)
// would need 56 of its 16 sequences: each piece issues one gdot per round.
// Until s12 only the pixel pieces were counted, and the pieces split their
// gdots (40 per piece here instead of 12; VGG-11-BN on 32 controllers ran
// 19% slower than on 16, docs/PARALLEL.md §8.12). Bit-exact against the
// interpreter on a batch of 6.
func TestBankPiecesChunkPieces(t *testing.T) {
	g := bankPiecesGraph(t)
	tgt := oneBank(12)
	res := compilePipelined(t, g, tgt, "off", 4)
	name, split := "", ""
	for _, l := range res.Layers {
		if l.Filters == 128 {
			name = l.Node
		}
	}
	for _, st := range res.Stages {
		for _, sp := range st.Split {
			if n, x, ok := strings.Cut(sp, " "); ok && n == name {
				split = x
			}
		}
	}
	if split != "x8 (4 by pixels x 2 by chunks)" {
		t.Fatalf("the 128-filter layer split %q on 12 controllers, want x8 (4 by pixels x 2 by chunks): the test no longer covers pixel and chunk pieces sharing a bank", split)
	}
	n := 0
	for _, in := range res.Prog.Code {
		if in.Op == isa.OpGdot && in.Src >= 0 && res.Prog.Sources[in.Src].Layer == name {
			n++
		}
	}
	if n/8 > 16 {
		t.Errorf("%d gdots per piece of the 8 in one bank: want one per round (at most 16), not split", n/8)
	}
	checkPipelined(t, g, res, tgt, patternBatch(6, 3, 37, true, 1, 3, 8, 8))
}
