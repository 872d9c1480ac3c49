package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileCalibrator: -calibrator percentile -percentile P compiles the
// program the default pipeline with quantize{calibrator=percentile,
// percentile=P} gives through -passes, other than the minmax default's;
// -calibrator minmax is the default; bad values are usage errors.
func TestCompileCalibrator(t *testing.T) {
	dir := t.TempDir()
	model := writeLeNet(t, dir)
	compile := func(name string, args ...string) []byte {
		t.Helper()
		p := filepath.Join(dir, name)
		if code, out, errs := runCLI(append([]string{"compile", model, "-o", p, "-calib", "random:4"}, args...)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	def := compile("def.pimb")
	minmax := compile("minmax.pimb", "-calibrator", "minmax")
	pct := compile("pct.pimb", "-calibrator", "percentile", "-percentile", "90")
	passes := compile("passes.pimb", "-passes", `canonicalize,quantize{wbits=8,abits=8,calib="random:4",calibrator=percentile,percentile=90},map{replicate="auto"}`)
	if !bytes.Equal(def, minmax) {
		t.Error("-calibrator minmax differs from the default")
	}
	if !bytes.Equal(pct, passes) {
		t.Error("-calibrator percentile -percentile 90 differs from the same quantize options through -passes")
	}
	if bytes.Equal(pct, def) {
		t.Error("the 90th percentile calibrates as minmax does")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-calibrator", "entropy"}, "-calibrator entropy: want minmax or percentile"},
		{[]string{"-calibrator", "percentile", "-percentile", "0"}, "-percentile 0: want a percentile in (0, 100]"},
		{[]string{"-calibrator", "percentile", "-percentile", "101"}, "-percentile 101: want a percentile in (0, 100]"},
		{[]string{"-percentile", "99"}, "-percentile needs -calibrator percentile"},
		{[]string{"-calibrator", "percentile", "-passes", "canonicalize"}, "with -passes give quantize{calibrator=...,percentile=...}"},
	} {
		code, _, errs := runCLI(append([]string{"compile", model, "-o", filepath.Join(dir, "x.pimb")}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want a usage error with %q", c.args, code, errs, c.want)
		}
	}
}
