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
	// qlinear_add and qlinear_mul: the same operands and output, another
	// element function.
	for op, fn := range map[ir.Op]func(out, a, b *tensor.Tensor, q tensor.QLinearAddParams) error{
		ir.OpQLinearAdd: tensor.QLinearAdd, ir.OpQLinearMul: tensor.QLinearMul,
	} {
		Register(op, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
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
			return one(out, fn(out, in[0], in[3], q))
		})
	}
	for op, fn := range map[ir.Op]func(n *ir.Node) func(float32) float32{
		ir.OpQLinearSigmoid: func(*ir.Node) func(float32) float32 { return tensor.Sigmoid32 },
		ir.OpQLinearLeakyRelu: func(n *ir.Node) func(float32) float32 {
			alpha := n.Float("alpha", 0.01)
			return func(v float32) float32 {
				if v >= 0 {
					return v
				}
				return alpha * v
			}
		},
	} {
		Register(op, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := present(in, 0, 1, 3); err != nil {
				return nil, err
			}
			if !in[0].DType.IsInt() {
				return nil, fmt.Errorf("x %v: want integers", in[0])
			}
			out := c.Alloc(in[0].DType, in[0].Shape)
			return one(out, tensor.QLinearUnary(out, in[0], in[1], optional(in, 2), in[3], optional(in, 4), fn(n)))
		})
	}
	Register(ir.OpQLinearGlobalAvgPool, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0, 1, 3); err != nil {
			return nil, err
		}
		if !in[0].DType.IsInt() || in[0].Rank() < 3 {
			return nil, fmt.Errorf("x %v: want integers [N,C,spatial...]", in[0])
		}
		shape := append([]int{}, in[0].Shape...)
		for i := 2; i < len(shape); i++ {
			shape[i] = 1
		}
		out := c.Alloc(in[0].DType, shape)
		return one(out, tensor.QLinearGlobalAvgPool(out, in[0], in[1], optional(in, 2), in[3], optional(in, 4)))
	})
	Register(ir.OpQLinearConcat, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 5 || (len(in)-2)%3 != 0 {
			return nil, fmt.Errorf("%d inputs, want y_scale, y_zero_point and triples", len(in))
		}
		if err := present(in, 0, 1); err != nil {
			return nil, err
		}
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		var parts []*tensor.Tensor
		var shapes [][]int
		for i := 2; i < len(in); i += 3 {
			if err := present(in, i, i+1); err != nil {
				return nil, err
			}
			if !in[i].DType.IsInt() {
				return nil, fmt.Errorf("input %d %v: want integers", i, in[i])
			}
			p := tensor.New(in[1].DType, in[i].Shape...)
			if err := tensor.QLinearUnary(p, in[i], in[i+1], in[i+2], in[0], in[1], func(v float32) float32 { return v }); err != nil {
				return nil, err
			}
			parts = append(parts, p)
			shapes = append(shapes, p.Shape)
		}
		shape, err := tensor.ConcatShape(shapes, axis)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[1].DType, shape)
		return one(out, tensor.Concat(out, axis, parts...))
	})
	Register(ir.OpDynamicQuantizeLinear, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := present(in, 0); err != nil {
			return nil, err
		}
		y := c.Alloc(tensor.Uint8, in[0].Shape)
		s, z, err := tensor.DynamicQuantizeLinear(y, in[0])
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y, tensor.FromF32([]float32{s}), tensor.FromI64(tensor.Uint8, []int64{z})}, nil
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
