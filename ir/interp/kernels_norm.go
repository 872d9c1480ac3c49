package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the normalization and reduction ops.

func init() {
	Register(ir.OpBatchNorm, batchNormKernel)
	Register(ir.OpLRN, lrnKernel)
	Register(ir.OpReduceMean, reduceMeanKernel)
}

func batchNormKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	eps, err := optFloat(n, "epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, in[0].Shape)
	return one(out, tensor.BatchNorm(out, in[0], in[1], in[2], in[3], in[4], eps))
}

func lrnKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	size, err := reqInt(n, "size")
	if err != nil {
		return nil, err
	}
	alpha, err := optFloat(n, "alpha", 1e-4)
	if err != nil {
		return nil, err
	}
	beta, err := optFloat(n, "beta", 0.75)
	if err != nil {
		return nil, err
	}
	bias, err := optFloat(n, "bias", 1)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, in[0].Shape)
	return one(out, tensor.LRN(out, in[0], size, alpha, beta, bias))
}

func reduceMeanKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
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
	return one(out, tensor.ReduceMean(out, in[0], axes, keep != 0))
}
