//go:build unix

package battery

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/internal/hostile"
)

// Hostile ONNX models are built protobuf field by protobuf field with
// internal/hostile's builder (no help from pimc's exporter), so they can
// say anything the format allows: wrong types, missing values, cycles,
// lying shapes.

const onnxFloat = int32(onnx.TensorProto_FLOAT)

// modelFile is a Setup step writing m as dir/name.
func modelFile(name string, m *hostile.Model) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeFile(t, dir, name, m.Bytes()) }
}

func strs(v ...string) []string { return v }

// convNet is a small valid conv → relu → pool → flatten → gemm model on a
// [1 1 8 8] input, the base the hostile ONNX cases bend one way or another.
func convNet() *hostile.Model {
	w := make([]float32, 2*1*3*3)
	for i := range w {
		w[i] = float32(i%5) - 2
	}
	fc := make([]float32, 3*18)
	for i := range fc {
		fc[i] = float32(i%7)/7 - 0.5
	}
	return hostile.NewModel(13).Input("x", 1, 1, 8, 8).
		Floats("w", []int64{2, 1, 3, 3}, w...).
		Floats("fc", []int64{3, 18}, fc...).
		Node("Conv", "conv", strs("x", "w"), strs("c"), hostile.IntsAttr("kernel_shape", 3, 3)).
		Node("Relu", "relu", strs("c"), strs("r")).
		Node("MaxPool", "pool", strs("r"), strs("p"), hostile.IntsAttr("kernel_shape", 2, 2), hostile.IntsAttr("strides", 2, 2)).
		Node("Flatten", "flat", strs("p"), strs("f")).
		Node("Gemm", "gemm", strs("f", "fc"), strs("y"), hostile.IntAttr("transB", 1)).
		Output("y")
}
