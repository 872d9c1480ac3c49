package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestSegmentsTogetherWrites: a convolution shaped like VGG-11-BN's
// features.4 (64 input channels, 3x3, 128 filters: 3 segments of 5 parts
// in lane chunks of 2, 2 and 1 parts) after a 64-filter one, compiled for
// one image and with -pipeline on 4 controllers (each layer x2 by pixels:
// a piece of one replica per controller, as features.4's on the default
// target). Its tiles are laid out with each
// segment's sub-arrays together (ir/mapping segmentsTogether,
// docs/PARALLEL.md §8.9), so every gather of a pixel's input planes
// (one block of plds) is followed by 5 group writes per plane, 40 for its
// 8 planes, where the chunk-major layout took 9 per plane (72); and every
// image is bit-exact against the interpreter.
func TestSegmentsTogetherWrites(t *testing.T) {
	b := newGB(t, 41)
	y := b.input(1, 3, 8, 8)
	y = b.relu(b.conv(y, 64, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 128, 3, 1, 1, 1, 1))
	g, ins := b.finish("wbits=8,abits=8", y)
	tgt := target.Default()
	// 4 controllers: the pipeline splits each layer x2 by pixels, one
	// replica per piece, each placed as a layer of its own (with 16 the
	// 128-filter layer is also split by chunks, each chunk piece writing
	// its own chunk's tiles).
	tgt.Parallel.Controllers.Value = 4
	// writesPerBlock: the layer's row writes (gwrp, wrp) per gather of a
	// pixel's first segment (pld into p0 at patch column 0).
	writesPerBlock := func(res *backend.Result) float64 {
		p := res.Prog
		name := ""
		for _, l := range res.Layers {
			if l.Filters == 128 {
				name = l.Node
			}
		}
		src := -1
		for i, s := range p.Sources {
			if name != "" && s.Layer == name {
				src = i
			}
		}
		if src < 0 {
			t.Fatalf("no source for the 128-filter layer")
		}
		writes, blocks := 0, 0
		for _, in := range p.Code {
			if int(in.Src) != src {
				continue
			}
			switch {
			case in.Op == isa.OpGwrp || in.Op == isa.OpWrp:
				writes++
			case in.Op == isa.OpPld && in.Args[0] == 0 && in.Args[1] == 0:
				blocks++
			}
		}
		if blocks == 0 {
			t.Fatalf("no gathers of the 128-filter layer")
		}
		return float64(writes) / float64(blocks)
	}
	res, _ := compileAndCheckRep(t, g, tgt, "off", ins...)
	if w := writesPerBlock(res); w != 40 {
		t.Errorf("one image: %.1f row writes per pixel's gather, want 40 (5 runs x 8 planes; chunk-major 72)", w)
	}
	pres := compilePipelined(t, g, tgt, "off", 4)
	pixelPieces := false
	for _, st := range pres.Stages {
		t.Logf("stage: controllers %v %v split %v", st.Controllers, st.Layers, st.Split)
		for _, sp := range st.Split {
			pixelPieces = pixelPieces || strings.HasSuffix(sp, " x2") && len(st.Controllers) == 2
		}
	}
	if !pixelPieces {
		t.Fatalf("no layer split x2 by pixels alone: the test no longer covers pixel pieces")
	}
	if w := writesPerBlock(pres); w != 40 {
		t.Errorf("-pipeline: %.1f row writes per pixel's gather, want 40", w)
	}
	checkPipelined(t, g, pres, tgt, lateWindowBatch(6))
}
