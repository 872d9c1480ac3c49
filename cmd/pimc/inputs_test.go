package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestWrongInputTensors: an input .npy of the wrong shape or element type is
// a user error naming the graph input, what it wants and what it got, for
// the interpreter (pimc run) and the simulator (pimc sim) alike.
func TestWrongInputTensors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join("..", "..", "testdata", "models", "mnist-cntk", "model.onnx")
	prog := filepath.Join(dir, "m.pimb")
	if code, _, errs := runCLI("compile", model, "-o", prog); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	small := filepath.Join(dir, "small.npy")
	f64 := filepath.Join(dir, "f64.npy")
	if err := tensorio.Write(small, tensor.New(tensor.Float32, 1, 1, 14, 14), ""); err != nil {
		t.Fatal(err)
	}
	if err := tensorio.Write(f64, tensor.New(tensor.Float64, 1, 1, 28, 28), ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", model, "-i", small}, []string{"small.npy", `input "Input3": shape [1,1,14,14], want [1,1,28,28]`}},
		{[]string{"run", model, "-i", f64}, []string{"f64.npy", `input "Input3": element type f64, want f32`}},
		{[]string{"sim", prog, "-i", small}, []string{"small.npy", `input "Input3": shape [1,1,14,14], want [1,1,28,28]`}},
		{[]string{"sim", prog, "-i", f64}, []string{"f64.npy", `"Input3"`, "element type f64, want f32"}},
	} {
		code, _, errs := runCLI(c.args...)
		ok := code == exitUser
		for _, w := range c.want {
			ok = ok && strings.Contains(errs, w)
		}
		if !ok {
			t.Errorf("pimc %s: exit %d, want %d mentioning %q; stderr:\n%s", strings.Join(c.args, " "), code, exitUser, c.want, errs)
		}
	}
}
