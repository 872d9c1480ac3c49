package tensor

import "testing"

// TestSummary: the type, at most ten values, and the row arg-max of a
// 2-D float tensor.
func TestSummary(t *testing.T) {
	x := FromF32([]float32{0.5, 2, 1, 3, 0, 0.25}, 2, 3)
	if got, want := x.Summary(), "f32[2,3] [0.5 2 1 3 0 0.25] argmax 1 0"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	y := New(Int64, 12)
	if got, want := y.Summary(), "i64[12] [0 0 0 0 0 0 0 0 0 0 ... (12 values)]"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}
