package tensor

import (
	"slices"
	"strings"
	"testing"
)

// TestZeroInsert checks zero insertion by hand on a 2-D float input and a
// 1-D integer one, and the shape errors.
func TestZeroInsert(t *testing.T) {
	x := FromF32([]float32{1, 2, 3, 4, 5, 6}, 1, 1, 2, 3)
	dst := New(Float32, 1, 1, 4, 5)
	if err := ZeroInsert(dst, x, []int{3, 2}); err != nil {
		t.Fatal(err)
	}
	want := []float32{
		1, 0, 2, 0, 3,
		0, 0, 0, 0, 0,
		0, 0, 0, 0, 0,
		4, 0, 5, 0, 6,
	}
	if !slices.Equal(dst.F32, want) {
		t.Errorf("2-D: got %v, want %v", dst.F32, want)
	}
	xi := FromI64(Int8, []int64{-3, 7, 1, 2}, 1, 2, 2)
	di := New(Int8, 1, 2, 3)
	di.I64[1] = 9 // a dirty destination must be cleared
	if err := ZeroInsert(di, xi, []int{2}); err != nil {
		t.Fatal(err)
	}
	if w := []int64{-3, 0, 7, 1, 0, 2}; !slices.Equal(di.I64, w) {
		t.Errorf("1-D int8: got %v, want %v", di.I64, w)
	}
	for _, c := range []struct {
		shape, strides []int
		want           string
	}{
		{[]int{4}, []int{2}, "[N,C,spatial...]"},
		{[]int{1, 1, 3}, []int{2, 2}, "want 1 strides"},
		{[]int{1, 1, 3}, []int{0}, "must be in [1, 2^20]"},
	} {
		if _, err := ZeroInsertShape(c.shape, c.strides); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ZeroInsertShape(%v, %v) = %v, want an error containing %q", c.shape, c.strides, err, c.want)
		}
	}
}
