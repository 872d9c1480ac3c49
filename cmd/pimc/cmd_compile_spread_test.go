package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileSpreadNeedsPipeline: -spread places the pieces of -pipeline
// or -split; alone it is a usage error.
func TestCompileSpreadNeedsPipeline(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI("compile", "../../testdata/models/lenet5/lenet5.onnx", "-spread", "-o", filepath.Join(dir, "x.pimb"))
	if code != exitUsage || !strings.Contains(errs, "-spread needs -pipeline or -split") {
		t.Errorf("exit %d, %q; want a usage error", code, errs)
	}
}
