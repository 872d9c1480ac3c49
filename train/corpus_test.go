package train

import (
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// corpusModel returns the path of a model in the shared ONNX corpus
// (../shared/onnx-corpus from the repository root), skipping the test when
// the corpus is absent, or failing it when PIMC_REQUIRE_CORPUS=1.
func corpusModel(t *testing.T, rel string) string {
	t.Helper()
	return testcorpus.Root(t, rel)
}

// TestImportedModel fine-tunes a pretrained imported model (PyTorch's MNIST
// CNN with batch norm, gemm and log_softmax): the engine's inference
// forward pass matches the interpreter before training, and a few steps
// with its running statistics and weights run and change the weights.
func TestImportedModel(t *testing.T) {
	g, err := frontend.Load(corpusModel(t, "models/burn-mnist-cnn/mnist.onnx"), frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for i := range x.F32 {
		x.F32[i] = float32(i%29) / 29
	}
	want, err := interp.Run(g, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	z, err := m.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	// The graph ends in log_softmax; compare the engine's logits through
	// the same ordering (argmax) and the differences between classes.
	for i := 1; i < len(z.F32); i++ {
		dz := z.F32[i] - z.F32[0]
		dw := want[0].F32[i] - want[0].F32[0]
		if d := dz - dw; d > 1e-3 || d < -1e-3 {
			t.Fatalf("class %d: engine logit difference %v, interpreter %v", i, dz, dw)
		}
	}
	if len(m.Weights()) == 0 || len(m.Buffers()) == 0 {
		t.Fatalf("%d weights, %d buffers", len(m.Weights()), len(m.Buffers()))
	}
	before := m.Weights()[0].Data.Clone()
	xs := tensor.New(tensor.Float32, 8, 1, 28, 28)
	for i := range xs.F32 {
		xs.F32[i] = float32((i*7)%31) / 31
	}
	y := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	var dzb *tensor.Tensor
	if _, _, _, err := m.step(xs, y, &dzb, Config{Optimizer: &SGD{Momentum: 0.9}}, 0.01); err != nil {
		t.Fatal(err)
	}
	if tensor.Equal(before, m.Weights()[0].Data) {
		t.Error("first weight unchanged by a training step")
	}
}
