package ir

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/hostile"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// withLimits sets the process-wide limits for one test.
func withLimits(t *testing.T, l Limits) {
	prev := SetLimits(l)
	t.Cleanup(func() { SetLimits(prev) })
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// cosNode is a constant_of_shape node named like the ONNX node of issue 9.
func cosNode(dt tensor.DType, shape ...int64) *Node {
	val := tensor.New(dt, 1)
	return &Node{Op: OpConstantOfShape, Name: "ConstantOfShape_0", Inputs: []*Value{i64Const(shape...)},
		Attrs: Attrs{"value": TensorAttr(val)}, Outputs: []*Value{{}}}
}

func TestInferRefusesValuesAboveTheLimit(t *testing.T) {
	withLimits(t, Limits{})
	for _, c := range []struct {
		n    *Node
		want string
	}{
		{cosNode(tensor.Float32, 30000, 30000), `constant_of_shape "ConstantOfShape_0": output f32[30000,30000] is 3.4 GiB, above the 1 GiB limit (-max-value-bytes)`},
		{cosNode(tensor.Float32, 20000, 20000), "output f32[20000,20000] is 1.5 GiB, above the 1 GiB limit"},
		// Integers are held in 8 bytes: 150M int8 elements take 1.1 GiB.
		{cosNode(tensor.Int8, 150_000_000), "output i8[150000000] is 1.1 GiB, above the 1 GiB limit"},
	} {
		err := InferNode(c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("InferNode = %v, want an error containing %q", err, c.want)
		}
	}
	// VGG-16's fc6 weight passes, as float32 and once quantized.
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Int8} {
		if err := InferNode(cosNode(dt, 25088, 4096)); err != nil {
			t.Errorf("VGG-16 fc6 as %s: %v", dt, err)
		}
	}
}

func TestSetLimitsRaisesAndLowers(t *testing.T) {
	withLimits(t, Limits{ValueBytes: 1 << 20})
	if err := InferNode(cosNode(tensor.Float32, 1024, 1024)); err == nil || !strings.Contains(err.Error(), "4 MiB, above the 1 MiB limit") {
		t.Errorf("4 MiB under a 1 MiB limit: %v", err)
	}
	SetLimits(Limits{ValueBytes: 8 << 30})
	n := cosNode(tensor.Float32, 30000, 30000)
	if err := InferNode(n); err != nil {
		t.Errorf("3.4 GiB under an 8 GiB limit: %v", err)
	}
	SetLimits(Limits{})
	if got := CurrentLimits(); got != DefaultLimits() {
		t.Errorf("SetLimits(Limits{}) gives %+v, want the defaults %+v", got, DefaultLimits())
	}
}

func TestParseRefusesHugeDeclarationsBeforeAllocating(t *testing.T) {
	withLimits(t, Limits{})
	for _, c := range []struct {
		name string
		src  []byte
		want string
	}{
		{"constant", hostile.PIRConstant(30000), `h.pir:4:13: %big: f32[1,1,30000,30000] is 3.4 GiB, above the 1 GiB limit (-max-value-bytes)`},
		{"node", hostile.PIRConstantOfShape(30000), `h.pir:5:7: %big: f32[1,1,30000,30000] is 3.4 GiB`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Parse("h.pir", c.src) })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse = %v, want an error containing %q", err, c.want)
			}
			if n > 1<<20 {
				t.Errorf("Parse allocated %d bytes before refusing", n)
			}
		})
	}
	// Raised, the declared node type is accepted (nothing is allocated for
	// a node output by the parser).
	SetLimits(Limits{ValueBytes: 4 << 30, TotalBytes: 16 << 30})
	if _, err := Parse("h.pir", hostile.PIRConstantOfShape(30000)); err != nil {
		t.Errorf("with a 4 GiB limit: %v", err)
	}
}

// manyConsts is a graph of count constants of 256 float32 (1 KiB) each,
// summed.
func manyConsts(t *testing.T, count int) *Graph {
	b := newBuilder(t, "many", StageImport)
	var ins []*Value
	for i := 0; i < count; i++ {
		ins = append(ins, b.constF32("", make([]float32, 256), 256))
	}
	n := b.node(OpSum, ins, nil, "s")
	b.g.Outputs = []*Value{n.Outputs[0]}
	return b.g
}

func TestTotalLimit(t *testing.T) {
	withLimits(t, Limits{ValueBytes: 1 << 10, TotalBytes: 3 << 10})
	g := manyConsts(t, 3) // 3 KiB of constants + a 1 KiB sum
	want := `sum: node sum: output f32[256] brings the values of the graph to 4 KiB, above the 3 KiB total limit (-max-total-bytes)`
	if err := CheckGraphSize(g); err == nil || !strings.Contains(err.Error(), "brings the values of the graph to 4 KiB, above the 3 KiB total limit (-max-total-bytes)") {
		t.Errorf("CheckGraphSize = %v, want %q", err, want)
	}
	if err := InferGraph(g); err == nil || !strings.Contains(err.Error(), "above the 3 KiB total limit") {
		t.Errorf("InferGraph = %v, want the total limit", err)
	}
	SetLimits(Limits{ValueBytes: 1 << 10, TotalBytes: 4 << 10})
	if err := InferGraph(g); err != nil {
		t.Errorf("at 4 KiB total: %v", err)
	}
	SetLimits(Limits{ValueBytes: 512, TotalBytes: 4 << 10})
	if err := CheckGraphSize(g); err == nil || !strings.Contains(err.Error(), `constant "": f32[256] is 1 KiB, above the 512 B limit (-max-value-bytes)`) {
		t.Errorf("CheckGraphSize under 512 B per value: %v", err)
	}
}

func TestTypeBytes(t *testing.T) {
	for _, c := range []struct {
		t    Type
		want int64
	}{
		{ft(2, 3), 24},
		{Type{DType: tensor.Float16, Shape: []int{4}}, 16},
		{Type{DType: tensor.Float64, Shape: []int{4}}, 32},
		{Type{DType: tensor.Int8, Shape: []int{4}}, 32},
		{ft(), 4},
		{ft(0, math.MaxInt32), 0},
		{ft(math.MaxInt32, math.MaxInt32, math.MaxInt32), math.MaxInt64},
	} {
		if got := c.t.Bytes(); got != c.want {
			t.Errorf("%s.Bytes() = %d, want %d", c.t, got, c.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for b, want := range map[int64]string{
		0: "0 B", 512: "512 B", 1 << 10: "1 KiB", 1536: "1.5 KiB", 411041792: "392 MiB",
		1 << 30: "1 GiB", 3_600_000_000: "3.4 GiB", 1 << 40: "1 TiB", math.MaxInt64: "8 EiB",
	} {
		if got := FormatBytes(b); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", b, got, want)
		}
	}
}
