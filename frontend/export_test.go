package frontend

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// randInputs makes deterministic inputs for g: floats N(0,1), integers in
// [0, 3) (small enough to be valid indices).
func randInputs(g *ir.Graph, seed uint64) []*tensor.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	var ins []*tensor.Tensor
	for _, v := range g.Inputs {
		t := tensor.New(v.Type.DType, v.Type.Shape...)
		for i := range t.F32 {
			t.F32[i] = float32(r.NormFloat64())
		}
		for i := range t.F64 {
			t.F64[i] = r.NormFloat64()
		}
		for i := range t.I64 {
			t.I64[i] = int64(r.IntN(3))
		}
		if v.Type.DType.IsFloat() && v.Type.DType != tensor.Float32 && v.Type.DType != tensor.Float64 {
			tensor.RoundToType(v.Type.DType, t.F32)
		}
		ins = append(ins, t)
	}
	return ins
}

// roundTrip exports g, re-imports the bytes and checks that the interpreter
// gives bit-identical outputs on the same inputs. It returns the re-imported graph.
func roundTrip(t *testing.T, g *ir.Graph) *ir.Graph {
	t.Helper()
	b, err := Marshal(g, ExportOptions{})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	g2, err := Import(g.Name+".onnx", b, Options{})
	if err != nil {
		t.Fatalf("re-import: %v", err)
	}
	ins := randInputs(g, 9)
	want, err := interp.Run(g, ins)
	if err != nil {
		t.Fatalf("run original: %v", err)
	}
	got, err := interp.Run(g2, ins)
	if err != nil {
		t.Fatalf("run re-imported: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if !tensor.Equal(got[i], want[i]) {
			t.Errorf("output %d differs after export round trip: %v vs %v", i, got[i], want[i])
		}
	}
	return g2
}

// TestExportRoundTrip builds a model with every exported op family (via
// ONNX, so the first import is the reference), exports it and re-imports.
func TestExportRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(shape ...int) *tensor.Tensor {
		tt := tensor.New(tensor.Float32, shape...)
		for i := range tt.F32 {
			tt.F32[i] = float32(r.NormFloat64() * 0.3)
		}
		return tt
	}
	b := newModel(13).input("x", 1, 1, 3, 8, 8).
		init("w", rnd(4, 3, 3, 3)).init("cb", rnd(4)).
		init("s", rnd(4)).init("bb", rnd(4)).init("m", rnd(4)).init("v", f32s([]int{4}, 1, 2, 0.5, 1.5)).
		init("lo", f32s(nil, -0.5)).init("hi", f32s(nil, 0.7)).
		init("shape", i64s(1, -1)).init("fw", rnd(5, 16)).init("fb", rnd(5)).
		init("pads", i64s(0, 0, 1, 1, 0, 0, 1, 1)).init("axes", i64s(2, 3)).
		node("Conv", "conv", s("x", "w", "cb"), s("c"), aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2)).
		node("BatchNormalization", "bn", s("c", "s", "bb", "m", "v"), s("n"), aFloat("epsilon", 1e-3)).
		node("Clip", "clip", s("n", "lo", "hi"), s("k")).
		node("LeakyRelu", "lrelu", s("k"), s("l"), aFloat("alpha", 0.2)).
		node("Add", "res", s("l", "n"), s("a")).
		node("MaxPool", "mp", s("a"), s("p"), aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)).
		node("Pad", "pad", s("a", "pads"), s("pd")).
		node("AveragePool", "ap", s("pd"), s("q"), aInts("kernel_shape", 3, 3), aInts("strides", 3, 3), aInt("count_include_pad", 1)).
		node("Concat", "cat", s("p", "q"), s("cc"), aInt("axis", 1)).
		node("Transpose", "tr", s("cc"), s("tt"), aInts("perm", 0, 1, 3, 2)).
		node("ReduceMean", "rm", s("tt"), s("mean"), aInts("axes", 2, 3), aInt("keepdims", 1)).
		node("Squeeze", "sq", s("mean", "axes"), s("sm")).
		node("Slice", "dummy_unused", nil, nil).
		node("Reshape", "rs", s("p", "shape"), s("f")).
		node("Gemm", "fc", s("f", "fw", "fb"), s("z"), aInt("transB", 1)).
		node("Sigmoid", "sig", s("z"), s("zs")).
		node("Softmax", "sm", s("zs"), s("y"), aInt("axis", 1)).
		output("y", "sm")
	// Drop the placeholder node (kept out of the model).
	nodes := b.m.Graph.Node[:0]
	for _, n := range b.m.Graph.Node {
		if n.GetName() != "dummy_unused" {
			nodes = append(nodes, n)
		}
	}
	b.m.Graph.Node = nodes
	g := b.mustImport(t, Options{})
	g2 := roundTrip(t, g)
	if len(g2.Nodes) != len(g.Nodes) {
		t.Errorf("re-imported graph has %d nodes, original %d", len(g2.Nodes), len(g.Nodes))
	}
	// The same for the hand-built IR forms that do not come from ONNX
	// directly: fc (canonical), and identity outputs of a constant.
	m, err := Export(g, ExportOptions{BatchDim: "N", Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if d := m.GetGraph().GetInput()[0].GetType().GetTensorType().GetShape().GetDim()[0]; d.GetDimParam() != "N" {
		t.Errorf("batch dimension exported as %v, want N", d)
	}
	if m.GetOpsetImport()[0].GetVersion() != 13 || m.GetProducerName() != "test" {
		t.Errorf("opset %v producer %q", m.GetOpsetImport(), m.GetProducerName())
	}
	for _, init := range m.GetGraph().GetInitializer() {
		if init.GetDataType() == int32(onnx.TensorProto_FLOAT) && len(init.GetRawData()) == 0 {
			t.Errorf("initializer %q not in raw_data", init.GetName())
		}
	}
}

// TestExportFC exports the canonical fc op (as Gemm transB=1) and a graph
// output that is a graph input.
func TestExportFC(t *testing.T) {
	g := &ir.Graph{Name: "fc", Stage: ir.StageCanonical}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{2, 3}}}
	g.Inputs = []*ir.Value{x}
	w := g.AddConst("w", tensor.FromF32([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 4, 3))
	bias := g.AddConst("b", tensor.FromF32([]float32{0.5, -1, 2, 0}, 4))
	n := &ir.Node{Op: ir.OpFC, Name: "fc", Inputs: []*ir.Value{x, w, bias}}
	y := &ir.Value{Name: "y", Def: n}
	n.Outputs = []*ir.Value{y}
	if err := ir.InferNode(n); err != nil {
		t.Fatal(err)
	}
	g.Nodes = []*ir.Node{n}
	g.Outputs = []*ir.Value{y, x}
	roundTrip(t, g)
}

// TestExportErrors: stages and ops without an ONNX form are reported with the node.
func TestExportErrors(t *testing.T) {
	g := &ir.Graph{Name: "q", Stage: ir.StageQuantized}
	if _, err := Export(g, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "quantized") {
		t.Errorf("quantized graph: err = %v", err)
	}
	g = &ir.Graph{Name: "p"}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 1, 5, 5}}}
	g.Inputs = []*ir.Value{x}
	n := &ir.Node{Op: ir.OpAvgPool, Name: "ap", Inputs: []*ir.Value{x}, Attrs: ir.Attrs{
		"kernel": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(0, 0, 0, 0), "dilations": ir.IntsAttr(2, 2)}}
	n.Outputs = []*ir.Value{{Name: "y", Def: n}}
	if err := ir.InferNode(n); err != nil {
		t.Fatal(err)
	}
	g.Nodes = []*ir.Node{n}
	g.Outputs = n.Outputs
	if _, err := Export(g, ExportOptions{}); err == nil || !strings.Contains(err.Error(), `"ap"`) {
		t.Errorf("dilated avg_pool: err = %v", err)
	}
}

// TestExportSave writes a file atomically and loads it back.
func TestExportSave(t *testing.T) {
	g := newModel(13).input("x", 1, 1, 4).node("Relu", "r", s("x"), s("y")).output("y").mustImport(t, Options{})
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := Save(path, g, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	g2, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g2.Nodes) != 1 || g2.Nodes[0].Op != ir.OpRelu {
		t.Errorf("loaded %d nodes", len(g2.Nodes))
	}
	if err := Save(filepath.Join(t.TempDir(), "missing", "m.onnx"), g, ExportOptions{}); err == nil {
		t.Error("save into a missing folder succeeded")
	}
}

// TestExportCorpus re-exports every corpus model (up to 2 MB, outside the
// per-op node tests) that imports, and checks the round trip.
func TestExportCorpus(t *testing.T) {
	root := corpusDir(t)
	var files []string
	for _, sub := range []string{"models", "pytorch-converted", "light"} {
		filepath.Walk(filepath.Join(root, sub), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".onnx") && fi.Size() < 2<<20 {
				files = append(files, p)
			}
			return nil
		})
	}
	done := 0
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			g, err := Load(f, Options{})
			if err != nil {
				t.Skipf("does not import: %v", err)
			}
			if n := constElems(g); n > 4<<20 {
				t.Skipf("%d constant elements: too slow to run here", n)
			}
			if _, err := interp.Run(g, randInputs(g, 9)); err != nil {
				t.Skipf("original does not run on random inputs: %v", err)
			}
			roundTrip(t, g)
			done++
		})
	}
	t.Logf("%d of %d corpus models round-tripped", done, len(files))
	if done == 0 {
		t.Fatal("no corpus model round-tripped")
	}
}

func constElems(g *ir.Graph) int {
	n := 0
	for _, v := range g.Consts {
		n += v.Type.NumElems()
	}
	return n
}
