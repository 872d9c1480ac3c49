package admm_test

import (
	"fmt"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestBlockFreesSubarrays: block pruning's tiles are the mapper's (the
// device column order and the filters per tile of mapping.FiltersPerTile),
// so on LeNet-5's fc1 (120 x 400 at W4A4 on 256 x 256 sub-arrays: 2
// segments of 256 + 144 columns x 2 parts of 60 filters, one tile per
// sub-array) every pruned block is a tile the mapper skips: 4, 3, 2
// sub-arrays at block 0, 0.25, 0.5, the dynamic energy falling with them,
// and the program still bit-exact against the interpreter.
func TestBlockFreesSubarrays(t *testing.T) {
	tgt := target.Default()
	var prevE float64
	for i, ratio := range []float64{0, 0.25, 0.5} {
		g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
		if err != nil {
			t.Fatal(err)
		}
		layers, _, specs := configured(t, g, fmt.Sprintf("defaults: {wbits: 4}\ngeometry: {rows: 256, cols: 256, abits: 4}\nlayers: {fc1: {prune: {block: %g}}}\n", ratio))
		for _, l := range layers {
			if l.Name == "fc1" {
				w := l.Weight.Const.F32
				if _, err := admm.ProjectPrune(w, w, l.Shape, specs["fc1"].Prunes); err != nil {
					t.Fatal(err)
				}
			}
		}
		res, err := driver.Compile(g, driver.Options{WBits: 4, ABits: 4, Calib: "random:4", Replicate: "off", Target: tgt})
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.New(tensor.Float32, 1, 1, 28, 28)
		for j := range x.F32 {
			x.F32[j] = float32(j%29) / 28
		}
		if v, err := driver.Verify(g, res, []*tensor.Tensor{x}); err != nil || v.DeviceSegments == 0 {
			t.Fatalf("block %g: verify: %+v, %v", ratio, v, err)
		}
		m, err := pimrt.Load(res.Prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		run, err := m.Run([]*tensor.Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		exe, err := sim.Prepare(res.Prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		rep := exe.BuildReport(run.Stats)
		energy := rep.PerInference.Energy.Total - rep.PerInference.Energy.Leakage
		for _, l := range res.Layers {
			if l.Node != "fc1" {
				continue
			}
			t.Logf("block %g: fc1 %d tiles on %d sub-arrays (%d filters x %d columns kept), model %d sub-arrays, dynamic energy %.1f pJ", ratio, l.Tiles, l.Subarrays, l.KeptFilters, l.KeptCols, res.Subarrays, energy)
			if want := 4 - 4*ratio; l.Tiles != int(want) || l.Subarrays != int(want) || l.M != 4 || l.N != 4 {
				t.Errorf("block %g: fc1 %d tiles, %d sub-arrays, W%dA%d; want %g, %g, W4A4", ratio, l.Tiles, l.Subarrays, l.M, l.N, want, want)
			}
		}
		if i > 0 && energy >= prevE {
			t.Errorf("block %g: dynamic energy %.1f pJ, not below %.1f pJ", ratio, energy, prevE)
		}
		prevE = energy
	}
}
