package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/pimrt"
)

// TestCompressValABits: pimc compress -val-abits 4 reports the validation
// accuracy of the written model as pimc compile -abits 4 -calib mnist
// deploys it, and that figure is what the simulator gives on the same
// validation images (the compiled .pimb run through pimrt); with
// quant_retrain_keep: best_val the report names the kept epoch. A width
// out of range and -val-abits without a validation split are errors.
func TestCompressValABits(t *testing.T) {
	trainSet, _ := needMNIST(t)
	dir := t.TempDir()
	model := untrainedLenet5(t, filepath.Join(dir, "lenet5.onnx"), 2)
	cfg := writeConfig(t, dir, "c.yaml", `
defaults: {prune: {filter: 0.5, column: 0.5}, wbits: 4}
layers:
  fc3: {prune: {column: 0.5}, wbits: 4}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 2, quant_retrain: ste, act_bits: {fc1: 4, fc2: 4, fc3: 4}, quant_retrain_keep: best_val, limit: 512, batch: 32, lr: 0.05}
`)
	out := filepath.Join(dir, "c.onnx")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-o", out, "-val", "300", "-val-abits", "4", "-eval", "100"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	t.Logf("%s", stdout.String())
	m := regexp.MustCompile(`validation accuracy deployed \(pimc compile -abits 4 -calib mnist\): ([0-9.]+)% \(300 images\)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("report lacks the deployed validation accuracy:\n%s", stdout.String())
	}
	if !regexp.MustCompile(`quant-retrain: kept epoch [12] of 2, the best validation accuracy with the act_bits quantizers on: [0-9.]+%`).MatchString(stdout.String()) {
		t.Errorf("report lacks the kept epoch:\n%s", stdout.String())
	}
	reported, _ := strconv.ParseFloat(m[1], 64)
	// The same figure from the deployed program: compile, then simulate
	// the validation images (the last 300 training images).
	pimb := filepath.Join(dir, "c.pimb")
	if code := run([]string{"compile", out, "-abits", "4", "-calib", "mnist", "-o", pimb}, &stdout, &stderr); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, stderr.String())
	}
	prog, tgt, err := driver.LoadProgram(pimb, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := pimrt.Load(prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	_, val, err := trainSet.SplitValidation(300)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := evaluate.Program(rt, val, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strconv.FormatFloat(100*sim.Accuracy(), 'f', 2, 64); got != m[1] {
		t.Errorf("pimc compress reported %.2f%% deployed, the simulator gives %s%% on the same images", reported, got)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-val-abits", "9"}, exitUsage, "-val-abits 9"},
		{[]string{"-val-abits", "4", "-val", "0"}, exitUser, "-val-abits needs a validation split"},
	} {
		var so, se bytes.Buffer
		args := append([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-o", filepath.Join(dir, "x.onnx")}, c.args...)
		if code := run(args, &so, &se); code != c.code || !strings.Contains(se.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, se.String(), c.code, c.want)
		}
	}
}
