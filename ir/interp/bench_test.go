package interp

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Benchmarks of whole models, reporting images per second:
//
//	go test -run '^$' -bench . -benchtime 3x ./ir/interp
//
// batch1 runs one image through Run; batch16 runs 16 images through
// RunBatch on a batch-1 graph (pieces spread over GOMAXPROCS goroutines).
// Besides images/s (wall clock) they report cpu-ms/image, the process CPU
// time per image, which is steadier on a shared machine.

func BenchmarkLeNet5(b *testing.B) { benchModel(b, lenet5(b, 1), []int{1, 28, 28}) }

func BenchmarkResNet18(b *testing.B) { benchModel(b, resnet18(b, 1), []int{3, 32, 32}) }

func benchModel(b *testing.B, g *ir.Graph, chw []int) {
	for _, batch := range []int{1, 16} {
		name := "batch1"
		if batch > 1 {
			name = "batch16"
		}
		b.Run(name, func(b *testing.B) {
			x := randInput(1, append([]int{batch}, chw...)...)
			in := []*tensor.Tensor{x}
			b.ReportAllocs()
			cpu0, cpuOK := processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if batch == 1 {
					_, err = Run(g, in)
				} else {
					_, err = RunBatch(g, in)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
			if cpu1, ok := processCPU(); ok && cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(batch*b.N), "cpu-ms/image")
			}
		})
	}
}
