package tensor

import "testing"

// TestBatchUnbatch: Unbatch views a [3,2] tensor as three [1,2] tensors
// sharing its storage, and Batch joins them back into the same values.
func TestBatchUnbatch(t *testing.T) {
	for _, x := range []*Tensor{FromF32([]float32{1, 2, 3, 4, 5, 6}, 3, 2), FromI64(Int64, []int64{1, 2, 3, 4, 5, 6}, 3, 2)} {
		parts := Unbatch(x, []int{1, 2}, 3)
		if len(parts) != 3 || !SameShape(parts[1].Shape, []int{1, 2}) || parts[1].Float64At(0) != 3 {
			t.Fatalf("%s: parts %v", x.DType, parts)
		}
		if x.F32 != nil {
			parts[2].F32[1] = 60
			if x.F32[5] != 60 {
				t.Errorf("Unbatch copied the storage")
			}
		}
		if back := Batch(parts); !Equal(back, x) {
			t.Errorf("%s: Batch(Unbatch(x)) = %v, want %v", x.DType, back, x)
		}
	}
	if one := FromF32([]float32{7}, 1); Batch([]*Tensor{one}) != one {
		t.Error("Batch of one tensor copied it")
	}
	s := FromF32([]float32{7})
	if b := Batch([]*Tensor{s, s}); !SameShape(b.Shape, []int{2}) {
		t.Errorf("two scalars batched to %v", b.Shape)
	}
}
