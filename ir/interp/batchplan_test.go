package interp

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// planBatch accepts the benchmark CNNs and refuses graphs whose ops could
// mix the batch axis; RunBatch then still gives the per-piece results.
func TestPlanBatch(t *testing.T) {
	if planBatch(lenet5(t, 1), 16) == nil || planBatch(resnet18(t, 1), 4) == nil {
		t.Fatal("no batch plan for LeNet-5 or ResNet-18")
	}
	// A constant [2,3] added to a [2,3] input spans the batch axis: stacking
	// batches would not broadcast it per batch.
	b := newBuilder(t, "addconst", 1)
	x := b.input("x", tensor.Float32, 2, 3)
	c := b.randConst("c", 1, 2, 3)
	g := b.output(b.node(ir.OpAdd, "add", nil, x, c))
	if planBatch(g, 3) != nil {
		t.Error("batch plan for an add with a batch-spanning constant")
	}
	in := randInput(2, 6, 3)
	got, err := RunBatch(g, []*tensor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got[0].F32 {
		if want := in.F32[i] + c.Const.F32[i%6]; got[0].F32[i] != want {
			t.Fatalf("element %d = %v, want %v", i, got[0].F32[i], want)
		}
	}
	// Flatten to axis 0 and reshape move the batch axis.
	b = newBuilder(t, "flat0", 1)
	x = b.input("x", tensor.Float32, 1, 4)
	if planBatch(b.output(b.node(ir.OpFlatten, "f", ir.Attrs{"axis": ir.IntAttr(0)}, x)), 2) != nil {
		t.Error("batch plan for flatten axis 0")
	}
	b = newBuilder(t, "reshape", 1)
	x = b.input("x", tensor.Float32, 1, 4)
	if planBatch(b.output(b.node(ir.OpReshape, "r", ir.Attrs{"shape": ints(2, 2)}, x)), 2) != nil {
		t.Error("batch plan for reshape")
	}
	// A bias broadcast from [1,N] is the same for every batch.
	b = newBuilder(t, "bias", 1)
	x = b.input("x", tensor.Float32, 1, 4)
	if planBatch(b.output(b.node(ir.OpAdd, "a", nil, x, b.randConst("c", 1, 1, 4))), 2) == nil {
		t.Error("no batch plan for a [1,N] bias")
	}
}
