package admm

import "testing"

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
