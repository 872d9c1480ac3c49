package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileMapPass: pimc compile runs the map pass (-print-after map shows
// the mapping), replicates the small conv layers by default (4 copies with group instructions) and verifies
// bit-exactly, -replicate off drops the replicas, a mapped .pir written by
// pimc ir compiles to the same bytes, and a bad -replicate is a usage error.
func TestCompileMapPass(t *testing.T) {
	model, input := compileTestModel(t)
	calib := filepath.Dir(model)
	dir := t.TempDir()
	prog := filepath.Join(dir, "m.pimb")
	code, out, errs := runCLI("compile", model, "-o", prog, "-calib", calib, "-verify-with", input, "-print-after", "map")
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"stage=mapped", "map_tiles=", "map_replicas=4"} {
		if !strings.Contains(errs, want) {
			t.Errorf("-print-after map lacks %q", want)
		}
	}
	if !strings.Contains(out, "replicas 4") || !strings.Contains(out, "verify: bit-exact") {
		t.Errorf("summary:\n%s", out)
	}
	off := filepath.Join(dir, "off.pimb")
	if code, out, errs := runCLI("compile", model, "-o", off, "-calib", calib, "-replicate", "off"); code != exitOK || strings.Contains(out, "replicas") {
		t.Fatalf("-replicate off: exit %d: %s%s", code, out, errs)
	}
	// The mapped graph as .pir, compiled as it is.
	pir := filepath.Join(dir, "m.pir")
	pipe := `canonicalize,quantize{calib="` + calib + `"},map{replicate=auto}`
	if code, out, errs := runCLI("ir", model, "-passes", pipe, "-o", pir); code != exitOK {
		t.Fatalf("pimc ir: exit %d: %s%s", code, out, errs)
	}
	prog2 := filepath.Join(dir, "m2.pimb")
	if code, out, errs := runCLI("compile", pir, "-o", prog2); code != exitOK {
		t.Fatalf("compile mapped .pir: exit %d: %s%s", code, out, errs)
	}
	b1, _ := os.ReadFile(prog)
	b2, _ := os.ReadFile(prog2)
	if !bytes.Equal(b1, b2) {
		t.Error("the mapped .pir compiles to other bytes than the ONNX model")
	}
	if code, _, errs := runCLI("compile", model, "-o", filepath.Join(dir, "x.pimb"), "-replicate", "9"); code != exitUsage || !strings.Contains(errs, "1..4") {
		t.Errorf("-replicate 9: exit %d: %s", code, errs)
	}
}
