package conform

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestShuffleNetInt8 runs the model zoo's int8 ShuffleNet-V2
// (QOperator form: QuantizeLinear, QLinearConv, QLinearMatMul,
// com.microsoft.QLinearAdd, MaxPool and channel shuffles on uint8 codes) on
// its stored image. Its logits are dequantized codes, so they are compared
// exactly with onnxruntime-node 1.31.1's (testdata/qdq/README.md). The
// output stored beside the model was written by an older onnxruntime (the
// zoo's, 2020); today's onnxruntime differs from it just as pimc does (up to
// 24 codes of the output scale 0.1724, cosine 0.939): only its top-1 class
// is required to agree.
func TestShuffleNetInt8(t *testing.T) {
	dir := corpusDir(t, "models/shufflenet-v2-12-int8")
	path := filepath.Join(dir, "shufflenet-v2-12-int8.onnx")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := frontend.Import(path, data, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := tensorio.Read(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := interp.Run(g, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	ort, err := tensorio.Read("../testdata/qdq/shufflenet-v2-12-int8_ort_output_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	got := out[0]
	if !tensor.SameShape(got.Shape, ort.Shape) {
		t.Fatalf("output %v, onnxruntime's %v", got, ort)
	}
	for i, v := range ort.F32 {
		if got.F32[i] != v {
			t.Fatalf("logit %d: %v, onnxruntime 1.31.1 gives %v", i, got.F32[i], v)
		}
	}
	stored, err := tensorio.Read(filepath.Join(dir, "test_data_set_0", "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := argmax(got.F32), argmax(stored.F32); a != b {
		t.Errorf("top-1 class %d, the stored output's %d", a, b)
	}
	t.Logf("cosine with the stored output %.4f", cosine(got.F32, stored.F32))
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}
