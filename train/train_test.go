package train

import (
	"math"
	"runtime"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// loadMNIST returns MNIST, skipping the test when the module files are not
// downloaded (failing instead when PIMC_REQUIRE_CORPUS=1).
func loadMNIST(tb testing.TB) (train, test *data.Dataset) {
	tb.Helper()
	return testcorpus.Dataset(tb, data.MNIST, data.Load)
}

func shortRun(t *testing.T, arch string, seed uint64) ([]EpochStats, *Model) {
	t.Helper()
	tr, te := loadMNIST(t)
	g, err := Build(arch, tr.Shape, 10, seed)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := Fit(m, tr.Head(640), te.Head(500), Config{Epochs: 1, Batch: 32, Seed: seed, Optimizer: &Adam{}, Schedule: Constant(2e-3)})
	if err != nil {
		t.Fatal(err)
	}
	return hist, m
}

// TestTrainShort trains LeNet-5 for one epoch on 640 MNIST images: the loss
// must fall below chance level (ln 10), test accuracy must beat chance by
// far, and a second run with the same seed must give identical weights.
func TestTrainShort(t *testing.T) {
	hist, m := shortRun(t, "lenet5", 7)
	s := hist[0]
	t.Logf("1 epoch on 640 images: train loss %.3f acc %.3f, test acc %.3f", s.TrainLoss, s.TrainAcc, s.TestAcc)
	if s.TrainLoss >= math.Log(10) || s.TestAcc < 0.5 {
		t.Errorf("no learning: train loss %.3f (chance %.3f), test accuracy %.3f", s.TrainLoss, math.Log(10), s.TestAcc)
	}
	_, m2 := shortRun(t, "lenet5", 7)
	for i, p := range m.Params() {
		if !tensor.Equal(p.Data, m2.Params()[i].Data) {
			t.Fatalf("same seed, different weights in %s", p.Name)
		}
	}
}

// TestTrainShortResNet trains resnet-small (batch norm, residual adds,
// global pooling) on a small synthetic set: the loss falls, running
// statistics move, and the result is bit-identical with 1 and 2 cores.
func TestTrainShortResNet(t *testing.T) {
	ds := synthetic(192, 4)
	run := func(procs int) *Model {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		g, err := Build("resnet-small", ds.Shape, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewModel(g)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := Fit(m, ds, nil, Config{Epochs: 3, Batch: 32, Seed: 1, Optimizer: &SGD{Momentum: 0.9}, Schedule: Constant(0.05)})
		if err != nil {
			t.Fatal(err)
		}
		if hist[2].TrainLoss >= hist[0].TrainLoss {
			t.Errorf("loss did not fall: %.3f then %.3f", hist[0].TrainLoss, hist[2].TrainLoss)
		}
		return m
	}
	m1, m2 := run(1), run(2)
	for _, p := range m1.Buffers() {
		if p.Role == RoleBNVar && p.Data.F32[0] == 1 {
			t.Errorf("running variance %s not updated", p.Name)
		}
	}
	for i, p := range m1.Params() {
		if !tensor.Equal(p.Data, m2.Params()[i].Data) {
			t.Fatalf("%s differs between 1 and 2 cores", p.Name)
		}
	}
	for i, p := range m1.Buffers() {
		if !tensor.Equal(p.Data, m2.Buffers()[i].Data) {
			t.Fatalf("%s differs between 1 and 2 cores", p.Name)
		}
	}
}

// BenchmarkLeNet5Epoch times LeNet-5 training on MNIST at batch 64 with
// SGD: b.N steps, reported scaled to one 60000-image epoch.
func BenchmarkLeNet5Epoch(b *testing.B) {
	tr, _ := loadMNIST(b)
	g, err := Build("lenet5", tr.Shape, 10, 1)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewModel(g)
	if err != nil {
		b.Fatal(err)
	}
	batches := data.Batches(tr.Order(1, 0), 64)
	cfg := Config{Optimizer: &SGD{Momentum: 0.9}}
	var x, dz *tensor.Tensor
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var y []int32
		x, y = tr.Gather(x, batches[i%len(batches)])
		if _, _, _, err := m.step(x, y, &dz, cfg, 0.01); err != nil {
			b.Fatal(err)
		}
	}
	perStep := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perStep*float64(len(batches)), "s/epoch")
}
