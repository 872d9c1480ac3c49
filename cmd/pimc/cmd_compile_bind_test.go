package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/testcorpus"
)

// TestCompileBind: the onnx2c benchmark passes its conv weights as a second
// graph input. Unbound, the conv has no constant weights and runs on the
// host; with -bind w=input_1.pb (as docs/RESULTS.md describes) it becomes a
// device layer, and the program agrees with the quantized interpreter.
// -shape and -bind on a .pir are refused rather than ignored.
func TestCompileBind(t *testing.T) {
	dir := testcorpus.Root(t, "models", "onnx2c-benchmarks", "benchmark_conv_fits_128k")
	model := filepath.Join(dir, "model.onnx")
	w := filepath.Join(dir, "test_data_set_0", "input_1.pb")
	out := t.TempDir()
	code, stdout, errs := runCLI("compile", model, "-o", filepath.Join(out, "u.pimb"))
	if code != exitOK || !strings.Contains(stdout, "0 matrix layers") {
		t.Fatalf("unbound: exit %d, want 0 matrix layers; stdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	code, stdout, errs = runCLI("compile", model, "-o", filepath.Join(out, "b.pimb"), "-bind", "w="+w,
		"-verify-with", filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if code != exitOK || !strings.Contains(stdout, "1 matrix layers") || !strings.Contains(stdout, "verify: bit-exact") {
		t.Fatalf("bound: exit %d, want 1 matrix layer, bit-exact; stdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	code, _, errs = runCLI("compile", model, "-o", filepath.Join(out, "m.pimb"), "-bind", "w="+filepath.Join(out, "missing.pb"))
	if code != exitUser || !strings.Contains(errs, "-bind w") || !strings.Contains(errs, "missing.pb") {
		t.Errorf("missing bind file: exit %d; stderr:\n%s", code, errs)
	}
	pir := filepath.Join(out, "m.pir")
	if code, _, errs := runCLI("ir", "../../testdata/models/mnist-cntk/model.onnx", "-o", pir); code != exitOK {
		t.Fatalf("ir: exit %d: %s", code, errs)
	}
	code, _, errs = runCLI("compile", pir, "-o", filepath.Join(out, "p.pimb"), "-shape", "Input3=1x1x28x28")
	if code != exitUser || !strings.Contains(errs, "-shape and -bind apply to ONNX models") {
		t.Errorf(".pir with -shape: exit %d; stderr:\n%s", code, errs)
	}
}
