package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestOutputInMissingDirectory: an output path in a directory that does not
// exist is refused with exit 1 before any input is read (the model paths
// below do not exist either, and that is not what is reported), naming the
// flag and the directory, and nothing is written.
func TestOutputInMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nodir")
	in := filepath.Join(missing, "x")
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"compile", "m.onnx", "-o", in + ".pimb"}, "-o"},
		{[]string{"compile", "m.onnx", "-o", filepath.Join(dir, "p.pimb"), "-S", in + ".pasm"}, "-S"},
		{[]string{"ir", "m.onnx", "-o", in + ".pir"}, "-o"},
		{[]string{"ir", "m.onnx", "-dot", in + ".dot"}, "-dot"},
		{[]string{"run", "m.onnx", "-i", "x.npy", "-o", in + ".npy"}, "-o"},
		{[]string{"sim", "p.pimb", "-i", "x.npy", "-o", in + ".pb"}, "-o"},
		{[]string{"sim", "p.pimb", "-i", "x.npy", "-report", in + ".json"}, "-report"},
		{[]string{"sim", "p.pimb", "-i", "x.npy", "-trace", in + ".txt"}, "-trace"},
		{[]string{"eval", "p.pimb", "-dataset", "nodata", "-report", in + ".json"}, "-report"},
		{[]string{"train", "lenet5", "-dataset", "nodata", "-o", in + ".onnx"}, "-o"},
		{[]string{"compress", "m.onnx", "-dataset", "nodata", "-config", "c.yaml", "-o", in + ".onnx"}, "-o"},
	} {
		code, _, errs := runCLI(c.args...)
		want := c.flag + " " + in
		if code != exitUser || !strings.Contains(errs, want) || !strings.Contains(errs, "directory "+missing+" does not exist") {
			t.Errorf("pimc %s: exit %d, want %d naming %q and the missing directory; stderr:\n%s", strings.Join(c.args, " "), code, exitUser, want, errs)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files written: %v", ents)
	}
	// An output naming an existing directory is refused up front too.
	code, _, errs := runCLI("compile", "m.onnx", "-o", dir)
	if code != exitUser || !strings.Contains(errs, "-o "+dir+": is a directory") {
		t.Errorf("compile -o DIR: exit %d; stderr:\n%s", code, errs)
	}
}

// TestCompileVerifyFailureWritesNothing: when -verify-with fails (here the
// input has the wrong shape), pimc compile exits 1 and writes neither the
// program nor its assembly.
func TestCompileVerifyFailureWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "small.npy")
	if err := tensorio.Write(bad, tensor.New(tensor.Float32, 1, 1, 14, 14), "Input3"); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join("..", "..", "testdata", "models", "mnist-cntk", "model.onnx")
	prog, asm := filepath.Join(dir, "p.pimb"), filepath.Join(dir, "p.pasm")
	code, _, errs := runCLI("compile", model, "-o", prog, "-S", asm, "-verify-with", bad)
	if code != exitUser || !strings.Contains(errs, "small.npy") || !strings.Contains(errs, prog+" not written") {
		t.Fatalf("exit %d, want %d naming the input and saying the program is not written; stderr:\n%s", code, exitUser, errs)
	}
	for _, p := range []string{prog, asm} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after a failed verification", p)
		}
	}
}
