package train

import (
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// BenchmarkResNetSmallStep times one training step of resnet-small at batch
// 64 on MNIST-shaped data.
func BenchmarkResNetSmallStep(b *testing.B) {
	tr, _ := loadMNIST(b)
	g, err := Build("resnet-small", tr.Shape, 10, 1)
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
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*float64(len(batches)), "s/epoch")
}
