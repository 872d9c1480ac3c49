package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/testcorpus"
)

// TestVerifyHostOnly: a program without device segments runs every op on the
// host interpreter, so -verify-with would compare the interpreter with
// itself. It must say that nothing was compared, never "bit-exact" (the 3-D
// transposed convolution stays on the host); the 2-D one with its weights
// bound gets a device layer and is bit-exact. The host op is listed with its
// reason.
func TestVerifyHostOnly(t *testing.T) {
	bind := func(dir string) string { return "W=" + filepath.Join(dir, "test_data_set_0", "input_1.pb") }
	dir := testcorpus.Root(t, "node", "test_convtranspose_3d")
	out := t.TempDir()
	code, stdout, errs := runCLI("compile", filepath.Join(dir, "model.onnx"), "-o", filepath.Join(out, "h.pimb"), "-bind", bind(dir),
		"-verify-with", filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if code != exitOK || !strings.Contains(stdout, "0 device segment(s)") ||
		!strings.Contains(stdout, "verify: no device computation to compare") || strings.Contains(stdout, "bit-exact") {
		t.Fatalf("host-only: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	// Every host op is listed with the reason it is not on the device.
	if !strings.Contains(stdout, "  host ") || !strings.Contains(stdout, "conv_transpose: ") {
		t.Errorf("host-only: no reason listed for the host op:\n%s", stdout)
	}
	dir = testcorpus.Root(t, "node", "test_convtranspose")
	code, stdout, errs = runCLI("compile", filepath.Join(dir, "model.onnx"), "-o", filepath.Join(out, "d.pimb"), "-bind", bind(dir),
		"-verify-with", filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if code != exitOK || !strings.Contains(stdout, "1 device segment(s)") || !strings.Contains(stdout, "verify: bit-exact (") {
		t.Fatalf("bound: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
}
