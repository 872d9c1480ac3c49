package interp

import (
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

func withLimits(t *testing.T, l ir.Limits) {
	prev := ir.SetLimits(l)
	t.Cleanup(func() { ir.SetLimits(prev) })
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostileGraph is issue 9's model: constant_of_shape to [1,1,n,n], add x,
// global_avg_pool. It is built under raised limits (as a caller that
// raised them, or a graph made without shape inference, would have it).
func hostileGraph(t *testing.T, n int64) (*ir.Graph, *ir.Node) {
	prev := ir.SetLimits(ir.Limits{ValueBytes: 1 << 40, TotalBytes: 1 << 40})
	defer ir.SetLimits(prev)
	b := newBuilder(t, "hostile", 1)
	x := b.input("x", tensor.Float32, 1, 1, 1, 1)
	shape := b.cnst("shape", tensor.FromI64(tensor.Int64, []int64{1, 1, n, n}, 4))
	c := b.node(ir.OpConstantOfShape, "ConstantOfShape_0", ir.Attrs{"value": ir.TensorAttr(tensor.FromF32([]float32{1}, 1))}, shape)
	s := b.node(ir.OpAdd, "Add_0", nil, c, x)
	return b.output(b.node(ir.OpGlobalAvgPool, "GlobalAveragePool_0", nil, s)), c.Def
}

func TestRunRefusesValuesAboveTheLimit(t *testing.T) {
	g, cos := hostileGraph(t, 30000)
	withLimits(t, ir.Limits{})
	x := tensor.FromF32([]float32{1}, 1, 1, 1, 1)
	var err error
	n := allocated(func() { _, err = Run(g, []*tensor.Tensor{x}) })
	want := `interp: node "ConstantOfShape_0" (constant_of_shape): output f32[1,1,30000,30000] is 3.4 GiB, above the 1 GiB limit (-max-value-bytes)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Run = %v, want %q", err, want)
	}
	if n > 1<<20 {
		t.Errorf("Run allocated %d bytes before refusing", n)
	}
	// EvalNode (constant folding) refuses too, before its kernel runs.
	n = allocated(func() { _, err = EvalNode(cos, []*tensor.Tensor{cos.Inputs[0].Const}) })
	if err == nil || !strings.Contains(err.Error(), "is 3.4 GiB, above the 1 GiB limit") {
		t.Errorf("EvalNode = %v", err)
	}
	if n > 1<<20 {
		t.Errorf("EvalNode allocated %d bytes before refusing", n)
	}
}

func TestRunRefusesGraphsAboveTheTotal(t *testing.T) {
	g, _ := hostileGraph(t, 64) // 16 KiB constant, 16 KiB sum
	withLimits(t, ir.Limits{ValueBytes: 16 << 10, TotalBytes: 24 << 10})
	x := tensor.FromF32([]float32{1}, 1, 1, 1, 1)
	_, err := Run(g, []*tensor.Tensor{x})
	if err == nil || !strings.Contains(err.Error(), `node "Add_0" (add): output f32[1,1,64,64] brings the values of the graph to 32 KiB, above the 24 KiB total limit (-max-total-bytes)`) {
		t.Errorf("Run = %v", err)
	}
	ir.SetLimits(ir.Limits{ValueBytes: 16 << 10, TotalBytes: 64 << 10})
	out, err := Run(g, []*tensor.Tensor{x})
	if err != nil || out[0].F32[0] != 2 {
		t.Errorf("under the limits: %v, %v", out, err)
	}
}

// A stacked batch above the limits falls back to running the images one
// by one, each within them.
func TestRunBatchSplitsWhenTheStackIsTooLarge(t *testing.T) {
	b := newBuilder(t, "relu", 1)
	x := b.input("x", tensor.Float32, 1, 256)
	g := b.output(b.relu("Relu_0", x))
	in := tensor.New(tensor.Float32, 8, 256)
	for i := range in.F32 {
		in.F32[i] = float32(i%7) - 3
	}
	withLimits(t, ir.Limits{ValueBytes: 4 << 10})
	if planBatch(g, 8) == nil {
		t.Fatal("the relu graph should batch")
	}
	out, err := RunBatch(g, []*tensor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range in.F32 {
		if want := max(v, 0); out[0].F32[i] != want {
			t.Fatalf("element %d: %v, want %v", i, out[0].F32[i], want)
		}
	}
}
