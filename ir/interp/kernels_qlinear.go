package interp

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the ONNX quantized-model ops (ir/op_qlinear.go): onnxruntime's
// integer semantics, scales and zero points read from the operands.

func init() {
	Register(ir.OpQuantizeLinear, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1); err != nil {
			return nil, err
		}
		to, err := tensor.ParseDType(n.Str("to", ""))
		if err != nil || !to.IsInt() {
			return nil, fmt.Errorf("attribute \"to\" %q: want an integer type", n.Str("to", ""))
		}
		axis, block := ir.QuantLayout(n)
		out := c.Alloc(to, in[0].Shape)
		return one(out, tensor.QuantizeLinearBlocked(out, in[0], in[1], optional(in, 2), axis, block))
	})
	Register(ir.OpDequantizeLinear, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1); err != nil {
			return nil, err
		}
		axis, block := ir.QuantLayout(n)
		if in[1].DType.Storage() != tensor.StoreF32 {
			return nil, fmt.Errorf("scale %v: want f32, f16 or bf16", in[1])
		}
		out := c.Alloc(in[1].DType, in[0].Shape)
		return one(out, tensor.DequantizeLinearBlocked(out, in[0], in[1], optional(in, 2), axis, block))
	})
	Register(ir.OpConvInteger, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1); err != nil {
			return nil, err
		}
		p, shape, err := convParamsShape(n, in[0], in[1])
		if err != nil {
			return nil, err
		}
		xz, wz, err := tensor.ConvZeroPoints(optional(in, 2), optional(in, 3), shape[1])
		if err != nil {
			return nil, err
		}
		out := c.Alloc(tensor.Int32, shape)
		return one(out, tensor.ConvInteger(out, in[0], in[1], nil, xz, wz, p))
	})
	Register(ir.OpMatMulInteger, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1); err != nil {
			return nil, err
		}
		shape, err := tensor.MatMulShape(in[0].Shape, in[1].Shape)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(tensor.Int32, shape)
		return one(out, tensor.MatMulInteger(out, in[0], in[1], optional(in, 2), optional(in, 3)))
	})
	Register(ir.OpQLinearConv, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1, 3, 4, 6, 7); err != nil {
			return nil, err
		}
		p, shape, err := convParamsShape(n, in[0], in[3])
		if err != nil {
			return nil, err
		}
		if !in[7].DType.IsInt() {
			return nil, fmt.Errorf("y zero point %v: want an integer", in[7])
		}
		out := c.Alloc(in[7].DType, shape)
		return one(out, tensor.QLinearConv(out, in[0], in[3], optional(in, 8), qlinearParams(in), p))
	})
	Register(ir.OpQLinearAdd, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1, 3, 4, 6); err != nil {
			return nil, err
		}
		shape, err := tensor.BroadcastShape(in[0].Shape, in[3].Shape)
		if err != nil {
			return nil, err
		}
		if !in[0].DType.IsInt() {
			return nil, fmt.Errorf("a %v: want integers", in[0])
		}
		out := c.Alloc(in[0].DType, shape)
		q := tensor.QLinearAddParams{AScale: in[1], AZero: in[2], BScale: in[4], BZero: in[5], CScale: in[6], CZero: optional(in, 7)}
		return one(out, tensor.QLinearAdd(out, in[0], in[3], q))
	})
	Register(ir.OpQLinearMatMul, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1, 3, 4, 6, 7); err != nil {
			return nil, err
		}
		shape, err := tensor.MatMulShape(in[0].Shape, in[3].Shape)
		if err != nil {
			return nil, err
		}
		if !in[7].DType.IsInt() {
			return nil, fmt.Errorf("y zero point %v: want an integer", in[7])
		}
		out := c.Alloc(in[7].DType, shape)
		return one(out, tensor.QLinearMatMul(out, in[0], in[3], qlinearParams(in)))
	})
}

// present checks that the inputs at idx are given.
func present(in []*tensor.Tensor, idx ...int) error {
	for _, i := range idx {
		if i >= len(in) || in[i] == nil {
			return errMissing(i)
		}
	}
	return nil
}

// qlinearParams reads the scales and zero points of qlinear_conv and
// qlinear_matmul (inputs 1, 2, 4, 5, 6, 7).
func qlinearParams(in []*tensor.Tensor) tensor.QLinearParams {
	return tensor.QLinearParams{XScale: in[1], XZero: in[2], WScale: in[4], WZero: in[5], YScale: in[6], YZero: in[7]}
}

// convParamsShape reads the convolution attributes of n and returns them
// with the output shape for input x and weight w.
func convParamsShape(n *ir.Node, x, w *tensor.Tensor) (tensor.ConvParams, []int, error) {
	var p tensor.ConvParams
	var err error
	if p.Strides, err = reqInts(n, "strides"); err != nil {
		return p, nil, err
	}
	if p.Pads, err = reqInts(n, "pads"); err != nil {
		return p, nil, err
	}
	if p.Dilations, err = reqInts(n, "dilations"); err != nil {
		return p, nil, err
	}
	if p.Group, err = reqInt(n, "group"); err != nil {
		return p, nil, err
	}
	shape, err := tensor.ConvShape(x.Shape, w.Shape, p)
	return p, shape, err
}
