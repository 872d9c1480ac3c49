package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the reductions (ir/op_reduce.go) and of arg_max/arg_min.

func init() {
	for _, op := range ir.Ops() {
		if s := ir.ReduceSpecOf(op.Op); s != nil {
			Register(op.Op, reduceKernel(s.Fn))
		}
	}
	Register(ir.OpArgMax, argKernel(true))
	Register(ir.OpArgMin, argKernel(false))
}

func reduceKernel(op tensor.ReduceOp) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axes := n.Ints("axes", nil)
		keep, err := reqInt(n, "keepdims")
		if err != nil {
			return nil, err
		}
		shape, err := tensor.ReduceShape(in[0].Shape, axes, keep != 0)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, shape)
		return one(out, tensor.Reduce(out, in[0], axes, keep != 0, op))
	}
}

func argKernel(max bool) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		keep, err := reqInt(n, "keepdims")
		if err != nil {
			return nil, err
		}
		last, err := optInt(n, "select_last_index", 0)
		if err != nil {
			return nil, err
		}
		shape, err := tensor.ReduceShape(in[0].Shape, []int{axis}, keep != 0)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(tensor.Int64, shape)
		return one(out, tensor.ArgExtreme(out, in[0], axis, keep != 0, max, last != 0))
	}
}
