package backend_test

import (
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// corpusDir returns ../shared/onnx-corpus relative to the repository root,
// skipping the test when it is absent (failing when PIMC_REQUIRE_CORPUS=1).
func corpusDir(t testing.TB) string {
	t.Helper()
	return testcorpus.Root(t)
}

// calibManager is passes.NewManager with the calibration inputs of a
// command (data.CalibSamples: folders and named datasets).
func calibManager() *passes.Manager {
	m := passes.NewManager()
	m.Env.Calib = data.CalibSamples
	return m
}

// quantizeModel imports and quantizes an ONNX model.
func quantizeModel(t testing.TB, path, opts string) *ir.Graph {
	t.Helper()
	g, err := frontend.Load(path, frontend.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	if err := calibManager().RunString(g, "canonicalize,quantize{"+opts+"}"); err != nil {
		if strings.Contains(err.Error(), "calib mnist:") {
			testcorpus.Missing(t, "dataset mnist (calibration)", err)
		}
		t.Fatalf("quantize %s: %v", path, err)
	}
	return g
}

// mapGraph maps a clone of the quantized g onto tgt with the map pass
// (replicate: off, auto or N), as pimc compile does: the backend takes
// mapped graphs only.
func mapGraph(g *ir.Graph, tgt *target.Target, replicate string) (*ir.Graph, error) {
	return mapGraphOpts(g, tgt, "replicate="+replicate)
}

// mapGraphOpts is mapGraph with the map pass options opts.
func mapGraphOpts(g *ir.Graph, tgt *target.Target, opts string) (*ir.Graph, error) {
	m := ir.Clone(g)
	pm := passes.NewManager()
	pm.Env.Target = tgt
	if err := pm.RunString(m, "map{"+opts+"}"); err != nil {
		return nil, err
	}
	return m, nil
}

// compileQuantized maps the quantized g onto tgt (mapGraph) and compiles
// it.
func compileQuantized(g *ir.Graph, tgt *target.Target, replicate string) (*backend.Result, error) {
	return compileMapped(g, tgt, "replicate="+replicate)
}

// compileMapped maps the quantized g with the map pass options opts and
// compiles it.
func compileMapped(g *ir.Graph, tgt *target.Target, opts string) (*backend.Result, error) {
	m, err := mapGraphOpts(g, tgt, opts)
	if err != nil {
		return nil, err
	}
	return backend.Compile(m, tgt, backend.Options{})
}

// compileAndCheck maps and compiles g and checks the simulator against the
// quantized interpreter bit for bit on inputs, returning the result and the
// runtime run of the last input.
//
// PIMC_TEST_REPLICATE=off|auto|N maps with that replication instead of
// none, so every bit-exactness test can be re-run on replicated layers
// (tests asserting exact sub-array counts then fail by design);
// PIMC_TEST_SEQUENCER=1 compiles for the target with the plane sequencer
// (testTarget).
func compileAndCheck(t testing.TB, g *ir.Graph, tgt *target.Target, inputs ...[]*tensor.Tensor) (*backend.Result, *pimrt.Result) {
	t.Helper()
	replicate := "off"
	if s := os.Getenv("PIMC_TEST_REPLICATE"); s != "" {
		if _, err := mapping.ParseReplicate(s); err != nil {
			t.Fatalf("PIMC_TEST_REPLICATE: %v", err)
		}
		replicate = s
	}
	return compileAndCheckRep(t, g, tgt, replicate, inputs...)
}

// compileAndCheckRep is compileAndCheck mapping with replicate (off, auto
// or N).
// loadRoundTrip encodes p as a .pimb, decodes it and loads the result for
// the runtime on tgt, as pimc compile and pimc sim do between them.
func loadRoundTrip(t testing.TB, p *isa.Program, tgt *target.Target) (*isa.Program, *pimrt.Model) {
	t.Helper()
	bin, err := isa.EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := isa.DecodeBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pimrt.Load(prog, tgt)
	if err != nil {
		t.Fatalf("runtime load: %v", err)
	}
	return prog, m
}

func compileAndCheckRep(t testing.TB, g *ir.Graph, tgt *target.Target, replicate string, inputs ...[]*tensor.Tensor) (*backend.Result, *pimrt.Result) {
	t.Helper()
	return compileAndCheckMap(t, g, tgt, "replicate="+replicate, inputs...)
}

// compileAndCheckMap is compileAndCheck with the map pass options opts.
func compileAndCheckMap(t testing.TB, g *ir.Graph, tgt *target.Target, opts string, inputs ...[]*tensor.Tensor) (*backend.Result, *pimrt.Result) {
	t.Helper()
	tgt = testTarget(t, tgt) // PIMC_TEST_SEQUENCER=1: gdot rounds (seq_test.go)
	res, err := compileMapped(g, tgt, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	prog, m := loadRoundTrip(t, res.Prog, tgt)
	// Every compiled program describes the target it was compiled for.
	if emb, err := target.Embedded(prog, "compiled program"); err != nil || emb == nil || emb.CostFingerprint() != tgt.CostFingerprint() {
		t.Fatalf("compiled program does not embed its target %s: %v", tgt.Name, err)
	}
	var last *pimrt.Result
	for _, in := range inputs {
		want, err := interp.Run(g, in)
		if err != nil {
			t.Fatalf("interp: %v", err)
		}
		got, err := m.Run(in)
		if err != nil {
			t.Fatalf("runtime: %v", err)
		}
		for i := range want {
			if d := firstDiff(want[i], got.Outputs[i]); d >= 0 {
				t.Fatalf("output %d element %d: oracle %v, simulator %v", i, d, want[i].Float64At(d), got.Outputs[i].Float64At(d))
			}
		}
		last = got
	}
	return res, last
}

// firstDiff is the first index where a and b differ (bitwise for floats), or -1.
func firstDiff(a, b *tensor.Tensor) int {
	if a.Len() != b.Len() {
		return 0
	}
	for i := 0; i < a.Len(); i++ {
		x, y := a.Float64At(i), b.Float64At(i)
		if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
			return i
		}
	}
	return -1
}

// inputsWithStored returns n seeded uniform random float inputs of shape in
// [lo, lo+span), then the model folder's stored test_data_set_0/input_0.pb
// (last).
func inputsWithStored(t testing.TB, dir string, shape []int, seed int64, lo, span float64, n int) [][]*tensor.Tensor {
	t.Helper()
	var inputs [][]*tensor.Tensor
	r := rand.New(rand.NewSource(seed))
	for range n {
		x := tensor.New(tensor.Float32, shape...)
		for i := range x.F32 {
			x.F32[i] = float32(r.Float64()*span + lo)
		}
		inputs = append(inputs, []*tensor.Tensor{x})
	}
	stored, err := tensorio.Read(dir + "test_data_set_0/input_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	return append(inputs, []*tensor.Tensor{stored})
}

// checkSameAsModel checks that g's first output on the interpreter equals,
// bit for bit, that of the ONNX model at path (what names it in messages)
// on every input.
func checkSameAsModel(t testing.TB, path, what string, g *ir.Graph, inputs [][]*tensor.Tensor) {
	t.Helper()
	m, err := frontend.Load(path, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		want, err := interp.Run(m, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := interp.Run(g, in)
		if err != nil {
			t.Fatal(err)
		}
		if d := firstDiff(want[0], got[0]); d >= 0 {
			t.Fatalf("input %d, element %d: quantized graph %v, %s %v", i, d, got[0].Float64At(d), what, want[0].Float64At(d))
		}
	}
}
