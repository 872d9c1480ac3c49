package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the pooling ops.

func init() {
	Register(ir.OpMaxPool, poolKernel(true))
	Register(ir.OpAvgPool, poolKernel(false))
	Register(ir.OpGlobalAvgPool, globalPoolKernel(false))
	Register(ir.OpGlobalMaxPool, globalPoolKernel(true))
}

func poolParams(n *ir.Node) (tensor.PoolParams, error) {
	var p tensor.PoolParams
	var err error
	if p.Kernel, err = reqInts(n, "kernel"); err != nil {
		return p, err
	}
	if p.Strides, err = reqInts(n, "strides"); err != nil {
		return p, err
	}
	if p.Pads, err = reqInts(n, "pads"); err != nil {
		return p, err
	}
	if p.Dilations, err = reqInts(n, "dilations"); err != nil {
		return p, err
	}
	ceil, err := optInt(n, "ceil_mode", 0)
	if err != nil {
		return p, err
	}
	inc, err := optInt(n, "count_include_pad", 0)
	if err != nil {
		return p, err
	}
	p.CeilMode, p.CountIncludePad = ceil != 0, inc != 0
	return p, nil
}

func poolKernel(isMax bool) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		p, err := poolParams(n)
		if err != nil {
			return nil, err
		}
		shape, err := tensor.PoolShape(in[0].Shape, p)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, shape)
		if isMax {
			return one(out, tensor.MaxPool(out, in[0], p))
		}
		return one(out, tensor.AvgPool(out, in[0], p))
	}
}

func globalPoolKernel(isMax bool) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shape, err := tensor.GlobalPoolShape(in[0].Shape)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, shape)
		if isMax {
			return one(out, tensor.GlobalMaxPool(out, in[0]))
		}
		return one(out, tensor.GlobalAvgPool(out, in[0]))
	}
}
