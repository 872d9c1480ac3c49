package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// cntkModel is the CNTK MNIST model: one input "Input3" f32[1,1,28,28]
// with a fixed batch dimension.
var cntkModel = filepath.Join("..", "..", "testdata", "models", "mnist-cntk", "model.onnx")

// dynamicCopy writes a copy of the ONNX model at src whose first input has
// a symbolic batch dimension "N".
func dynamicCopy(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	d := m.GetGraph().GetInput()[0].GetType().GetTensorType().GetShape().GetDim()[0]
	d.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
	if b, err = proto.Marshal(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// digits returns MNIST-like images as one f32 tensor of the given shape
// (values in [0, 1), different per image).
func digits(shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32((i*7+i/784*13)%256) / 256
	}
	return t
}

type cliCase struct {
	args   []string
	code   int
	stderr []string // substrings stderr must hold
	not    []string // substrings it must not hold
}

func runCases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		code, _, errs := runCLI(c.args...)
		ok := code == c.code
		for _, w := range c.stderr {
			ok = ok && strings.Contains(errs, w)
		}
		for _, w := range c.not {
			ok = ok && !strings.Contains(errs, w)
		}
		if !ok {
			t.Errorf("pimc %s: exit %d, want %d with %q and without %q; stderr:\n%s", strings.Join(c.args, " "), code, c.code, c.stderr, c.not, errs)
		}
	}
}

// TestInputShapesStrict: run, sim and compile -verify-with take an input of
// the model's shape; a batch only when the model's batch dimension is
// dynamic or -batch asks for it; anything else is an error naming the file,
// the input, the shape wanted and the shape given (a channels-last tensor
// with a hint). Before, a 1x1x56x56 input ran as four meaningless images.
func TestInputShapesStrict(t *testing.T) {
	dir := t.TempDir()
	dyn := filepath.Join(dir, "dyn.onnx")
	dynamicCopy(t, cntkModel, dyn)
	fixedProg, dynProg := filepath.Join(dir, "fixed.pimb"), filepath.Join(dir, "dyn.pimb")
	for m, p := range map[string]string{cntkModel: fixedProg, dyn: dynProg} {
		if code, _, errs := runCLI("compile", m, "-o", p); code != exitOK {
			t.Fatalf("compile %s: exit %d: %s", m, code, errs)
		}
	}
	write := func(name string, x *tensor.Tensor) string {
		p := filepath.Join(dir, name)
		if err := tensorio.Write(p, x, ""); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := write("one.npy", digits(1, 1, 28, 28))
	flat := write("flat.npy", digits(1, 28, 28)) // batch axis left out
	big := write("big.npy", digits(1, 1, 56, 56))
	three := write("three.npy", digits(3, 1, 28, 28))
	nhwc := write("nhwc.npy", digits(1, 28, 28, 1))
	vec := write("vec.npy", digits(1, 784))
	wantBig := []string{"big.npy", `input "Input3": shape [1,1,56,56], want [1,1,28,28]`}
	cases := []cliCase{
		{args: []string{"run", cntkModel, "-i", one}, code: exitOK},
		{args: []string{"run", cntkModel, "-i", flat}, code: exitOK},
		{args: []string{"run", cntkModel, "-i", big}, code: exitUser, stderr: wantBig},
		{args: []string{"run", cntkModel, "-i", vec}, code: exitUser, stderr: []string{"vec.npy", "shape [1,784], want [1,1,28,28]"}},
		{args: []string{"run", cntkModel, "-i", nhwc}, code: exitUser, stderr: []string{"nhwc.npy", "shape [1,28,28,1], want [1,1,28,28]: looks channels-last (NHWC)", "transpose"}},
		{args: []string{"run", cntkModel, "-i", three}, code: exitUser, stderr: []string{"three.npy", "is a batch of 3 inputs of shape [1,1,28,28], but the model's batch dimension is fixed: pass -batch 3"}},
		{args: []string{"run", cntkModel, "-i", three, "-batch", "3"}, code: exitOK},
		{args: []string{"run", cntkModel, "-i", three, "-batch", "2"}, code: exitUser, stderr: []string{"three.npy", "holds 3 inference(s) of shape [1,1,28,28], -batch says 2"}},
		{args: []string{"run", cntkModel, "-i", one, "-batch", "-1"}, code: exitUsage, stderr: []string{"-batch -1"}},
		{args: []string{"run", dyn, "-i", three}, code: exitOK},
		{args: []string{"run", dyn, "-i", big}, code: exitUser, stderr: append(wantBig, "(or [N,1,28,28] for a batch: the model's batch dimension is dynamic)")},
		{args: []string{"sim", fixedProg, "-i", one, "-q"}, code: exitOK},
		{args: []string{"sim", fixedProg, "-i", big, "-q"}, code: exitUser, stderr: wantBig},
		{args: []string{"sim", fixedProg, "-i", nhwc, "-q"}, code: exitUser, stderr: []string{"nhwc.npy", "looks channels-last (NHWC)"}},
		{args: []string{"sim", fixedProg, "-i", three, "-q"}, code: exitUser, stderr: []string{"three.npy", "pass -batch 3"}},
		{args: []string{"sim", fixedProg, "-i", three, "-q", "-batch", "3"}, code: exitOK},
		{args: []string{"sim", dynProg, "-i", three, "-q"}, code: exitOK},
		{args: []string{"sim", dynProg, "-i", three, "-q", "-batch", "4"}, code: exitUser, stderr: []string{"-batch says 4"}},
		{args: []string{"sim", dynProg, "-i", big, "-q"}, code: exitUser, stderr: wantBig},
		{args: []string{"compile", cntkModel, "-o", filepath.Join(dir, "v.pimb"), "-verify-with", big}, code: exitUser, stderr: wantBig},
		{args: []string{"compile", cntkModel, "-o", filepath.Join(dir, "v.pimb"), "-verify-with", nhwc}, code: exitUser, stderr: []string{"looks channels-last"}},
		{args: []string{"compile", dyn, "-o", filepath.Join(dir, "v.pimb"), "-verify-with", three}, code: exitUser, stderr: []string{"three.npy", "is a batch of 3 inputs of shape [1,1,28,28]; -verify-with takes one"}},
	}
	runCases(t, cases)
	if _, err := os.Stat(filepath.Join(dir, "v.pimb")); err == nil {
		t.Error("a refused -verify-with left v.pimb behind")
	}
	// The batch of 3 through the dynamic program gives the three images'
	// outputs, in order, the same as three single runs.
	out := filepath.Join(dir, "y.npy")
	if code, _, errs := runCLI("sim", dynProg, "-i", three, "-q", "-o", out); code != exitOK {
		t.Fatalf("sim batch: %s", errs)
	}
	y, err := tensorio.Read(out)
	if err != nil || y.Len() != 30 {
		t.Fatalf("batch output %v: %v", y, err)
	}
	for i := range 3 {
		img := write("img.npy", tensor.FromF32(digits(3, 1, 28, 28).F32[i*784:(i+1)*784], 1, 1, 28, 28))
		if code, _, errs := runCLI("sim", dynProg, "-i", img, "-q", "-o", out); code != exitOK {
			t.Fatalf("sim image %d: %s", i, errs)
		}
		yi, _ := tensorio.Read(out)
		for j := range 10 {
			if yi.F32[j] != y.F32[i*10+j] {
				t.Fatalf("image %d: batch output %v, single %v", i, y.F32[i*10:i*10+10], yi.F32)
			}
		}
	}
}

// TestInputNonFiniteWarnings: every command that reads inputs warns with
// the count of NaN and Inf values, naming the file (or folder), and still
// runs.
func TestInputNonFiniteWarnings(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "m.pimb")
	if code, _, errs := runCLI("compile", cntkModel, "-o", prog); code != exitOK {
		t.Fatalf("compile: %s", errs)
	}
	x := digits(1, 1, 28, 28)
	x.F32[3], x.F32[100], x.F32[200] = float32(math.NaN()), float32(math.NaN()), float32(math.NaN())
	x.F32[5] = float32(math.Inf(-1))
	in := filepath.Join(dir, "in.npy")
	if err := tensorio.Write(in, x, ""); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(dir, "clean.npy")
	if err := tensorio.Write(clean, digits(1, 1, 28, 28), ""); err != nil {
		t.Fatal(err)
	}
	// A calibration folder and a dataset folder holding in.npy among clean images.
	calib := filepath.Join(dir, "calib")
	os.Mkdir(calib, 0o755)
	for _, n := range []string{"a.npy", "b.npy"} {
		src := clean
		if n == "b.npy" {
			src = in
		}
		b, _ := os.ReadFile(src)
		os.WriteFile(filepath.Join(calib, n), b, 0o644)
	}
	os.WriteFile(filepath.Join(calib, "labels.txt"), []byte("1\n2\n"), 0o644)
	const counts = "3 NaN and 1 Inf among 784 values"
	runCases(t, []cliCase{
		{args: []string{"run", cntkModel, "-i", in}, code: exitOK, stderr: []string{"pimc run: warning: " + in + ": " + counts}},
		{args: []string{"sim", prog, "-i", in, "-q"}, code: exitOK, stderr: []string{"pimc sim: warning: " + in + ": " + counts}},
		{args: []string{"sim", prog, "-i", clean, "-q"}, code: exitOK, not: []string{"warning"}},
		{args: []string{"compile", cntkModel, "-o", filepath.Join(dir, "v.pimb"), "-verify-with", in}, code: exitOK, stderr: []string{"pimc compile: warning: " + in + ": " + counts}},
		{args: []string{"compile", cntkModel, "-o", filepath.Join(dir, "c.pimb"), "-calib", calib}, code: exitOK,
			stderr: []string{"pimc compile: warning: quantize: calib " + calib + ": " + counts + " in 1 of 2 files (first: " + filepath.Join(calib, "b.npy") + "); calibration ignores them"}},
		{args: []string{"eval", cntkModel, "-dataset", calib}, code: exitOK, stderr: []string{"pimc eval: warning: " + calib + ": " + counts + " in 1 of 2 files"}},
		{args: []string{"eval", prog, "-dataset", calib}, code: exitOK, stderr: []string{"pimc eval: warning: " + calib}},
	})
	// The simulator path (host quantize op, then device codes) and the
	// quantized interpreter agree bit for bit on the NaN/Inf input.
	code, out, errs := runCLI("compile", cntkModel, "-o", filepath.Join(dir, "v.pimb"), "-verify-with", in)
	if code != exitOK || !strings.Contains(out, "verify: bit-exact") {
		t.Errorf("-verify-with a NaN/Inf input: exit %d\n%s%s", code, out, errs)
	}
	// A device-only program quantizes NaN to the port's zero point instead
	// of failing.
	nanX := filepath.Join(dir, "nanx.npy")
	v := append([]float32{float32(math.NaN()), float32(math.Inf(1))}, dotX[2:]...)
	if err := tensorio.Write(nanX, tensor.FromF32(v, 1, 16), ""); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("sim", "../../testdata/isa/dot.pasm", "-i", nanX, "-q"); code != exitOK || !strings.Contains(errs, "1 NaN and 1 Inf among 16 values") {
		t.Errorf("sim dot.pasm with NaN: exit %d: %s", code, errs)
	}
}
