package interp

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of mod, trilu, cumsum, gather_elements, hardmax and top_k
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
	Register(ir.OpTopK, func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		k, err := reqInt(n, "k")
		if err != nil {
			return nil, err
		}
		axis, err := reqInt(n, "axis")
		if err != nil {
			return nil, err
		}
		if axis < 0 || axis >= len(in[0].Shape) || k < 0 || k > in[0].Shape[axis] {
			return nil, fmt.Errorf("top_k: k=%d along axis %d of %v", k, axis, in[0])
		}
		shape := append([]int{}, in[0].Shape...)
		shape[axis] = k
		vals, idx := c.Alloc(in[0].DType, shape), c.Alloc(tensor.Int64, shape)
		if err := tensor.TopK(vals, idx, in[0], k, axis, n.Int("smallest", 0) != 0); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{vals, idx}, nil
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
