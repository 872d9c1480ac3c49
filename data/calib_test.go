package data

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// imageGraph is a graph with one input x f32[1,3,8,8]: all CalibSamples
// looks at.
func imageGraph() *ir.Graph {
	return &ir.Graph{Inputs: []*ir.Value{{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 3, 8, 8}}}}}
}

// TestCalibFolderShapes: a calibration tensor may add or leave out leading
// 1s; a channels-last image or a flat vector of the right element count is
// refused (before, any tensor with the element count was reshaped).
func TestCalibFolderShapes(t *testing.T) {
	g := imageGraph()
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
		s, err := CalibSamples(g, dir, func(string) {})
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("calibration tensor %v: %v, want %q", c.shape, err, c.want)
		}
		if err == nil && (len(s) != 1 || !tensor.SameShape(s[0][0].Shape, []int{1, 3, 8, 8})) {
			t.Errorf("calibration tensor %v: samples %v", c.shape, s)
		}
	}
}

// TestCalibFolderWarnsNonFinite: NaN and Inf values in a calibration folder
// are reported once, summed over the folder and naming the first file;
// calibration still succeeds on the finite values.
func TestCalibFolderWarnsNonFinite(t *testing.T) {
	g := imageGraph()
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
	if _, err := CalibSamples(g, dir, func(s string) { warns = append(warns, s) }); err != nil {
		t.Fatal(err)
	}
	want := "calib " + dir + ": 2 NaN and 1 Inf among 384 values in 2 of 3 files (first: " + filepath.Join(dir, "b.npy") + "); calibration ignores them"
	if len(warns) != 1 || warns[0] != want {
		t.Errorf("warnings %q, want [%q]", warns, want)
	}
}

// TestCalibSpecs: a spec that is neither a dataset nor a folder is refused
// with the forms the quantize pass takes.
func TestCalibSpecs(t *testing.T) {
	_, err := CalibSamples(imageGraph(), filepath.Join(t.TempDir(), "missing"), func(string) {})
	if err == nil || !strings.Contains(err.Error(), "want random:N, mnist, fashion-mnist or a folder") {
		t.Errorf("missing folder: %v", err)
	}
}

// TestWriteCalibFolder: the folder pimc demo writes is read back by
// CalibSamples as one sample per image, in order; too few images is an
// error.
func TestWriteCalibFolder(t *testing.T) {
	ds := &Dataset{Name: "tiny", Shape: []int{1, 3, 8, 8}, Classes: 2, Y: []int32{0, 1, 1}, X: make([]float32, 3*192)}
	for i := range ds.X {
		ds.X[i] = float32(i) / float32(len(ds.X))
	}
	dir := filepath.Join(t.TempDir(), "calib")
	if err := WriteCalibFolder(dir, ds, 2); err != nil {
		t.Fatal(err)
	}
	s, err := CalibSamples(imageGraph(), dir, func(string) {})
	if err != nil || len(s) != 2 || s[1][0].F32[0] != ds.X[192] {
		t.Fatalf("%d samples, %v", len(s), err)
	}
	if err := WriteCalibFolder(dir, ds, 4); err == nil || !strings.Contains(err.Error(), "want 4") {
		t.Errorf("4 of 3 images: %v", err)
	}
}
