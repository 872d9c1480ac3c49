package frontend

import (
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/hostile"
	"github.com/pimc-dev/pimc/ir"
)

func withLimits(t *testing.T, l ir.Limits) {
	prev := ir.SetLimits(l)
	t.Cleanup(func() { ir.SetLimits(prev) })
}

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc).
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestImportRefusesHostileModels: every hostile model is refused at the
// node or initializer that asks for too much, naming it, the size and the
// flag, and before allocating the value (the import allocates well under
// a MiB).
func TestImportRefusesHostileModels(t *testing.T) {
	withLimits(t, ir.Limits{})
	for _, c := range []struct {
		name  string
		model []byte
		want  string
	}{
		{"ConstantOfShape", hostile.ConstantOfShape(30000), `node "ConstantOfShape_0" (ConstantOfShape): constant_of_shape: output f32[1,1,30000,30000] is 3.4 GiB, above the 1 GiB limit (-max-value-bytes)`},
		{"ConstantOfShape20000", hostile.ConstantOfShape(20000), `node "ConstantOfShape_0" (ConstantOfShape): constant_of_shape: output f32[1,1,20000,20000] is 1.5 GiB`},
		{"Pad", hostile.Pad(15000), `node "Pad_0" (Pad): pad: output f32[1,1,30001,30001] is 3.4 GiB`},
		{"Broadcast", hostile.Broadcast(30000), `node "Broadcast_0" (Add): add: output f32[1,1,30000,30000] is 3.4 GiB`},
		{"MatMul", hostile.MatMul(30000), `node "MatMul_0" (MatMul): matmul: output f32[30000,30000] is 3.4 GiB`},
		{"ConcatDoubling", hostile.ConcatDoubling(40), `node "Concat_29" (Concat): concat: output f32[1,1,16384,32768] is 2 GiB`},
		{"ConvTranspose", hostile.ConvTranspose(30000), `node "ConvTranspose_0" (ConvTranspose): conv_transpose: output f32[1,1,30001,30001] is 3.4 GiB`},
		{"HugeInitializer", hostile.HugeInitializer(30000), `initializer "big": f32[1,1,30000,30000] is 3.4 GiB, above the 1 GiB limit`},
		{"HugeConstantNode", hostile.HugeConstantNode(30000), `node "Constant_0" (Constant): attribute "value": tensor "": f32[1,1,30000,30000] is 3.4 GiB`},
		{"ManyConstants", hostile.ManyConstants(1000, 16000), `node "ConstantOfShape_2" (ConstantOfShape): output f32[1,1,16000,16000] brings the values of the graph to 2.9 GiB, above the 2 GiB total limit (-max-total-bytes)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Import("h.onnx", c.model, Options{}) })
			if err == nil || !strings.Contains(err.Error(), "frontend: h.onnx: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Import = %v\nwant an error containing %q", err, c.want)
			}
			if n > 4<<20 {
				t.Errorf("Import allocated %d bytes before refusing", n)
			}
		})
	}
}

// TestImportLimitsAreAdjustable: a medium model passes by default and is
// refused under a lower limit; VGG-16's fc6 weight (25088x4096 float32,
// made by a ConstantOfShape as in the light model zoo) passes by default.
func TestImportLimitsAreAdjustable(t *testing.T) {
	withLimits(t, ir.Limits{})
	if _, err := Import("m.onnx", hostile.ConstantOfShape(2000), Options{}); err != nil {
		t.Errorf("16 MB value under the default limit: %v", err)
	}
	vgg := newModel(13).input("x", onnxFloat, 1, 25088).
		init("shape", i64s(25088, 4096)).
		node("ConstantOfShape", "fc6_w", s("shape"), s("w")).
		node("MatMul", "fc6", s("x", "w"), s("y")).output("y")
	if _, err := vgg.imp(t, Options{}); err != nil {
		t.Errorf("VGG-16 fc6 weight: %v", err)
	}
	ir.SetLimits(ir.Limits{ValueBytes: 1 << 20})
	_, err := Import("m.onnx", hostile.ConstantOfShape(2000), Options{})
	if err == nil || !strings.Contains(err.Error(), "output f32[1,1,2000,2000] is 15.3 MiB, above the 1 MiB limit") {
		t.Errorf("under a 1 MiB limit: %v", err)
	}
	ir.SetLimits(ir.Limits{ValueBytes: 4 << 30, TotalBytes: 8 << 30})
	if _, err := Import("m.onnx", hostile.ConstantOfShape(30000), Options{}); err != nil {
		t.Errorf("3.4 GiB under a 4 GiB limit (nothing is allocated at import): %v", err)
	}
}
