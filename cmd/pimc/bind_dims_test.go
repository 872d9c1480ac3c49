package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// symInput is an ONNX graph input of float32 whose dims are sizes (int)
// or dim_param names (string).
func symInput(name string, dims ...any) *onnx.ValueInfoProto {
	shape := &onnx.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnx.TensorShapeProto_Dimension{}
		switch d := d.(type) {
		case int:
			dim.Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}
		case string:
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: d}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: int32(onnx.TensorProto_FLOAT), Shape: shape}}}}
}

// writeSymModels writes two models whose inputs have symbolic dims, as
// most exporters write them: conv.onnx, x[N,3,H,W] -> 3x3 Conv (no
// padding: it needs H, W >= 3) -> Relu -> GlobalAveragePool -> Flatten ->
// y[N,4]; pair.onnx, a[N,T] + b[N,T] -> s, two inputs sharing "T"; and
// tr.onnx, a[N,T] transposed, whose dimension 0 is no batch.
func writeSymModels(t *testing.T, dir string) (conv, pair, tr string) {
	t.Helper()
	w := tensor.New(tensor.Float32, 4, 3, 3, 3)
	for i := range w.F32 {
		w.F32[i] = float32((i*37)%17-8) / 16
	}
	wp, err := tensorio.EncodeTensorProto(w, "w")
	if err != nil {
		t.Fatal(err)
	}
	node := func(op string, in, out string) *onnx.NodeProto {
		ins := []string{in}
		if op == "Conv" {
			ins = append(ins, "w")
		}
		return &onnx.NodeProto{OpType: op, Name: op, Input: ins, Output: []string{out}}
	}
	models := map[string]*onnx.ModelProto{
		"conv.onnx": {Graph: &onnx.GraphProto{Name: "conv",
			Input:       []*onnx.ValueInfoProto{symInput("x", "N", 3, "H", "W")},
			Initializer: []*onnx.TensorProto{wp},
			Node:        []*onnx.NodeProto{node("Conv", "x", "c"), node("Relu", "c", "r"), node("GlobalAveragePool", "r", "p"), node("Flatten", "p", "y")},
			Output:      []*onnx.ValueInfoProto{{Name: "y"}}}},
		"pair.onnx": {Graph: &onnx.GraphProto{Name: "pair",
			Input:  []*onnx.ValueInfoProto{symInput("a", "N", "T"), symInput("b", "N", "T")},
			Node:   []*onnx.NodeProto{{OpType: "Add", Name: "add", Input: []string{"a", "b"}, Output: []string{"s"}}},
			Output: []*onnx.ValueInfoProto{{Name: "s"}}}},
		"tr.onnx": {Graph: &onnx.GraphProto{Name: "tr",
			Input: []*onnx.ValueInfoProto{symInput("a", "N", "T")},
			Node: []*onnx.NodeProto{{OpType: "Transpose", Name: "tr", Input: []string{"a"}, Output: []string{"s"},
				Attribute: []*onnx.AttributeProto{{Name: "perm", Type: onnx.AttributeProto_INTS, Ints: []int64{1, 0}}}}},
			Output: []*onnx.ValueInfoProto{{Name: "s"}}}},
	}
	for name, m := range models {
		m.IrVersion = 8
		m.OpsetImport = []*onnx.OperatorSetIdProto{{Version: 13}}
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "conv.onnx"), filepath.Join(dir, "pair.onnx"), filepath.Join(dir, "tr.onnx")
}

// TestDimsBoundFromInputs: a model's symbolic input dims take their sizes
// from the tensors given (run -i, compile -verify-with and -calib, eval's
// dataset) without -shape, the same dim_param the same size in every input
// and file; a conflict names the dim, both files and both sizes; a -shape
// that contradicts a file is refused; bound dims and a batch are stated.
// Before, conv.onnx was imported with H = W = 1 and failed at its Conv.
func TestDimsBoundFromInputs(t *testing.T) {
	dir := t.TempDir()
	conv, pair, tr := writeSymModels(t, dir)
	write := func(name string, x *tensor.Tensor) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := tensorio.Write(p, x, ""); err != nil {
			t.Fatal(err)
		}
		return p
	}
	x8 := write("x8.npy", digits(1, 3, 8, 8))
	x8b := write("x8x4.npy", digits(4, 3, 8, 8))
	x16 := write("x16.npy", digits(1, 3, 16, 16))
	a5, b5, b6 := write("a5.npy", digits(1, 5)), write("b5.npy", digits(1, 5)), write("b6.npy", digits(1, 6))
	a45 := write("a45.npy", digits(4, 5))
	calib := filepath.Join(dir, "calib")
	write("calib/c0.npy", digits(1, 3, 8, 8))
	write("calib/c1.npy", digits(3, 8, 8)) // the batch axis left out
	ds := filepath.Join(dir, "ds")
	for i := range 4 {
		write(filepath.Join("ds", "s"+string(rune('0'+i))+".npy"), digits(3, 8, 8))
	}
	if err := os.WriteFile(filepath.Join(ds, "labels.txt"), []byte("0\n1\n2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "conv.pimb")
	runCases(t, []cliCase{
		{args: []string{"run", conv, "-i", x8}, code: exitOK, stderr: []string{`pimc run: input dimensions from ` + x8 + `: "H"=8, "W"=8`}, not: []string{"batch"}},
		{args: []string{"run", conv, "-i", x8b}, code: exitOK, stderr: []string{`batch 4 (dimension "N", 4 inference(s) at batch 1), "H"=8, "W"=8`}},
		{args: []string{"run", conv, "-i", x16, "-shape", "x=1x3x8x8"}, code: exitUser, stderr: []string{"-shape x=1x3x8x8 contradicts " + x16 + ": its shape [1,3,16,16] has 16 at dimension 2, -shape says 8"}},
		{args: []string{"run", conv, "-i", x8, "-shape", "x=1x3x8x8"}, code: exitOK, not: []string{"input dimensions"}},
		{args: []string{"run", pair, "-i", a5, "-i", b5}, code: exitOK, stderr: []string{`input dimensions from ` + a5 + `: "T"=5`}},
		{args: []string{"run", tr, "-i", a5}, code: exitOK, stderr: []string{`"T"=5`}},
		{args: []string{"run", tr, "-i", a45}, code: exitUser, stderr: []string{a45 + ` holds 4 inferences along dimension 0, but output "s" (f32[5,1]) does not keep dimension 0 as a batch: to run the tensors whole, pin their shapes (-shape a=4x5)`}},
		{args: []string{"run", tr, "-i", a45, "-shape", "a=4x5"}, code: exitOK, not: []string{"input dimensions"}},
		{args: []string{"run", pair, "-i", a5, "-i", b6}, code: exitUser, stderr: []string{`dimension "T": 5 in ` + a5 + ` (input "a" dimension 1), 6 in ` + b6 + ` (input "b" dimension 1)`}},
		{args: []string{"compile", conv, "-o", prog, "-verify-with", x8}, code: exitOK, stderr: []string{`pimc compile: input dimensions from ` + x8 + `: "H"=8, "W"=8`}},
		{args: []string{"sim", prog, "-i", x8b, "-q"}, code: exitOK},
		{args: []string{"compile", conv, "-o", prog, "-calib", calib}, code: exitOK, stderr: []string{`"H"=8, "W"=8`, "c0.npy"}},
		{args: []string{"compile", conv, "-o", prog, "-calib", calib, "-verify-with", x16}, code: exitUser, stderr: []string{`dimension "H": 16 in ` + x16 + ` (input "x" dimension 2), 8 in ` + filepath.Join(calib, "c0.npy") + ` (input "x" dimension 2)`}},
		{args: []string{"ir", conv}, code: exitUser, stderr: []string{`node "Conv"`, `(the model's open input dimensions "H" (input "x" dimension 2), "W" (input "x" dimension 3) were set to 1: give them with -shape NAME=DIMS or input tensors`}},
		{args: []string{"ir", conv, "-shape", "x=1x3x8x8"}, code: exitOK, not: []string{"note"}},
		{args: []string{"ir", pair}, code: exitOK, stderr: []string{`pimc ir: note: the model's open input dimensions "T" (input "a" dimension 1) are set to 1`}},
		{args: []string{"eval", conv, "-dataset", ds}, code: exitOK, stderr: []string{`pimc eval: input dimensions from ` + ds + `: "H"=8, "W"=8`}},
	})
	// The bound import computes what the same model pinned with -shape does.
	outBound, outPinned := filepath.Join(dir, "yb.npy"), filepath.Join(dir, "yp.npy")
	if code, _, errs := runCLI("run", conv, "-i", x8b, "-o", outBound); code != exitOK {
		t.Fatalf("run: %s", errs)
	}
	if code, _, errs := runCLI("run", conv, "-i", x8b, "-shape", "x=1x3x8x8", "-o", outPinned); code != exitOK {
		t.Fatalf("run -shape: %s", errs)
	}
	yb, err := tensorio.Read(outBound)
	if err != nil {
		t.Fatal(err)
	}
	yp, err := tensorio.Read(outPinned)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(yb.Shape, []int{4, 4}) || !tensor.SameShape(yb.Shape, yp.Shape) || strings.Join(strings.Fields(yb.Summary()), " ") != strings.Join(strings.Fields(yp.Summary()), " ") {
		t.Errorf("bound %s, pinned %s", yb.Summary(), yp.Summary())
	}
	for i := range yb.F32 {
		if yb.F32[i] != yp.F32[i] {
			t.Fatalf("output %d: bound %v, pinned %v", i, yb.F32[i], yp.F32[i])
		}
	}
}
