package interp

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of mod, trilu, cumsum, gather_elements and hardmax
// (ir/op_misc.go).

func init() {
	Register(ir.OpMod, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shape, err := tensor.BroadcastShape(in[0].Shape, in[1].Shape)
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, shape)
		return one(out, tensor.Mod(out, in[0], in[1], n.Int("fmod", 0) != 0))
	})
	Register(ir.OpTrilu, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		out := c.Alloc(in[0].DType, in[0].Shape)
		return one(out, tensor.Trilu(out, in[0], n.Int("upper", 1) != 0, n.Int("k", 0)))
	})
	Register(ir.OpCumSum, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, in[0].Shape)
		return one(out, tensor.CumSum(out, in[0], axis, n.Int("exclusive", 0) != 0, n.Int("reverse", 0) != 0))
	})
	Register(ir.OpGatherElements, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, in[1].Shape)
		return one(out, tensor.GatherElements(out, in[0], in[1], axis))
	})
	Register(ir.OpHardmax, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		out := c.Alloc(in[0].DType, in[0].Shape)
		return one(out, tensor.Hardmax(out, in[0], axis))
	})
}
