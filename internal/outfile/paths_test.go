package outfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPathsAccepted: outputs next to inputs that are not read are fine: a
// report in a dataset folder whose samples are in train/ and test/, a
// non-tensor file in a calibration folder, /dev/null twice, an input and
// an output that only share a folder, a checkpoint read and rewritten by
// -resume, files inside a folder output the command makes.
func TestPathsAccepted(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, name := range []string{"m.onnx", "ds/train/labels.txt", "ds/test/labels.txt", "calib/a.npy", "calib/sub/b.npy"} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]Path{
		{DatasetInput("ds"), Output("-report", "ds/r.json"), Output("-o", "ds/m.npy")},
		{DatasetInput("calib"), Output("-report", "calib/r.json")},
		{CalibInput("calib"), Output("-o", "calib/p.pimb"), OutputDir("-print-dir", "calib/dumps")},
		{Output("-o", "/dev/null"), Output("-S", "/dev/null"), Input("input", "/dev/null")},
		{Input("input", "m.onnx"), Output("-o", "m.pimb"), Output("-S", "-")},
		{Input("-checkpoint", "c.ckpt"), NamedOutput("-checkpoint", "c.ckpt"), Output("-o", "o.onnx")},
		{OutputDir("-o", "new/sub"), Output("-o", "new/sub/m.onnx"), OutputDir("-o", "new/sub/calib")},
	} {
		if err := CheckPaths(args...); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestPathsRefused: an output that is an input (here through a symbolic
// link), one of the files an input folder's reader takes, or another
// output, is refused naming both flags.
func TestPathsRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, name := range []string{"m.onnx", "ds/train/labels.txt", "ds/test/labels.txt", "calib/a.npy"} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("m.onnx", "link.onnx"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []Path
		want string
	}{
		{[]Path{Input("input", "m.onnx"), Output("-o", "link.onnx")}, "-o link.onnx and input m.onnx are the same file"},
		{[]Path{DatasetInput("ds"), Output("-o", "ds/train/x.npy")}, "-o ds/train/x.npy is one of the files pimc reads from the -dataset folder ds"},
		{[]Path{CalibInput("calib"), Output("-o", "calib/new.npz")}, "-o calib/new.npz is one of the files pimc reads from the -calib folder calib"},
		{[]Path{Output("-o", "a.pimb"), Output("-S", "./a.pimb")}, "-S ./a.pimb and -o a.pimb are the same file"},
		{[]Path{Output("-o", "-"), Output("-S", "-")}, "-S - and -o - both write to standard output"},
	} {
		if err := CheckPaths(c.args...); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
