package backend_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Input sources of the fidelity table (fidelity_test.go): where the
// calibration and the evaluation inputs of a model come from. A source has a
// description (the table's column) and builds input sets shaped like the
// graph's inputs; it never reads the other column's inputs, so a model is
// not calibrated on what it is evaluated on unless a row says so.

// inputSource builds input sets for a graph.
type inputSource struct {
	desc string
	// labels, when set, are the true classes of the sets (for accuracy).
	make func(t *testing.T, g *ir.Graph, dir string) (sets [][]*tensor.Tensor, labels []int)
}

// datasetSplit returns the training or test split of a dataset package
// data loads ("mnist", "fashion-mnist"), shared by the test binary (see
// testcorpus.Dataset: skipped or failed when absent; never modified).
func datasetSplit(t *testing.T, name string, test bool) *data.Dataset {
	train, tst := testcorpus.Dataset(t, name, data.Load)
	if test {
		return tst
	}
	return train
}

// mnistImages takes n images of MNIST (see datasetImages).
func mnistImages(test bool, first, n int, how string, pre func([]float32) []float32) inputSource {
	return datasetImages(data.MNIST, "MNIST", test, first, n, how, pre)
}

// datasetImages takes n images from a dataset's test (or training) split
// starting at first, applies pre to each 28x28 image of pixels in [0, 1]
// and lays the result out as the graph's single input (NCHW [1,1,H,W] or
// NHWC [1,H,W,1] hold the same bytes for one channel; pre builds other
// layouts).
func datasetImages(name, title string, test bool, first, n int, how string, pre func([]float32) []float32) inputSource {
	split := "training"
	if test {
		split = "test"
	}
	desc := fmt.Sprintf("%s %s images %d-%d%s", title, split, first, first+n-1, how)
	return inputSource{desc: desc, make: func(t *testing.T, g *ir.Graph, _ string) ([][]*tensor.Tensor, []int) {
		d := datasetSplit(t, name, test)
		in := g.Inputs[0]
		per := d.SampleLen()
		var sets [][]*tensor.Tensor
		var labels []int
		for i := first; i < first+n; i++ {
			px := append([]float32(nil), d.X[i*per:(i+1)*per]...)
			if pre != nil {
				px = pre(px)
			}
			if len(px) != in.Type.NumElems() {
				t.Fatalf("%s image %d gives %d values, input %q wants %v", title, i, len(px), in.Name, in.Type.Shape)
			}
			x := tensor.New(tensor.Float32, in.Type.Shape...)
			copy(x.F32, px)
			sets = append(sets, []*tensor.Tensor{x})
			labels = append(labels, int(d.Y[i]))
		}
		return sets, labels
	}}
}

// rgb32 pads a 28x28 gray image by 2 pixels (black) to 32x32, copies it to
// three channels (NCHW, or interleaved NHWC when nhwc), multiplies by scale
// and normalizes channel c with mean[c], std[c] (nil: none). It stands in
// for the colour images of models whose dataset is not available here.
func rgb32(nhwc bool, scale float32, mean, std []float32) func([]float32) []float32 {
	return func(px []float32) []float32 {
		out := make([]float32, 3*32*32)
		for c := 0; c < 3; c++ {
			for y := 0; y < 32; y++ {
				for x := 0; x < 32; x++ {
					v := float32(0)
					if y >= 2 && y < 30 && x >= 2 && x < 30 {
						v = px[(y-2)*28+x-2]
					}
					v *= scale
					if mean != nil {
						v = (v - mean[c]) / std[c]
					}
					if nhwc {
						out[(y*32+x)*3+c] = v
					} else {
						out[(c*32+y)*32+x] = v
					}
				}
			}
		}
		return out
	}
}

// normalizeMNIST is the usual PyTorch MNIST preprocessing (mean 0.1307,
// std 0.3081), which burn's example model was trained with.
func normalizeMNIST(px []float32) []float32 {
	for i, v := range px {
		px[i] = (v - 0.1307) / 0.3081
	}
	return px
}

// halveMNIST averages 2x2 blocks: 28x28 -> 14x14 (the onnx2c AVR example's
// input size; upstream resized MNIST, the exact filter is not recorded).
func halveMNIST(px []float32) []float32 {
	out := make([]float32, 14*14)
	for y := 0; y < 14; y++ {
		for x := 0; x < 14; x++ {
			s := px[2*y*28+2*x] + px[2*y*28+2*x+1] + px[(2*y+1)*28+2*x] + px[(2*y+1)*28+2*x+1]
			out[y*14+x] = s / 4
		}
	}
	return out
}

// upscaleMNIST repeats every pixel k x k times (nearest neighbour).
func upscaleMNIST(k int) func([]float32) []float32 {
	return func(px []float32) []float32 {
		w := 28 * k
		out := make([]float32, w*w)
		for y := 0; y < w; y++ {
			for x := 0; x < w; x++ {
				out[y*w+x] = px[(y/k)*28+x/k]
			}
		}
		return out
	}
}

// randomInputs draws n sets from seed: every float input element uniform in
// [lo, hi), or standard normal when normal is set, then (if post is set)
// transformed with its flat index.
func randomInputs(n int, seed int64, desc string, normal bool, lo, hi float64, post func(t *tensor.Tensor)) inputSource {
	return inputSource{desc: desc, make: func(t *testing.T, g *ir.Graph, _ string) ([][]*tensor.Tensor, []int) {
		rng := rand.New(rand.NewSource(seed))
		sets := make([][]*tensor.Tensor, n)
		for i := range sets {
			for _, v := range g.Inputs {
				if v.Type.DType != tensor.Float32 {
					t.Fatalf("input %q is %s; random inputs are float32", v.Name, v.Type.DType)
				}
				x := tensor.New(tensor.Float32, v.Type.Shape...)
				for j := range x.F32 {
					if normal {
						x.F32[j] = float32(rng.NormFloat64())
					} else {
						x.F32[j] = float32(lo + (hi-lo)*rng.Float64())
					}
				}
				if post != nil {
					post(x)
				}
				sets[i] = append(sets[i], x)
			}
		}
		return sets, nil
	}}
}

// channelNorm normalizes an NCHW image per channel: (x - mean[c]) / std[c].
func channelNorm(mean, std []float32) func(*tensor.Tensor) {
	return func(x *tensor.Tensor) {
		c, hw := x.Shape[1], x.Shape[2]*x.Shape[3]
		for i := range x.F32 {
			ch := (i / hw) % c
			x.F32[i] = (x.F32[i] - mean[ch]) / std[ch]
		}
	}
}

// ownTestData evaluates on the model's own ONNX test inputs: input_<i>.pb
// of every test_data_set_* folder beside the model, leaving out the ONNX
// inputs listed in bound (turned into constants, see fidelityCase.bind).
func ownTestData(onnxInputs int, bound map[int]bool) inputSource {
	return inputSource{desc: "its test_data_set_*", make: func(t *testing.T, g *ir.Graph, dir string) ([][]*tensor.Tensor, []int) {
		sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
		sort.Strings(sets)
		var out [][]*tensor.Tensor
		for _, s := range sets {
			var in []*tensor.Tensor
			for i := 0; i < onnxInputs; i++ {
				if bound[i] {
					continue
				}
				x, err := tensorio.Read(filepath.Join(s, fmt.Sprintf("input_%d.pb", i)))
				if err != nil {
					t.Fatalf("%s: %v", s, err)
				}
				in = append(in, x)
			}
			out = append(out, reshapeInputs(t, g, s, in))
		}
		if len(out) == 0 {
			t.Fatalf("%s: no test_data_set_*", dir)
		}
		return out, nil
	}}
}

// zooNPZ evaluates on the "inputs" arrays of the model zoo's .npz files
// beside the model, plus more when extra is set.
func zooNPZ(files []string, extra *inputSource) inputSource {
	desc := "its " + strings.Join(files, ", ")
	if extra != nil {
		desc += " + " + extra.desc
	}
	return inputSource{desc: desc, make: func(t *testing.T, g *ir.Graph, dir string) ([][]*tensor.Tensor, []int) {
		var out [][]*tensor.Tensor
		var labels []int
		for _, f := range files {
			m, err := tensorio.ReadNPZ(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if m["inputs"] == nil {
				t.Fatalf("%s: no \"inputs\" array", f)
			}
			out = append(out, reshapeInputs(t, g, f, []*tensor.Tensor{m["inputs"]}))
		}
		if extra != nil {
			more, l := extra.make(t, g, dir)
			if l != nil {
				labels = append(make([]int, len(out)), l...)
				for i := range out {
					labels[i] = -1 // the zoo's files carry no label
				}
			}
			out = append(out, more...)
		}
		return out, labels
	}}
}

// reshapeInputs gives every tensor of a set its graph input's shape (test
// files may lack the batch axis); a wrong element count is fatal.
func reshapeInputs(t *testing.T, g *ir.Graph, what string, in []*tensor.Tensor) []*tensor.Tensor {
	if len(in) != len(g.Inputs) {
		t.Fatalf("%s: %d tensors for %d graph inputs", what, len(in), len(g.Inputs))
	}
	for i, x := range in {
		if x.Len() != g.Inputs[i].Type.NumElems() {
			t.Fatalf("%s: input %d has %d elements, the model wants %v", what, i, x.Len(), g.Inputs[i].Type.Shape)
		}
		x.Shape = append([]int(nil), g.Inputs[i].Type.Shape...)
	}
	return in
}

// writeCalibFolder writes calibration sets as .pb files into a fresh
// folder, so the quantize pass reads them through calib=<folder>, the path
// `pimc compile -calib DIR` takes. One-input graphs get one file per set;
// others a folder per set with input_<i>.pb.
func writeCalibFolder(t *testing.T, sets [][]*tensor.Tensor) string {
	dir := t.TempDir()
	for k, set := range sets {
		for i, x := range set {
			p := filepath.Join(dir, fmt.Sprintf("sample_%03d.pb", k))
			if len(set) > 1 {
				sub := filepath.Join(dir, fmt.Sprintf("set_%03d", k))
				if err := os.MkdirAll(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				p = filepath.Join(sub, fmt.Sprintf("input_%d.pb", i))
			}
			if err := tensorio.Write(p, x, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}
