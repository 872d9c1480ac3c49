package conform

import (
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/testcorpus"
)

// corpusDir returns ../shared/onnx-corpus/<sub>, skipping the test when it is
// absent (a fresh machine with only Go) unless PIMC_REQUIRE_CORPUS=1.
func corpusDir(t *testing.T, sub string) string {
	t.Helper()
	return testcorpus.Root(t, sub)
}

// runAll runs every case below dirs on all cores (RunAll) and fails the
// test for every FAIL. It returns the counts.
func runAll(t *testing.T, tol Tolerance, dirs ...string) (pass, fail, skip int) {
	t.Helper()
	cases, err := Find(dirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases found below %v", dirs)
	}
	var results []Result
	RunAll(cases, tol, runtime.GOMAXPROCS(0), func(r Result) { results = append(results, r) })
	if len(results) != len(cases) {
		t.Fatalf("RunAll reported %d of %d cases", len(results), len(cases))
	}
	var skipped []string
	for _, r := range results {
		switch r.Status {
		case Pass:
			pass++
		case Fail:
			fail++
			t.Errorf("FAIL %s: %s", r.Case, r.Msg)
		case Skip:
			skip++
			skipped = append(skipped, r.Case+": "+r.Msg)
		}
	}
	t.Logf("%d passed, %d failed, %d skipped", pass, fail, skip)
	if testing.Verbose() {
		t.Logf("skipped:\n%s", strings.Join(skipped, "\n"))
	}
	return
}

func TestCorpusNode(t *testing.T) {
	pass, _, _ := runAll(t, DefaultTolerance, corpusDir(t, "node"))
	if pass < 385 {
		t.Errorf("only %d node tests passed; the supported operators cover 385", pass)
	}
}

// nodeSkips are the node tests of the shared corpus that pimc skips, each
// with its reason: their tensors have 8-bit or 4-bit float element types,
// which pimc's tensors do not hold (issue 13 item 3 added the quantized
// ops, with the integer types down to int2/uint2).
var nodeSkips = map[string]string{
	"test_dequantizelinear_e4m3fn":            "x is float8 e4m3fn",
	"test_dequantizelinear_e4m3fn_float16":    "x is float8 e4m3fn",
	"test_dequantizelinear_e4m3fn_zero_point": "x is float8 e4m3fn",
	"test_dequantizelinear_e5m2":              "x is float8 e5m2",
	"test_dequantizelinear_float4e2m1":        "x is float4 e2m1",
	"test_quantizelinear_e4m3fn":              "y is float8 e4m3fn",
	"test_quantizelinear_e5m2":                "y is float8 e5m2",
	"test_quantizelinear_float4e2m1":          "y is float4 e2m1",
}

// TestCorpusNodeSkipsOnlyListed fails when a node test of the shared corpus
// is skipped that nodeSkips does not list, or for another reason than an
// unsupported element type of its quantize/dequantize node.
func TestCorpusNodeSkipsOnlyListed(t *testing.T) {
	cases, err := Find([]string{corpusDir(t, "node")})
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	RunAll(cases, DefaultTolerance, runtime.GOMAXPROCS(0), func(r Result) {
		if r.Status != Skip {
			return
		}
		skipped++
		if _, ok := nodeSkips[r.Case]; !ok || !strings.Contains(r.Msg, "uantizeLinear (opset 25)") || !strings.Contains(r.Msg, "element type FLOAT") {
			t.Errorf("SKIP %s: %s", r.Case, r.Msg)
		}
	})
	if skipped > 15 {
		t.Errorf("%d node tests skipped, want at most 15", skipped)
	}
}

// TestOpsCases runs testdata/onnx-ops: operator cases the ONNX node tests
// at hand lack (opset-18+ Resize attributes, Gelu, Mish, border Pad with
// axes, reductions with an axes input, ...), with onnxruntime's outputs
// (testdata/onnx-ops/gen_models.py and ort_outputs.js). All must pass.
func TestOpsCases(t *testing.T) {
	_, _, skip := runAll(t, DefaultTolerance, "../testdata/onnx-ops")
	if skip > 0 {
		t.Errorf("%d cases skipped", skip)
	}
}

// TestQDQCases runs testdata/qdq/cases: small quantized models (QOperator
// form, with and without zero points, and onnxruntime's quantized contrib
// ops) with onnxruntime's outputs (testdata/qdq/gen_models.py). All must
// pass.
func TestQDQCases(t *testing.T) {
	pass, _, _ := runAll(t, DefaultTolerance, "../testdata/qdq/cases")
	if pass != 8 {
		t.Errorf("%d of 8 cases passed", pass)
	}
}

func TestCorpusPyTorch(t *testing.T) {
	pass, _, _ := runAll(t, DefaultTolerance, corpusDir(t, "pytorch-converted"), corpusDir(t, "pytorch-operator"))
	if pass < 75 {
		t.Errorf("only %d PyTorch tests passed, want all 75", pass)
	}
}

// TestDebianNodeTests runs Debian's libonnx-testdata (all 932 ONNX node
// tests; most use operators outside pimc's list and are skipped).
func TestDebianNodeTests(t *testing.T) {
	dir := testcorpus.Path(t, "/usr/share/libonnx-testdata/data/node", "Debian package libonnx-testdata")
	pass, _, _ := runAll(t, DefaultTolerance, dir)
	if pass < 683 {
		t.Errorf("only %d Debian node tests passed, want 683", pass)
	}
}

// TestTrainedMNIST checks the trained model-zoo MNIST CNN on its three stored
// digits: logits within tolerance, and the classes 5, 0, 4 (PROVENANCE.md).
func TestTrainedMNIST(t *testing.T) {
	dir := corpusDir(t, "models/mnist-cntk-zoo")
	cases, err := Find([]string{dir})
	if err != nil || len(cases) != 1 {
		t.Fatalf("want one case in %s, got %d (%v)", dir, len(cases), err)
	}
	r := Run(cases[0], DefaultTolerance)
	if r.Status != Pass {
		t.Fatalf("%s: %s %s", r.Case, r.Status, r.Msg)
	}
	if len(cases[0].Sets) != 3 {
		t.Fatalf("want 3 stored digits, got %d", len(cases[0].Sets))
	}
}

// TestLightModels runs the full-topology light/ models (AlexNet, ResNet-50,
// DenseNet-121, ...) on the arange input with the upstream tolerance.
func TestLightModels(t *testing.T) {
	if testing.Short() {
		t.Skip("light models take a few seconds each")
	}
	_, fail, skip := runAll(t, Tolerance{RTol: 2e-3, ATol: 1e-7}, corpusDir(t, "light"))
	if fail+skip > 0 {
		t.Errorf("%d light models failed and %d were skipped; all use supported operators", fail, skip)
	}
}
