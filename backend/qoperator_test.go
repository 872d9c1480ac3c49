package backend_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestImportedQOperatorModel compiles quantized ONNX models with the
// models' own scales, zero points, weight codes and biases
// (testdata/qdq/gen_models.py): qop_symmetric (QuantizeLinear, two
// QLinearConv, MaxPool and Reshape on int8 codes, QLinearMatMul,
// DequantizeLinear; every zero point 0) and qop_zero_points (the same on
// uint8 codes with input, output and per-channel weight zero points, a
// padded conv reading an input zero point): all three matrix layers run on
// the sub-arrays, the simulator is bit-exact with the quantized
// interpreter, and the program's outputs equal the imported model's
// (onnxruntime's integer semantics, ir/op_qlinear.go) and onnxruntime's
// stored output. With zero points, QuantizeLinear and DequantizeLinear stay
// the model's own ops at the segment's boundary.
func TestImportedQOperatorModel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		boundary int // quantize_linear/dequantize_linear kept on the host
	}{{"qop_symmetric", 0}, {"qop_zero_points", 2}} {
		t.Run(tc.name, func(t *testing.T) { importedQOperator(t, "../testdata/qdq/cases/"+tc.name+"/", tc.boundary) })
	}
}

func importedQOperator(t *testing.T, dir string, boundary int) {
	g := quantizeModel(t, dir+"model.onnx", "")
	ops := map[ir.Op]int{}
	for _, n := range g.Nodes {
		ops[n.Op]++
		if ir.IsONNXQuantOp(n.Op) && n.Op != ir.OpQuantizeLinear && n.Op != ir.OpDequantizeLinear {
			t.Errorf("%s left on the host", n.Op)
		}
	}
	if ops[ir.OpQConv] != 2 || ops[ir.OpQFC] != 1 || ops[ir.OpQuantizeLinear]+ops[ir.OpDequantizeLinear] != boundary {
		t.Fatalf("ops %v, want 2 qconv, 1 qfc and %d quantize_linear/dequantize_linear", ops, boundary)
	}
	inputs := inputsWithStored(t, dir, []int{1, 3, 8, 8}, 3, -1.3, 2.6, 40)
	checkSameAsModel(t, dir+"model.onnx", "imported model", g, inputs)
	_, run := compileAndCheck(t, g, target.Default(), inputs...)
	ref, err := tensorio.Read(dir + "test_data_set_0/output_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(ref, run.Outputs[0]); d >= 0 {
		t.Errorf("element %d: simulator %v, onnxruntime %v", d, run.Outputs[0].Float64At(d), ref.Float64At(d))
	}
}

// TestImportedQOperatorHost: a quantized model whose weight codes less
// their zero points leave [-127, 127] (qop_asymmetric: uint8 codes,
// per-channel weight zero points, com.microsoft.QLinearAdd) keeps its
// quantized ops on the host, where they run as imported, with that reason,
// and still compiles and simulates.
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
	for _, n := range g.Nodes {
		// uint8 weights 0..255 around zero points 100..155: w - wz reaches -155
		if want := "a weight code less its zero point"; n.Op == ir.OpQLinearConv && !strings.HasPrefix(passes.HostReason(n), want) {
			t.Errorf("qlinear_conv on the host: %q, want %q...", passes.HostReason(n), want)
		}
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
// its own scales and zero points: 52 of its 57 matrix layers run on the
// sub-arrays (the 5 others have a bias of -2^31 that onnxruntime's int32
// accumulator wraps, docs/QUANT.md section 11) and the simulator is
// bit-exact with the quantized interpreter. The device rounds acc*M
// exactly where onnxruntime rounds float32(acc)*M to float32 first: about
// one code in 10^5 per layer differs by one, and over 52 layers the logits
// drift from onnxruntime-node 1.31.1's on the stored image (measured: 344
// of 1000 differ, by at most 2 codes; same top-1 class, cosine 0.9995).
// The test holds the top-1 class, at most 2 codes and cosine >= 0.999.
// Its channel shuffles (DequantizeLinear, Concat, Reshape, Transpose,
// Reshape, QuantizeLinear) run on the codes on the device: no float data
// movement is left on the host (passes/quantize_qdq_move.go).
func TestShuffleNetInt8Device(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "models", "shufflenet-v2-12-int8")
	g := quantizeModel(t, filepath.Join(dir, "shufflenet-v2-12-int8.onnx"), "")
	dev := 0
	for _, n := range g.Nodes {
		if n.Op == ir.OpQConv || n.Op == ir.OpQFC {
			dev++
		}
		if (n.Op == ir.OpConcat || n.Op == ir.OpReshape || n.Op == ir.OpTranspose) && !n.Outputs[0].Type.DType.IsInt() {
			t.Errorf("%s %q moves floats on the host", n.Op, n.Name)
		}
	}
	if dev != 52 {
		t.Errorf("%d matrix layers on the device, want 52", dev)
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
	got := run.Outputs[0]
	var dot, nr, ng, worst float64
	top, topRef, differ := 0, 0, 0
	for i := range ref.Len() {
		a, b := got.Float64At(i), ref.Float64At(i)
		dot, nr, ng = dot+a*b, nr+b*b, ng+a*a
		if a != b {
			differ++
			worst = max(worst, math.Abs(a-b)/0.1724)
		}
		if math.Abs(a-b) > 2*0.1724+1e-6 { // the output scale
			t.Errorf("logit %d: simulator %v, onnxruntime %v: more than 2 codes apart", i, a, b)
		}
		if a > got.Float64At(top) {
			top = i
		}
		if b > ref.Float64At(topRef) {
			topRef = i
		}
	}
	if cos := dot / math.Sqrt(nr*ng); top != topRef || !(cos >= 0.999) {
		t.Errorf("top-1 class %d, onnxruntime's %d; cosine %.5f, want >= 0.999", top, topRef, cos)
	} else {
		t.Logf("top-1 class %d as onnxruntime's; %d of %d logits differ, by at most %.2f codes; cosine %.5f", top, differ, ref.Len(), worst, cos)
	}
}
