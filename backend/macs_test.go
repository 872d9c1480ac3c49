package backend_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// checkDeclaredMACs compiles g, runs ins bit-exactly, and checks that the
// source of every matrix layer declares want[layer] MACs, that the binary
// round trip keeps them (format v1.2 and later), and that the simulator reports
// exactly those counts, marked "declared", with GOPS and TOPS/W from them.
func checkDeclaredMACs(t *testing.T, g *ir.Graph, in []*tensor.Tensor, want map[string]int64) *sim.Report {
	t.Helper()
	res, run := compileAndCheck(t, g, target.Default(), in)
	bin, err := isa.EncodeBinary(res.Prog)
	if err != nil {
		t.Fatal(err)
	}
	if bin[10] < 2 { // 1.4 with the target description
		t.Errorf("compiled program written as format 1.%d, want 1.2 or later (declared MACs)", bin[10])
	}
	back, err := isa.DecodeBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Sources, res.Prog.Sources) {
		t.Errorf("sources differ after the binary round trip:\n%+v\n%+v", back.Sources, res.Prog.Sources)
	}
	if len(res.Layers) != len(want) {
		t.Errorf("%d matrix layers, want %d", len(res.Layers), len(want))
	}
	exe, err := sim.Prepare(back, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	rep := exe.BuildReport([]*sim.RunStats{sim.CombineRuns(run.Stats)})
	var sum float64
	seen := 0
	for _, s := range rep.Sources {
		sum += s.MACs
		w, isLayer := want[s.Layer]
		switch {
		case isLayer:
			seen++
			if s.MACs != float64(w) || s.MACsSource != "declared" {
				t.Errorf("source %s: %g MACs (%s), want %d declared", s.Layer, s.MACs, s.MACsSource, w)
			}
		case s.MACsSource != "counted":
			t.Errorf("source %s: MACs source %q, want counted", s.Layer, s.MACsSource)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d matrix layers found among the report's sources", seen, len(want))
	}
	if rep.MACs != sum {
		t.Errorf("report MACs %g, sources add up to %g", rep.MACs, sum)
	}
	if g := 2 * rep.MACs / rep.PerInference.LatencyNS; math.Abs(rep.GOPS-g) > 1e-12*g {
		t.Errorf("GOPS %g, want 2 x MACs / latency = %g", rep.GOPS, g)
	}
	if w := 2 * rep.MACs / rep.PerInference.Energy.Total; math.Abs(rep.TOPSPerW-w) > 1e-12*w {
		t.Errorf("TOPS/W %g, want 2 x MACs / energy = %g", rep.TOPSPerW, w)
	}
	return rep
}

// TestLeNet5DeclaredMACs: the trained LeNet-5 reports its true workload,
// filters x K x output pixels per layer (conv1 6x25x28x28, conv2
// 16x150x10x10, fc1 120x400, fc2 84x120, fc3 10x84), at W8A8 and W4A4 —
// the bit-serial inference over-counted the fc layers.
func TestLeNet5DeclaredMACs(t *testing.T) {
	want := map[string]int64{"conv1": 6 * 25 * 784, "conv2": 16 * 150 * 100, "fc1": 120 * 400, "fc2": 84 * 120, "fc3": 10 * 84}
	var total int64
	for _, v := range want {
		total += v
	}
	for _, opts := range []string{"wbits=8,abits=8", "wbits=4,abits=4"} {
		t.Run(opts, func(t *testing.T) {
			g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := passes.NewManager().RunString(g, "canonicalize,quantize{calib=random:2,"+opts+"}"); err != nil {
				t.Fatal(err)
			}
			x := tensor.New(tensor.Float32, 1, 1, 28, 28)
			for i := range x.F32 {
				x.F32[i] = float32(i%17) / 16
			}
			rep := checkDeclaredMACs(t, g, []*tensor.Tensor{x}, want)
			if rep.MACs != float64(total) {
				t.Errorf("report MACs %g, want %d", rep.MACs, total)
			}
			t.Logf("%s: %g MACs, %.4g GOPS, %.4g TOPS/W", opts, rep.MACs, rep.GOPS, rep.TOPSPerW)
		})
	}
}

// TestGroupedPrunedDeclaredMACs: grouped and depthwise convolutions with
// pruned filters and input channels declare, per group, kept filters x
// kept columns x output pixels (the kept counts computed here from the
// quantized weight codes: a filter is kept if any of its codes is non-zero,
// a column if any filter of its group has a non-zero code there).
func TestGroupedPrunedDeclaredMACs(t *testing.T) {
	b := newGB(t, 3)
	x := b.input(1, 4, 9, 9)
	c1 := b.conv(x, 6, 3, 1, 1, 1, 2) // groups 2: 3 filters x 2 channels x 3x3 each
	w := c1.Def.Inputs[1].Const
	for k := 0; k < 2*9; k++ {
		w.F32[0*18+k] = 0 // filter 0 (group 0) pruned
	}
	for f := 3; f < 6; f++ {
		for k := 0; k < 9; k++ {
			w.F32[f*18+9+k] = 0 // channel 3 (group 1's second) pruned
		}
	}
	y := b.relu(c1)
	y = b.relu(b.conv(y, 6, 3, 2, 0, 1, 6)) // depthwise, stride 2: 4x4 pixels
	g, ins := b.finish("wbits=8,abits=8", y)

	want := map[string]int64{}
	var first string
	for _, n := range g.Nodes {
		if n.Op != ir.OpQConv {
			continue
		}
		ws := n.Inputs[1].Type.Shape
		F, K := ws[0], ws[1]*ws[2]*ws[3]
		groups := int(n.Int("group", 1))
		os := n.Outputs[0].Type.Shape
		pixels := int64(os[0] * os[2] * os[3])
		codes := n.Inputs[1].Const
		var macs int64
		for gi := 0; gi < groups; gi++ {
			fpg := F / groups
			filters, cols := 0, 0
			colKept := make([]bool, K)
			for f := gi * fpg; f < (gi+1)*fpg; f++ {
				nz := false
				for k := 0; k < K; k++ {
					if codes.Int64At(f*K+k) != 0 {
						nz, colKept[k] = true, true
					}
				}
				if nz {
					filters++
				}
			}
			for _, c := range colKept {
				if c {
					cols++
				}
			}
			macs += int64(filters * cols)
		}
		want[n.Name] = macs * pixels
		if first == "" {
			first = n.Name
		}
	}
	if len(want) != 2 || want[first] >= 6*18*81 {
		t.Fatalf("expected two qconv layers, the first pruned below 6x18x81 MACs: %v", want)
	}
	checkDeclaredMACs(t, g, ins[0], want)
}
