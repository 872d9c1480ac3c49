package driver

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
)

// TestFitPort: a tensor of the port's size is one inference; a batch along
// dimension 0 needs -batch with its count; RawInts takes integral floats
// only.
func TestFitPort(t *testing.T) {
	p := &isa.Port{Name: "in", Shape: []uint32{1, 4, 4, 2}}
	for _, c := range []struct {
		shape []int
		batch int
		n     int
		err   string
	}{
		{[]int{1, 2, 4, 4}, 0, 1, ""},
		{[]int{3, 2, 4, 4}, 3, 3, ""},
		{[]int{3, 2, 4, 4}, 0, 0, "is a batch of 3 inputs for input port \"in\" [1,4,4,2]: pass -batch 3"},
		{[]int{3, 2, 4, 4}, 2, 0, "-batch says 2"},
		{[]int{1, 2, 4, 5}, 0, 0, "does not fit input port"},
	} {
		got, err := FitPort(tensor.New(tensor.Float32, c.shape...), p, c.batch)
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) || c.err == "" && (err != nil || len(got) != c.n) {
			t.Errorf("%v -batch %d: %d inferences, %v; want %d, %q", c.shape, c.batch, len(got), err, c.n, c.err)
		}
	}
	if _, err := RawInts(tensor.FromF32([]float32{1, 2.5}, 2)); err == nil || !strings.Contains(err.Error(), "element 1 = 2.5 is not an integer") {
		t.Errorf("RawInts of 2.5: %v", err)
	}
}
