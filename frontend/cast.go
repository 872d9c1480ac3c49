package frontend

import (
	"github.com/pimc-dev/pimc/ir/tensor"
)

// castTensor converts t to element type to like ONNX Cast (tensor.Cast).
func castTensor(t *tensor.Tensor, to tensor.DType) *tensor.Tensor {
	out := tensor.New(to, t.Shape...)
	if err := tensor.Cast(out, t); err != nil {
		panic("BUG: castTensor: " + err.Error()) // same shape, valid storage: cannot fail
	}
	return out
}
