package frontend

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

func wantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", subs)
	}
	for _, sub := range subs {
		if !strings.Contains(err.Error(), sub) {
			t.Fatalf("error %q does not contain %q", err, sub)
		}
	}
}

func TestConvAutoPad(t *testing.T) {
	cases := []struct {
		autoPad  string
		in       int64
		stride   int64
		wantPads []int64
		wantOut  string
	}{
		{"SAME_UPPER", 5, 2, []int64{1, 1, 1, 1}, "f32[1,4,3,3]"},
		{"SAME_UPPER", 4, 2, []int64{0, 0, 1, 1}, "f32[1,4,2,2]"},
		{"SAME_LOWER", 4, 2, []int64{1, 1, 0, 0}, "f32[1,4,2,2]"},
		{"VALID", 5, 1, []int64{0, 0, 0, 0}, "f32[1,4,3,3]"},
		{"NOTSET", 5, 1, []int64{0, 0, 0, 0}, "f32[1,4,3,3]"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s_%d_%d", c.autoPad, c.in, c.stride), func(t *testing.T) {
			g := newModel(13).input("x", onnxFloat, 1, 2, c.in, c.in).
				init("w", tensor.New(tensor.Float32, 4, 2, 3, 3)).
				node("Conv", "Conv_4", s("x", "w"), s("y"), aString("auto_pad", c.autoPad), aInts("strides", c.stride, c.stride), aInts("kernel_shape", 3, 3)).
				output("y").mustImport(t, Options{})
			n := g.Nodes[0]
			if n.Op != ir.OpConv || n.Name != "Conv_4" || n.OnnxOp != "Conv" {
				t.Fatalf("node %s %q %q", n.Op, n.Name, n.OnnxOp)
			}
			if got := n.Attrs["pads"].Ints; !slices.Equal(got, c.wantPads) {
				t.Errorf("pads %v, want %v", got, c.wantPads)
			}
			if got := outType(g, 0); got != c.wantOut {
				t.Errorf("output %s, want %s", got, c.wantOut)
			}
		})
	}
}

func TestConvErrors(t *testing.T) {
	base := func(attrs ...*onnx.AttributeProto) *modelBuilder {
		return newModel(13).input("x", onnxFloat, 1, 2, 5, 5).init("w", tensor.New(tensor.Float32, 4, 2, 3, 3)).
			node("Conv", "Conv_4", s("x", "w"), s("y"), attrs...).output("y")
	}
	_, err := base(aInts("pads", 1, 1)).imp(t, Options{})
	wantErr(t, err, `frontend: m.onnx: node "Conv_4" (Conv): attribute "pads": want 4 ints, got 2`)
	_, err = base(aInts("kernel_shape", 5, 5)).imp(t, Options{})
	wantErr(t, err, `node "Conv_4" (Conv)`, "kernel_shape")
	_, err = base(aFloat("group", 2)).imp(t, Options{})
	wantErr(t, err, `attribute "group": want INT, got FLOAT`)
	_, err = base(aInt("group", 2)).imp(t, Options{})
	wantErr(t, err, `node "Conv_4"`, "channels")
	_, err = base(aString("auto_pad", "SAME_MIDDLE")).imp(t, Options{})
	wantErr(t, err, `unknown value "SAME_MIDDLE"`)
}

func TestGroupedDepthwiseConv1D(t *testing.T) {
	g := newModel(11).input("x", onnxFloat, 1, 4, 10).init("w", tensor.New(tensor.Float32, 8, 1, 3)).
		node("Conv", "c", s("x", "w"), s("y"), aInt("group", 4), aInts("dilations", 2), aInts("pads", 1, 1)).
		output("y").mustImport(t, Options{})
	if got := outType(g, 0); got != "f32[1,8,8]" {
		t.Fatalf("got %s", got)
	}
}

func TestPoolLowering(t *testing.T) {
	g := newModel(12).input("x", onnxFloat, 1, 1, 4, 4).
		node("AveragePool", "p", s("x"), s("y"), aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1), aInt("ceil_mode", 1), aInt("count_include_pad", 1)).
		output("y").mustImport(t, Options{})
	n := g.Nodes[0]
	if n.Op != ir.OpAvgPool || n.Int("count_include_pad", 0) != 1 || n.Int("ceil_mode", 0) != 1 {
		t.Fatalf("node %s attrs %v", n.Op, n.Attrs)
	}
	if got := outType(g, 0); got != "f32[1,1,3,3]" {
		t.Errorf("got %s", got)
	}
	// storage_order only orders the Indices output
	g = newModel(12).input("x", onnxFloat, 1, 1, 4, 4).
		node("MaxPool", "p", s("x"), s("y"), aInts("kernel_shape", 2, 2), aInt("storage_order", 1)).output("y").mustImport(t, Options{})
	if ops := opsOf(g); !slices.Equal(ops, []ir.Op{ir.OpMaxPool}) {
		t.Errorf("max pool with storage_order 1: %v", ops)
	}
	g = newModel(12).input("x", onnxFloat, 1, 1, 4, 4).
		node("MaxPool", "p", s("x"), s("y", "idx"), aInts("kernel_shape", 2, 2), aInt("storage_order", 1)).output("y", "idx").mustImport(t, Options{})
	if ops := opsOf(g); !slices.Equal(ops, []ir.Op{ir.OpMaxPoolIndices, ir.OpMaxPool}) || outType(g, 1) != "i64[1,1,3,3]" ||
		g.Nodes[0].Int("storage_order", 0) != 1 || g.Nodes[0].Ints("kernel", nil)[0] != 2 {
		t.Errorf("max pool with indices: %v, indices %s, attrs %v", ops, outType(g, 1), g.Nodes[0].Attrs)
	}
	g = newModel(12).input("x", onnxFloat, 1, 1, 4, 4).
		node("MaxPool", "p", s("x"), s("y", "idx"), aInts("kernel_shape", 2, 2)).output("y").mustImport(t, Options{})
	if got := outType(g, 0); got != "f32[1,1,3,3]" {
		t.Errorf("got %s", got)
	}
	_, err := newModel(12).input("x", onnxFloat, 1, 1, 4, 4).node("MaxPool", "p", s("x"), s("y")).output("y").imp(t, Options{})
	wantErr(t, err, `"kernel_shape"`)
}

func TestLegacyBroadcast(t *testing.T) {
	g := newModel(6).input("a", onnxFloat, 2, 3, 4, 5).init("b", tensor.New(tensor.Float32, 3, 4)).
		node("Add", "add", s("a", "b"), s("y"), aInt("broadcast", 1), aInt("axis", 1)).output("y").mustImport(t, Options{})
	n := g.Nodes[0]
	if len(g.Nodes) != 1 || n.Op != ir.OpAdd {
		t.Fatalf("ops %v", opsOf(g))
	}
	if b := n.Inputs[1]; !b.IsConst() || b.Type.String() != "f32[3,4,1]" {
		t.Errorf("B is %s (const %v), want the constant reshaped to [3,4,1]", b.Type, b.IsConst())
	}
	if got := outType(g, 0); got != "f32[2,3,4,5]" {
		t.Errorf("got %s", got)
	}
	// A runtime B gets a reshape node.
	g = newModel(6).input("a", onnxFloat, 2, 3, 4, 5).input("b", onnxFloat, 3).
		node("Mul", "mul", s("a", "b"), s("y"), aInt("broadcast", 1), aInt("axis", 1)).output("y").mustImport(t, Options{})
	if got := opsOf(g); !slices.Equal(got, []ir.Op{ir.OpReshape, ir.OpMul}) {
		t.Errorf("ops %v", got)
	}
}

func TestSoftmaxOpsets(t *testing.T) {
	sm := func(opset int64, attrs ...*onnx.AttributeProto) *ir.Graph {
		return newModel(opset).input("x", onnxFloat, 2, 3, 4).node("Softmax", "sm", s("x"), s("y"), attrs...).output("y").mustImport(t, Options{})
	}
	g := sm(11) // axis 1, coerced to 2-D
	if got := opsOf(g); !slices.Equal(got, []ir.Op{ir.OpReshape, ir.OpSoftmax, ir.OpReshape}) {
		t.Fatalf("opset 11 default axis: ops %v", got)
	}
	if got := g.Nodes[0].Outputs[0].Type.String(); got != "f32[2,12]" {
		t.Errorf("coerced to %s, want f32[2,12]", got)
	}
	if g.Outputs[0].Name != "y" || outType(g, 0) != "f32[2,3,4]" {
		t.Errorf("output %q %s", g.Outputs[0].Name, outType(g, 0))
	}
	g = sm(11, aInt("axis", -1))
	if got := opsOf(g); len(got) != 1 || g.Nodes[0].Int("axis", -9) != 2 {
		t.Errorf("opset 11 last axis: ops %v attrs %v", got, g.Nodes[0].Attrs)
	}
	g = sm(13)
	if len(g.Nodes) != 1 || g.Nodes[0].Int("axis", -9) != 2 {
		t.Errorf("opset 13 default: %v", g.Nodes[0].Attrs)
	}
	g = sm(13, aInt("axis", 1))
	if len(g.Nodes) != 1 || g.Nodes[0].Int("axis", -9) != 1 {
		t.Errorf("opset 13 axis 1: %v", g.Nodes[0].Attrs)
	}
	g = newModel(9).input("x", onnxFloat, 2, 3).node("LogSoftmax", "ls", s("x"), s("y"), aInt("axis", 0)).output("y").mustImport(t, Options{})
	if got := g.Nodes[0].Outputs[0].Type.String(); got != "f32[1,6]" || g.Nodes[1].Op != ir.OpLogSoftmax {
		t.Errorf("axis 0: %s %v", got, opsOf(g))
	}
}

func TestReshapeResolution(t *testing.T) {
	cases := []struct {
		in    []int
		shape []int
		zero  bool
		want  []int
		err   string
	}{
		{[]int{2, 3, 4}, []int{0, -1}, false, []int{2, 12}, ""},
		{[]int{2, 3, 4}, []int{-1, 4, 0}, false, nil, "cannot reshape"},
		{[]int{2, 3, 4}, []int{4, 0, -1}, false, []int{4, 3, 2}, ""},
		{[]int{0, 3, 4}, []int{3, 4, 0}, true, []int{3, 4, 0}, ""},
		{[]int{2, 3}, []int{-1, -1}, false, nil, "more than one -1"},
		{[]int{2, 3}, []int{7}, false, nil, "cannot reshape"},
		{[]int{2, 3}, []int{-2, 3}, false, nil, "invalid dimension"},
	}
	for _, c := range cases {
		got, err := resolveReshape(c.in, c.shape, c.zero)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v -> %v: error %v, want %q", c.in, c.shape, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%v -> %v: got %v, %v; want %v", c.in, c.shape, got, err, c.want)
		}
	}
	g := newModel(14).input("x", onnxFloat, 2, 3, 4).init("sh", i64s(0, -1)).
		node("Reshape", "r", s("x", "sh"), s("y")).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[2,12]" || g.Nodes[0].Op != ir.OpReshape {
		t.Errorf("got %s", outType(g, 0))
	}
	// Reshape-1 takes the shape as an attribute.
	g = newModel(1).input("x", onnxFloat, 2, 3).node("Reshape", "r", s("x"), s("y"), aInts("shape", 3, 2)).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[3,2]" {
		t.Errorf("opset 1: got %s", outType(g, 0))
	}
}

func TestNeedsConstantAndBind(t *testing.T) {
	b := newModel(13).input("x", onnxFloat, 2, 3).input("shape", onnxInt64, 2).
		node("Reshape", "r", s("x", "shape"), s("y")).output("y")
	_, err := b.imp(t, Options{})
	var nc *NeedsConstantError
	if !errors.As(err, &nc) || nc.Input != "shape" || nc.Node != "r" {
		t.Fatalf("error %v, want NeedsConstantError{shape, r}", err)
	}
	g := b.mustImport(t, Options{Bind: map[string]*tensor.Tensor{"shape": i64s(3, -1)}})
	if outType(g, 0) != "f32[3,2]" || len(g.Inputs) != 1 || g.Inputs[0].Name != "x" {
		t.Errorf("bound: output %s, inputs %d", outType(g, 0), len(g.Inputs))
	}
	_, err = b.imp(t, Options{Bind: map[string]*tensor.Tensor{"nope": i64s(1)}})
	wantErr(t, err, `"nope", which is not a graph input`)
	_, err = b.imp(t, Options{Bind: map[string]*tensor.Tensor{"shape": tensor.FromI64(tensor.Int32, []int64{3, 2}, 2)}})
	wantErr(t, err, `Options.Bind["shape"] is i32[2], the model declares element type i64`)
	_, err = b.imp(t, Options{Bind: map[string]*tensor.Tensor{"shape": i64s(6)}})
	wantErr(t, err, "fixes dimension 0 to 2")
	// Binding an initializer (not a graph input) overrides its value.
	g = newModel(13).input("x", onnxFloat, 2, 3).init("shape", i64s(6)).
		node("Reshape", "r", s("x", "shape"), s("y")).output("y").mustImport(t, Options{Bind: map[string]*tensor.Tensor{"shape": i64s(3, 2)}})
	if outType(g, 0) != "f32[3,2]" {
		t.Errorf("bound initializer: output %s", outType(g, 0))
	}
}

func TestShapesOption(t *testing.T) {
	b := newModel(13).input("x", onnxFloat, -1, 3).node("Relu", "r", s("x"), s("y")).output("y")
	if g := b.mustImport(t, Options{}); outType(g, 0) != "f32[1,3]" {
		t.Errorf("default batch: %s", outType(g, 0))
	}
	if g := b.mustImport(t, Options{Shapes: map[string][]int{"x": {8, 3}}}); outType(g, 0) != "f32[8,3]" {
		t.Errorf("pinned batch: %s", outType(g, 0))
	}
	_, err := b.imp(t, Options{Shapes: map[string][]int{"x": {8, 4}}})
	wantErr(t, err, "fixed to 3")
	_, err = b.imp(t, Options{Shapes: map[string][]int{"x": {8}}})
	wantErr(t, err, "rank 1")
}

func TestUnsupportedListsEveryNode(t *testing.T) {
	b := newModel(13).input("x", onnxFloat, 1, 2, 3, 3).
		node("Foo", "foo1", s("x"), s("a")).
		node("Relu", "r", s("a"), s("b")). // fed by an unsupported node: skipped
		node("Dropout", "drop", s("x", "", "train"), s("c")).
		node("Bar", "", s("x"), s("d")).
		init("train", tensor.FromI64(tensor.Bool, []int64{1})).
		output("b", "c", "d")
	b.m.Graph.Node[3].Domain = "com.microsoft"
	_, err := b.imp(t, Options{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v, want UnsupportedError", err)
	}
	if len(ue.Nodes) != 3 {
		t.Fatalf("%d nodes listed, want 3: %v", len(ue.Nodes), err)
	}
	wantErr(t, err, `Foo "foo1" (opset 13)`, `Dropout "drop" (opset 13): training_mode=true`, `com.microsoft.Bar (opset`)
}

func TestPadForms(t *testing.T) {
	g := newModel(2).input("x", onnxFloat, 1, 2).node("Pad", "p", s("x"), s("y"), aInts("pads", 0, 1, 0, 2), aFloat("value", 1.5)).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[1,5]" || g.Nodes[0].Float("value", 0) != 1.5 {
		t.Errorf("opset 2: %s %v", outType(g, 0), g.Nodes[0].Attrs)
	}
	g = newModel(18).input("x", onnxFloat, 1, 2, 3).init("p", i64s(1, 2, 0, 1)).init("v", f32s(nil, 3)).init("ax", i64s(-1, 0)).
		node("Pad", "p", s("x", "p", "v", "ax"), s("y")).output("y").mustImport(t, Options{})
	if got := g.Nodes[0].Attrs["pads"].Ints; !slices.Equal(got, []int64{2, 0, 1, 1, 0, 0}) || outType(g, 0) != "f32[4,2,4]" {
		t.Errorf("opset 18 axes: pads %v, out %s", got, outType(g, 0))
	}
}

func TestSqueezeUnsqueezeForms(t *testing.T) {
	g := newModel(11).input("x", onnxFloat, 1, 3, 1).node("Squeeze", "s", s("x"), s("y")).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[3]" {
		t.Errorf("squeeze all: %s", outType(g, 0))
	}
	g = newModel(11).input("x", onnxFloat, 1, 3, 1).node("Squeeze", "s", s("x"), s("y"), aInts("axes", -1)).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[1,3]" {
		t.Errorf("squeeze -1: %s", outType(g, 0))
	}
	g = newModel(13).input("x", onnxFloat, 3, 4).init("ax", i64s(-1, 0)).node("Unsqueeze", "u", s("x", "ax"), s("y")).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[1,3,4,1]" || !slices.Equal(g.Nodes[0].Attrs["axes"].Ints, []int64{0, 3}) {
		t.Errorf("unsqueeze: %s %v", outType(g, 0), g.Nodes[0].Attrs["axes"].Ints)
	}
	_, err := newModel(13).input("x", onnxFloat, 3).init("ax", i64s(0, 0)).node("Unsqueeze", "u", s("x", "ax"), s("y")).output("y").imp(t, Options{})
	wantErr(t, err, "repeated")
}

func TestSplitForms(t *testing.T) {
	g := newModel(11).input("x", onnxFloat, 6, 2).node("Split", "sp", s("x"), s("a", "b", "c")).output("a", "b", "c").mustImport(t, Options{})
	if outType(g, 2) != "f32[2,2]" {
		t.Errorf("equal: %s", outType(g, 2))
	}
	g = newModel(11).input("x", onnxFloat, 6, 2).node("Split", "sp", s("x"), s("a", "b"), aInts("split", 1, 5)).output("a", "b").mustImport(t, Options{})
	if outType(g, 1) != "f32[5,2]" {
		t.Errorf("attr: %s", outType(g, 1))
	}
	g = newModel(13).input("x", onnxFloat, 2, 6).init("sp", i64s(4, 2)).node("Split", "sp", s("x", "sp"), s("a", "b"), aInt("axis", -1)).output("a", "b").mustImport(t, Options{})
	if outType(g, 0) != "f32[2,4]" {
		t.Errorf("input form: %s", outType(g, 0))
	}
	g = newModel(18).input("x", onnxFloat, 7).node("Split", "sp", s("x"), s("a", "b", "c"), aInt("num_outputs", 3)).output("a", "b", "c").mustImport(t, Options{})
	if outType(g, 0) != "f32[3]" || outType(g, 2) != "f32[1]" {
		t.Errorf("num_outputs: %s %s", outType(g, 0), outType(g, 2))
	}
	_, err := newModel(13).input("x", onnxFloat, 7).node("Split", "sp", s("x"), s("a", "b")).output("a", "b").imp(t, Options{})
	wantErr(t, err, "does not split equally")
}

func TestClipForms(t *testing.T) {
	g := newModel(6).input("x", onnxFloat, 3).node("Clip", "c", s("x"), s("y"), aFloat("min", -1), aFloat("max", 2)).output("y").mustImport(t, Options{})
	if g.Nodes[0].Float("min", 0) != -1 || g.Nodes[0].Float("max", 0) != 2 {
		t.Errorf("attr form: %v", g.Nodes[0].Attrs)
	}
	g = newModel(13).input("x", onnxInt8, 3).init("hi", tensor.FromI64(tensor.Int8, []int64{5})).node("Clip", "c", s("x", "", "hi"), s("y")).output("y").mustImport(t, Options{})
	if _, ok := g.Nodes[0].Attrs["min"]; ok || g.Nodes[0].Float("max", 0) != 5 || outType(g, 0) != "i8[3]" {
		t.Errorf("input form: %v %s", g.Nodes[0].Attrs, outType(g, 0))
	}
}

func TestBatchNormAndDropout(t *testing.T) {
	p := tensor.New(tensor.Float32, 3)
	b := func(opset int64, outs []string, attrs ...*onnx.AttributeProto) *modelBuilder {
		return newModel(opset).input("x", onnxFloat, 1, 3, 2, 2).init("s", p).init("b", p).init("m", p).init("v", p).
			node("BatchNormalization", "bn", s("x", "s", "b", "m", "v"), outs, attrs...).output("y")
	}
	g := b(6, s("y", "m1", "v1", "sm", "sv"), aInt("is_test", 1), aInt("spatial", 1), aFloat("epsilon", 1e-3)).mustImport(t, Options{})
	if g.Nodes[0].Op != ir.OpBatchNorm || g.Nodes[0].Float("epsilon", 0) != 1e-3 {
		t.Errorf("bn: %v", g.Nodes[0].Attrs)
	}
	_, err := b(15, s("y"), aInt("training_mode", 1)).imp(t, Options{})
	wantErr(t, err, "training_mode=1")
	bb := b(6, s("y", "m1"))
	bb.output("m1")
	_, err = bb.imp(t, Options{})
	wantErr(t, err, "training outputs")

	g = newModel(13).input("x", onnxFloat, 2).node("Dropout", "d", s("x"), s("y", "mask")).output("y").mustImport(t, Options{})
	if g.Nodes[0].Op != ir.OpDropout {
		t.Errorf("dropout: %v", opsOf(g))
	}
	for _, c := range []struct {
		opset int64
		want  string
	}{{13, "bool[2]"}, {10, "f32[2]"}} {
		g = newModel(c.opset).input("x", onnxFloat, 2).node("Dropout", "d", s("x"), s("y", "mask")).output("y", "mask").mustImport(t, Options{})
		m := g.Outputs[1]
		if !m.IsConst() || m.Type.String() != c.want || m.Const.Float64At(0) != 1 || m.Const.Float64At(1) != 1 {
			t.Errorf("dropout-%d mask: %s %v, want a constant %s of ones", c.opset, m.Type, m.Const, c.want)
		}
	}
}

func TestReduceMeanForms(t *testing.T) {
	g := newModel(13).input("x", onnxFloat, 1, 3, 4, 4).node("ReduceMean", "r", s("x"), s("y"), aInts("axes", -1, 2)).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[1,3,1,1]" {
		t.Errorf("attr form: %s", outType(g, 0))
	}
	g = newModel(18).input("x", onnxFloat, 1, 3, 4).init("ax", i64s(1)).node("ReduceMean", "r", s("x", "ax"), s("y"), aInt("keepdims", 0)).output("y").mustImport(t, Options{})
	if outType(g, 0) != "f32[1,4]" {
		t.Errorf("input form: %s", outType(g, 0))
	}
	g = newModel(18).input("x", onnxFloat, 1, 3).node("ReduceMean", "r", s("x"), s("y"), aInt("noop_with_empty_axes", 1)).output("y").mustImport(t, Options{})
	if g.Nodes[0].Op != ir.OpIdentity {
		t.Errorf("noop: %v", opsOf(g))
	}
}

func TestConstantsAndShape(t *testing.T) {
	g := newModel(13).input("x", onnxFloat, 2, 3, 5).
		node("Constant", "c1", nil, s("a"), aFloats("value_floats", 1, 2)).
		node("Constant", "c2", nil, s("b"), aInt("value_int", 7)).
		node("Constant", "c3", nil, s("c"), aTensor("value", f32s([]int{2, 1}, 4, 5))).
		node("Shape", "sh", s("x"), s("d")).
		node("Cast", "cast", s("d"), s("e"), aInt("to", onnxFloat)).
		output("a", "b", "c", "d", "e").mustImport(t, Options{})
	if len(g.Nodes) != 0 {
		t.Fatalf("nodes left: %v", opsOf(g))
	}
	want := []string{"f32[2]", "i64[]", "f32[2,1]", "i64[3]", "f32[3]"}
	for i, w := range want {
		if outType(g, i) != w || !g.Outputs[i].IsConst() {
			t.Errorf("output %d: %s (const %v), want %s", i, outType(g, i), g.Outputs[i].IsConst(), w)
		}
	}
	if got := g.Outputs[4].Const.F32; !slices.Equal(got, []float32{2, 3, 5}) {
		t.Errorf("cast shape: %v", got)
	}
	g = newModel(15).input("x", onnxFloat, 2, 3, 5).node("Shape", "sh", s("x"), s("d"), aInt("start", -2), aInt("end", 10)).output("d").mustImport(t, Options{})
	if got := g.Outputs[0].Const.I64; !slices.Equal(got, []int64{3, 5}) {
		t.Errorf("shape start/end: %v", got)
	}
	g = newModel(13).input("x", onnxFloat, 2).node("Cast", "cast", s("x"), s("y"), aInt("to", onnxInt32)).output("y").mustImport(t, Options{})
	if n := g.Nodes[0]; n.Op != ir.OpCast || n.Str("to", "") != "i32" || outType(g, 0) != "i32[2]" {
		t.Errorf("Cast of a runtime value: %s %v -> %s", n.Op, n.Attrs, outType(g, 0))
	}
	g = newModel(15).input("x", onnxFloat, 2).input("l", onnxFloat, 1).node("CastLike", "cl", s("x", "l"), s("y")).output("y").mustImport(t, Options{})
	if ops := opsOf(g); !slices.Equal(ops, []ir.Op{ir.OpIdentity}) {
		t.Errorf("CastLike to the same type: %v", ops)
	}
	g = newModel(1).init("k", f32s([]int{2}, 2.7, -3.9)).node("Cast", "cast", s("k"), s("y"), aString("to", "INT8")).output("y").mustImport(t, Options{})
	if got := g.Outputs[0].Const; got.DType != tensor.Int8 || !slices.Equal(got.I64, []int64{2, -3}) {
		t.Errorf("Cast-1 to INT8: %s %v", got, got.I64)
	}
	g = newModel(13).input("x", onnxFloat, 2).node("Cast", "cast", s("x"), s("y"), aInt("to", onnxFloat)).output("y").mustImport(t, Options{})
	if got := opsOf(g); !slices.Equal(got, []ir.Op{ir.OpIdentity}) {
		t.Errorf("Cast to the same type: %v", got)
	}
}

// TestShapeSubgraphFolds is the flatten idiom of old PyTorch exports:
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape becomes one reshape.
func TestShapeSubgraphFolds(t *testing.T) {
	g := newModel(9).input("x", onnxFloat, 1, 4, 2, 2).
		init("zero", tensor.FromI64(tensor.Int64, []int64{0})).
		init("minus1", i64s(-1)).
		node("Shape", "s", s("x"), s("shape")).
		node("Gather", "g", s("shape", "zero"), s("n"), aInt("axis", 0)).
		node("Unsqueeze", "u", s("n"), s("n1"), aInts("axes", 0)).
		node("Concat", "c", s("n1", "minus1"), s("target"), aInt("axis", 0)).
		node("Reshape", "r", s("x", "target"), s("y")).
		output("y").mustImport(t, Options{})
	if got := opsOf(g); !slices.Equal(got, []ir.Op{ir.OpReshape}) {
		t.Fatalf("ops %v, want only reshape", got)
	}
	if outType(g, 0) != "f32[1,16]" {
		t.Errorf("got %s", outType(g, 0))
	}
	if len(g.Consts) != 0 {
		t.Errorf("%d constants left, want 0 (all folded into the reshape attribute)", len(g.Consts))
	}
}

func TestGemmAndTranspose(t *testing.T) {
	g := newModel(11).input("a", onnxFloat, 4, 3).init("b", tensor.New(tensor.Float32, 5, 4)).init("c", tensor.New(tensor.Float32, 5)).
		node("Gemm", "gm", s("a", "b", "c"), s("y"), aInt("transA", 1), aInt("transB", 1), aFloat("alpha", 2)).
		node("Transpose", "t", s("y"), s("z")).output("z").mustImport(t, Options{})
	if outType(g, 0) != "f32[5,3]" || g.Nodes[0].Float("alpha", 0) != 2 || g.Nodes[0].Int("trans_a", 0) != 1 {
		t.Errorf("got %s %v", outType(g, 0), g.Nodes[0].Attrs)
	}
}

func TestMalformedModels(t *testing.T) {
	good := newModel(13).input("x", onnxFloat, 2).node("Relu", "r", s("x"), s("y")).output("y").bytes(t)
	_, err := Import("m.onnx", good[:len(good)-3], Options{})
	wantErr(t, err, "m.onnx")
	_, err = Import("m.onnx", []byte("not a model"), Options{})
	wantErr(t, err, "m.onnx")
	_, err = newModel(13).input("x", onnxFloat, 2).node("Relu", "r", s("w"), s("y")).output("y").imp(t, Options{})
	wantErr(t, err, `node "r" (Relu)`, `input 0 ("w") is not defined`)
	_, err = newModel(13).input("x", onnxFloat, 2).node("Relu", "r", s("x", "x"), s("y")).output("y").imp(t, Options{})
	wantErr(t, err, `node "r" (Relu)`, "has 2 inputs, want 1")
	_, err = newModel(13).input("x", onnxFloat, 2).node("LeakyRelu", "r", s("x"), s("y"), aInts("alpha", 1)).output("y").imp(t, Options{})
	wantErr(t, err, `attribute "alpha": want FLOAT, got INTS`)
	_, err = newModel(13).input("x", onnxFloat, 2).node("Relu", "r", s("x"), s("y")).output("zz").imp(t, Options{})
	wantErr(t, err, `graph output "zz"`)
	b := newModel(99).input("x", onnxFloat, 2).node("Relu", "r", s("x"), s("y")).output("y")
	_, err = b.imp(t, Options{})
	wantErr(t, err, "opset 99")
	b = newModel(13).input("x", onnxFloat, 2).node("Relu", "r", s("x"), s("y")).output("y")
	b.m.IrVersion = 2
	_, err = b.imp(t, Options{})
	wantErr(t, err, "IR version 2")
	b = newModel(13).input("x", onnxFloat, 2).node("Add", "a", s("x", "w"), s("y")).output("y").init("w", tensor.New(tensor.Float32, 3))
	_, err = b.imp(t, Options{})
	wantErr(t, err, `node "a" (Add)`, "broadcast")
	b = newModel(13).input("x", onnxFloat, 2).init("w", tensor.New(tensor.Float32, 2)).node("Add", "a", s("x", "w"), s("y")).output("y")
	b.m.Graph.Initializer[0].RawData = b.m.Graph.Initializer[0].RawData[:5]
	_, err = b.imp(t, Options{})
	wantErr(t, err, `initializer: tensor "w": raw_data truncated: shape [2] of f32 needs 8 bytes, found 5`)
}

func TestCastTensor(t *testing.T) {
	f := f32s([]int{6}, 1.9, -1.9, 300, -129, float32(math.NaN()), 0.5)
	if got := castTensor(f, tensor.Int8); !slices.Equal(got.I64, []int64{1, -1, 44, 127, 0, 0}) {
		t.Errorf("f32->i8: %v", got.I64)
	}
	if got := castTensor(f, tensor.Bool); !slices.Equal(got.I64, []int64{1, 1, 1, 1, 1, 1}) {
		t.Errorf("f32->bool: %v", got.I64)
	}
	i := tensor.FromI64(tensor.Int64, []int64{-1, 256, 0}, 3)
	if got := castTensor(i, tensor.Uint8); !slices.Equal(got.I64, []int64{255, 0, 0}) {
		t.Errorf("i64->u8: %v", got.I64)
	}
	if got := castTensor(i, tensor.Bool); !slices.Equal(got.I64, []int64{1, 1, 0}) {
		t.Errorf("i64->bool: %v", got.I64)
	}
	if got := castTensor(f32s([]int{1}, 1.0009765625+1e-7), tensor.Float16); got.F32[0] != 1.0009765625 {
		t.Errorf("f32->f16: %v", got.F32)
	}
	if got := castTensor(i, tensor.Float64); !slices.Equal(got.F64, []float64{-1, 256, 0}) {
		t.Errorf("i64->f64: %v", got.F64)
	}
}

func TestUnrepresentableTypes(t *testing.T) {
	const f8 = 17 // FLOAT8E4M3FN; int4 is held since issue 13 item 3
	b := newModel(21).input("x", onnxFloat, 2).input("q", f8, 2).
		node("DequantizeLinear", "dq", s("q", "x"), s("d")).node("Add", "add", s("d", "x"), s("y")).output("y")
	_, err := b.imp(t, Options{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) || len(ue.Nodes) != 1 {
		t.Fatalf("error %v, want UnsupportedError listing DequantizeLinear", err)
	}
	// A supported op reading such a value names it.
	b = newModel(21).input("x", onnxFloat, 2).input("q", f8, 2).node("Relu", "r", s("q"), s("y")).output("y")
	_, err = b.imp(t, Options{})
	wantErr(t, err, `Relu "r" (opset 21): input "q": element type FLOAT8E4M3FN is not supported`)
	// An unused runtime input of such a type cannot be fed.
	_, err = newModel(21).input("x", onnxFloat, 2).input("q", f8, 2).node("Relu", "r", s("x"), s("y")).output("y").imp(t, Options{})
	wantErr(t, err, `graph input "q": element type FLOAT8E4M3FN is not supported`)
	// An unused initializer of such a type is ignored.
	b = newModel(21).input("x", onnxFloat, 2).node("Relu", "r", s("x"), s("y")).output("y")
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, &onnx.TensorProto{Name: "w", DataType: f8, Dims: []int64{2}, RawData: []byte{0x12}})
	b.mustImport(t, Options{})
}

func TestSliceFolding(t *testing.T) {
	x := tensor.FromI64(tensor.Int64, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4)
	cases := []struct {
		starts, ends, axes, steps []int
		want                      []int64
		shape                     string
	}{
		{[]int{1}, []int{math.MaxInt32}, []int{1}, nil, []int64{1, 2, 3, 5, 6, 7, 9, 10, 11}, "i64[3,3]"},
		{[]int{0, -1}, []int{-1, -100}, nil, []int{1, -2}, []int64{3, 1, 7, 5}, "i64[2,2]"},
		{[]int{10}, []int{20}, []int{0}, nil, []int64{}, "i64[0,4]"},
		{[]int{-1}, []int{math.MinInt32}, []int{-2}, []int{-1}, []int64{8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3}, "i64[3,4]"},
	}
	for i, c := range cases {
		got, err := sliceTensor(x, c.starts, c.ends, c.axes, c.steps)
		if err != nil || got.String() != c.shape || !slices.Equal(got.I64, c.want) {
			t.Errorf("case %d: got %v %v, %v; want %s %v", i, got, got.I64, err, c.shape, c.want)
		}
	}
	// tf2onnx idiom: Shape -> Slice -> Concat -> Reshape folds away.
	g := newModel(13).input("x", onnxFloat, 2, 3, 4).init("st", i64s(0)).init("en", i64s(1)).init("m1", i64s(-1)).
		node("Shape", "sh", s("x"), s("shape")).
		node("Slice", "sl", s("shape", "st", "en"), s("n")).
		node("Concat", "cat", s("n", "m1"), s("target"), aInt("axis", 0)).
		node("Reshape", "r", s("x", "target"), s("y")).output("y").mustImport(t, Options{})
	if got := opsOf(g); !slices.Equal(got, []ir.Op{ir.OpReshape}) || outType(g, 0) != "f32[2,12]" {
		t.Errorf("ops %v, output %s", got, outType(g, 0))
	}
	g = newModel(9).init("k", x).node("Slice", "sl", s("k"), s("y"), aInts("starts", 1), aInts("ends", 2)).output("y").mustImport(t, Options{})
	if got := g.Outputs[0].Const; got.String() != "i64[1,4]" || got.I64[0] != 4 {
		t.Errorf("opset 9: %v %v", got, got.I64)
	}
	// a runtime value: the slice op with every axis resolved (negative
	// step, ends clamped)
	g = newModel(13).input("x", onnxFloat, 4, 6).init("st", i64s(-1)).init("en", i64s(-100)).init("ax", i64s(1)).init("sp", i64s(-2)).
		node("Slice", "sl", s("x", "st", "en", "ax", "sp"), s("y")).output("y").mustImport(t, Options{})
	if n := g.Nodes[0]; n.Op != ir.OpSlice || outType(g, 0) != "f32[4,3]" || !slices.Equal(n.Ints("begin", nil), []int{0, 5}) ||
		!slices.Equal(n.Ints("step", nil), []int{1, -2}) {
		t.Errorf("runtime slice: %s %v -> %s", n.Op, n.Attrs, outType(g, 0))
	}
	y, err := interp.Run(g, []*tensor.Tensor{tensor.FromF32([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, 4, 6)})
	if err != nil || !slices.Equal(y[0].F32[:3], []float32{5, 3, 1}) || y[0].F32[11] != 19 {
		t.Errorf("runtime slice gives %v (%v)", y, err)
	}
}
