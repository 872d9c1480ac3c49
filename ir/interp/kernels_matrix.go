package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the matrix ops: conv, gemm, matmul, fc.

func init() {
	Register(ir.OpConv, convKernel)
	Register(ir.OpConvTranspose, convTransposeKernel)
	Register(ir.OpGemm, gemmKernel)
	Register(ir.OpMatMul, matmulKernel)
	Register(ir.OpFC, fcKernel)
}

func convKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	var p tensor.ConvParams
	var err error
	if p.Strides, err = reqInts(n, "strides"); err != nil {
		return nil, err
	}
	if p.Pads, err = reqInts(n, "pads"); err != nil {
		return nil, err
	}
	if p.Dilations, err = reqInts(n, "dilations"); err != nil {
		return nil, err
	}
	if p.Group, err = reqInt(n, "group"); err != nil {
		return nil, err
	}
	shape, err := tensor.ConvShape(in[0].Shape, in[1].Shape, p)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Conv(out, in[0], in[1], optional(in, 2), p))
}

func convTransposeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	p, err := ir.ConvTransposeParams(n)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.ConvTransposeShape(in[0].Shape, in[1].Shape, p)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.ConvTranspose(out, in[0], in[1], optional(in, 2), p))
}

func gemmKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	var p tensor.GemmParams
	var err error
	if p.Alpha, err = optFloat(n, "alpha", 1); err != nil {
		return nil, err
	}
	if p.Beta, err = optFloat(n, "beta", 1); err != nil {
		return nil, err
	}
	ta, err := optInt(n, "trans_a", 0)
	if err != nil {
		return nil, err
	}
	tb, err := optInt(n, "trans_b", 0)
	if err != nil {
		return nil, err
	}
	p.TransA, p.TransB = ta != 0, tb != 0
	shape, _, err := tensor.GemmShape(in[0].Shape, in[1].Shape, p)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Gemm(out, in[0], in[1], optional(in, 2), p))
}

func matmulKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	shape, err := tensor.MatMulShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.MatMul(out, in[0], in[1]))
}

func fcKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	shape, err := tensor.FCShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.FC(out, in[0], in[1], optional(in, 2)))
}

// one wraps a single output with the kernel's error.
func one(t *tensor.Tensor, err error) ([]*tensor.Tensor, error) {
	if err != nil {
		return nil, err
	}
	return []*tensor.Tensor{t}, nil
}

// optional returns input i, or nil when it is absent.
func optional(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}
