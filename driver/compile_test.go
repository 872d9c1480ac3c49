package driver

import (
	"errors"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
)

// leNet imports the embedded LeNet-5.
func leNet(t *testing.T) *ir.Graph {
	t.Helper()
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// ramp is a deterministic image-like input for LeNet-5.
func ramp() []*tensor.Tensor {
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for i := range x.F32 {
		x.F32[i] = float32(i%29) / 28
	}
	return []*tensor.Tensor{x}
}

// TestCompileAndVerify: the default pipeline takes LeNet-5 to a mapped
// graph with replicated convolutions, the program verifies bit for bit, and
// flipped weight bits make Verify report the first difference.
func TestCompileAndVerify(t *testing.T) {
	g := leNet(t)
	res, err := Compile(g, Options{Calib: "random:2"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Stage != ir.StageMapped || res.Layers[0].Replicas < 2 || len(res.Binary) == 0 || res.Target == nil {
		t.Fatalf("stage %s, conv1 replicas %d, %d bytes", g.Stage, res.Layers[0].Replicas, len(res.Binary))
	}
	// One segment whose output port holds the 10 logits: 10 values, each
	// counted once (the model output is that port dequantized).
	v, err := Verify(g, res, ramp())
	if err != nil || v.Values != 10 || v.DeviceSegments != 1 {
		t.Fatalf("verify: %+v, %v; want 10 values, 1 device segment", v, err)
	}
	for _, w := range res.Prog.Weights {
		w.Bits[0] ^= 1
	}
	_, err = Verify(g, res, ramp())
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Index < 0 || !strings.Contains(err.Error(), "first difference at index") {
		t.Fatalf("verify with flipped weight bits: %v", err)
	}
}

// TestCompileStages: a quantized graph has only the mapping left to do; a
// custom pipeline that stops at the quantized stage is mapped without
// replication; one that stops before it is refused; a program above
// MaxProgramBytes is a *ProgramSizeError.
func TestCompileStages(t *testing.T) {
	q := leNet(t)
	if err := passes.NewManager().RunString(q, "canonicalize,quantize{calib=random:1}"); err != nil {
		t.Fatal(err)
	}
	res, err := Compile(ir.Clone(q), Options{})
	if err != nil || res.Layers[0].Replicas < 2 {
		t.Fatalf("quantized graph: %v", err)
	}
	custom := &passes.DebugFlags{Passes: "canonicalize,quantize{calib=random:1}", VerifyEach: true}
	g := leNet(t)
	res, err = Compile(g, Options{Flags: custom})
	if err != nil || g.Stage != ir.StageMapped || res.Layers[0].Replicas != 1 {
		t.Fatalf("custom pipeline: stage %s, %v", g.Stage, err)
	}
	_, err = Compile(leNet(t), Options{Flags: &passes.DebugFlags{Passes: "canonicalize"}})
	if err == nil || !strings.Contains(err.Error(), "stage canonical") {
		t.Fatalf("canonical graph: %v", err)
	}
	_, err = Compile(ir.Clone(q), Options{MaxProgramBytes: 1000})
	var big *ProgramSizeError
	if !errors.As(err, &big) || big.Max != 1000 || big.Size <= 1000 {
		t.Fatalf("1000-byte limit: %v", err)
	}
}

// TestFitInput: a tensor is one inference when its shape is the input's up
// to leading 1s, a batch only where the rule allows it, and anything else
// an error naming the file and the input.
func TestFitInput(t *testing.T) {
	in := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 1, 28, 28}}}
	dyn := &ir.Value{Name: "x", Type: in.Type, DynamicBatch: true}
	batch := BatchRule{Flag: "-batch"}
	for _, c := range []struct {
		in    *ir.Value
		shape []int
		dt    tensor.DType
		rule  BatchRule
		k     int
		err   string
	}{
		{in, []int{28, 28}, tensor.Float32, batch, 1, ""},
		{in, []int{1, 1, 1, 28, 28}, tensor.Float32, batch, 1, ""},
		{in, []int{1, 1, 28, 28}, tensor.Float64, batch, 0, "f.npy: input \"x\": element type f64, want f32"},
		{in, []int{3, 1, 28, 28}, tensor.Float32, batch, 0, "batch dimension is fixed: pass -batch 3"},
		{in, []int{3, 1, 28, 28}, tensor.Float32, BatchRule{N: 3, Flag: "-batch"}, 3, ""},
		{in, []int{3, 1, 28, 28}, tensor.Float32, BatchRule{N: 2, Flag: "-batch"}, 0, "-batch says 2"},
		{dyn, []int{3, 1, 28, 28}, tensor.Float32, batch, 3, ""},
		{in, []int{3, 1, 28, 28}, tensor.Float32, BatchRule{One: "-verify-with"}, 0, "-verify-with takes one"},
		{in, []int{1, 28, 28, 1}, tensor.Float32, batch, 0, "shape [1,28,28,1], want [1,1,28,28]"},
		{in, []int{784}, tensor.Float32, batch, 0, "shape [784], want [1,1,28,28]"},
	} {
		got, k, err := FitInput("f.npy", tensor.New(c.dt, c.shape...), c.in, c.rule)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%v %s: %v, want %q", c.shape, c.dt, err, c.err)
		case c.err == "" && (err != nil || k != c.k || got.Shape[0] != c.k):
			t.Errorf("%v %s: %d inferences, %v; want %d", c.shape, c.dt, k, err, c.k)
		}
	}
}
