package frontend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
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

func findFiles(t *testing.T, root, suffix string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, suffix) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// checkGraph verifies the invariants the frontend promises: topological
// order, every operand defined, names kept, and types equal to what
// InferGraph recomputes.
func checkGraph(t *testing.T, g *ir.Graph) {
	t.Helper()
	defined := map[*ir.Value]bool{}
	for _, v := range g.Inputs {
		defined[v] = true
	}
	for _, v := range g.Consts {
		if !v.IsConst() {
			t.Errorf("Consts holds non-constant %q", v.Name)
		}
		defined[v] = true
	}
	var before []ir.Type
	for _, n := range g.Nodes {
		if n.OnnxOp == "" {
			t.Errorf("node %s has no ONNX op type", n.Origin())
		}
		for i, in := range n.Inputs {
			if in != nil && !defined[in] {
				t.Errorf("node %s: input %d (%q) used before definition", n.Origin(), i, in.Name)
			}
		}
		for _, o := range n.Outputs {
			defined[o] = true
			before = append(before, ir.Type{DType: o.Type.DType, Shape: append([]int{}, o.Type.Shape...)})
		}
	}
	for _, o := range g.Outputs {
		if !defined[o] {
			t.Errorf("graph output %q is not defined", o.Name)
		}
	}
	if err := ir.Verify(g); err != nil {
		t.Errorf("ir.Verify: %v", err)
	}
	if err := ir.InferGraph(g); err != nil {
		t.Fatalf("InferGraph on the imported graph: %v", err)
	}
	k := 0
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if !o.Type.Equal(before[k]) {
				t.Errorf("node %s: imported type %s, InferGraph gives %s", n.Origin(), before[k], o.Type)
			}
			k++
		}
	}
}

// invalidModels are corpus files that violate the ONNX spec; they must be
// rejected with an error (not imported, never a panic).
var invalidModels = map[string]string{
	"squeeze_shape_noop.onnx": "Squeeze of an axis of size 2; ONNX requires size 1",
}

// TestCorpusModels: every real model and every light/ zoo topology imports
// with consistent types, or fails with exactly an UnsupportedError.
func TestCorpusModels(t *testing.T) {
	dir := corpusDir(t)
	var paths []string
	for _, sub := range []string{"models", "light"} {
		paths = append(paths, findFiles(t, filepath.Join(dir, sub), ".onnx")...)
	}
	if len(paths) < 100 {
		t.Fatalf("found only %d models", len(paths))
	}
	imported := 0
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		t.Run(rel, func(t *testing.T) {
			g, err := Load(p, Options{})
			if why, ok := invalidModels[filepath.Base(p)]; ok {
				if err == nil {
					t.Fatalf("imported a model that violates the ONNX spec (%s)", why)
				}
				t.Logf("rejected as expected (%s): %v", why, err)
				return
			}
			var ue *UnsupportedError
			var nc *NeedsConstantError
			switch {
			case errors.As(err, &ue):
				if ue != err {
					t.Fatalf("UnsupportedError is wrapped: %v", err)
				}
				t.Logf("unsupported: %v", err)
				return
			case errors.As(err, &nc):
				// The model's shape operand is a runtime input: legitimate
				// for a dynamic model; the caller must bind it.
				t.Logf("needs binding: %v", err)
				return
			case err != nil:
				t.Fatal(err)
			}
			imported++
			checkGraph(t, g)
		})
	}
	t.Logf("%d of %d models imported", imported, len(paths))
}

// modelOps lists the (domain-qualified) op types of a model file.
func modelOps(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range m.GetGraph().GetNode() {
		op := n.GetOpType()
		if d := n.GetDomain(); d != "" && d != "ai.onnx" {
			op = d + "." + op
		}
		ops = append(ops, op)
	}
	return ops
}

// readTestSet reads test_data_set_0/<prefix>_<i>.pb in order.
func readTestSet(t *testing.T, dir, prefix string) []*tensor.Tensor {
	var out []*tensor.Tensor
	for i := 0; ; i++ {
		p := filepath.Join(dir, "test_data_set_0", fmt.Sprintf("%s_%d.pb", prefix, i))
		if _, err := os.Stat(p); err != nil {
			return out
		}
		tt, err := tensorio.Read(p)
		if err != nil {
			t.Fatalf("tensorio.Read: %v", err)
		}
		out = append(out, tt)
	}
}

// TestCorpusNodeTests imports the ONNX backend tests. A test whose op types
// are all supported must import (after binding shape-like inputs, as the
// conformance runner does) unless every rejected node names an unsupported
// variant; the graph's inputs and outputs must then have the shapes and
// element types of the stored test tensors.
func TestCorpusNodeTests(t *testing.T) {
	dir := corpusDir(t)
	var paths []string
	for _, sub := range []string{"node", "pytorch-converted", "pytorch-operator"} {
		paths = append(paths, findFiles(t, filepath.Join(dir, sub), "model.onnx")...)
	}
	if len(paths) < 400 {
		t.Fatalf("found only %d tests", len(paths))
	}
	imported, variants := 0, 0
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		t.Run(rel, func(t *testing.T) {
			ops := modelOps(t, p)
			supported := true
			for _, op := range ops {
				if lowerers[op] == nil {
					supported = false
				}
			}
			tdir := filepath.Dir(p)
			var ins []*tensor.Tensor
			opt := Options{Bind: map[string]*tensor.Tensor{}}
			g, err := Load(p, opt)
			for tries := 0; tries < 4; tries++ {
				var nc *NeedsConstantError
				if !errors.As(err, &nc) {
					break
				}
				if ins == nil {
					ins = readTestSet(t, tdir, "input")
				}
				// Bind the input from the test data, as the runner does.
				idx := graphInputIndex(t, p, nc.Input)
				if idx < 0 || idx >= len(ins) {
					t.Fatalf("%v, and no test tensor to bind", err)
				}
				opt.Bind[nc.Input] = ins[idx]
				g, err = Load(p, opt)
			}
			var ue *UnsupportedError
			switch {
			case err == nil:
			case errors.As(err, &ue) && !supported:
				return
			case errors.As(err, &ue):
				for _, n := range ue.Nodes {
					if n.Reason == "" {
						t.Fatalf("op of a supported type reported without a reason: %v", err)
					}
				}
				variants++
				t.Logf("unsupported variant: %v", err)
				return
			default:
				t.Fatal(err)
			}
			if !supported {
				t.Fatalf("ops %v include unsupported ones, but the import succeeded", ops)
			}
			imported++
			checkGraph(t, g)
			if ins == nil {
				ins = readTestSet(t, tdir, "input")
			}
			wants := readTestSet(t, tdir, "output")
			var runtime []*tensor.Tensor
			for i, tt := range ins {
				if !isBound(t, p, i, opt.Bind) {
					runtime = append(runtime, tt)
				}
			}
			if len(runtime) != len(g.Inputs) {
				t.Fatalf("graph has %d runtime inputs, test data %d", len(g.Inputs), len(runtime))
			}
			for i, v := range g.Inputs {
				if !(ir.Type{DType: runtime[i].DType, Shape: runtime[i].Shape}).Equal(v.Type) {
					t.Errorf("input %q: graph type %s, test tensor %s", v.Name, v.Type, runtime[i])
				}
			}
			if len(wants) != len(g.Outputs) {
				t.Fatalf("graph has %d outputs, test data %d", len(g.Outputs), len(wants))
			}
			for i, v := range g.Outputs {
				if !(ir.Type{DType: wants[i].DType, Shape: wants[i].Shape}).Equal(v.Type) {
					t.Errorf("output %q: graph type %s, expected tensor %s", v.Name, v.Type, wants[i])
				}
			}
		})
	}
	t.Logf("%d of %d tests imported, %d rejected for an unsupported variant", imported, len(paths), variants)
}

// graphInputIndex is the position of name among the model's non-initializer
// graph inputs (the numbering of input_<i>.pb).
func graphInputIndex(t *testing.T, path, name string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	inits := map[string]bool{}
	for _, tp := range m.GetGraph().GetInitializer() {
		inits[tp.GetName()] = true
	}
	k := 0
	for _, vi := range m.GetGraph().GetInput() {
		if inits[vi.GetName()] {
			continue
		}
		if vi.GetName() == name {
			return k
		}
		k++
	}
	return -1
}

func isBound(t *testing.T, path string, idx int, bind map[string]*tensor.Tensor) bool {
	for name := range bind {
		if graphInputIndex(t, path, name) == idx {
			return true
		}
	}
	return false
}
