package backend_test

import (
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestImportedQOperatorModel compiles a quantized ONNX model with the
// model's own scales, weight codes and biases (testdata/qdq/gen_models.py,
// qop_symmetric: QuantizeLinear, two QLinearConv, MaxPool and Reshape on
// int8 codes, QLinearMatMul, DequantizeLinear; every zero point 0): all
// three matrix layers run on the sub-arrays, the simulator is bit-exact
// with the quantized interpreter, and the program's outputs equal the
// imported model's (onnxruntime's integer semantics, ir/op_qlinear.go) and
// onnxruntime's stored output.
func TestImportedQOperatorModel(t *testing.T) {
	dir := "../testdata/qdq/cases/qop_symmetric/"
	g := quantizeModel(t, dir+"model.onnx", "")
	ops := map[ir.Op]int{}
	for _, n := range g.Nodes {
		ops[n.Op]++
		if ir.IsONNXQuantOp(n.Op) {
			t.Errorf("%s left on the host", n.Op)
		}
	}
	if ops[ir.OpQConv] != 2 || ops[ir.OpQFC] != 1 {
		t.Fatalf("ops %v, want 2 qconv and 1 qfc", ops)
	}
	imported, err := frontend.Load(dir+"model.onnx", frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var inputs [][]*tensor.Tensor
	r := rand.New(rand.NewSource(3))
	for range 40 {
		x := tensor.New(tensor.Float32, 1, 3, 8, 8)
		for i := range x.F32 {
			x.F32[i] = float32(r.Float64()*2.6 - 1.3)
		}
		inputs = append(inputs, []*tensor.Tensor{x})
	}
	stored, err := tensorio.Read(dir + "test_data_set_0/input_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, []*tensor.Tensor{stored}) // last: its run is returned below
	for i, in := range inputs {
		want, err := interp.Run(imported, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := interp.Run(g, in)
		if err != nil {
			t.Fatal(err)
		}
		if d := firstDiff(want[0], got[0]); d >= 0 {
			t.Errorf("input %d, element %d: quantized graph %v, imported model %v", i, d, got[0].Float64At(d), want[0].Float64At(d))
		}
	}
	_, run := compileAndCheck(t, g, target.Default(), inputs...)
	ref, err := tensorio.Read(dir + "test_data_set_0/output_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(ref, run.Outputs[0]); d >= 0 {
		t.Errorf("element %d: simulator %v, onnxruntime %v", d, run.Outputs[0].Float64At(d), ref.Float64At(d))
	}
}

// TestImportedQOperatorHost: a quantized model with zero points
// (qop_asymmetric: uint8 codes, per-channel weight zero points,
// com.microsoft.QLinearAdd) keeps its quantized ops on the host, where
// they run as imported, and still compiles and simulates.
func TestImportedQOperatorHost(t *testing.T) {
	dir := "../testdata/qdq/cases/qop_asymmetric/"
	g := quantizeModel(t, dir+"model.onnx", "")
	host := 0
	for _, n := range g.Nodes {
		if ir.IsONNXQuantOp(n.Op) {
			host++
		}
	}
	if host != 4 {
		t.Errorf("%d ONNX quantized ops on the host, want all 4", host)
	}
	x, err := tensorio.Read(dir + "test_data_set_0/input_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	_, run := compileAndCheck(t, g, target.Default(), []*tensor.Tensor{x})
	ref, err := tensorio.Read(dir + "test_data_set_0/output_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(ref, run.Outputs[0]); d >= 0 {
		t.Errorf("element %d: %v, onnxruntime %v", d, run.Outputs[0].Float64At(d), ref.Float64At(d))
	}
}

// TestShuffleNetInt8Device compiles the model zoo's int8 ShuffleNet-V2 with
// its own scales: its 11 matrix layers without zero points run on the
// sub-arrays (the 46 others, and QLinearAdd, on the host, docs/QUANT.md
// section 11), the simulator is bit-exact with the quantized interpreter,
// and the output equals onnxruntime-node 1.31.1's on the stored image.
func TestShuffleNetInt8Device(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "models", "shufflenet-v2-12-int8")
	g := quantizeModel(t, filepath.Join(dir, "shufflenet-v2-12-int8.onnx"), "")
	dev := 0
	for _, n := range g.Nodes {
		if n.Op == ir.OpQConv || n.Op == ir.OpQFC {
			dev++
		}
	}
	if dev != 11 {
		t.Errorf("%d matrix layers on the device, want 11", dev)
	}
	x, err := tensorio.Read(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	_, run := compileAndCheck(t, g, target.Default(), []*tensor.Tensor{x})
	ref, err := tensorio.Read("../testdata/qdq/shufflenet-v2-12-int8_ort_output_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(ref, run.Outputs[0]); d >= 0 {
		t.Errorf("logit %d: simulator %v, onnxruntime %v", d, run.Outputs[0].Float64At(d), ref.Float64At(d))
	}
}
