package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileWindowFlag: -window chooses a pipeline's window stage; without
// -pipeline, or with a value other than off, auto or a count, it is a
// usage error.
func TestCompileWindowFlag(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-window", "auto"}, "-window needs -pipeline"},
		{[]string{"-pipeline", "-window", "0"}, `-window: want off, auto or a count of matrix layers >= 1, got "0"`},
		{[]string{"-pipeline", "-window", "two"}, `got "two"`},
	} {
		args := append([]string{"compile", "../../testdata/models/lenet5/lenet5.onnx", "-o", filepath.Join(dir, "x.pimb")}, c.args...)
		code, _, errs := runCLI(args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want a usage error %q", c.args, code, errs, c.want)
		}
	}
}

// TestCompileWindowSummary: -pipeline -window 2 puts LeNet-5's last two
// layers in a window stage by choice, which the summary names.
func TestCompileWindowSummary(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI("compile", "../../testdata/models/lenet5/lenet5.onnx", "-calib", "mnist", "-pipeline", "-window", "2", "-o", filepath.Join(dir, "x.pimb"))
	if code != exitOK || !strings.Contains(out, "window stage by choice (-window): 2 layers reprogrammed once per run from") || !strings.Contains(out, "3 stationary") {
		t.Errorf("exit %d, stderr %q, summary:\n%s", code, errs, out)
	}
}
