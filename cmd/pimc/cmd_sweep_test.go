package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepCLI: a two-point spec runs, a rerun computes nothing, -merge
// assembles the same file, -task runs one point; bad command lines exit 2.
func TestSweepCLI(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(spec, []byte("dataset: mnist\nlimit: 5\nmodels: [{name: lenet5, embedded: lenet5}]\npoints:\n  - {model: lenet5, quant: {wbits: 4, abits: 4}}\n  - {model: lenet5, quant: {wbits: 4, abits: 4, keep_ends: false}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, errs := runCLI("sweep", spec, "-o", out, "-j", "2")
	if code != exitOK || !strings.Contains(stdout, "2 points: 2 computed, 0 already done") {
		t.Fatalf("sweep: exit %d: %s%s", code, stdout, errs)
	}
	csv, err := os.ReadFile(filepath.Join(out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), "lenet5/w4a4/base,") || !strings.Contains(string(csv), "lenet5/w4a4-noends/base,") {
		t.Errorf("results.csv lacks the two points:\n%s", csv)
	}
	if code, stdout, errs = runCLI("sweep", spec, "-o", out); code != exitOK || !strings.Contains(stdout, "0 computed, 2 already done") {
		t.Errorf("rerun: exit %d: %s%s", code, stdout, errs)
	}
	if err := os.Remove(filepath.Join(out, "results.csv")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, errs = runCLI("sweep", "-merge", out); code != exitOK || !strings.Contains(stdout, "2 rows") {
		t.Errorf("-merge: exit %d: %s%s", code, stdout, errs)
	}
	if again, _ := os.ReadFile(filepath.Join(out, "results.csv")); string(again) != string(csv) {
		t.Error("-merge wrote another results.csv")
	}
	if code, _, errs = runCLI("sweep", spec, "-o", out, "-task", "2"); code != exitUser || !strings.Contains(errs, "-task 2: the spec has 2 points") {
		t.Errorf("-task 2: exit %d: %s", code, errs)
	}
	if code, _, errs = runCLI("sweep", "-merge", dir); code != exitUser || !strings.Contains(errs, "plan.json") {
		t.Errorf("-merge of a folder without a sweep: exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", spec}, "-o DIR is required"},
		{[]string{"sweep", "-o", out}, "missing one SPEC.yaml argument"},
		{[]string{"sweep", spec, "-o", out, "-j", "0"}, "-j 0: want -1"},
		{[]string{"sweep", spec, "-merge", out}, "-merge DIR takes no SPEC"},
	} {
		if code, _, errs := runCLI(c.args...); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d, want 2 and %q: %s", strings.Join(c.args, " "), code, c.want, errs)
		}
	}
}
