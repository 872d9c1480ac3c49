package backend_test

import (
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// macs counts the multiply-accumulates of a graph's matrix layers (float
// or quantized).
func macs(g *ir.Graph) int64 {
	var n int64
	for _, nd := range g.Nodes {
		switch nd.Op {
		case ir.OpQConv, ir.OpConv:
			w := nd.Inputs[1].Type.Shape
			k := int64(1)
			for _, d := range w[1:] {
				k *= int64(d)
			}
			n += int64(nd.Outputs[0].Type.NumElems()) * k
		case ir.OpQFC, ir.OpFC:
			n += int64(nd.Outputs[0].Type.NumElems()) * int64(nd.Inputs[0].Type.Shape[1])
		}
	}
	return n
}

// skipHeavy skips simulating models with many MACs: above 20M with -short,
// above 300M unless PIMC_HEAVY=1 (ImageNet networks take minutes).
func skipHeavy(t *testing.T, g *ir.Graph) {
	n := macs(g)
	switch {
	case testing.Short() && n > 20e6:
		t.Skipf("%d MACs: skipped with -short", n)
	case n > 300e6 && os.Getenv("PIMC_HEAVY") != "1":
		t.Skipf("%d MACs: set PIMC_HEAVY=1 to simulate it", n)
	}
}

// bigTarget is the default target with enough banks for n sub-arrays.
func bigTarget(t testing.TB, n int) *target.Target {
	tgt := target.Default()
	per := int(tgt.Geometry.MatsPerBank.Value * tgt.Geometry.SubarraysPerMat.Value)
	tgt.Geometry.Banks.Value = int64((n + per - 1) / per)
	tgt.Geometry.ActBufferWords.Value = 1 << 24
	tgt.Geometry.ConstWords.Value = 1 << 20
	tgt.Name = "sot-mram-45nm-big"
	return tgt
}

// fitTarget is the default target, or bigTarget for a model whose weights,
// activations or constants do not fit it (the ImageNet networks). A model
// that fits neither fails the test when its program is compiled.
func fitTarget(t *testing.T, g *ir.Graph) *target.Target {
	t.Helper()
	tgt := target.Default()
	_, err := compileQuantized(g, tgt, "off")
	if err == nil {
		return tgt
	}
	for _, cap := range []string{"sub-arrays for its weights", "activation buffer full", "constant-memory words"} {
		if strings.Contains(err.Error(), cap) {
			big := bigTarget(t, 1<<16)
			t.Logf("does not fit the default target: %v; compiled for %d banks, 16 Mi buffer words, 1 Mi constant words", err, big.Geometry.Banks.Value)
			return big
		}
	}
	return tgt
}

// logCosine logs the cosine similarity of the simulator's outputs against
// the float interpreter on the same input (how far W8A8 moves the model).
func logCosine(t *testing.T, float *ir.Graph, in, got []*tensor.Tensor) {
	t.Helper()
	want, err := interp.Run(float, in)
	if err != nil {
		t.Fatalf("float interpreter: %v", err)
	}
	for i := range want {
		t.Logf("output %d: cosine vs the float interpreter %.4f", i, cosine(want[i], got[i]))
	}
}

// corpusCases lists every model.onnx under the corpus with a
// test_data_set_0/input_0.pb.
func corpusCases(t *testing.T) []string {
	root := corpusDir(t)
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".onnx") {
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), "test_data_set_0", "input_0.pb")); err == nil {
				out = append(out, p)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// corpusTally splits the passing corpus models into those with device
// layers, whose bit-exact comparison checked the simulator, and host-only
// ones (no device segment: every op ran on the interpreter, compared with
// itself, so nothing about the device was checked).
type corpusTally struct{ device, matrix, host int }

// add logs one passing model's line and counts it.
func (c *corpusTally) add(t *testing.T, res *backend.Result) {
	t.Helper()
	if res.Segments == 0 {
		c.host++
		t.Logf("host only (no device segment, nothing compared on the device): %d host op(s)", res.HostOps)
		return
	}
	c.device++
	if len(res.Layers) > 0 {
		c.matrix++
	}
	t.Logf("bit-exact: %d layers, %d sub-arrays, %d instructions, %d segment(s), %d host op(s)", len(res.Layers), res.Subarrays, len(res.Prog.Code), res.Segments, res.HostOps)
}

// log prints the split of the n models (the line docs/RESULTS.md quotes).
func (c *corpusTally) log(t *testing.T, n int) {
	t.Logf("corpus: %d models: %d bit-exact with device layers (%d of them with matrix layers), %d host only (no device computation to compare), %d skipped or failed",
		n, c.device, c.matrix, c.host, n-c.device-c.host)
}

// TestCorpus compiles every corpus model the frontend imports (the
// corpus-skip rule: a model the frontend rejects is skipped with its
// reason) and checks the simulator against the quantized interpreter bit for
// bit on its first test input. Large models run only without -short.
func TestCorpus(t *testing.T) {
	cases := corpusCases(t)
	if len(cases) == 0 {
		t.Skip("no corpus models with test data")
	}
	root := corpusDir(t)
	var tally corpusTally
	defer tally.log(t, len(cases))
	for _, path := range cases {
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				t.Skipf("frontend: %v", err)
			}
			dir := filepath.Join(filepath.Dir(path), "test_data_set_0")
			var in []*tensor.Tensor
			for i := range g.Inputs {
				x, err := tensorio.Read(filepath.Join(dir, "input_"+string(rune('0'+i))+".pb"))
				if err != nil {
					t.Skipf("test input %d: %v", i, err)
				}
				if x.Len() != g.Inputs[i].Type.NumElems() {
					t.Skipf("test input %d has %d elements, the model wants %v", i, x.Len(), g.Inputs[i].Type.Shape)
				}
				x.Shape = g.Inputs[i].Type.Shape
				in = append(in, x)
			}
			if err := passes.NewManager().RunString(g, "canonicalize"); err != nil {
				t.Skipf("canonicalize: %v", err)
			}
			skipHeavy(t, g) // before the calibration runs
			float := ir.Clone(g)
			if err := passes.NewManager().RunString(g, "quantize"); err != nil {
				t.Fatalf("quantize: %v", err)
			}
			tgt := fitTarget(t, g)
			res, run := compileAndCheck(t, g, tgt, in)
			tally.add(t, res)
			if tgt.Name != target.Default().Name {
				logCosine(t, float, in, run.Outputs)
			}
		})
	}
}

// TestCorpusRandomInputs compiles every other corpus model (no test data:
// the models/ folder's real networks) and checks it bit for bit on a
// seeded random input in [0, 1).
func TestCorpusRandomInputs(t *testing.T) {
	root := corpusDir(t)
	have := map[string]bool{}
	for _, p := range corpusCases(t) {
		have[p] = true
	}
	var paths []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".onnx") && !have[p] {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	var tally corpusTally
	defer tally.log(t, len(paths))
	for _, path := range paths {
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				t.Skipf("frontend: %v", err)
			}
			rng := rand.New(rand.NewSource(7))
			var in []*tensor.Tensor
			for _, v := range g.Inputs {
				if !v.Type.DType.IsFloat() {
					t.Skipf("input %q is %s (random inputs are float)", v.Name, v.Type.DType)
				}
				x := tensor.New(tensor.Float32, v.Type.Shape...)
				for i := range x.F32 {
					x.F32[i] = rng.Float32()
				}
				if v.Type.DType != tensor.Float32 {
					t.Skipf("input %q is %s", v.Name, v.Type.DType)
				}
				in = append(in, x)
			}
			if err := passes.NewManager().RunString(g, "canonicalize"); err != nil {
				t.Skipf("canonicalize: %v", err)
			}
			skipHeavy(t, g) // before the calibration runs
			float := ir.Clone(g)
			if err := passes.NewManager().RunString(g, "quantize"); err != nil {
				t.Fatalf("quantize: %v", err)
			}
			tgt := fitTarget(t, g)
			res, run := compileAndCheck(t, g, tgt, in)
			tally.add(t, res)
			if tgt.Name != target.Default().Name {
				logCosine(t, float, in, run.Outputs)
			}
		})
	}
}
