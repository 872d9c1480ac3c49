package interp

import (
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the element-wise ops: binary and variadic arithmetic with
// broadcasting, activations and softmax.

func init() {
	for op, bop := range map[ir.Op]tensor.BinaryOp{
		ir.OpAdd: tensor.Add, ir.OpSub: tensor.Sub, ir.OpMul: tensor.Mul,
		ir.OpDiv: tensor.Div, ir.OpPRelu: tensor.PRelu,
	} {
		Register(op, binaryKernel(bop))
	}
	for op, bop := range map[ir.Op]tensor.BinaryOp{ir.OpSum: tensor.Add, ir.OpMax: tensor.Max, ir.OpMin: tensor.Min} {
		Register(op, variadicKernel(bop))
	}
	Register(ir.OpRelu, unaryKernel(func(*ir.Node) (tensor.UnaryParams, error) {
		return tensor.UnaryParams{Op: tensor.Relu}, nil
	}))
	Register(ir.OpLeakyRelu, unaryKernel(func(n *ir.Node) (tensor.UnaryParams, error) {
		a, err := optFloat(n, "alpha", 0.01)
		return tensor.UnaryParams{Op: tensor.LeakyRelu, Alpha: a}, err
	}))
	Register(ir.OpClip, clipKernel)
	Register(ir.OpSigmoid, unaryKernel(func(*ir.Node) (tensor.UnaryParams, error) {
		return tensor.UnaryParams{Op: tensor.Sigmoid}, nil
	}))
	Register(ir.OpHardSigmoid, unaryKernel(func(n *ir.Node) (tensor.UnaryParams, error) {
		a, err := optFloat(n, "alpha", 0.2)
		if err != nil {
			return tensor.UnaryParams{}, err
		}
		b, err := optFloat(n, "beta", 0.5)
		return tensor.UnaryParams{Op: tensor.HardSigmoid, Alpha: a, Beta: b}, err
	}))
	Register(ir.OpHardSwish, unaryKernel(func(*ir.Node) (tensor.UnaryParams, error) {
		return tensor.UnaryParams{Op: tensor.HardSwish}, nil
	}))
	Register(ir.OpTanh, unaryKernel(func(*ir.Node) (tensor.UnaryParams, error) {
		return tensor.UnaryParams{Op: tensor.Tanh}, nil
	}))
	Register(ir.OpSoftmax, softmaxKernel(false))
	Register(ir.OpLogSoftmax, softmaxKernel(true))
}

func binaryKernel(op tensor.BinaryOp) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shape, err := tensor.BroadcastShape(in[0].Shape, in[1].Shape)
		if err != nil {
			return nil, err
		}
		// Binary reads and writes the same index when an operand already
		// has the output shape, so a dying operand can take the result.
		var out *tensor.Tensor
		for _, t := range in[:2] {
			if out == nil && c.Donated(t) && t.DType == in[0].DType && tensor.SameShape(t.Shape, shape) {
				out = t
			}
		}
		if out == nil {
			out = c.Alloc(in[0].DType, shape)
		}
		return one(out, tensor.Binary(out, in[0], in[1], op))
	}
}

func variadicKernel(op tensor.BinaryOp) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shapes := make([][]int, len(in))
		for i, t := range in {
			if t == nil {
				return nil, errMissing(i)
			}
			shapes[i] = t.Shape
		}
		shape, err := tensor.BroadcastShape(shapes...)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, shape)
		return one(out, tensor.Variadic(out, op, in...))
	}
}

func unaryKernel(params func(*ir.Node) (tensor.UnaryParams, error)) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		p, err := params(n)
		if err != nil {
			return nil, err
		}
		return runUnary(c, in[0], p)
	}
}

func runUnary(c *Ctx, x *tensor.Tensor, p tensor.UnaryParams) ([]*tensor.Tensor, error) {
	out := x // element-wise: safe in place
	if !c.Donated(out) {
		out = c.Alloc(x.DType, x.Shape)
	}
	return one(out, tensor.Unary(out, x, p))
}

func clipKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	p, err := clipParams(n, in[0].DType)
	if err != nil {
		return nil, err
	}
	return runUnary(c, in[0], p)
}

// clipParams reads the optional bounds. An absent bound is ONNX's default,
// the type's lowest or largest finite value for floats (so Clip turns ±Inf
// into ±MaxFinite, as onnxruntime does), unbounded for integers.
func clipParams(n *ir.Node, dt tensor.DType) (tensor.UnaryParams, error) {
	p := tensor.UnaryParams{Op: tensor.Clip, Lo: math.Inf(-1), Hi: math.Inf(1)}
	if m := dt.MaxFinite(); m > 0 {
		p.Lo, p.Hi = -m, m
	}
	if _, ok := n.Attrs["min"]; ok {
		v, err := optFloat(n, "min", 0)
		if err != nil {
			return p, err
		}
		p.Lo = float64(v)
	}
	if _, ok := n.Attrs["max"]; ok {
		v, err := optFloat(n, "max", 0)
		if err != nil {
			return p, err
		}
		p.Hi = float64(v)
	}
	return p, nil
}

func softmaxKernel(log bool) Kernel {
	return func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, in[0].Shape)
		return one(out, tensor.Softmax(out, in[0], axis, log))
	}
}
