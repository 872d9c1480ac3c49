package tensor

import (
	"math"
	"math/rand"
	"testing"
)

// TestMaxPoolInteriorMatchesLoop checks the pad-free float32 max pool
// against the general loop bit for bit, with NaNs and signed zeros in the
// input, on 1-3 spatial axes, 2x2/stride-2 windows and odd ones.
func TestMaxPoolInteriorMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	fast := 0
	for iter := 0; iter < 400; iter++ {
		s := 1 + r.Intn(3)
		p := PoolParams{CeilMode: r.Intn(4) == 0}
		shape := []int{1 + r.Intn(2), 1 + r.Intn(3)}
		for i := 0; i < s; i++ {
			k, st := 1+r.Intn(3), 1+r.Intn(3)
			if r.Intn(2) == 0 {
				k, st = 2, 2
			}
			p.Kernel = append(p.Kernel, k)
			p.Strides = append(p.Strides, st)
			p.Dilations = append(p.Dilations, 1+r.Intn(2)*r.Intn(2))
			shape = append(shape, 2+r.Intn(9))
		}
		p.Pads = make([]int, 2*s)
		x := randF32(r, shape...)
		for i := range x.F32 {
			switch r.Intn(12) {
			case 0:
				x.F32[i] = float32(math.NaN())
			case 1:
				x.F32[i] = float32(math.Copysign(0, -1))
			case 2:
				x.F32[i] = 0
			}
		}
		out, err := PoolShape(x.Shape, p)
		if err != nil {
			continue
		}
		ax := poolAxes(x.Shape, out, p)
		planes := x.Shape[0] * x.Shape[1]
		want := New(Float32, out...)
		poolLoop(want.F32, x.F32, planes, ax, true, false, float32(math.Inf(-1)))
		got := New(Float32, out...)
		if !maxPoolInteriorF32(got.F32, x.F32, planes, ax) {
			continue
		}
		fast++
		for i := range want.F32 {
			if math.Float32bits(got.F32[i]) != math.Float32bits(want.F32[i]) {
				t.Fatalf("x %v %+v: element %d = %v, loop gives %v", x.Shape, p, i, got.F32[i], want.F32[i])
			}
		}
	}
	if fast < 100 {
		t.Fatalf("only %d cases took the fast path", fast)
	}
}
