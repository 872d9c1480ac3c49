package conform

import (
	"path/filepath"
	"testing"
)

// TestConvTransposeCases runs every ConvTranspose case of the shared corpus
// (the 11 ONNX node tests, the two PyTorch ConvTranspose2d modules and the
// PyTorch operator test) and wants all of them to pass: a regression in the
// import of auto_pad/output_shape or in the kernel shows up here by name
// rather than as a drop in the suite totals.
func TestConvTransposeCases(t *testing.T) {
	var dirs []string
	for _, pat := range []string{"node/test_convtranspose*", "pytorch-converted/test_ConvTranspose2d*", "pytorch-operator/test_operator_convtranspose"} {
		m, err := filepath.Glob(filepath.Join(corpusDir(t, ""), pat))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	pass, fail, skip := runAll(t, DefaultTolerance, dirs...)
	if want := 14; pass != want || fail != 0 || skip != 0 {
		t.Errorf("%d passed, %d failed, %d skipped; want all %d ConvTranspose cases to pass", pass, fail, skip, want)
	}
}
