package tensor

import (
	"strings"
	"testing"
)

// TestQAffine checks the two requantizations on hand-computed values:
// channel scales of both signs and zero, per-channel biases, the rounding
// of the output shift, and the output clamp.
func TestQAffine(t *testing.T) {
	// x [1, 3, 2]: channel 0 = {10, 3}, channel 1 = {10, 3}, channel 2 = {7, 0}.
	x := FromI64(Int64, []int64{10, 3, 10, 3, 7, 0}, 1, 3, 2)
	scale := []int64{6, -6, 0}
	bias := []int64{1, 1, 20}
	// y = roundshift((x*scale + bias) * 3, 2, up), clamped to [-20, 20]:
	//   ch 0: (60+1)*3 = 183 -> 183/4 = 45.75 -> 46 -> 20;  (18+1)*3 = 57 -> 14.25 -> 14
	//   ch 1: (-60+1)*3 = -177 -> -44.25 -> -44 -> -20;   (-18+1)*3 = -51 -> -12.75 -> -13
	//   ch 2: (0+20)*3 = 60 -> 15;                        15
	want := []int64{20, 14, -20, -13, 15, 15}
	dst := New(Int64, 1, 3, 2)
	if err := QAffine(dst, x, scale, bias, 3, 2, RoundUp, -20, 20); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if dst.I64[i] != want[i] {
			t.Fatalf("element %d = %d, want %d (all %v, want %v)", i, dst.I64[i], want[i], dst.I64, want)
		}
	}
	// The first step clamps x*scale to int32 before the bias is added
	// (the vrq to i32): 2^20 * 2^12 = 2^32 becomes 2^31-1, and the sum
	// with bias 1 saturates at 2^31-1 again.
	big := FromI64(Int64, []int64{1 << 20}, 1, 1)
	out := New(Int64, 1, 1)
	if err := QAffine(out, big, []int64{1 << 12}, []int64{1}, 1, 0, RoundUp, -1<<31, 1<<31-1); err != nil {
		t.Fatal(err)
	}
	if out.I64[0] != 1<<31-1 {
		t.Fatalf("saturated value %d, want 2^31-1", out.I64[0])
	}
	if err := QAffine(dst, x, scale[:2], bias, 3, 2, RoundUp, -20, 20); err == nil || !strings.Contains(err.Error(), "2 scales and 3 biases for 3 channels") {
		t.Fatalf("wrong scale count: %v", err)
	}
}
