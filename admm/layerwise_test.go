package admm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/train"
)

// lenetSamples returns n inputs [1, 1, 28, 28] with blob-like structure
// (smooth random strokes), deterministic from seed.
func lenetSamples(n int, seed uint64) []*tensor.Tensor {
	r := rand.New(rand.NewPCG(seed, 11))
	out := make([]*tensor.Tensor, n)
	for i := range out {
		t := tensor.New(tensor.Float32, 1, 1, 28, 28)
		cx, cy := 8+r.Float64()*12, 8+r.Float64()*12
		dx, dy := r.NormFloat64(), r.NormFloat64()
		for s := 0.0; s < 10; s += 0.25 {
			x, y := int(cx+dx*s), int(cy+dy*s)
			for oy := -1; oy <= 1; oy++ {
				for ox := -1; ox <= 1; ox++ {
					if yy, xx := y+oy, x+ox; yy >= 0 && yy < 28 && xx >= 0 && xx < 28 {
						t.F32[yy*28+xx] = 1
					}
				}
			}
		}
		out[i] = t
	}
	return out
}

func testSpecs(t *testing.T, g *ir.Graph, yml string) (map[string]Spec, []*Layer) {
	t.Helper()
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := Layers(g)
	specs, err := cfg.Resolve(layers)
	if err != nil {
		t.Fatal(err)
	}
	return specs, layers
}

const lenetConfig = `
defaults: {prune: {filter: 0.25, column: 0.5}, wbits: 4}
layers:
  fc1: {prune: {filter: 0.5, irregular: 0.3}, wbits: 3}
  fc2: {prune: {block: 0.5}, tile: [16, 32]}
`

func TestLayerwiseReducesErrorAndIsExact(t *testing.T) {
	g, err := train.Build("lenet5", []int{1, 28, 28}, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	specs, layers := testSpecs(t, g, lenetConfig)
	if sp := specs["conv1"]; len(sp.Prunes) != 0 || sp.Bits != 8 {
		t.Errorf("first layer spec %+v, want unpruned, 8 bits", sp)
	}
	if sp := specs["fc3"]; sp.Bits != 8 || len(sp.Prunes) != 2 {
		t.Errorf("last layer spec %+v, want pruned, 8 bits", sp)
	}
	_ = layers
	samples := lenetSamples(24, 1)
	for _, indep := range []bool{true, false} {
		layerwiseCase(t, g, specs, samples, indep)
	}
}

func layerwiseCase(t *testing.T, g *ir.Graph, specs map[string]Spec, samples []*tensor.Tensor, indep bool) {
	h := Hyper{LayerwiseIters: 12, LayerwiseIndependent: indep}
	out, res, err := Layerwise(g, specs, samples, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res {
		if e.Final > e.Naive*(1+1e-9) {
			t.Errorf("layer %s: layer-wise error %g above the plain projection's %g", e.Name, e.Final, e.Naive)
		}
		for i := 1; i < len(e.History) && i <= 12; i++ {
			if e.History[i] > e.History[i-1] {
				t.Errorf("layer %s: best error rose at iteration %d: %v", e.Name, i, e.History[:13])
				break
			}
		}
		t.Logf("independent=%v %s: naive %.4g final %.4g", indep, e.Name, e.Naive, e.Final)
	}
	if err := CheckGraph(out, specs, nil); err != nil {
		t.Fatalf("constraints not exact: %v", err)
	}
	// Exact zeros at pruned groups: the configured number of filters is gone.
	ol, _ := Layers(out)
	for _, l := range ol {
		for _, p := range specs[l.Name].Prunes {
			kept, total, _ := GroupsKept(l.Weight.Const.F32, l.Shape, p)
			if want := KeepCount(total, p.Ratio); kept > want {
				t.Errorf("%s %v: %d > %d", l.Name, p, kept, want)
			}
		}
	}
	if err := ir.Verify(out); err != nil {
		t.Fatal(err)
	}
	// The source graph is untouched and the compressed one still runs.
	if _, err := interp.Run(out, samples[:1]); err != nil {
		t.Fatal(err)
	}
	out2, _, _ := Layerwise(g, specs, samples, h, nil)
	for i := range out.Consts {
		if out.Consts[i].Const != nil && !slices.Equal(out.Consts[i].Const.F32, out2.Consts[i].Const.F32) {
			t.Fatalf("not deterministic: constant %q", out.Consts[i].Name)
		}
	}
}
