package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the element-wise math, comparison and selection ops
// (ir/op_math.go): each calls its tensor function.

func init() {
	for _, op := range ir.Ops() {
		if s := ir.MathSpecOf(op.Op); s != nil {
			Register(op.Op, mathKernel(s))
		}
		if s := ir.CompareSpecOf(op.Op); s != nil {
			Register(op.Op, compareKernel(s.Fn))
		}
	}
	Register(ir.OpPow, powKernel)
	Register(ir.OpWhere, whereKernel)
}

func mathKernel(s *ir.MathSpec) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		p := s.Params(n)
		dt := tensor.MathResultType(s.Fn, in[0].DType)
		out := in[0] // element-wise: safe in place
		if !c.Donated(out) || dt != in[0].DType {
			out = c.Alloc(dt, in[0].Shape)
		}
		return one(out, tensor.Math(out, in[0], p))
	}
}

func compareKernel(op tensor.CompareOp) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shape, err := tensor.BroadcastShape(in[0].Shape, in[1].Shape)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(tensor.Bool, shape)
		return one(out, tensor.Compare(out, in[0], in[1], op))
	}
}

func powKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	shape, err := tensor.BroadcastShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Pow(out, in[0], in[1]))
}

func whereKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	for i, t := range in[:3] {
		if t == nil {
			return nil, errMissing(i)
		}
	}
	shape, err := tensor.BroadcastShape(in[0].Shape, in[1].Shape, in[2].Shape)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[1].DType, shape)
	return one(out, tensor.Where(out, in[0], in[1], in[2]))
}
