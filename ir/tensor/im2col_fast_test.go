package tensor

import (
	"math/rand"
	"testing"
)

// TestIm2colInteriorMatchesGeneral compares the valid-convolution im2col
// with the general one on random unpadded shapes, strides and dilations.
func TestIm2colInteriorMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	fast := 0
	for iter := 0; iter < 300; iter++ {
		k := 1 + r.Intn(5)
		xs := []int{1, 1 + r.Intn(3), k + r.Intn(12), k + r.Intn(12)}
		ws := []int{2, xs[1], 1 + r.Intn(k), 1 + r.Intn(k)}
		p := ConvParams{Strides: []int{1 + r.Intn(2), 1 + r.Intn(3)}, Pads: []int{0, 0, 0, 0},
			Dilations: []int{1 + r.Intn(2), 1 + r.Intn(2)}, Group: 1}
		out, err := ConvShape(xs, ws, p)
		if err != nil {
			continue
		}
		c := newConv2D(xs, ws, out, p)
		x := randF32(r, xs...).F32
		P := c.oh * c.ow
		got, want := make([]float32, c.kdim*P), make([]float32, c.kdim*P)
		if !im2colInterior(c, got, x, 0, P, 0, c.cg) {
			t.Fatalf("%v %v %+v: fast path refused a valid convolution", xs, ws, p)
		}
		fast++
		im2colGeneral(c, want, x, 0, P, 0, c.cg)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v %v %+v: col[%d] = %v, want %v", xs, ws, p, i, got[i], want[i])
			}
		}
	}
	if fast < 100 {
		t.Fatalf("only %d valid shapes", fast)
	}
}
