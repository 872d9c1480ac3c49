package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEvalFaults evaluates the W4A4 LeNet-5 program on chips with faults:
// write=0 prints the fault-free accuracy, -j does not change a faulty
// chip's, a high sense rate lowers it, and -fault-seeds prints one line per
// seed and the mean ± std.
func TestEvalFaults(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := writeLeNet(t, dir)
	prog := filepath.Join(dir, "w4a4.pimb")
	if code, _, errs := runCLI("compile", model, "-wbits", "4", "-abits", "4", "-calib", "mnist", "-o", prog); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	eval := func(args ...string) string {
		t.Helper()
		code, out, errs := runCLI(append([]string{"eval", prog, "-dataset", "mnist", "-limit", "30"}, args...)...)
		if code != exitOK {
			t.Fatalf("eval %v: exit %d: %s", args, code, errs)
		}
		return out
	}
	ideal, _ := parseAccuracy(t, eval())
	if c, _ := parseAccuracy(t, eval("-faults", "write=0")); c != ideal {
		t.Errorf("-faults write=0: %d correct, want the fault-free %d", c, ideal)
	}
	one := eval("-faults", "sense=0.05,write=1e-3,stuck=1e-3", "-seed", "4", "-j", "1")
	two := eval("-faults", "sense=0.05,write=1e-3,stuck=1e-3", "-seed", "4", "-j", "2")
	if !strings.Contains(one, "faults: write=0.001,stuck=0.001,sense-and=0/0.05/0.05") || !strings.Contains(one, "seed: 4") {
		t.Errorf("the fault model is not printed:\n%s", one)
	}
	c1, _ := parseAccuracy(t, one)
	if c2, _ := parseAccuracy(t, two); c1 != c2 {
		t.Errorf("the same chip gave %d correct with -j 1 and %d with -j 2", c1, c2)
	}
	if c, _ := parseAccuracy(t, eval("-faults", "sense=0.3")); c >= ideal-5 {
		t.Errorf("sense=0.3: %d of 30 correct, the fault-free program %d: want far fewer", c, ideal)
	}
	out := eval("-faults", "sense=0.02", "-fault-seeds", "3", "-seed", "10")
	for _, s := range []string{"accuracy, seed 10: ", "accuracy, seed 11: ", "accuracy, seed 12: "} {
		if !strings.Contains(out, s) {
			t.Errorf("no %q line in:\n%s", s, out)
		}
	}
	if !regexp.MustCompile(`(?m)^accuracy: [01]\.\d{4} ± 0\.\d{4} \(mean ± std over 3 chip instances, seeds 10\.\.12\)$`).MatchString(out) {
		t.Errorf("no mean ± std line in:\n%s", out)
	}

	// A fault curve: one line per rate, the points in the JSON report,
	// drawn by the HTML report (accuracy in % against the rate, the
	// fault-free point as the reference line).
	rep, page := filepath.Join(dir, "curve.json"), filepath.Join(dir, "curve.html")
	out = eval("-faults", "sense=0,0.3", "-fault-seeds", "2", "-report", rep, "-html", page)
	if !strings.Contains(out, "fault curve (mean ± std of the accuracy over 2 chip instances, seeds 1..2):") ||
		!strings.Contains(out, "  sense=0: accuracy "+fmt.Sprintf("%.4f ± 0.0000", float64(ideal)/30)) || !strings.Contains(out, "  sense=0.3: accuracy ") {
		t.Errorf("fault curve lines:\n%s", out)
	}
	var r struct {
		Points []struct {
			Faults, Kind string
			Rate, Mean   float64
			Seeds        []uint64
			Accuracy     []float64
		} `json:"fault_points"`
	}
	data, err := os.ReadFile(rep)
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	if err != nil || len(r.Points) != 2 {
		t.Fatalf("report %s: %v, %+v", rep, err, r)
	}
	p0, p1 := r.Points[0], r.Points[1]
	if p0.Faults != "sense=0" || p0.Kind != "sense" || p0.Rate != 0 || p0.Mean != float64(ideal)/30 || !slices.Equal(p0.Seeds, []uint64{1, 2}) {
		t.Errorf("point 0: %+v (fault-free: %d/30)", p0, ideal)
	}
	if p1.Faults != "sense=0.3" || p1.Rate != 0.3 || len(p1.Accuracy) != 2 || p1.Mean != (p1.Accuracy[0]+p1.Accuracy[1])/2 || p1.Mean >= p0.Mean {
		t.Errorf("point 1: %+v", p1)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="fault-curve"`, fmt.Sprintf(`data-series="sense" data-label="sense=0.3 (2 chips)" data-x="0.3" data-y="%g"`, 100*p1.Mean),
		fmt.Sprintf(`data-label="sense=0: no faults" data-y="%g"`, 100*p0.Mean)} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the HTML report has no %s", want)
		}
	}
}

// TestFaultFlagErrors: a bad -faults spec or seed flag is a usage error
// naming the flag and what it expects.
func TestFaultFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "p.pimb", "-dataset", "mnist", "-faults", "write=2"}, `invalid value "write=2" for flag -faults: write=2: want a probability in [0, 0.5]`},
		{[]string{"eval", "p.pimb", "-dataset", "mnist", "-faults", "sens=1e-3"}, `flag -faults: unknown key "sens"`},
		{[]string{"sim", "p.pimb", "-faults", "cells=some"}, "flag -faults: cells=some: want weights or inputs"},
		{[]string{"eval", "p.pimb", "-dataset", "mnist", "-seed", "3"}, "-seed and -fault-seeds choose chip instances of -faults: give -faults too"},
		{[]string{"eval", "p.pimb", "-dataset", "mnist", "-faults", "write=1e-3", "-fault-seeds", "0"}, "-fault-seeds 0: want a positive count"},
		{[]string{"sim", "p.pimb", "-seed", "x"}, `invalid value "x" for flag -seed`},
		{[]string{"sim", "p.pimb", "-faults", "sense=1e-3,1e-2"}, "-faults sense=1e-3,1e-2: several values of a key are a fault curve, which pimc eval draws"},
		{[]string{"eval", "p.pimb", "-dataset", "mnist", "-faults", "sense=1e-3,1e-2,write=1e-3,1e-2"}, `"1e-2": values listed for both sense and write`},
		{[]string{"eval", "p.pimb", "-dataset", "mnist", "-faults", "cells=weights,inputs"}, `"inputs" after cells: only write, stuck, sense and sigma take a list`},
	} {
		code, _, errs := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, exitUsage, c.want)
		}
	}
	// -faults on a model (the interpreter) is refused.
	model := writeLeNet(t, t.TempDir())
	code, _, errs := runCLI("eval", model, "-dataset", "mnist", "-faults", "write=1e-3")
	if code != exitUsage || !strings.Contains(errs, "-faults apply to compiled programs") {
		t.Errorf("-faults on an ONNX model: exit %d, %q", code, errs)
	}
}

// TestSimFaults runs a compiled LeNet-5 with pimc sim on a chip that
// misreads often: the fault model is printed and the logits change.
func TestSimFaults(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := writeLeNet(t, dir)
	prog := filepath.Join(dir, "w4a4.pimb")
	if code, _, errs := runCLI("compile", model, "-wbits", "4", "-abits", "4", "-calib", "mnist", "-o", prog); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	in := filepath.Join("..", "..", "testdata", "models", "mnist-cntk", "digit4.npy")
	run := func(args ...string) string {
		t.Helper()
		code, out, errs := runCLI(append([]string{"sim", prog, "-i", in, "-q"}, args...)...)
		if code != exitOK {
			t.Fatalf("sim %v: exit %d: %s", args, code, errs)
		}
		return out
	}
	logits := regexp.MustCompile(`output logits: .*`)
	ideal := logits.FindString(run())
	if got := logits.FindString(run("-faults", "write=0")); got != ideal || ideal == "" {
		t.Errorf("-faults write=0: %q, want the fault-free %q", got, ideal)
	}
	out := run("-faults", "sense=0.2", "-seed", "3")
	if !strings.Contains(out, "faults: write=0,stuck=0,sense-and=0/0.2/0.2,sense-or=0.2/0.2/0, seed 3") {
		t.Errorf("no fault model line in:\n%s", out)
	}
	if got := logits.FindString(out); got == ideal {
		t.Errorf("sense=0.2 left the logits as they were: %s", got)
	}
}
