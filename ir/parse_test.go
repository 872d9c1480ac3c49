package ir

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/ir/tensor"
)

const hdr = "pir 1\ngraph \"g\" stage=import opset=13 producer=\"\"\n"

// TestParseErrors checks that malformed text gives an error naming
// file:line:col and what was expected.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", `t.pir:1:1: expected "pir", got end of file`},
		{"pir 2\n", `t.pir:1:5: expected format version 1`},
		{"pir 1\ngraph g\n", `t.pir:2:7: expected graph name (a quoted string), got "g"`},
		{"pir 1\ngraph \"g\" stage=lowered\n", `t.pir:2:17: unknown stage "lowered"`},
		{"pir 1\ngraph \"g\" color=1\n", `t.pir:2:17: unknown graph attribute "color"`},
		{hdr + "input %x f32[1]\n", `t.pir:3:10: expected ":", got "f32"`},
		{hdr + "input %x: f99[1]\n", `t.pir:3:11: unknown element type "f99"`},
		{hdr + "input %x: f32[1,-2]\n", `t.pir:3:17: dimension -2 out of range`},
		{hdr + "input %x: f32[1]\ninput %x: f32[1]\n", `t.pir:4:7: value %x defined twice (first at line 3)`},
		{hdr + "const %w: f32[2] = [1]\n", `t.pir:3:20: constant %w: 1 elements, want 2 for f32[2]`},
		{hdr + "const %w: f32[1] = [1, 2]\n", `t.pir:3:24: constant %w: more than the 1 elements of f32[1]`},
		{hdr + "const %w: i64[1] = [1.5]\n", `t.pir:3:21: expected an integer element, got "1.5"`},
		{hdr + "const %w: f32[1] = [1e99]\n", `t.pir:3:21: expected a float32, got "1e99"`},
		{hdr + "const %w: f32[1] = [nan(0x3f800000)]\n", `t.pir:3:21: nan(0x3f800000) is not a NaN`},
		{hdr + "const %w: f32[432] = elided  # 432 elems\n", `t.pir:3:22: constant %w is elided: this text is a summary for humans; print the graph with full constants`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = frobnicate(%x)\n", `t.pir:4:14: unknown op "frobnicate"`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x\n", `t.pir:4:21: expected ",", got end of line`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%z)\n", `t.pir:4:19: value %z is used but never defined`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x) {axis=1, axis=2}\n", `t.pir:4:32: attribute "axis" given twice`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x) {axis=}\n", `t.pir:4:29: expected a value for attribute "axis", got "}"`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x) {a=ints[1.5]}\n", `t.pir:4:31: attribute "a": ints[] list holds float "1.5"`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x) @Relu\n", `t.pir:4:24: expected the ONNX node name (a quoted string), got "Relu"`},
		{hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x) extra\n", `t.pir:4:23: expected end of line, got "extra"`},
		{hdr + "input %x: f32[1] name=\"y\"\n", `t.pir:3:23: name= is only allowed on numbered values (%x already has a name)`},
		{hdr + "input %x: f32[1] quant{bits=8, signed=maybe, axis=-1, scale=[1.0], zero_point=[0]}\n", `t.pir:3:39: expected true or false, got "maybe"`},
		{hdr + "input %x: f32[1] batch=static\n", `t.pir:3:24: expected "dynamic" (the only value of an input's batch=), got "static"`},
		{hdr + "const %w: f32[1] batch=dynamic = [1]\n", `t.pir:3:18: expected "=", got "batch"`},
		{hdr + "input %\"x: f32[1]\n", `t.pir:3:8: unterminated string`},
		{hdr + "input %x: f32[1] $\n", `t.pir:3:18: unexpected character '$'`},
		{hdr + "output\n", `t.pir:3:7: expected a value reference (%name), got end of line`},
		{hdr + "= relu()\n", `t.pir:3:1: expected input, const, output or a node, got "="`},
	} {
		_, err := Parse("t.pir", []byte(tc.src))
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tc.src, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Parse(%q):\n got %v\nwant %s...", tc.src, err, tc.want)
		}
	}
}

// TestParseHandWritten reads a .pir file written by hand (comments, blank
// lines, extra spaces, attributes in any order, forward references in
// outputs) and checks what it describes.
func TestParseHandWritten(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "handwritten.pir"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse("handwritten.pir", src)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "tiny" || g.Stage != StageCanonical || g.Opset != 13 || g.Producer != "hand" {
		t.Errorf("header: %q %v %d %q", g.Name, g.Stage, g.Opset, g.Producer)
	}
	if len(g.Inputs) != 1 || g.Inputs[0].Name != "gpu_0/data_0" || !g.Inputs[0].Type.Equal(Type{DType: tensor.Float32, Shape: []int{1, 4}}) {
		t.Errorf("inputs: %+v", g.Inputs)
	}
	if len(g.Consts) != 3 {
		t.Fatalf("consts: %d", len(g.Consts))
	}
	w := g.Consts[0].Const
	if w.DType != tensor.Float32 || len(w.F32) != 8 || w.F32[0] != 0.5 || math.Float32bits(w.F32[3]) != 0x80000000 ||
		!math.IsInf(float64(w.F32[4]), -1) || math.Float32bits(w.F32[5]) != canonNaN32 || math.Float32bits(w.F32[6]) != 0x7fc00001 {
		t.Errorf("weights: %v", w.F32)
	}
	if c := g.Consts[2]; c.Name != "" || c.Const.DType != tensor.Int64 || c.Const.I64[1] != -7 {
		t.Errorf("anonymous const: %+v %v", c, c.Const.I64)
	}
	if len(g.Nodes) != 3 {
		t.Fatalf("nodes: %d", len(g.Nodes))
	}
	fc := g.Nodes[0]
	if fc.Op != OpFC || fc.Name != "Gemm_0" || fc.OnnxOp != "Gemm" || fc.Inputs[2] != nil || fc.Outputs[0].Def != fc {
		t.Errorf("fc node: %+v", fc)
	}
	clip := g.Nodes[1]
	if clip.Float("min", 1) != 0 || clip.Float("max", 0) != 6 || clip.Attrs["min"].Kind != AttrFloat {
		t.Errorf("clip attrs: %+v", clip.Attrs)
	}
	if q := clip.Outputs[0].Quant; q == nil || q.Bits != 8 || !q.Signed || q.Axis != -1 || q.Scale[0] != 0.25 {
		t.Errorf("quant: %+v", q)
	}
	if len(g.Outputs) != 2 || g.Outputs[0] != g.Nodes[2].Outputs[0] || g.Outputs[1] != g.Nodes[2].Outputs[1] {
		t.Errorf("outputs: %+v", g.Outputs)
	}
	if sp := g.Nodes[2]; sp.Op != OpSplit || len(sp.Ints("split", nil)) != 2 || sp.Outputs[1].Name != "b" {
		t.Errorf("split: %+v", sp)
	}
	if err := Verify(g); err != nil {
		t.Errorf("hand-written graph should verify: %v", err)
	}
	roundTrip(t, g)
}

// TestPrintElided checks the human form: large constants summarised with
// range and sparsity, small ones in full, and that Parse refuses it.
func TestPrintElided(t *testing.T) {
	g := mnistLike(t)
	s := g.String()
	for _, want := range []string{
		"const %Parameter5: f32[8,1,5,5] = elided  # 200 elems, range [-0.03, 0.03], sparsity 0.14\n",
		"const %Parameter6: f32[8] = [-1.5, -1, -0.5, 0, 0.5, 1, 1.5, -1.5]\n",
		"const %0: f32[1,10] = [0.5, -0.25, -0, 1e-07, 3, 0, 0, 0, 0, 0]  # 10 elems, range [-0.25, 3], sparsity 0.60\n",
		"%Convolution28_Output_0: f32[1,8,28,28] = conv(%Input3, %Parameter5, %Parameter6) {dilations=[1,1], group=1, pads=[2,2,2,2], strides=[1,1]} @\"Convolution28\":Conv\n",
		"%1: f32[1,8,28,28] = relu(%Convolution28_Output_0)\n",
		"%3: f32[1,10] = matmul(%2, %\"gpu_0/fc_w\")\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	_, err := Parse("mnist.pir", []byte(s))
	if err == nil || !strings.Contains(err.Error(), "mnist.pir:4:") || !strings.Contains(err.Error(), "elided") {
		t.Errorf("parsing elided text: %v", err)
	}
}

// TestPrintGolden compares the printed MNIST-like graph with the committed
// golden file (internal/golden: PIMC_UPDATE=1 rewrites it).
func TestPrintGolden(t *testing.T) {
	golden.CheckFile(t, filepath.Join("testdata", "mnist_like.pir"), []byte(mnistLike(t).String()))
}

// TestPrintDeterministic prints the same random graphs twice, and a clone.
func TestPrintDeterministic(t *testing.T) {
	g := mnistLike(t)
	a, b := g.String(), Clone(g).String()
	if a != b || a != g.String() {
		t.Fatal("printing is not deterministic")
	}
}

// TestPrintNeverPanics prints graphs with nil everywhere.
func TestPrintNeverPanics(t *testing.T) {
	n := &Node{Op: "no_such_op", Inputs: []*Value{nil, {Name: "dangling"}}, Outputs: []*Value{nil},
		Attrs: Attrs{"t": {Kind: AttrTensor}, "bad": {}}}
	g := &Graph{Inputs: []*Value{nil}, Consts: []*Value{nil, {Name: "noPayload"}}, Nodes: []*Node{nil, n}, Outputs: []*Value{nil}}
	s := g.String()
	for _, want := range []string{"input _", "const %noPayload: invalid[] = elided  # BUG", "# BUG: nil node", "no_such_op(_, %dangling)", "bad=invalid(0)", "t=tensor(nil)", "output _"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if err := Print(&strings.Builder{}, nil, PrintOptions{}); err == nil {
		t.Error("Print(nil) should fail")
	}
}

// TestDynamicBatchRoundTrip: an input's DynamicBatch mark prints as
// "batch=dynamic", parses back and survives Clone.
func TestDynamicBatchRoundTrip(t *testing.T) {
	g := mnistLike(t)
	g.Inputs[0].DynamicBatch = true
	text := roundTrip(t, g)
	if !strings.Contains(text, "input %Input3: f32[1,1,28,28] batch=dynamic\n") {
		t.Errorf("input line lacks batch=dynamic:\n%s", text)
	}
	if c := Clone(g); !c.Inputs[0].DynamicBatch {
		t.Error("Clone drops DynamicBatch")
	}
	g.Inputs[0].DynamicBatch = false
	if text := roundTrip(t, g); strings.Contains(text, "batch=") {
		t.Errorf("a fixed batch prints batch=:\n%s", text)
	}
}
