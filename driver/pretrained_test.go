package driver

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// pretrainedDir holds the cases of TestPretrainedModels (cases.txt, the
// inputs and onnxruntime's outputs); the models themselves are fetched by
// scripts/fetch-pretrained.sh into its models/ folder, or PIMC_PRETRAINED.
const pretrainedDir = "../testdata/pretrained"

// pretrainedCase is one line of cases.txt.
type pretrainedCase struct {
	name, model string
	minCos      float64 // the W8A8 simulator's output against the float model's, at least
}

func pretrainedCases(t *testing.T) []pretrainedCase {
	f, err := os.Open(filepath.Join(pretrainedDir, "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cs []pretrainedCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 3 {
			t.Fatalf("cases.txt: %q: want NAME MODEL MIN_COSINE", sc.Text())
		}
		c, err := strconv.ParseFloat(fs[2], 64)
		if err != nil {
			t.Fatalf("cases.txt: %q: %v", sc.Text(), err)
		}
		cs = append(cs, pretrainedCase{fs[0], fs[1], c})
	}
	return cs
}

// TestPretrainedModels: pretrained models that exporters other than PyTorch
// wrote (paddle2onnx, tf2onnx) and npm packages ship (testdata/pretrained/
// README.md) import with their symbolic dims bound from the input file
// alone (no -shape), run on the reference interpreter within rtol 1e-4,
// atol 1e-5 of onnxruntime's stored output, and compile at W8A8
// (calibrated on the input) into programs the simulator runs bit-exact
// with the quantized interpreter, whose output keeps a cosine of at least
// the case's floor against the float model's. The models are fetched by
// scripts/fetch-pretrained.sh (CI runs it); without them the test skips,
// or fails with PIMC_REQUIRE_CORPUS=1.
func TestPretrainedModels(t *testing.T) {
	dir := os.Getenv("PIMC_PRETRAINED")
	if dir == "" {
		dir = filepath.Join(pretrainedDir, "models")
	}
	for _, c := range pretrainedCases(t) {
		t.Run(c.name, func(t *testing.T) {
			model := testcorpus.Path(t, filepath.Join(dir, c.model), "pretrained model "+c.model+" (scripts/fetch-pretrained.sh)")
			in := filepath.Join(pretrainedDir, c.name+".in.npy")
			load := func() (Bindings, []*tensor.Tensor, *ir.Graph) {
				g, bound, err := LoadFed(model, frontend.Options{}, FileFeed(in))
				if err != nil {
					t.Fatal(err)
				}
				ins, err := ReadInputs(g, in, BatchRule{One: "-verify-with"}, func(string, *tensor.Tensor) {})
				if err != nil {
					t.Fatal(err)
				}
				return bound, ins, g
			}
			bound, ins, fg := load() // the output's shape checks the binding
			got, err := interp.Run(fg, ins)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tensorio.Read(filepath.Join(pretrainedDir, c.name+".ort.npy"))
			if err != nil {
				t.Fatal(err)
			}
			maxAbs, maxRef := 0.0, 0.0
			for i := 0; i < want.Len(); i++ {
				a, b := got[0].Float64At(i), want.Float64At(i)
				maxAbs, maxRef = math.Max(maxAbs, math.Abs(a-b)), math.Max(maxRef, math.Abs(b))
				if !(math.Abs(a-b) <= 1e-5+1e-4*math.Abs(b)) {
					t.Fatalf("output %d: interpreter %v, onnxruntime %v", i, a, b)
				}
			}
			if !tensor.SameShape(got[0].Shape, want.Shape) {
				t.Fatalf("output shape %v, onnxruntime %v", got[0].Shape, want.Shape)
			}
			// W8A8, calibrated on the input (a folder holding only it).
			calib := t.TempDir()
			if err := os.Link(in, filepath.Join(calib, "in.npy")); err != nil {
				data, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(calib, "in.npy"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, _, qg := load() // Compile quantizes and maps it in place
			res, err := Compile(qg, Options{Target: target.Default(), WBits: 8, ABits: 8, Calib: calib})
			if err != nil {
				t.Fatal(err)
			}
			v, err := Verify(qg, res, ins)
			if err != nil {
				t.Fatal(err)
			}
			if v.DeviceSegments == 0 {
				t.Fatal("no device segment")
			}
			q, err := interp.Run(qg, ins) // the simulator's output, bit for bit (Verify)
			if err != nil {
				t.Fatal(err)
			}
			var dot, nf, nq float64
			for i := 0; i < q[0].Len(); i++ {
				a, b := got[0].Float64At(i), q[0].Float64At(i)
				dot, nf, nq = dot+a*b, nf+a*a, nq+b*b
			}
			cos := dot / math.Sqrt(nf*nq)
			t.Logf("%s: bound %s; vs onnxruntime max|d| %.3g (%.3g of max|y|); W8A8: bit-exact (%d values), %d device segments, %d host ops, cosine %.4f",
				c.model, bound, maxAbs, maxAbs/maxRef, v.Values, res.Segments, res.HostOps, cos)
			if !(cos >= c.minCos) {
				t.Errorf("W8A8 cosine %.4f with the float output, want >= %v", cos, c.minCos)
			}
		})
	}
}
