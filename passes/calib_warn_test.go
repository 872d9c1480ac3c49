package passes

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestCalibFolderWarnsNonFinite: NaN and Inf values in a calibration folder
// reach Manager.Warn once, summed over the folder and naming the first file;
// calibration still succeeds on the finite values.
func TestCalibFolderWarnsNonFinite(t *testing.T) {
	g := resBlockGraph(t)
	dir := t.TempDir()
	for i, bad := range [][]float32{nil, {float32(math.NaN()), float32(math.Inf(-1))}, {float32(math.NaN())}} {
		x := tensor.New(tensor.Float32, 1, 3, 8, 8)
		for j := range x.F32 {
			x.F32[j] = float32(j%7) / 7
		}
		copy(x.F32, bad)
		if err := tensorio.Write(filepath.Join(dir, string(rune('a'+i))+".npy"), x, ""); err != nil {
			t.Fatal(err)
		}
	}
	var warns []string
	m := NewManager()
	m.Warn = func(s string) { warns = append(warns, s) }
	if err := m.RunString(ir.Clone(g), "quantize{calib="+dir+"}"); err != nil {
		t.Fatal(err)
	}
	want := "quantize: calib " + dir + ": 2 NaN and 1 Inf among 384 values in 2 of 3 files (first: " + filepath.Join(dir, "b.npy") + "); calibration ignores them"
	if len(warns) != 1 || warns[0] != want {
		t.Errorf("warnings %q, want [%q]", warns, want)
	}
	// Finite inputs: no warning.
	warns = nil
	if err := m.RunString(ir.Clone(g), "quantize{calib=random:2}"); err != nil || len(warns) != 0 {
		t.Errorf("random calibration: %v, warnings %q", err, warns)
	}
}
