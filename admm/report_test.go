package admm

import (
	"math"
	"strings"
	"testing"
)

// TestSubArrays: the estimate reproduces the backend mapper's sub-array
// counts on the 256 x 256 default (from `pimc compile` summaries of LeNet-5
// and resnet-small at 8 and 4 bits).
func TestSubArrays(t *testing.T) {
	for _, c := range []struct{ f, k, m, want int }{
		{64, 576, 8, 7}, {32, 288, 8, 3}, {32, 144, 8, 2}, {64, 32, 8, 3}, {16, 9, 8, 1},
		{120, 400, 8, 8}, {84, 120, 8, 3}, {60, 128, 4, 1}, {10, 84, 8, 1}, {0, 10, 4, 0},
	} {
		if got := SubArrays(c.f, c.k, c.m, Geometry{}); got != c.want {
			t.Errorf("SubArrays(F=%d, K=%d, M=%d) = %d, want %d", c.f, c.k, c.m, got, c.want)
		}
	}
}

// TestWriteReportStored: the totals count non-zero codes and, separately,
// the kept filters x kept columns rectangles the array stores (zeros inside
// included) with their bits.
func TestWriteReportStored(t *testing.T) {
	reps := []LayerReport{
		{Name: "a", Filters: 4, FiltersKept: 2, Cols: 10, ColsKept: 5, Weights: 40, Nonzero: 8, Bits: 4},
		{Name: "b", Filters: 2, FiltersKept: 2, Cols: 3, ColsKept: 3, Weights: 6, Nonzero: 6, Bits: 8},
	}
	var b strings.Builder
	WriteReport(&b, reps, math.NaN(), math.NaN())
	out := b.String()
	for _, want := range []string{
		"total: 14 of 46 weights kept (30.43%, 3.3x fewer), weight bits 18.4x fewer", // 1472 / (32 + 48)
		"stored (kept filters x kept columns, zeros inside included): 16 weights (2.9x fewer), 88 bits (16.7x fewer than float32)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
