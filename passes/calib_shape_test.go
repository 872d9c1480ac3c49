package passes

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestCalibFolderShapes: a calibration tensor may add or leave out leading
// 1s; a channels-last image or a flat vector of the right element count is
// refused (before, any tensor with the element count was reshaped).
func TestCalibFolderShapes(t *testing.T) {
	g := resBlockGraph(t) // input x f32[1,3,8,8]
	for _, c := range []struct {
		shape []int
		want  string // "" = accepted
	}{
		{[]int{1, 3, 8, 8}, ""},
		{[]int{3, 8, 8}, ""},
		{[]int{1, 1, 3, 8, 8}, ""},
		{[]int{1, 8, 8, 3}, "looks channels-last (NHWC)"},
		{[]int{192}, "does not fit f32[1,3,8,8]"},
	} {
		dir := t.TempDir()
		if err := tensorio.Write(filepath.Join(dir, "a.npy"), tensor.New(tensor.Float32, c.shape...), ""); err != nil {
			t.Fatal(err)
		}
		err := NewManager().RunString(ir.Clone(g), "quantize{calib="+dir+"}")
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("calibration tensor %v: %v, want %q", c.shape, err, c.want)
		}
	}
}
