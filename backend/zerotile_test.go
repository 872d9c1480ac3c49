package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestZeroTilesSkipped: a tile (a column segment x the filters of one part)
// whose weight codes are all zero is not placed, so its sub-array and its
// writes and ANDs are freed; the result stays bit-exact (compileAndCheck
// compares with the interpreter, which computes the full product). The
// layer is a 1x1 conv 512 -> 126 at W4A4 on 256 x 256 sub-arrays: 2
// segments of 256 channels x 2 parts of 63 filters (4 + 63*4 = 256 rows),
// one tile per sub-array.
func TestZeroTilesSkipped(t *testing.T) {
	tgt := target.Default()
	type tileID struct{ seg, part int }
	type costs struct {
		subarrays, rows int
		wrp, bmac, macs int64
		energyPJ        float64
		res             *backend.Result
	}
	run := func(zero []tileID) costs {
		b := newGB(t, 5)
		x := b.input(1, 512, 2, 2)
		y := b.conv(x, 126, 1, 1, 0, 1, 1)
		w := y.Def.Inputs[1].Const
		for _, z := range zero {
			for f := 63 * z.part; f < 63*(z.part+1); f++ {
				for c := 256 * z.seg; c < 256*(z.seg+1); c++ {
					w.F32[f*512+c] = 0
				}
			}
		}
		g, ins := b.finish("wbits=4,abits=4,keep-ends=false", b.relu(y))
		res, run := compileAndCheck(t, g, tgt, ins...)
		c := costs{res: res, subarrays: res.Subarrays, rows: res.WeightRows}
		exe, err := sim.Prepare(res.Prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		rep := exe.BuildReport(run.Stats)
		c.energyPJ = rep.PerInference.Energy.Total - rep.PerInference.Energy.Leakage
		c.bmac = rep.PerInference.Ops["and_sense"]
		c.wrp = rep.PerInference.Ops["row_write"]
		for _, src := range rep.Sources {
			if src.MACsSource == "declared" {
				c.macs += int64(src.MACs)
			}
		}
		return c
	}
	cases := []struct {
		zero               []tileID
		tiles, subs, wrows int
	}{
		{nil, 4, 4, 126 * 4 * 2},
		{[]tileID{{0, 0}}, 3, 3, 126 * 4 * 3 / 2},
		{[]tileID{{0, 0}, {1, 1}}, 2, 2, 126 * 4},
	}
	var prev costs
	for i, tc := range cases {
		c := run(tc.zero)
		l := c.res.Layers[0]
		t.Logf("zero tiles %v: %d tiles, %d sub-arrays, %d weight rows, %d ANDs, %d row writes, dynamic energy %.1f pJ", tc.zero, l.Tiles, c.subarrays, c.rows, c.bmac, c.wrp, c.energyPJ)
		if l.Segments != 2 || l.KeptFilters != 126 || l.KeptCols != 512 {
			t.Fatalf("segments %d, kept filters %d, kept columns %d: want 2, 126, 512 (the zero tiles must not remove whole filters or columns)", l.Segments, l.KeptFilters, l.KeptCols)
		}
		if l.Tiles != tc.tiles || c.subarrays != tc.subs || c.rows != tc.wrows {
			t.Errorf("zero tiles %v: %d tiles, %d sub-arrays, %d weight rows; want %d, %d, %d", tc.zero, l.Tiles, c.subarrays, c.rows, tc.tiles, tc.subs, tc.wrows)
		}
		// The declared MACs count the tiles computed: 63 filters x 256
		// columns x 4 pixels each.
		if want := int64(tc.tiles * 63 * 256 * 4); c.macs != want {
			t.Errorf("zero tiles %v: %d MACs, want %d", tc.zero, c.macs, want)
		}
		if i > 0 && !(c.energyPJ < prev.energyPJ && c.bmac < prev.bmac) {
			t.Errorf("zero tiles %v: dynamic energy %.1f pJ, %d ANDs; want less than %.1f pJ, %d ANDs", tc.zero, c.energyPJ, c.bmac, prev.energyPJ, prev.bmac)
		}
		prev = c
	}
}
