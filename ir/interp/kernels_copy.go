package interp

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of cast, expand, tile, slice, pad_border (ir/op_copy.go), resize
// (ir/op_resize.go), layer_norm and max_pool_indices (ir/op_norm_ext.go).

func init() {
	Register(ir.OpCast, castKernel)
	Register(ir.OpExpand, expandKernel)
	Register(ir.OpTile, tileKernel)
	Register(ir.OpSlice, sliceKernel)
	Register(ir.OpPadBorder, padBorderKernel)
	Register(ir.OpResize, resizeKernel)
	Register(ir.OpLayerNorm, layerNormKernel)
	Register(ir.OpMaxPoolIndices, maxPoolIndicesKernel)
}

func castKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	to, err := tensor.ParseDType(n.Str("to", ""))
	if err != nil {
		return nil, err
	}
	out := c.Alloc(to, in[0].Shape)
	return one(out, tensor.Cast(out, in[0]))
}

func expandKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	shape, err := reqInts(n, "shape")
	if err != nil {
		return nil, err
	}
	if shape, err = tensor.ExpandShape(in[0].Shape, shape); err != nil {
		return nil, err
	}
	out, err := allocAttrShape(c, in[0].DType, shape)
	if err != nil {
		return nil, err
	}
	return one(out, tensor.Expand(out, in[0]))
}

func tileKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	rep, err := reqInts(n, "repeats")
	if err != nil {
		return nil, err
	}
	shape, err := tensor.TileShape(in[0].Shape, rep)
	if err != nil {
		return nil, err
	}
	out, err := allocAttrShape(c, in[0].DType, shape)
	if err != nil {
		return nil, err
	}
	return one(out, tensor.Tile(out, in[0]))
}

func sliceKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	shape, err := reqInts(n, "shape")
	if err != nil {
		return nil, err
	}
	if len(shape) != len(in[0].Shape) {
		return nil, fmt.Errorf("slice: %d output dims for rank %d", len(shape), len(in[0].Shape))
	}
	for ax, d := range shape {
		if d < 0 || d > in[0].Shape[ax] {
			return nil, fmt.Errorf("slice: %d cells from axis %d of %v", d, ax, in[0])
		}
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.StridedSlice(out, in[0], n.Ints("begin", nil), n.Ints("step", nil)))
}

func padBorderKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	pads, err := reqInts(n, "pads")
	if err != nil {
		return nil, err
	}
	mode, err := tensor.ParsePadMode(n.Str("mode", ""))
	if err != nil {
		return nil, err
	}
	shape, err := tensor.PadShape(in[0].Shape, pads)
	if err != nil {
		return nil, err
	}
	out, err := allocAttrShape(c, in[0].DType, shape)
	if err != nil {
		return nil, err
	}
	return one(out, tensor.PadBorder(out, in[0], pads, mode))
}

func resizeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	p := ir.ResizeParams(n)
	if err := p.Check(in[0].Shape); err != nil {
		return nil, err
	}
	out, err := allocAttrShape(c, in[0].DType, p.Sizes)
	if err != nil {
		return nil, err
	}
	return one(out, tensor.Resize(out, in[0], p))
}

func layerNormKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axis, err := reqInt(n, "axis")
	if err != nil {
		return nil, err
	}
	eps, err := optFloat(n, "epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	if in[1] == nil {
		return nil, errMissing(1)
	}
	stat, err := tensor.LayerNormShapes(in[0].Shape, axis)
	if err != nil {
		return nil, err
	}
	outs := []*tensor.Tensor{c.Alloc(in[0].DType, in[0].Shape)}
	var mean, inv *tensor.Tensor
	if len(n.Outputs) > 1 {
		mean = c.Alloc(in[0].DType, stat)
		outs = append(outs, mean)
	}
	if len(n.Outputs) > 2 {
		inv = c.Alloc(in[0].DType, stat)
		outs = append(outs, inv)
	}
	var bias *tensor.Tensor
	if len(in) > 2 {
		bias = in[2]
	}
	if err := tensor.LayerNorm(outs[0], mean, inv, in[0], in[1], bias, axis, float64(eps)); err != nil {
		return nil, err
	}
	return outs, nil
}

func maxPoolIndicesKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	p, err := poolParams(n)
	if err != nil {
		return nil, err
	}
	order, err := optInt(n, "storage_order", 0)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.PoolShape(in[0].Shape, p)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(tensor.Int64, shape)
	return one(out, tensor.MaxPoolIndices(out, in[0], p, order != 0))
}

// allocAttrShape allocates an output whose shape comes from attributes
// (and so from a possibly hostile file): a negative dimension or a value
// above the limits is an error, never an allocation.
func allocAttrShape(c *Ctx, dt tensor.DType, shape []int) (*tensor.Tensor, error) {
	n := 1
	for _, d := range shape {
		if d < 0 || d > ir.MaxElems || (d > 0 && n > ir.MaxElems/d) {
			return nil, fmt.Errorf("output shape %s is negative or beyond 2^%d elements", tensor.ShapeString(shape), ir.MaxElemsLog2)
		}
		n *= d
	}
	if err := ir.CheckValueSize("output", ir.Type{DType: dt, Shape: shape}); err != nil {
		return nil, err
	}
	return c.Alloc(dt, shape), nil
}
