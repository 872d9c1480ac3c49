package mapping_test

import (
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
)

// depthwiseGraph is x [1,C,6,6] -> a 3x3 convolution of group C/cg (cg
// input channels per group) and F filters, quantized at wbits/abits.
func depthwiseGraph(t *testing.T, C, F, cg int, wa string) *ir.Graph {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	g := &ir.Graph{Name: "dw", Stage: ir.StageCanonical}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, C, 6, 6}}}
	g.Inputs = []*ir.Value{x}
	rnd := func(name string, shape ...int) *ir.Value {
		w := tensor.New(tensor.Float32, shape...)
		for i := range w.F32 {
			w.F32[i] = float32(rng.Float64() - 0.5)
		}
		return g.AddConst(name, w)
	}
	n := &ir.Node{Op: ir.OpConv, Name: "dw", Inputs: []*ir.Value{x, rnd("w", F, cg, 3, 3), rnd("b", F)},
		Attrs: ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(1, 1, 1, 1), "dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(int64(C / cg))}}
	y := &ir.Value{Name: "y", Def: n}
	n.Outputs = []*ir.Value{y}
	ts, err := ir.InferTypes(n)
	if err != nil {
		t.Fatal(err)
	}
	y.Type = ts[0]
	g.Nodes = []*ir.Node{n}
	g.Outputs = []*ir.Value{y}
	if err := passes.NewManager().RunString(g, "quantize{calib=random:2,"+wa+"}"); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestBlockDiagonalGroups: on a geometry with Blocks (a plane-sequencer
// target) a grouped convolution's groups are merged b at a time into
// block-diagonal device groups, b the groups the unblocked layout stacks
// in one sub-array; without Blocks nothing changes. The codes outside the
// diagonal blocks are zero, every ONNX code is in its block, the mapping
// encodes and decodes back to the same layer, and a map_block that does
// not divide the groups is refused.
func TestBlockDiagonalGroups(t *testing.T) {
	for _, c := range []struct {
		C, F, cg  int
		wa        string
		wantBlock int
	}{
		{48, 48, 1, "wbits=8,abits=8", 16},                 // depthwise: 256 rows / (8 + 8) = 16 groups per sub-array, 3 sub-arrays
		{40, 80, 1, "wbits=8,abits=8", 10},                 // multiplier 2: 256 / (8 + 16) = 10, 4 sub-arrays
		{48, 96, 1, "wbits=8,abits=8", 1},                  // 10 per sub-array, 5 sub-arrays; 8 (a divisor of 48) would take 6
		{48, 48, 1, "wbits=4,abits=4,keep-ends=false", 24}, // 256 / 8 = 32; 28 blocks of 9 columns fit a row: 24 divides 48
		{32, 32, 2, "wbits=8,abits=8", 8},                  // two input channels per group (18 columns), 2 filters: 10 per sub-array
	} {
		g := depthwiseGraph(t, c.C, c.F, c.cg, c.wa)
		geo := defaultGeometry(t)
		geo.Blocks = false // a target without the plane sequencer
		plain, err := mapping.PlanGraph(g, geo, mapping.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if b := plain.Layers[0].Block; b > 1 {
			t.Fatalf("%+v: Block %d without a plane sequencer", c, b)
		}
		geo.Blocks = true
		p, err := mapping.PlanGraph(g, geo, mapping.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l := p.Layers[0]
		n := l.Node
		if max(l.Block, 1) != c.wantBlock || len(l.Groups) != c.C/c.cg/c.wantBlock {
			t.Fatalf("%+v: Block %d, %d groups; want %d, %d", c, l.Block, len(l.Groups), c.wantBlock, c.C/c.cg/c.wantBlock)
		}
		if l.Subarrays != plain.Layers[0].Subarrays {
			t.Errorf("%+v: %d sub-arrays blocked, %d unblocked", c, l.Subarrays, plain.Layers[0].Subarrays)
		}
		// Every ONNX code appears once, at its own block's column.
		w := n.Inputs[1].Const
		K := c.cg * 9
		seen, want := 0, 0
		for i := range w.Len() {
			if w.Int64At(i) != 0 {
				want++
			}
		}
		for gi, codes := range l.Codes() {
			grp := &l.Groups[gi]
			for i, row := range codes {
				f := grp.Filters[i]
				for j, v := range row {
					k := grp.Cols[j]
					if !l.InBlock(f, k) {
						if v != 0 {
							t.Fatalf("%+v: filter %d column %d outside its block holds %d", c, f, k, v)
						}
						continue
					}
					if onnx := w.Int64At(f*K + k%K); v != onnx {
						t.Fatalf("%+v: filter %d column %d: code %d, ONNX %d", c, f, k, v, onnx)
					}
					if v != 0 {
						seen++
					}
				}
			}
		}
		if seen != want {
			t.Errorf("%+v: %d non-zero codes in blocks, the ONNX weights have %d", c, seen, want)
		}
		mapping.Encode(l, geo)
		d, _, err := mapping.Decode(n)
		if err != nil {
			t.Fatal(err)
		}
		if d.Block != l.Block || !slices.Equal(d.Tiles, l.Tiles) || len(d.Groups) != len(l.Groups) {
			t.Fatalf("%+v: decoded Block %d, %d tiles, %d groups; planned %d, %d, %d", c, d.Block, len(d.Tiles), len(d.Groups), l.Block, len(l.Tiles), len(l.Groups))
		}
		for gi := range l.Groups {
			a, b := l.Groups[gi], d.Groups[gi]
			if !slices.Equal(a.Filters, b.Filters) || !slices.Equal(a.Cols, b.Cols) || !slices.Equal(a.Segs, b.Segs) {
				t.Fatalf("%+v: group %d decoded differently", c, gi)
			}
		}
		n.Attrs[mapping.AttrBlock] = ir.IntAttr(7) // divides none of the groups
		if _, _, err := mapping.Decode(n); err == nil || !strings.Contains(err.Error(), `"map_block"`) {
			t.Errorf("%+v: map_block 7: %v", c, err)
		}
	}
}
