package interp

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the data-movement ops. Reshape-like ops (flatten, reshape,
// squeeze, unsqueeze, identity, dropout) return views sharing the input's
// storage; the interpreter's buffer accounting knows about views.

func init() {
	Register(ir.OpFlatten, flattenKernel)
	Register(ir.OpReshape, reshapeKernel)
	Register(ir.OpSqueeze, squeezeKernel)
	Register(ir.OpUnsqueeze, unsqueezeKernel)
	Register(ir.OpIdentity, identityKernel)
	Register(ir.OpDropout, identityKernel)
	Register(ir.OpTranspose, transposeKernel)
	Register(ir.OpConcat, concatKernel)
	Register(ir.OpSplit, splitKernel)
	Register(ir.OpPad, padKernel)
	Register(ir.OpZeroInsert, zeroInsertKernel)
	Register(ir.OpGather, gatherKernel)
	Register(ir.OpShape, shapeKernel)
	Register(ir.OpConstantOfShape, constantOfShapeKernel)
}

// view returns x with a new shape of the same size.
func view(x *tensor.Tensor, shape []int) ([]*tensor.Tensor, error) {
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in target shape %s", tensor.ShapeString(shape))
		}
	}
	if tensor.NumElems(shape) != x.Len() {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %s", x, x.Len(), tensor.ShapeString(shape))
	}
	return []*tensor.Tensor{x.Reshaped(shape...)}, nil
}

func identityKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	return view(in[0], in[0].Shape)
}

func flattenKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axis, err := reqInt(n, "axis")
	if err != nil {
		return nil, err
	}
	x := in[0]
	if axis < 0 || axis > x.Rank() {
		return nil, fmt.Errorf("flatten: axis %d out of range [0, %d]", axis, x.Rank())
	}
	return view(x, []int{tensor.NumElems(x.Shape[:axis]), tensor.NumElems(x.Shape[axis:])})
}

func reshapeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	shape, err := reqInts(n, "shape")
	if err != nil {
		return nil, err
	}
	return view(in[0], shape)
}

func squeezeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axes, err := reqInts(n, "axes")
	if err != nil {
		return nil, err
	}
	x := in[0]
	drop := make([]bool, x.Rank())
	for _, a := range axes {
		if a < 0 || a >= x.Rank() || drop[a] {
			return nil, fmt.Errorf("squeeze: bad axis %d in %v for %v", a, axes, x)
		}
		if x.Shape[a] != 1 {
			return nil, fmt.Errorf("squeeze: axis %d of %v has size %d, not 1", a, x, x.Shape[a])
		}
		drop[a] = true
	}
	shape := []int{}
	for i, d := range x.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	return view(x, shape)
}

func unsqueezeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axes, err := reqInts(n, "axes")
	if err != nil {
		return nil, err
	}
	x := in[0]
	rank := x.Rank() + len(axes)
	ins := make([]bool, rank)
	for _, a := range axes {
		if a < 0 || a >= rank || ins[a] {
			return nil, fmt.Errorf("unsqueeze: bad axis %d in %v for output rank %d", a, axes, rank)
		}
		ins[a] = true
	}
	shape := make([]int, 0, rank)
	j := 0
	for i := 0; i < rank; i++ {
		if ins[i] {
			shape = append(shape, 1)
		} else {
			shape = append(shape, x.Shape[j])
			j++
		}
	}
	return view(x, shape)
}

func transposeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	perm, err := reqInts(n, "perm")
	if err != nil {
		return nil, err
	}
	shape, err := tensor.TransposeShape(in[0].Shape, perm)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Transpose(out, in[0], perm))
}

func concatKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axis, err := reqInt(n, "axis")
	if err != nil {
		return nil, err
	}
	shapes := make([][]int, len(in))
	for i, t := range in {
		if t == nil {
			return nil, errMissing(i)
		}
		shapes[i] = t.Shape
	}
	shape, err := tensor.ConcatShape(shapes, axis)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Concat(out, axis, in...))
}

func splitKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axis, err := reqInt(n, "axis")
	if err != nil {
		return nil, err
	}
	sizes, err := reqInts(n, "split")
	if err != nil {
		return nil, err
	}
	if len(sizes) != len(n.Outputs) {
		return nil, fmt.Errorf("split: %d sizes for %d outputs", len(sizes), len(n.Outputs))
	}
	shapes, err := tensor.SplitShapes(in[0].Shape, axis, sizes)
	if err != nil {
		return nil, err
	}
	outs := make([]*tensor.Tensor, len(shapes))
	for i, s := range shapes {
		outs[i] = c.Alloc(in[0].DType, s)
	}
	if err := tensor.Split(outs, in[0], axis); err != nil {
		return nil, err
	}
	return outs, nil
}

func padKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	pads, err := reqInts(n, "pads")
	if err != nil {
		return nil, err
	}
	value, err := optFloat(n, "value", 0)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.PadShape(in[0].Shape, pads)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Pad(out, in[0], pads, float64(value)))
}

func gatherKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	axis, err := reqInt(n, "axis")
	if err != nil {
		return nil, err
	}
	shape, err := tensor.GatherShape(in[0].Shape, in[1].Shape, axis)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.Gather(out, in[0], in[1], axis))
}

func shapeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	start, err := reqInt(n, "start")
	if err != nil {
		return nil, err
	}
	end, err := reqInt(n, "end")
	if err != nil {
		return nil, err
	}
	r := in[0].Rank()
	if start < 0 || end > r || start > end {
		return nil, fmt.Errorf("shape: start %d and end %d must satisfy 0 <= start <= end <= rank %d", start, end, r)
	}
	out := c.Alloc(tensor.Int64, []int{end - start})
	for i, d := range in[0].Shape[start:end] {
		out.I64[i] = int64(d)
	}
	return []*tensor.Tensor{out}, nil
}

func constantOfShapeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	a, ok := n.Attrs["value"]
	if !ok || a.Kind != ir.AttrTensor || a.Tensor == nil {
		return nil, fmt.Errorf("attribute %q: want a one-element tensor", "value")
	}
	val := a.Tensor
	if err := val.Validate(); err != nil || val.Len() != 1 {
		return nil, fmt.Errorf("attribute %q: want a one-element tensor, got %v", "value", val)
	}
	s := in[0]
	if !s.DType.IsInt() || s.Rank() != 1 {
		return nil, fmt.Errorf("constant_of_shape: the shape must be a 1-D integer tensor, got %v", s)
	}
	shape := make([]int, s.Len())
	total := int64(1)
	for i, d := range s.I64 {
		if d < 0 || d > 1<<31 {
			return nil, fmt.Errorf("constant_of_shape: dimension %d is %d", i, d)
		}
		total *= d
		if total > 1<<31 {
			return nil, fmt.Errorf("constant_of_shape: shape %v is too large", s.I64)
		}
		shape[i] = int(d)
	}
	out := c.Alloc(val.DType, shape)
	switch val.DType.Storage() {
	case tensor.StoreF32:
		for i := range out.F32 {
			out.F32[i] = val.F32[0]
		}
	case tensor.StoreF64:
		for i := range out.F64 {
			out.F64[i] = val.F64[0]
		}
	default:
		for i := range out.I64 {
			out.I64[i] = val.I64[0]
		}
	}
	return []*tensor.Tensor{out}, nil
}

func errMissing(i int) error { return fmt.Errorf("input %d is missing", i) }

func zeroInsertKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	strides, err := reqInts(n, "strides")
	if err != nil {
		return nil, err
	}
	shape, err := tensor.ZeroInsertShape(in[0].Shape, strides)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(in[0].DType, shape)
	return one(out, tensor.ZeroInsert(out, in[0], strides))
}
