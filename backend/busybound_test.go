package backend

import (
	"math"
	"strings"
	"testing"
)

// TestPixelBalanceBound: VGG-11-BN at 32x32 as the bound sees it (one
// copy's sub-arrays and output pixels of its nine matrix layers, equal
// work per pixel): on 2048 sub-arrays the best period is 64/3 pixels
// (replicas ceil(3P/64): features.0 gets 48, 2043 sub-arrays, 64.9% busy;
// the best whole number of pixels, 22, gives 63.0%), on 4096 it is 8
// (3892, 90.8%); no integer period that fits does better, and one copy of
// each layer must fit.
func TestPixelBalanceBound(t *testing.T) {
	S := []int{3, 15, 54, 99, 187, 357, 357, 357, 2}
	P := []int{1024, 256, 64, 64, 16, 16, 4, 4, 1}
	var layers []balanceLayer
	for i := range S {
		layers = append(layers, balanceLayer{subarrays: S[i], pixels: P[i], work: 2})
	}
	// formula: the busy bound at a period of T pixels with replicas
	// ceil(P_l / T) (the lead's formula, docs/BACKEND.md §8).
	formula := func(T float64) (float64, int) {
		var work, used float64
		for i := range S {
			work += float64(S[i] * P[i])
			used += float64(S[i]) * math.Ceil(float64(P[i])/T-1e-9)
		}
		return work / (T * used), int(used)
	}
	for _, c := range []struct {
		total int
		T     float64
		used  int
		busy  float64
	}{{2048, 64.0 / 3, 2043, 0.6485}, {4096, 8, 3892, 0.9078}} {
		b, ok := pixelBalanceBound(layers, c.total)
		want, used := formula(c.T)
		if !ok || math.Abs(b.PeriodNS-2*c.T) > 1e-9 || b.Subarrays != c.used || used != c.used || math.Abs(b.Busy-want) > 1e-12 || math.Abs(b.Busy-c.busy) > 1e-4 {
			t.Errorf("%d sub-arrays: %+v, want period %.2f ns, %d sub-arrays, busy %.4f (%.4f)", c.total, b, 2*c.T, c.used, c.busy, want)
		}
		for T := 1.0; T <= 1024; T++ {
			if x, used := formula(T); used <= c.total && x > b.Busy+1e-12 {
				t.Errorf("%d sub-arrays: period %.0f gives %.4f > the bound %.4f", c.total, T, x, b.Busy)
			}
		}
		var sb strings.Builder
		b.WriteBusyBound(&sb)
		if !strings.Contains(sb.String(), "pixel-balance bound on sub-array busy: ") {
			t.Errorf("line %q", sb.String())
		}
	}
	if _, ok := pixelBalanceBound(layers, 1000); ok {
		t.Error("a bound where one copy of every layer (1431 sub-arrays) does not fit 1000")
	}
}
