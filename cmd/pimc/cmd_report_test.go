package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestReportCLI: sim -html and -report, then pimc report of two JSON
// reports with -csv; bad inputs are refused naming the file.
func TestReportCLI(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "x.pb")
	if err := tensorio.Write(x, tensor.FromF32(dotX, 1, 16), "x"); err != nil {
		t.Fatal(err)
	}
	a, b, h := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "sim.html")
	if code, _, errs := runCLI("sim", "../../testdata/isa/dot.pasm", "-i", x, "-report", a, "-html", h, "-q"); code != exitOK {
		t.Fatalf("sim: exit %d: %s", code, errs)
	}
	page, err := os.ReadFile(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", `id="layer-energy"`, `id="utilisation"`, `id="area"`, "pimc sim ../../testdata/isa/dot.pasm"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("sim -html page lacks %q", want)
		}
	}
	data, _ := os.ReadFile(a)
	if err := os.WriteFile(b, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, csvDir := filepath.Join(dir, "cmp.html"), filepath.Join(dir, "csv")
	pngDir := filepath.Join(dir, "png")
	if code, _, errs := runCLI("report", a, b, "-o", out, "-csv", csvDir, "-png", pngDir, "-title", "two runs"); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	page, _ = os.ReadFile(out)
	for _, want := range []string{"<title>two runs</title>", `id="compare-energy"`, `id="layer-latency-2"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	csv, err := os.ReadFile(filepath.Join(csvDir, "compare-latency.csv"))
	if err != nil || !strings.HasPrefix(string(csv), "category,latency (ns),device bound (ns)\na,33,") {
		t.Errorf("compare-latency.csv = %q (%v)", csv, err)
	}

	if f, err := os.Open(filepath.Join(pngDir, "layer-energy-1.png")); err != nil {
		t.Error(err)
	} else {
		if _, err := png.Decode(f); err != nil {
			t.Errorf("layer-energy-1.png: %v", err)
		}
		f.Close()
	}
	notReport := filepath.Join(dir, "other.json")
	os.WriteFile(notReport, []byte(`{"name": 1}`), 0o644)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report", "-o", out}, exitUsage, "missing one or more R.json"},
		{[]string{"report", a}, exitUsage, "-o REPORT.html is required"},
		{[]string{"report", notReport, "-o", filepath.Join(dir, "n.html")}, exitUser, notReport + `: no "per_inference" field`},
		{[]string{"report", x, "-o", filepath.Join(dir, "n.html")}, exitUser, x + ": not a JSON object"},
	} {
		code, _, errs := runCLI(c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "n.html")); err == nil {
		t.Error("a refused report left its output file")
	}
}

// TestCompileHTML: compile -html draws the layers' structure.
func TestCompileHTML(t *testing.T) {
	dir := t.TempDir()
	h := filepath.Join(dir, "c.html")
	if code, _, errs := runCLI("compile", "../../testdata/models/lenet5/lenet5-admm-w4a4.onnx", "-abits", "4", "-o", filepath.Join(dir, "p.pimb"), "-html", h); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	page, err := os.ReadFile(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="structure"`, `data-label="fc1 W4 A4, 1 sub-arrays" data-value="19"`, "pimc compile ../../testdata/models/lenet5/lenet5-admm-w4a4.onnx"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("compile -html page lacks %q", want)
		}
	}
}
