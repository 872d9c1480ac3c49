package frontend

import (
	"fmt"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// exportQLinear writes the ONNX quantized-model ops (ir/op_qlinear.go):
// opset 10 forms, QuantizeLinear/DequantizeLinear with an axis at opset 13,
// and at opset 21 when they are blocked or use 16-, 4- or 2-bit codes
// (or QuantizeLinear has no zero point and a type other than uint8, which
// needs output_dtype).
func (e *exporter) exportQLinear(n *ir.Node, np *onnx.NodeProto) error {
	add := func(name string, a ir.Attr) error {
		ap, err := attrProto(name, a)
		if err == nil {
			np.Attribute = append(np.Attribute, ap)
		}
		return err
	}
	switch n.Op {
	case ir.OpQuantizeLinear, ir.OpDequantizeLinear:
		np.OpType = "QuantizeLinear"
		if n.Op == ir.OpDequantizeLinear {
			np.OpType = "DequantizeLinear"
		}
		codes := n.Outputs[0].Type.DType
		if n.Op == ir.OpDequantizeLinear {
			codes = n.Input(0).Type.DType
		}
		axis, block := ir.QuantLayout(n)
		if codes.Bits() != 8 || block > 0 {
			e.opset = max(e.opset, 21)
		}
		if err := add("axis", ir.IntAttr(int64(axis))); err != nil {
			return err
		}
		if block > 0 {
			if err := add("block_size", ir.IntAttr(int64(block))); err != nil {
				return err
			}
		}
		if n.Op == ir.OpQuantizeLinear && n.Input(2) == nil && codes != tensor.Uint8 {
			e.opset = max(e.opset, 21)
			code, err := tensorio.DTypeToONNX(codes)
			if err != nil {
				return err
			}
			return add("output_dtype", ir.IntAttr(int64(code)))
		}
	case ir.OpConvInteger, ir.OpQLinearConv:
		np.OpType = "ConvInteger"
		w := n.Input(1)
		if n.Op == ir.OpQLinearConv {
			np.OpType, w = "QLinearConv", n.Input(3)
		}
		for _, k := range []string{"strides", "pads", "dilations", "group"} {
			if err := add(k, n.Attrs[k]); err != nil {
				return err
			}
		}
		if w != nil && len(w.Type.Shape) > 2 {
			np.Attribute = append(np.Attribute, intsAttr("kernel_shape", w.Type.Shape[2:]))
		}
	case ir.OpMatMulInteger:
		np.OpType = "MatMulInteger"
	case ir.OpQLinearMatMul:
		np.OpType = "QLinearMatMul"
	default:
		return fmt.Errorf("op %s (an onnxruntime contrib op) is not exported", n.Op)
	}
	return nil
}
