package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/train"
)

// TestCompressCommand runs pimc compress in process on a small LeNet-5 in
// both modes (a short ADMM run on 256 MNIST images, the layer-wise mode on
// 32 calibration images), checks the report and that the written model
// quantizes with its recorded codes (weights=from-model); a config naming
// a missing layer is a user error naming it.
func TestCompressCommand(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := untrainedLenet5(t, filepath.Join(dir, "lenet5.onnx"), 2)
	cfg := writeConfig(t, dir, "c.yaml", `
defaults: {prune: {filter: 0.5, column: 0.5}, wbits: 4}
layers:
  fc3: {prune: {column: 0.5}}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, limit: 256, batch: 32, lr: 0.05, calib_images: 32, layerwise_iters: 3}
`)
	for _, mode := range []string{"admm", "layerwise"} {
		out := filepath.Join(dir, mode+".onnx")
		var stdout, stderr bytes.Buffer
		page := filepath.Join(dir, mode+".html")
		code := run([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-o", out, "-mode", mode, "-eval", "200", "-html", page}, &stdout, &stderr)
		if code != exitOK {
			t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", mode, code, stdout.String(), stderr.String())
		}
		for _, want := range []string{"conv2", "fc1", "sub-arrays", "accuracy:"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s: report lacks %q:\n%s", mode, want, stdout.String())
			}
		}
		t.Logf("%s:\n%s", mode, stdout.String())
		// The page draws the kept shares: fc3 (8-bit, keep-ends) keeps its 10 filters.
		if html, err := os.ReadFile(page); err != nil || !strings.Contains(string(html), `id="structure"`) ||
			!regexp.MustCompile(`data-series="filters kept" data-label="fc3 W8, \d+ sub-arrays" data-value="100"`).Match(html) {
			t.Errorf("%s: -html page (%v) lacks fc3's structure", mode, err)
		}
		var o2, e2 bytes.Buffer
		if code := run([]string{"ir", out, "-passes", "canonicalize,quantize{wbits=8,weights=from-model,calib=mnist}"}, &o2, &e2); code != exitOK {
			t.Errorf("%s: the compressed model does not quantize from its record: exit %d: %s", mode, code, e2.String())
		}
		if _, err := os.Stat(out + ".ckpt"); err == nil {
			t.Errorf("%s: checkpoint left after a finished run", mode)
		}
	}
	// Errors: unknown layer names (resuming itself is tested bit for bit in
	// package admm and under SIGKILL in internal/crashtest).
	var stdout, stderr bytes.Buffer
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("layers: {nosuch: {wbits: 4}}\n"), 0o644)
	if code := run([]string{"compress", model, "-dataset", "mnist", "-config", bad, "-o", filepath.Join(dir, "x.onnx")}, &stdout, &stderr); code != exitUser || !strings.Contains(stderr.String(), `"nosuch"`) {
		t.Errorf("unknown layer: exit %d, stderr %q", code, stderr.String())
	}
}

// TestCompressResume: -resume without a checkpoint yet starts from the
// beginning (so one command line starts a run and continues it after any
// interruption) and gives the model of a run without -resume; a damaged
// checkpoint or another run's is refused naming the file, before the
// dataset is read.
func TestCompressResume(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := embeddedLenet5
	cfg := writeConfig(t, dir, "c.yaml", "defaults: {prune: {filter: 0.5}, wbits: 4}\nadmm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, limit: 128}\n")
	compress := func(out string, extra ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-o", out, "-eval", "50"}, extra...), &stdout, &stderr)
		return code, stderr.String()
	}
	a, b := filepath.Join(dir, "a.onnx"), filepath.Join(dir, "b.onnx")
	if code, e := compress(a); code != exitOK {
		t.Fatalf("exit %d: %s", code, e)
	}
	code, e := compress(b, "-resume")
	if code != exitOK || !strings.Contains(e, "no checkpoint "+b+".ckpt yet, starting from the beginning") {
		t.Fatalf("-resume without a checkpoint: exit %d: %s", code, e)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Error("-resume without a checkpoint gave another model than a plain run")
	}

	ckpt := filepath.Join(dir, "c.onnx.ckpt")
	other, err := admm.EncodeState(&admm.State{Digest: "another run"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"truncated", other[:len(other)-5], "truncated"},
		{"old gob format", []byte("\x0f\xff\x81\x03\x01\x01\x05State"), "not a pimc compress checkpoint"},
		{"another run's", other, "belongs to another model, config or dataset"},
	} {
		os.WriteFile(ckpt, c.bytes, 0o644)
		code, e := compress(filepath.Join(dir, "c.onnx"), "-resume")
		if code != exitUser || !strings.Contains(e, ckpt) || !strings.Contains(e, c.want) || strings.Contains(e, "ADMM on") {
			t.Errorf("%s checkpoint: exit %d, stderr %q; want exit 1 naming %s with %q before loading the dataset", c.name, code, e, ckpt, c.want)
		}
	}
}

// TestCompressTeacher: admm.distill_teacher names a teacher ONNX file
// relative to the config's folder; the run distills from it (another
// model than with the default teacher), and a missing teacher file is a
// user error naming the key and the file, before the dataset is read.
func TestCompressTeacher(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := embeddedLenet5
	untrainedLenet5(t, filepath.Join(dir, "t.onnx"), 3) // far from the student's logits
	const body = "defaults: {prune: {filter: 0.5}, wbits: 4}\nadmm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, limit: 128, distill: 0.9%s}\n"
	compress := func(name, extra string) (int, string, []byte) {
		cfg := writeConfig(t, dir, name+".yaml", fmt.Sprintf(body, extra))
		out := filepath.Join(dir, name+".onnx")
		var stdout, stderr bytes.Buffer
		code := run([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-o", out, "-eval", "50"}, &stdout, &stderr)
		b, _ := os.ReadFile(out)
		return code, stderr.String(), b
	}
	code, e, def := compress("default", "")
	if code != exitOK {
		t.Fatalf("default teacher: exit %d: %s", code, e)
	}
	code, e, named := compress("named", ", distill_teacher: t.onnx")
	if code != exitOK {
		t.Fatalf("distill_teacher t.onnx: exit %d: %s", code, e)
	}
	if bytes.Equal(def, named) {
		t.Error("distill_teacher gave the model of the default teacher")
	}
	code, e, _ = compress("missing", ", distill_teacher: nosuch.onnx")
	if code != exitUser || !strings.Contains(e, "admm.distill_teacher") || !strings.Contains(e, filepath.Join(dir, "nosuch.onnx")) || strings.Contains(e, "ADMM on") {
		t.Errorf("missing teacher: exit %d, stderr %q; want exit 1 naming admm.distill_teacher and the file before loading the dataset", code, e)
	}
}

// embeddedLenet5 is the committed, trained LeNet-5 the command tests
// start from.
var embeddedLenet5 = filepath.Join("..", "..", "testdata", "models", "lenet5", "lenet5.onnx")

// writeConfig writes body to dir/name and returns its path. A failed write
// fails the test: the error tests would otherwise pass on a missing file.
func writeConfig(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// untrainedLenet5 writes an untrained LeNet-5 (train.Build with seed) to
// path and returns path.
func untrainedLenet5(t *testing.T, path string, seed uint64) string {
	t.Helper()
	g, err := train.Build("lenet5", []int{1, 28, 28}, 10, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := frontend.Save(path, g, frontend.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCompressGroupNormError: an admm.group_norm other than l2 or l1 is a
// user error naming the config file and the key, before any training (no
// output written).
func TestCompressGroupNormError(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := embeddedLenet5
	cfg := writeConfig(t, dir, "norm.yaml", "defaults: {prune: {filter: 0.5}, wbits: 4}\nadmm: {group_norm: linf}\n")
	out := filepath.Join(dir, "x.onnx")
	var stdout, stderr bytes.Buffer
	code := run([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-o", out}, &stdout, &stderr)
	e := stderr.String()
	if code != exitUser || !strings.Contains(e, cfg) || !strings.Contains(e, `admm.group_norm "linf": want l2 or l1`) || strings.Contains(e, "ADMM on") {
		t.Errorf("group_norm linf: exit %d, stderr %q; want exit 1 naming %s and admm.group_norm before training", code, e, cfg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written")
	}
}
