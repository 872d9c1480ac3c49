package passes

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Quantized interpreter vs float interpreter on real corpus models.

// loadCanonical imports a corpus model and canonicalizes it.
func loadCanonical(t *testing.T, path string) *ir.Graph {
	t.Helper()
	g, err := frontend.Load(path, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := NewManager().RunString(g, "canonicalize"); err != nil {
		t.Fatal(err)
	}
	return g
}

// quantizeGraph runs quantize with opts on a clone of canonical g through
// the pass manager (verify after each pass).
func quantizeGraph(t *testing.T, g *ir.Graph, opts string) *ir.Graph {
	t.Helper()
	qg := ir.Clone(g)
	if err := fileManager().RunString(qg, "quantize{"+opts+"}"); err != nil {
		t.Fatal(err)
	}
	if qg.Stage != ir.StageQuantized {
		t.Fatalf("stage %s after quantize", qg.Stage)
	}
	return qg
}

func run1(t *testing.T, g *ir.Graph, in []*tensor.Tensor) []float64 {
	t.Helper()
	outs, err := interp.Run(g, in)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float64, outs[0].Len())
	for i := range v {
		v[i] = outs[0].Float64At(i)
	}
	return v
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		if aa == bb {
			return 1
		}
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// mnistCNTK returns the canonical MNIST CNTK model and its three digits.
func mnistCNTK(t *testing.T) (*ir.Graph, string, [][]*tensor.Tensor) {
	dir := filepath.Join(corpusDir(t), "models", "mnist-cntk-zoo")
	g := loadCanonical(t, filepath.Join(dir, "model.onnx"))
	var ins [][]*tensor.Tensor
	for i := 0; i < 3; i++ {
		m, err := tensorio.ReadNPZ(filepath.Join(dir, fmt.Sprintf("test_data_%d.npz", i)))
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, []*tensor.Tensor{m["inputs"].Reshaped(g.Inputs[0].Type.Shape...)})
	}
	return g, dir, ins
}

// requireMNIST skips (or with PIMC_REQUIRE_CORPUS=1 fails) a test that
// calibrates from MNIST when the GoMNIST module's data is absent.
func requireMNIST(t *testing.T) {
	t.Helper()
	testcorpus.Dataset(t, data.MNIST, data.Load)
}

func TestQuantizeMNISTCNTK(t *testing.T) {
	requireMNIST(t)
	g, dir, ins := mnistCNTK(t)
	want := []int{5, 0, 4} // PROVENANCE.md: the three digits
	for _, tc := range []struct {
		opts   string
		minCos float64
	}{
		{"wbits=8,abits=8,calib=" + dir, 0.99},
		{"wbits=8,abits=8,calib=mnist", 0.99},
		{"wbits=4,abits=4,calib=" + dir, 0},
		{"wbits=4,abits=4,keep-ends=false,calib=mnist", 0},
		{"wbits=8,abits=8,per-channel=false,calibrator=percentile,calib=mnist", 0.99},
	} {
		t.Run(tc.opts, func(t *testing.T) {
			qg := quantizeGraph(t, g, tc.opts)
			for i, in := range ins {
				f := run1(t, g, in)
				q := run1(t, qg, in)
				if argmax(f) != want[i] {
					t.Fatalf("digit %d: float model says %d, want %d", i, argmax(f), want[i])
				}
				if argmax(q) != want[i] {
					t.Errorf("digit %d: quantized top-1 %d, want %d (float %v, quantized %v)", i, argmax(q), want[i], f, q)
				}
				c := cosine(f, q)
				t.Logf("digit %d: cosine %.5f", i, c)
				if c < tc.minCos {
					t.Errorf("digit %d: cosine %.5f < %.2f", i, c, tc.minCos)
				}
			}
		})
	}
}

// Quantizing twice gives identical graphs.
func TestQuantizeDeterministic(t *testing.T) {
	g, _, _ := mnistCNTK(t)
	var texts []string
	for i := 0; i < 2; i++ {
		qg := quantizeGraph(t, g, "wbits=4,abits=6,calib=random:4")
		var b bytes.Buffer
		if err := ir.Print(&b, qg, ir.PrintOptions{}); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, b.String())
	}
	if texts[0] != texts[1] {
		t.Fatal("two quantize runs printed differently")
	}
}

// closeOutputs compares the float and quantized graphs' outputs on in:
// integer outputs exactly, float outputs by cosine similarity.
func closeOutputs(t *testing.T, g, qg *ir.Graph, in []*tensor.Tensor, minCos float64) {
	t.Helper()
	fo, err := interp.Run(g, in)
	if err != nil {
		t.Fatal(err)
	}
	qo, err := interp.Run(qg, in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fo {
		if !fo[i].DType.IsFloat() || tensor.Equal(fo[i], qo[i]) {
			if !tensor.Equal(fo[i], qo[i]) {
				t.Errorf("output %d (%s): integer output changed", i, g.Outputs[i].Name)
			} else {
				t.Logf("output %d (%s): identical", i, g.Outputs[i].Name)
			}
			continue
		}
		a := make([]float64, fo[i].Len())
		b := make([]float64, qo[i].Len())
		for j := range a {
			a[j], b[j] = fo[i].Float64At(j), qo[i].Float64At(j)
		}
		if c := cosine(a, b); c < minCos || c != c {
			t.Errorf("output %d (%s): cosine %.4f < %.2f", i, g.Outputs[i].Name, c, minCos)
		} else {
			t.Logf("output %d (%s): cosine %.5f", i, g.Outputs[i].Name, c)
		}
	}
}

// Every corpus model that imports and canonicalizes also quantizes (W8A8,
// random calibration), and its outputs stay close to the float ones.
func TestQuantizeCorpus(t *testing.T) {
	root := corpusDir(t)
	for _, rel := range corpusModels(t, root) {
		path := filepath.Join(root, rel)
		t.Run(rel, func(t *testing.T) {
			if testing.Short() && strings.Contains(rel, "super-resolution") {
				t.Skip("-short: 224x224 super-resolution takes seconds")
			}
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				t.Skipf("does not import: %v", err)
			}
			if err := NewManager().RunString(g, "canonicalize"); err != nil {
				t.Skipf("does not canonicalize: %v", err)
			}
			// Calibrate on the stored inputs when there are some, else on
			// random ones like those the comparison uses.
			in := corpusInputs(t, path, g)
			calib := "random:2"
			if in == nil {
				in = randomSamples(g, 1, 7, 1)[0]
				if _, err := interp.Run(g, in); err != nil {
					in = randomSamples(g, 1, 7, 0)[0] // see runQuantize
				}
			} else {
				calib = strconv.Quote(filepath.Dir(path))
			}
			qg := quantizeGraph(t, g, "calib="+calib)
			closeOutputs(t, g, qg, in, 0.95)
		})
	}
}

// The light/ ImageNet models (224x224, weights generated in the graph)
// quantize and stay close to float. Their generated weights are constant
// per layer, so every channel computes the same thing and the outputs are
// uniform: the comparison mostly shows that the integer graph runs. Slow
// (about a minute of integer convolutions): skipped with -short;
// PIMC_LIGHT=<substring> selects models.
func TestQuantizeLightModels(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: ImageNet-size models")
	}
	root := corpusDir(t)
	models, _ := filepath.Glob(filepath.Join(root, "light", "*.onnx"))
	if len(models) == 0 {
		t.Fatal("no light/*.onnx models")
	}
	for _, path := range models {
		name := filepath.Base(path)
		if f := os.Getenv("PIMC_LIGHT"); f != "" && !strings.Contains(name, f) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			g := loadCanonical(t, path)
			qg := quantizeGraph(t, g, "calib=random:1")
			closeOutputs(t, g, qg, randomSamples(g, 1, 7, 1)[0], 0.9)
		})
	}
}

// The corpus MNIST classifiers agree with their float versions on the
// top-1 class of MNIST test images they were not calibrated on (W8A8, and
// W4A4 with the 8-bit ends).
func TestQuantizeMNISTModelsAgree(t *testing.T) {
	_, test := testcorpus.Dataset(t, data.MNIST, data.Load)
	root := corpusDir(t)
	// Calibration uses training images; check on the first test images.
	imgs := make([][]float32, 32)
	for i := range imgs {
		imgs[i] = test.X[i*28*28 : (i+1)*28*28]
	}
	for _, c := range []struct {
		model string
		opts  string
		agree int // of 32
	}{
		{"models/mnist-cntk-zoo/model.onnx", "wbits=8,abits=8", 32},
		{"models/mnist-cntk-zoo/model.onnx", "wbits=4,abits=4", 30},
		// burn's CNN was trained on normalized pixels; on raw [0, 1] pixels
		// its float accuracy is 61% (pimc eval ... -limit 1000), so many
		// logits are near ties and top-1 agreement is a weaker signal.
		{"models/burn-mnist-cnn/mnist.onnx", "wbits=8,abits=8", 26},
	} {
		t.Run(c.model+"/"+c.opts, func(t *testing.T) {
			g := loadCanonical(t, filepath.Join(root, c.model))
			qg := quantizeGraph(t, g, c.opts+",calib=mnist")
			in := g.Inputs[0]
			if in.Type.NumElems() != 28*28 {
				t.Skipf("input %v is not one 28x28 image", in.Type)
			}
			agree := 0
			for _, img := range imgs {
				x := tensor.New(tensor.Float32, in.Type.Shape...)
				copy(x.F32, img)
				if argmax(run1(t, g, []*tensor.Tensor{x})) == argmax(run1(t, qg, []*tensor.Tensor{x})) {
					agree++
				}
			}
			t.Logf("top-1 agreement %d/%d", agree, len(imgs))
			if agree < c.agree {
				t.Errorf("top-1 agreement %d/%d, want >= %d", agree, len(imgs), c.agree)
			}
		})
	}
}
