package passes

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// corpusDir returns the ONNX test corpus (../shared/onnx-corpus relative to
// the repository root). It skips the test when the corpus is absent, or
// fails it when PIMC_REQUIRE_CORPUS=1.
func corpusDir(t testing.TB) string {
	t.Helper()
	return testcorpus.Root(t)
}

// mustImport lists the corpus models the frontend is expected to import;
// the others are skipped (with the reason logged) when it cannot, since
// their import coverage is the frontend's tests' business.
var mustImport = map[string]bool{
	"models/burn-mnist-cnn/mnist.onnx":                      true,
	"models/mnist-cntk-zoo/model.onnx":                      true,
	"models/marabou-cifar10-oval21/cifar_base_kw.onnx":      true,
	"models/marabou-cifar10-oval21/cifar_base_kw_simp.onnx": true,
	"models/onnx2c-atmega-mnist/mnist.simplified.onnx":      true,
	"models/super-resolution-10/super_resolution.onnx":      true,
}

// heavyModels take seconds in the interpreter; -short skips them.
var heavyModels = map[string]bool{
	"models/super-resolution-10/super_resolution.onnx": true,
}

// corpusModels returns the float models of the corpus, relative to root:
// every .onnx under models/ except the int8 ShuffleNet, the PyTorch module
// and operator tests (BatchNorm eval, Linear, addmm, view, ...), and the
// ONNX node tests of the ops the passes rewrite.
func corpusModels(t *testing.T, root string) []string {
	var out []string
	for _, sub := range []string{"models", "pytorch-converted", "pytorch-operator"} {
		err := filepath.WalkDir(filepath.Join(root, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".onnx") && !strings.Contains(p, "int8") {
				rel, _ := filepath.Rel(root, p)
				out = append(out, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// ONNX node tests of the ops the float passes rewrite (gemm with every
	// attribute and bias shape, batch norm, the view ops, ...).
	nodeDirs, _ := filepath.Glob(filepath.Join(root, "node", "test_*"))
	for _, d := range nodeDirs {
		name := filepath.Base(d)
		for _, p := range []string{"batchnorm", "gemm", "matmul_2d", "flatten", "squeeze", "unsqueeze", "reshape", "identity", "dropout", "constant", "shape"} {
			if strings.HasPrefix(name, "test_"+p) {
				out = append(out, "node/"+name+"/model.onnx")
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// corpusInputs returns the stored inputs of a model (test_data_set_0 or the
// first .npz), or nil to use random ones.
func corpusInputs(t *testing.T, path string, g *ir.Graph) []*tensor.Tensor {
	dir := filepath.Dir(path)
	var ins []*tensor.Tensor
	for i := range g.Inputs {
		f := filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", i))
		if _, err := os.Stat(f); err != nil {
			break
		}
		x, err := tensorio.Read(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ins = append(ins, x)
	}
	if npz := filepath.Join(dir, "test_data_0.npz"); len(ins) == 0 && len(g.Inputs) == 1 {
		if m, err := tensorio.ReadNPZ(npz); err == nil && m["inputs"] != nil {
			ins = append(ins, m["inputs"].Reshaped(g.Inputs[0].Type.Shape...))
		}
	}
	if len(ins) != len(g.Inputs) {
		return nil
	}
	for i, x := range ins {
		if !tensor.SameShape(x.Shape, g.Inputs[i].Type.Shape) || x.DType != g.Inputs[i].Type.DType {
			return nil
		}
	}
	return ins
}

// TestCorpusCanonicalize imports every float corpus model, canonicalizes
// it, and checks the interpreter's outputs did not move (see checkPipeline).
// ONNX node tests take their weights as graph inputs; they run a second
// time with every input but the first bound to its test value as a
// constant, as a user would bind weights (frontend.Options.Bind), which
// sends gemm to fc and batch_norm into the mul+add lowering.
func TestCorpusCanonicalize(t *testing.T) {
	root := corpusDir(t)
	for _, rel := range corpusModels(t, root) {
		path := filepath.Join(root, rel)
		t.Run(rel, func(t *testing.T) {
			if testing.Short() && heavyModels[rel] {
				t.Skip("large activations; skipped with -short")
			}
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				if mustImport[rel] {
					t.Fatal(err)
				}
				var ue *frontend.UnsupportedError
				if errors.As(err, &ue) {
					t.Skipf("frontend does not support it: %v", err)
				}
				t.Skipf("frontend cannot import it: %v", err)
			}
			ins := corpusInputs(t, path, g)
			if ins == nil {
				ins = randomInputs(g, 11)
				// Random integers can be invalid operands (a zero divisor,
				// an index out of range): such models are not testable here.
				if _, err := interp.Run(g, ins); err != nil {
					t.Skipf("random inputs are invalid for this model: %v", err)
				}
			}
			if hasRuntimeBatchNorm(g) {
				// Legitimately not canonicalizable: the error must say why.
				err := NewManager().RunString(g, "canonicalize")
				if err == nil || !strings.Contains(err.Error(), "batch_norm") {
					t.Fatalf("canonicalize of a batch_norm with runtime parameters: %v", err)
				}
				return
			}
			canonicalizeAndCheck(t, g, ins)
		})
		if strings.HasPrefix(rel, "node/") {
			t.Run(rel+"/bound", func(t *testing.T) {
				names, err := onnxInputNames(path)
				if err != nil {
					t.Fatal(err)
				}
				bind := map[string]*tensor.Tensor{}
				for i := 1; i < len(names); i++ {
					x, err := tensorio.Read(filepath.Join(filepath.Dir(path), "test_data_set_0", fmt.Sprintf("input_%d.pb", i)))
					if err != nil {
						t.Skipf("no test value for input %d: %v", i, err)
					}
					bind[names[i]] = x
				}
				if len(bind) == 0 {
					t.Skip("single input: same as the unbound run")
				}
				g, err := frontend.Load(path, frontend.Options{Bind: bind})
				if err != nil {
					t.Skipf("frontend cannot import it: %v", err)
				}
				ins := corpusInputs(t, path, g)
				if ins == nil {
					t.Fatalf("no inputs for %d graph inputs", len(g.Inputs))
				}
				canonicalizeAndCheck(t, g, ins)
			})
		}
	}
}

// hasRuntimeBatchNorm reports whether a batch_norm takes a parameter that
// is not a constant.
func hasRuntimeBatchNorm(g *ir.Graph) bool {
	for _, n := range g.Nodes {
		if n.Op == ir.OpBatchNorm {
			for _, v := range n.Inputs[1:] {
				if v != nil && !v.IsConst() {
					return true
				}
			}
		}
	}
	return false
}

// onnxInputNames lists a model's graph inputs that are not initializers.
func onnxInputNames(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	inits := map[string]bool{}
	for _, t := range m.GetGraph().GetInitializer() {
		inits[t.GetName()] = true
	}
	var names []string
	for _, in := range m.GetGraph().GetInput() {
		if !inits[in.GetName()] {
			names = append(names, in.GetName())
		}
	}
	return names, nil
}

// canonicalizeAndCheck runs canonicalize with the semantic check, then
// checks the stage and that a second run changes nothing.
func canonicalizeAndCheck(t *testing.T, g *ir.Graph, ins []*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	before := countOps(g)
	_, out := checkPipelineWith(t, g, "canonicalize", ins)
	if g.Stage != ir.StageCanonical {
		t.Errorf("stage %v", g.Stage)
	}
	t.Logf("ops before %v\n    after %v", before, countOps(g))
	checkIdempotent(t, g, "canonicalize")
	return out
}

// TestCorpusLight canonicalizes the ONNX "light" model zoo networks (full
// topologies, constant weights) on the ONNX test runner's arange input and
// compares with both the pre-canonicalization interpreter output and the
// upstream reference output (rtol 1e-3, 2e-3 for densenet121; atol 1e-7).
func TestCorpusLight(t *testing.T) {
	root := corpusDir(t)
	// Cheap enough for -short; the others are full ImageNet networks.
	light := map[string]bool{"squeezenet": true, "shufflenet": true}
	files, _ := filepath.Glob(filepath.Join(root, "light", "light_*.onnx"))
	if len(files) == 0 {
		t.Fatal("no light models in the corpus")
	}
	for _, path := range files {
		net := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "light_"), ".onnx")
		t.Run(net, func(t *testing.T) {
			if testing.Short() && !light[net] {
				t.Skip("full-size network; skipped with -short")
			}
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Inputs) != 1 {
				t.Fatalf("%d inputs", len(g.Inputs))
			}
			x := tensor.New(tensor.Float32, g.Inputs[0].Type.Shape...)
			for i := range x.F32 {
				x.F32[i] = float32(float64(i) / float64(len(x.F32)))
			}
			out := canonicalizeAndCheck(t, g, []*tensor.Tensor{x})
			want, err := tensorio.Read(strings.TrimSuffix(path, ".onnx") + "_output_0.pb")
			if err != nil {
				t.Fatal(err)
			}
			rtol := 1e-3
			if net == "densenet121" {
				rtol = 2e-3
			}
			if err := allClose(out[0], want, rtol, 1e-7); err != nil {
				t.Errorf("canonicalized %s vs upstream reference: %v", net, err)
			}
		})
	}
}

// allClose is numpy.allclose: |a-b| <= atol + rtol*|b| element-wise.
func allClose(a, b *tensor.Tensor, rtol, atol float64) error {
	if a.Len() != b.Len() {
		return fmt.Errorf("got %v, want %v", a, b)
	}
	for i := 0; i < b.Len(); i++ {
		x, y := a.Float64At(i), b.Float64At(i)
		if !(math.Abs(x-y) <= atol+rtol*math.Abs(y)) {
			return fmt.Errorf("element %d: got %v, want %v", i, x, y)
		}
	}
	return nil
}
