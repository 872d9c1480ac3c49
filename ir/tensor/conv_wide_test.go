package tensor

import (
	"math"
	"math/rand"
	"testing"
)

// TestConvWideBitIdentical runs random valid convolutions (groups, vertical
// dilation, with and without bias, batch 1-2) with the wide form on and off:
// the results must agree bit for bit.
func TestConvWideBitIdentical(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	wide := 0
	for iter := 0; iter < 200; iter++ {
		g := 1 + r.Intn(2)
		k := 1 + r.Intn(5)
		xs := []int{1 + r.Intn(2), g * (1 + r.Intn(3)), k + r.Intn(10), k + r.Intn(10)}
		ws := []int{g * (1 + r.Intn(4)), xs[1] / g, 1 + r.Intn(k), 1 + r.Intn(k)}
		p := ConvParams{Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1 + r.Intn(2), 1}, Group: g}
		out, err := ConvShape(xs, ws, p)
		if err != nil {
			continue
		}
		c := newConv2D(xs, ws, out, p)
		if wideCols(c, 1) > 0 && !(c.cg == 1 && c.fg == 1) {
			wide++
		}
		x, w := randF32(r, xs...), randF32(r, ws...)
		var b *Tensor
		if r.Intn(2) == 0 {
			b = randF32(r, ws[0])
		}
		got, want := New(Float32, out...), New(Float32, out...)
		if err := Conv(got, x, w, b, p); err != nil {
			t.Fatal(err)
		}
		old := wideMaxExtra
		wideMaxExtra = 0
		err = Conv(want, x, w, b, p)
		wideMaxExtra = old
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.F32 {
			if math.Float32bits(got.F32[i]) != math.Float32bits(want.F32[i]) {
				t.Fatalf("x %v w %v %+v: element %d = %v, im2col gives %v", xs, ws, p, i, got.F32[i], want.F32[i])
			}
		}
	}
	if wide < 50 {
		t.Fatalf("only %d convolutions took the wide form", wide)
	}
}
