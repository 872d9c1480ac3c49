package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeRunCommand runs the README's main command in-process: the bundled
// MNIST CNN must classify each bundled digit as the digit in its file name.
func TestReadmeRunCommand(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "models", "mnist-cntk")
	for _, d := range []string{"5", "0", "4"} {
		var out, errb bytes.Buffer
		code := run([]string{"run", filepath.Join(dir, "model.onnx"), "-i", filepath.Join(dir, "digit"+d+".npy")}, &out, &errb)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.HasSuffix(strings.TrimSpace(out.String()), "argmax "+d) {
			t.Errorf("digit %s: got %q", d, out.String())
		}
	}
}

func TestRunWritesOutputAtomically(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "models", "mnist-cntk")
	outDir := t.TempDir()
	outPath := filepath.Join(outDir, "logits.npy")
	var out, errb bytes.Buffer
	if code := run([]string{"run", filepath.Join(dir, "model.onnx"), "-i", filepath.Join(dir, "digit5.npy"), "-o", outPath}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	ents, _ := os.ReadDir(outDir)
	if len(ents) != 1 || ents[0].Name() != "logits.npy" {
		t.Fatalf("output folder holds %v", ents)
	}
}

func TestRunErrors(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "models", "mnist-cntk")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run"}, exitUsage, "usage"},
		{[]string{"run", filepath.Join(dir, "missing.onnx"), "-i", filepath.Join(dir, "digit5.npy")}, exitUser, "missing.onnx"},
		{[]string{"run", filepath.Join(dir, "model.onnx")}, exitUser, "has 1 inputs"},
		{[]string{"run", filepath.Join(dir, "digit5.npy"), "-i", filepath.Join(dir, "digit5.npy")}, exitUser, "digit5.npy"},
		{[]string{"nosuchcommand"}, exitUsage, "unknown command"},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}

// TestRunPIR: pimc run takes the .pir that pimc ir writes (as pimc eval
// does) and prints the same result as for the ONNX model.
func TestRunPIR(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "models", "mnist-cntk")
	pir := filepath.Join(t.TempDir(), "m.pir")
	if code, _, errs := runCLI("ir", filepath.Join(dir, "model.onnx"), "-passes=canonicalize", "-o", pir); code != exitOK {
		t.Fatalf("ir: exit %d: %s", code, errs)
	}
	in := filepath.Join(dir, "digit0.npy")
	code, fromONNX, errs := runCLI("run", filepath.Join(dir, "model.onnx"), "-i", in)
	if code != exitOK {
		t.Fatalf("run onnx: exit %d: %s", code, errs)
	}
	code, fromPIR, errs := runCLI("run", pir, "-i", in)
	if code != exitOK || !strings.HasSuffix(strings.TrimSpace(fromPIR), "argmax 0") {
		t.Fatalf("run pir: exit %d, stdout %q: %s", code, fromPIR, errs)
	}
	if fromONNX != fromPIR {
		t.Logf("canonicalized graph differs in the last bits:\nonnx %s pir  %s", fromONNX, fromPIR)
	}
}
