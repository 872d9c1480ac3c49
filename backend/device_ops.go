package backend

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// OnDeviceOp reports whether a node of op in a quantized graph, reading
// integer codes, runs on the device (onDevice); everything else is a host
// op. docs/OPS.md's device column is checked against it (internal/opsdoc).
func OnDeviceOp(op ir.Op) bool {
	codes := &ir.Value{Type: ir.Type{DType: tensor.Int8, Shape: []int{1, 1, 1, 1}}, Quant: &ir.QuantParams{}}
	return onDevice(&ir.Node{Op: op, Inputs: []*ir.Value{codes}})
}
