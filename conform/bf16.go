package conform

import (
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// bf16FromBits reads t as the raw bits of bfloat16 values when it is a
// uint16 tensor standing for a bfloat16 one: the ONNX 1.12 node tests
// (Debian's libonnx-testdata) store bfloat16 inputs and outputs that way,
// NumPy having no bfloat16 type. Any other tensor is returned as it is.
func bf16FromBits(t *tensor.Tensor, want tensor.DType) *tensor.Tensor {
	if want != tensor.BFloat16 || t.DType != tensor.Uint16 {
		return t
	}
	out := tensor.New(tensor.BFloat16, t.Shape...)
	for i, b := range t.I64 {
		out.F32[i] = math.Float32frombits(uint32(b) << 16)
	}
	return out
}
