package backend_test

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

func argmax(t *tensor.Tensor) int {
	best := 0
	for i := 1; i < t.Len(); i++ {
		if t.Float64At(i) > t.Float64At(best) {
			best = i
		}
	}
	return best
}

func cosine(a, b *tensor.Tensor) float64 {
	var ab, aa, bb float64
	for i := 0; i < a.Len(); i++ {
		x, y := a.Float64At(i), b.Float64At(i)
		ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
	}
	return ab / math.Sqrt(aa*bb)
}

// TestMNISTCNTK: the ONNX model zoo's CNTK MNIST network, calibrated on
// MNIST, compiled for the default target and run on the simulator: bit-exact
// with the quantized interpreter on its three test digits (5, 0, 4), which
// it classifies correctly at W8A8 and W4A4, with outputs within cosine
// 0.99 of the float reference at W8A8.
func TestMNISTCNTK(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "models", "mnist-cntk-zoo")
	var inputs [][]*tensor.Tensor
	var refs []*tensor.Tensor
	for i := 0; i < 3; i++ {
		m, err := tensorio.ReadNPZ(filepath.Join(dir, fmt.Sprintf("test_data_%d.npz", i)))
		if err != nil {
			t.Fatal(err)
		}
		x := m["inputs"]
		x.Shape = []int{1, 1, 28, 28}
		inputs = append(inputs, []*tensor.Tensor{x})
		refs = append(refs, m["outputs"])
	}
	digits := []int{5, 0, 4}
	for i, r := range refs {
		if argmax(r) != digits[i] {
			t.Fatalf("test_data_%d: the float reference says %d, want %d", i, argmax(r), digits[i])
		}
	}
	for _, c := range []struct {
		opts   string
		minCos float64
	}{{"calib=mnist", 0.99}, {"calib=mnist,wbits=4,abits=4,keep-ends=false", 0}} {
		t.Run(c.opts, func(t *testing.T) {
			g := quantizeModel(t, filepath.Join(dir, "model.onnx"), c.opts)
			for i, in := range inputs {
				res, run := compileAndCheck(t, g, target.Default(), in)
				out := run.Outputs[0]
				if got := argmax(out); got != digits[i] {
					t.Errorf("digit %d classified as %d", digits[i], got)
				}
				cos := cosine(out, refs[i])
				if cos < c.minCos {
					t.Errorf("digit %d: cosine %.4f vs float, want >= %.2f", digits[i], cos, c.minCos)
				}
				if i == 0 {
					t.Logf("%d instructions, %d sub-arrays, %d weight rows; cosine vs float %.4f", len(res.Prog.Code), res.Subarrays, res.WeightRows, cos)
				}
			}
		})
	}
}

// TestResNet18 simulates the torchvision ResNet-18 export at 32x32 (the
// benchmark model; skipped when absent or with -short) bit for bit.
func TestResNet18(t *testing.T) {
	if testing.Short() {
		t.Skip("ResNet-18 simulation: skipped with -short")
	}
	path := filepath.Join("..", "testdata", "bench", "resnet18_tv32.onnx")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent: generate it with /usr/bin/python3 testdata/bench/gen_models.py testdata/bench", path)
	}
	tgt, err := target.Load(filepath.Join("testdata", "sot-mram-45nm-64banks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	g := quantizeModel(t, path, "")
	x := tensor.New(tensor.Float32, g.Inputs[0].Type.Shape...)
	rng := rand.New(rand.NewSource(3))
	for i := range x.F32 {
		x.F32[i] = float32(rng.NormFloat64())
	}
	res, run := compileAndCheck(t, g, tgt, []*tensor.Tensor{x})
	t.Logf("bit-exact: %d instructions, %d sub-arrays, %d steps", len(res.Prog.Code), res.Subarrays, run.Stats[0].Steps)
}
