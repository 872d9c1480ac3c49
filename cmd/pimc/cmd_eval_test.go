package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/tensorio"
)

// writeLeNet writes the embedded model into dir.
func writeLeNet(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, lenet5.Name)
	if err := os.WriteFile(p, lenet5.ONNX, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var accRE = regexp.MustCompile(`(?m)^accuracy: (0\.\d{4}|1\.0000) \((\d+)/(\d+)\)$`)

// parseAccuracy returns correct and total from pimc eval's output.
func parseAccuracy(t *testing.T, out string) (int, int) {
	t.Helper()
	m := accRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no accuracy line in:\n%s", out)
	}
	c, _ := strconv.Atoi(m[2])
	n, _ := strconv.Atoi(m[3])
	if want := fmt.Sprintf("%.4f", float64(c)/float64(n)); want != m[1] {
		t.Fatalf("accuracy %s printed for %d/%d", m[1], c, n)
	}
	return c, n
}

func TestEvalFloat(t *testing.T) {
	needMNIST(t)
	model := writeLeNet(t, t.TempDir())
	code, out, errs := runCLI("eval", model, "-dataset", "mnist", "-limit", "300")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	c, n := parseAccuracy(t, out)
	if n != 300 || c < 291 { // the embedded model is ~99% accurate
		t.Fatalf("%d/%d correct:\n%s", c, n, out)
	}
	if errs != "" {
		t.Errorf("stderr is not a terminal, so no progress bar is expected; got %q", errs)
	}
}

// TestEvalProgram compiles the embedded model at W4A4 and evaluates the
// program with 1 and 2 workers, one image at a time and in lockstep
// batches (the default, and 7 lanes: uneven batches): same accuracy, same
// report, the layers at other widths than W4A4 stated.
func TestEvalProgram(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := writeLeNet(t, dir)
	prog := filepath.Join(dir, "w4a4.pimb")
	if code, _, errs := runCLI("compile", model, "-wbits", "4", "-abits", "4", "-calib", "mnist", "-o", prog); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	var reports []sim.Report
	var lines, raw []string
	for k, j := range []string{"1", "2", "2"} {
		lockstep := []string{"1", "16", "7"}[k]
		rep := filepath.Join(dir, "r"+j+lockstep+".json")
		code, out, errs := runCLI("eval", prog, "-dataset", "mnist", "-limit", "40", "-j", j, "-lockstep", lockstep, "-report", rep)
		if code != exitOK {
			t.Fatalf("-j %s: exit %d: %s", j, code, errs)
		}
		c, n := parseAccuracy(t, out)
		if n != 40 || c < 36 {
			t.Fatalf("-j %s: %d/%d correct:\n%s", j, c, n, out)
		}
		// The layers keep-ends and out-bits kept at other widths, named.
		for _, want := range []string{"per image (simulated, mean of 40): latency", "sub-arrays, device bound ", "TOPS/W", "of 1024 sub-arrays", "mm2 used", "wall time:", "end to end (device + host, mean of 40): latency ",
			"layer widths: W4 A4 (3 layers); other: conv1 W8 A8, fc3 W8 A16"} {
			if !strings.Contains(out, want) {
				t.Errorf("-j %s: output lacks %q:\n%s", j, want, out)
			}
		}
		var r sim.Report
		js, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(js, &r); err != nil {
			t.Fatal(err)
		}
		reports = append(reports, r)
		raw = append(raw, string(js))
		lines = append(lines, strings.SplitN(out, "wall time", 2)[0])
	}
	for k := range lines[1:] {
		if lines[0] != lines[k+1] {
			t.Fatalf("run %d differs from -j 1 -lockstep 1:\n%s\n%s", k+1, lines[0], lines[k+1])
		}
	}
	if r := reports[0]; r.Images != 40 || r.MACs < 400000 || r.PerInference.LatencyNS <= 0 || r.SubarraysUsed == 0 {
		t.Fatalf("report: images %d, MACs %v, latency %v, sub-arrays %d", r.Images, r.MACs, r.PerInference.LatencyNS, r.SubarraysUsed)
	}
	// LeNet-5's host: quantize the 784 pixels (3 element ops each) and dequantize the 10 logits (2 each).
	if h := reports[0].Host; h == nil || h.Ops != 3*784+2*10 || !h.Costed {
		t.Fatalf("host share %+v, want 2372 element ops per image", h)
	}
	for k := range raw[1:] {
		if raw[0] != raw[k+1] {
			t.Fatalf("the JSON report of run %d differs from -j 1 -lockstep 1's", k+1)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	dir := t.TempDir()
	model := writeLeNet(t, dir)
	// A folder dataset of 3x32x32 images: the wrong shape for LeNet-5.
	cifar := filepath.Join(dir, "cifar")
	if err := os.MkdirAll(cifar, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := tensorio.Write(filepath.Join(cifar, fmt.Sprintf("%d.npy", i)), tensor.New(tensor.Float32, 3, 32, 32), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(cifar, "labels.txt"), []byte("0\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"eval", model}, exitUsage, []string{"usage: pimc eval"}},
		{[]string{"eval", "-dataset", "mnist"}, exitUsage, []string{"usage: pimc eval"}},
		{[]string{"eval", model, "-dataset", "mnist", "-bogus"}, exitUsage, []string{"-bogus"}},
		{[]string{"eval", model, "-dataset", "mnist", "-limit", "-3"}, exitUsage, []string{"usage"}},
		{[]string{"eval", model, "-dataset", "mnist", "-report", "r.json"}, exitUsage, []string{"compiled programs"}},
		{[]string{"eval", model, "-dataset", filepath.Join(dir, "nope")}, exitUser, []string{"unknown dataset", "nope"}},
		{[]string{"eval", filepath.Join(dir, "missing.onnx"), "-dataset", cifar}, exitUser, []string{"missing.onnx"}},
		{[]string{"eval", model, "-dataset", cifar}, exitUser, []string{`input "input"`, "[1 1 28 28]", "784", "[3 32 32]", "3072"}},
		{[]string{"eval", filepath.Join(dir, "x.pimb"), "-dataset", cifar}, exitUser, []string{"x.pimb"}},
	} {
		code, _, errs := runCLI(tc.args...)
		if testing.Verbose() {
			t.Logf("%v -> %d: %s", tc.args[1:], code, firstLine(errs))
		}
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errs)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, errs)
			}
		}
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine("eval", 250, 1000, 2e9)
	want := "eval [=======>                      ] 250/1000  25% 2.0s, 125/s, eta 6s"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if got := progressLine("x", 10, 10, 1e9); !strings.Contains(got, "[==============================] 10/10 100%") || strings.Contains(got, "eta") {
		t.Fatalf("complete bar: %q", got)
	}
	// Not a terminal: nothing is drawn.
	var b strings.Builder
	p := newProgress(&b, "x")
	p.update(1, 2)
	p.done()
	if b.Len() != 0 {
		t.Fatalf("progress drew on a non-terminal: %q", b.String())
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
