package passes

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// The property every pass keeps: the reference interpreter gives the same
// outputs before and after, within max |a-b| <= 1e-4 * max(1, |b|) per
// element (float reassociation, e.g. folding batch_norm into weights, is the
// only source of difference).
const relTol = 1e-4

// randomInputs makes one deterministic input per graph input: uniform in
// [-1, 1) for floats, small non-negative integers otherwise.
func randomInputs(g *ir.Graph, seed int64) []*tensor.Tensor {
	rng := rand.New(rand.NewSource(seed))
	var ins []*tensor.Tensor
	for _, v := range g.Inputs {
		t := tensor.New(v.Type.DType, v.Type.Shape...)
		switch {
		case t.F32 != nil:
			for i := range t.F32 {
				t.F32[i] = float32(2*rng.Float64() - 1)
			}
		case t.F64 != nil:
			for i := range t.F64 {
				t.F64[i] = 2*rng.Float64() - 1
			}
		default:
			for i := range t.I64 {
				t.I64[i] = int64(rng.Intn(3))
			}
		}
		ins = append(ins, t)
	}
	return ins
}

// compareOutputs returns an error describing the first element outside the
// tolerance, or nil.
func compareOutputs(got, want []*tensor.Tensor) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d outputs, want %d", len(got), len(want))
	}
	for k := range want {
		a, b := got[k], want[k]
		if a.DType != b.DType || !tensor.SameShape(a.Shape, b.Shape) {
			return fmt.Errorf("output %d is %v, want %v", k, a, b)
		}
		for i := 0; i < b.Len(); i++ {
			x, y := a.Float64At(i), b.Float64At(i)
			if math.IsNaN(y) && math.IsNaN(x) {
				continue
			}
			if !(math.Abs(x-y) <= relTol*math.Max(1, math.Abs(y))) {
				return fmt.Errorf("output %d element %d: got %v, want %v", k, i, x, y)
			}
		}
	}
	return nil
}

// checkPipeline runs pipeline on g (in place) under a manager that verifies
// after every pass and checks the changed flags, and checks the interpreter
// gives the same outputs before and after. It returns the manager for
// statistics.
func checkPipeline(t testing.TB, g *ir.Graph, pipeline string) *Manager {
	t.Helper()
	m, _ := checkPipelineWith(t, g, pipeline, randomInputs(g, 7))
	return m
}

// checkPipelineWith is checkPipeline on given inputs; it also returns the
// outputs after the pipeline.
func checkPipelineWith(t testing.TB, g *ir.Graph, pipeline string, ins []*tensor.Tensor) (*Manager, []*tensor.Tensor) {
	t.Helper()
	want, err := interp.Run(g, ins)
	if err != nil {
		t.Fatalf("interp before %s: %v", pipeline, err)
	}
	m := NewManager()
	m.CheckChanged = true
	m.DumpDir, m.Files = t.TempDir(), outfile.Disk{}
	if err := m.RunString(g, pipeline); err != nil {
		t.Fatal(err)
	}
	got, err := interp.Run(g, ins)
	if err != nil {
		t.Fatalf("interp after %s: %v\n%s", pipeline, err, g)
	}
	if err := compareOutputs(got, want); err != nil {
		t.Fatalf("after %s: %v\n%s", pipeline, err, g)
	}
	return m, got
}

// checkIdempotent runs the pipeline again and fails if any pass still finds
// something to change.
func checkIdempotent(t testing.TB, g *ir.Graph, pipeline string) {
	t.Helper()
	m := NewManager()
	m.CheckChanged = true
	if err := m.RunString(g, pipeline); err != nil {
		t.Fatal(err)
	}
	for _, tm := range m.Timings() {
		if tm.Changed > 0 {
			t.Errorf("second run of %s: pass %s still changed the graph", pipeline, tm.Pass)
		}
	}
}
