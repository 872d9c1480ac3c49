package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileSplit: pimc compile -split compiles one stage of one image per
// run with layers split over the controllers, prints it, and the program
// verifies bit-exact.
func TestCompileSplit(t *testing.T) {
	model, input := compileTestModel(t)
	prog := filepath.Join(t.TempDir(), "m.pimb")
	code, out, errs := runCLI("compile", model, "-o", prog, "-calib", filepath.Dir(model), "-split", "-verify-with", input)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"  stage 0 (controllers ", "; split: ", "1 frames per run", "verify: bit-exact"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "  stage 1 ") {
		t.Errorf("-split made several stages:\n%s", out)
	}
}
