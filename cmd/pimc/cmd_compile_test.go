package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/tensorio"
)

func TestCompileCLI(t *testing.T) {
	model, input := compileTestModel(t)
	dir := t.TempDir()
	prog, asm := filepath.Join(dir, "m.pimb"), filepath.Join(dir, "m.pasm")
	code, out, errs := runCLI("compile", model, "-o", prog, "-S", asm, "-calib", filepath.Dir(model), "-verify-with", input)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"3 matrix layers", "sub-arrays", "weight rows", "instructions", "verify: bit-exact (10 values)", `"Convolution28"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	a, err := os.ReadFile(asm)
	// The default target has the plane sequencer: matrix rounds are gdots.
	if err != nil || !bytes.Contains(a, []byte("gdot")) || !bytes.Contains(a, []byte("Convolution110")) {
		t.Errorf("assembly missing or without gdot/source comments (%v)", err)
	}
	// Determinism through the CLI.
	prog2 := filepath.Join(dir, "m2.pimb")
	if code, out, errs := runCLI("compile", model, "-o", prog2, "-calib", filepath.Dir(model)); code != exitOK {
		t.Fatalf("second compile: exit %d: %s%s", code, out, errs)
	}
	b1, _ := os.ReadFile(prog)
	b2, _ := os.ReadFile(prog2)
	if !bytes.Equal(b1, b2) {
		t.Error("two compilations differ")
	}
	// pimc sim runs the program on its own (its port quantization is
	// QUANT.md's quantize) and agrees with the compile-time verification.
	npz, err := tensorio.ReadNPZ(input)
	if err != nil {
		t.Fatal(err)
	}
	x := npz["inputs"]
	x.Shape = []int{1, 1, 28, 28}
	xin := filepath.Join(dir, "x.pb")
	if err := tensorio.Write(xin, x, "Input3"); err != nil {
		t.Fatal(err)
	}
	y := filepath.Join(dir, "y.pb")
	if code, out, errs := runCLI("sim", prog, "-i", xin, "-o", y, "-q"); code != exitOK {
		t.Fatalf("sim: exit %d: %s%s", code, out, errs)
	}
	got, err := tensorio.Read(y)
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i := range got.F32 {
		if got.F32[i] > got.F32[best] {
			best = i
		}
	}
	if best != 5 {
		t.Errorf("pimc sim classifies the first test digit (5) as %d: %v", best, got.F32)
	}
}

func TestCompileDoesNotFit(t *testing.T) {
	model, _ := compileTestModel(t)
	dir := t.TempDir()
	tiny := filepath.Join(dir, "tiny.yaml")
	// The serial preset has no DRAM to reprogram weights from.
	os.WriteFile(tiny, []byte("name: tiny\nbase: sot-mram-45nm-serial\ngeometry:\n  banks: {value: 1, provenance: test}\n  mats_per_bank: {value: 1, provenance: test}\n  subarrays_per_mat: {value: 2, provenance: test}\n"), 0o644)
	code, out, errs := runCLI("compile", model, "-o", filepath.Join(dir, "m.pimb"), "-calib", "random:2", "-target", tiny)
	if code != exitUser {
		t.Fatalf("exit %d, want %d: %s%s", code, exitUser, out, errs)
	}
	for _, want := range []string{"needs 3 sub-arrays", "has 2", `"Times212"`, "banks >= 2", "or a target with a dram section"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error lacks %q:\n%s", want, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m.pimb")); err == nil {
		t.Error("a failed compile wrote its output")
	}
	// With the default's DRAM the weights beyond the 2 sub-arrays are
	// reprogrammed per layer (docs/BACKEND.md §10), and the summary says so.
	os.WriteFile(tiny, []byte("name: tiny\nbase: sot-mram-45nm\ngeometry:\n  banks: {value: 1, provenance: test}\n  mats_per_bank: {value: 1, provenance: test}\n  subarrays_per_mat: {value: 2, provenance: test}\n"), 0o644)
	code, out, errs = runCLI("compile", model, "-o", filepath.Join(dir, "m.pimb"), "-calib", "random:2", "-target", tiny)
	if code != exitOK || !strings.Contains(out, "weights beyond the sub-arrays: 2 layers reprogrammed per image") || !strings.Contains(out, "reprogrammed\n") {
		t.Errorf("with DRAM: exit %d: %s%s", code, out, errs)
	}
}

// TestCompileIsDriverCompile: pimc compile writes the bytes driver.Compile
// returns for the same model and options (LeNet-5 at W4A4, calibrated on
// random:2, for the default target).
func TestCompileIsDriverCompile(t *testing.T) {
	model := embeddedLenet5
	prog := filepath.Join(t.TempDir(), "l.pimb")
	if code, out, errs := runCLI("compile", model, "-o", prog, "-wbits", "4", "-abits", "4", "-calib", "random:2"); code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	cli, err := os.ReadFile(prog)
	if err != nil {
		t.Fatal(err)
	}
	g, err := driver.Load(model, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := driver.Compile(g, driver.Options{WBits: 4, ABits: 4, Calib: "random:2"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cli, res.Binary) {
		t.Errorf("pimc compile wrote %d bytes, driver.Compile returned %d other bytes", len(cli), len(res.Binary))
	}
}
