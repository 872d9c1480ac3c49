package pimrt_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
)

// TestRunBatch: a batch gives every inference's outputs as Run does, and
// the same outputs and report on one goroutine as on three; a failing
// inference is named.
func TestRunBatch(t *testing.T) {
	_, _, m := compiledLeNet5(t)
	var batch [][]*tensor.Tensor
	for k := range 4 {
		x := tensor.New(tensor.Float32, 1, 1, 28, 28)
		for i := range x.F32 {
			x.F32[i] = float32((i+7*k)%29) / 28
		}
		batch = append(batch, []*tensor.Tensor{x})
	}
	var reports [][]byte
	for _, par := range []int{1, 3} {
		outs, rep, err := m.RunBatch(batch, sim.BatchOptions{Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range batch {
			one, err := m.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			if !tensor.Equal(one.Outputs[0], outs[i][0]) {
				t.Errorf("parallel %d: inference %d differs from Run", par, i)
			}
		}
		js, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, js)
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Error("the report depends on the number of goroutines")
	}
	batch[2] = nil
	if _, _, err := m.RunBatch(batch, sim.BatchOptions{Parallel: 2}); err == nil || !strings.HasPrefix(err.Error(), "image 2: ") {
		t.Errorf("a batch with a bad inference: %v", err)
	}
}
