package tensor

import (
	"math"
	"math/rand"
	"testing"
)

// TestSdotAgainstFloat64 checks the dot product (vector and portable) on
// lengths around the 16- and 64-lane blocks against a float64 sum.
func TestSdotAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for n := 0; n <= 200; n++ {
		x, y := make([]float32, n), make([]float32, n+5)
		var want, mag float64
		for i := range x {
			x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			want += float64(x[i]) * float64(y[i])
			mag += math.Abs(float64(x[i]) * float64(y[i]))
		}
		for name, got := range map[string]float32{"sdot": sdot(x, y), "sdotGo": sdotGo(x, y)} {
			if math.Abs(float64(got)-want) > 1e-6*mag+1e-30 {
				t.Fatalf("%s n=%d: got %v, want %v", name, n, got, want)
			}
		}
	}
}

// TestFCDotMatchesSgemm compares the dot-product FC path (small weights) with the Sgemm path
// of the same layer (they differ only in summation order).
func TestFCDotMatchesSgemm(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, sh := range [][3]int{{1, 10, 84}, {1, 120, 400}, {2, 7, 5}, {3, 1, 1}, {1, 16, 17}, {16, 120, 400}, {64, 84, 120}} {
		m, n, k := sh[0], sh[1], sh[2]
		x, w, b := randF32(r, m, k), randF32(r, n, k), randF32(r, n)
		for _, bias := range []*Tensor{b, nil} {
			got := New(Float32, m, n)
			if err := FC(got, x, w, bias); err != nil {
				t.Fatal(err)
			}
			want := make([]float32, m*n)
			if bias != nil {
				for i := 0; i < m; i++ {
					copy(want[i*n:], bias.F32)
				}
			}
			beta := float32(0)
			if bias != nil {
				beta = 1
			}
			Sgemm(false, true, m, n, k, 1, x.F32, k, w.F32, k, beta, want, n)
			for i := range want {
				if d := math.Abs(float64(got.F32[i] - want[i])); d > 1e-6*float64(k)*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%v bias=%v: element %d = %v, Sgemm gives %v", sh, bias != nil, i, got.F32[i], want[i])
				}
			}
		}
	}
}

// TestGemmFCFormMatchesFC: a Gemm in the fc form (trans_b, alpha 1, beta 1
// with a bias C, or no C) computes the same bits as FC, so an fc exported
// to ONNX as Gemm and read back gives the same results.
func TestGemmFCFormMatchesFC(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for _, sh := range [][3]int{{1, 10, 84}, {2, 4, 3}, {16, 120, 400}} {
		m, n, k := sh[0], sh[1], sh[2]
		x, w, b := randF32(r, m, k), randF32(r, n, k), randF32(r, n)
		for _, bias := range []*Tensor{b, nil} {
			fc, gm := New(Float32, m, n), New(Float32, m, n)
			if err := FC(fc, x, w, bias); err != nil {
				t.Fatal(err)
			}
			if err := Gemm(gm, x, w, bias, GemmParams{Alpha: 1, Beta: 1, TransB: true}); err != nil {
				t.Fatal(err)
			}
			if !Equal(fc, gm) {
				t.Fatalf("%v bias=%v: Gemm differs from FC", sh, bias != nil)
			}
		}
	}
}
