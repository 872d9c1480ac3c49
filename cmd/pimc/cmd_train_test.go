package main

import (
	"bytes"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestTrainCommand trains LeNet-5 on 512 MNIST images for one epoch in
// process, then checks the written ONNX model: it re-imports, and when
// Python with onnxruntime is available, onnxruntime's output on a test
// image matches the interpreter's.
func TestTrainCommand(t *testing.T) {
	_, test := needMNIST(t)
	out := filepath.Join(t.TempDir(), "lenet5.onnx")
	var stdout, stderr bytes.Buffer
	code := run([]string{"train", "lenet5", "-dataset", "mnist", "-o", out, "-epochs", "1", "-limit", "512", "-opt", "adam", "-seed", "3"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "test acc") || !strings.Contains(stderr.String(), "epoch 1/1") {
		t.Errorf("stdout %q\nstderr %q", stdout.String(), stderr.String())
	}
	g, err := frontend.Load(out, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := test.Gather(nil, []int{0})
	outs, err := interp.Run(g, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	res, ok := runONNXRuntime(t, out, x)
	if !ok {
		t.Log("neither python3 with onnxruntime nor node with onnxruntime-node (NODE_PATH) is available: onnxruntime cross-check skipped")
		return
	}
	fields := strings.Fields(string(res))
	if len(fields) != len(outs[0].F32) {
		t.Fatalf("onnxruntime gave %d values, interpreter %d: %s", len(fields), len(outs[0].F32), res)
	}
	maxDiff := 0.0
	for i, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		d := math.Abs(v - float64(outs[0].F32[i]))
		maxDiff = math.Max(maxDiff, d)
		if d > 1e-4*math.Max(1, math.Abs(v)) {
			t.Errorf("logit %d: onnxruntime %v, interpreter %v", i, v, outs[0].F32[i])
		}
	}
	t.Logf("onnxruntime agrees with the interpreter on %d logits (max difference %.3g)", len(fields), maxDiff)
}

func TestTrainCommandUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"train", "lenet5"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("missing flags: exit %d", code)
	}
	stderr.Reset()
	if code := run([]string{"train", "vgg99", "-dataset", "mnist", "-o", filepath.Join(t.TempDir(), "x.onnx")}, &stdout, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), `unknown architecture "vgg99"`) {
		t.Errorf("unknown arch: exit %d, %s", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"train", "lenet5", "-dataset", "cifar-1000", "-o", "x.onnx"}, &stdout, &stderr); code != exitUser || !strings.Contains(stderr.String(), "unknown dataset") {
		t.Errorf("unknown dataset: exit %d, %s", code, stderr.String())
	}
}

// runONNXRuntime runs the model on x with onnxruntime, from Python or from
// Node.js (onnxruntime-node found through NODE_PATH), and returns the
// first output as space-separated numbers; ok is false when neither exists.
func runONNXRuntime(t *testing.T, model string, x *tensor.Tensor) (string, bool) {
	t.Helper()
	if py, err := exec.LookPath("python3"); err == nil && exec.Command(py, "-c", "import onnxruntime").Run() == nil {
		in := filepath.Join(t.TempDir(), "x.npy")
		if err := tensorio.Write(in, x, ""); err != nil {
			t.Fatal(err)
		}
		script := `import sys, numpy as np, onnxruntime as ort
s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
y = s.run(None, {s.get_inputs()[0].name: np.load(sys.argv[2])})[0]
print(" ".join(repr(float(v)) for v in y.ravel()))`
		res, err := exec.Command(py, "-c", script, model, in).CombinedOutput()
		if err != nil {
			t.Fatalf("onnxruntime (python) rejected the model: %v\n%s", err, res)
		}
		return string(res), true
	}
	if node, err := exec.LookPath("node"); err == nil && exec.Command(node, "-e", "require('onnxruntime-node')").Run() == nil {
		vals := make([]string, len(x.F32))
		for i, v := range x.F32 {
			vals[i] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		}
		dims := make([]string, len(x.Shape))
		for i, d := range x.Shape {
			dims[i] = strconv.Itoa(d)
		}
		script := `const ort = require('onnxruntime-node');
(async () => {
  const [model, dims, vals] = process.argv.slice(1);
  const s = await ort.InferenceSession.create(model);
  const x = new ort.Tensor('float32', Float32Array.from(vals.split(',').map(Number)), dims.split(',').map(Number));
  const r = await s.run({[s.inputNames[0]]: x});
  console.log(Array.from(r[s.outputNames[0]].data).join(' '));
})().catch(e => { console.error(e); process.exit(1); });`
		res, err := exec.Command(node, "-e", script, model, strings.Join(dims, ","), strings.Join(vals, ",")).CombinedOutput()
		if err != nil {
			t.Fatalf("onnxruntime (node) rejected the model: %v\n%s", err, res)
		}
		return string(res), true
	}
	return "", false
}
