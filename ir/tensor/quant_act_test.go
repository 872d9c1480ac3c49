package tensor

import (
	"strings"
	"testing"
)

// TestQLutQMul: lookups index by code - inLo; a code outside the table is
// an error; the product broadcasts b's size-1 dims, saturates to int32
// before the requantization and clamps after it.
func TestQLutQMul(t *testing.T) {
	x := New(Int8, 2, 3)
	copy(x.I64, []int64{-2, -1, 0, 1, 2, -2})
	y := New(Int8, 2, 3)
	if err := QLut(y, x, []int64{10, 11, 12, 13, 14}, -2); err != nil {
		t.Fatal(err)
	}
	if want := []int64{10, 11, 12, 13, 14, 10}; !equalI64(y.I64, want) {
		t.Errorf("lookup %v, want %v", y.I64, want)
	}
	if err := QLut(y, x, []int64{10, 11, 12, 13}, -2); err == nil || !strings.Contains(err.Error(), "code 2 outside the table's [-2, 1]") {
		t.Errorf("a code past the table: %v", err)
	}

	a := New(Int32, 2, 3)
	copy(a.I64, []int64{1, -2, 3, 4, 5, 1 << 20})
	b := New(Int32, 2, 1)
	copy(b.I64, []int64{10, 1 << 12})
	z := New(Int32, 2, 3)
	// (a*b)*3 >> 1, round up, clamped to [-100, 1<<30]: b[0] for row 0, b[1] for row 1.
	if err := QMul(z, a, b, 3, 1, RoundUp, -100, 1<<30); err != nil {
		t.Fatal(err)
	}
	want := []int64{15, -30, 45, RoundShift(4*4096*3, 1, RoundUp), RoundShift(5*4096*3, 1, RoundUp), 1 << 30}
	if !equalI64(z.I64, want) {
		t.Errorf("product %v, want %v", z.I64, want)
	}
	// 2^20 * 2^12 = 2^32 saturates to 2^31-1 before the requantization (halved: 2^30, not 2^31).
	if err := QMul(z, a, b, 1, 1, RoundUp, -1<<31, 1<<31-1); err != nil || z.I64[5] != 1<<30 {
		t.Errorf("saturated product requantized to %d (%v), want 2^30", z.I64[5], err)
	}
	if err := QMul(z, a, New(Int32, 3, 1), 1, 0, RoundUp, -100, 100); err == nil || !strings.Contains(err.Error(), "does not broadcast") {
		t.Errorf("a b of another shape: %v", err)
	}
}

func equalI64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
