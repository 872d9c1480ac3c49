package tensor

import (
	"math/rand"
	"testing"
)

// BenchmarkConv times single convolution layers typical of CIFAR ResNets and
// MobileNets, reporting GFLOP/s (2 flops per multiply-add):
//
//	go test -run '^$' -bench Conv ./ir/tensor
func BenchmarkConv(b *testing.B) {
	for _, c := range []struct {
		name                string
		c, f, hw, k, s, pad int
		group               int
	}{
		{"3x3_64to64_32x32", 64, 64, 32, 3, 1, 1, 1},
		{"3x3_256to256_8x8", 256, 256, 8, 3, 1, 1, 1},
		{"1x1_s2_128to256_16x16", 128, 256, 16, 1, 2, 0, 1},
		{"dw3x3_128_56x56", 128, 128, 56, 3, 1, 1, 128},
		{"lenet_5x5_1to6_28x28", 1, 6, 28, 5, 1, 0, 1},
		{"lenet_5x5_6to16_12x12", 6, 16, 12, 5, 1, 0, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewSource(1))
			x := randF32(r, 1, c.c, c.hw, c.hw)
			w := randF32(r, c.f, c.c/c.group, c.k, c.k)
			bias := randF32(r, c.f)
			p := ConvParams{Strides: []int{c.s, c.s}, Pads: []int{c.pad, c.pad, c.pad, c.pad}, Dilations: []int{1, 1}, Group: c.group}
			shape, err := ConvShape(x.Shape, w.Shape, p)
			if err != nil {
				b.Fatal(err)
			}
			dst := New(Float32, shape...)
			flops := 2 * float64(NumElems(shape)) * float64(c.c/c.group*c.k*c.k)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := Conv(dst, x, w, bias, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
