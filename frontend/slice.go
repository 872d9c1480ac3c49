package frontend

import (
	"fmt"
	"math"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// lowerSlice folds Slice of a constant (the Shape -> Slice -> Concat ->
// Reshape idiom of tf2onnx and PyTorch exports) and lowers a Slice of a
// runtime value to the slice op. starts/ends/axes are attributes before
// opset 10 and constant inputs (with steps) from 10 on.
func lowerSlice(c *nodeCtx) error {
	var starts, ends, axes, steps []int
	var err error
	if c.opset < 10 {
		if err := c.arity(1, 1, 1, 1); err != nil {
			return err
		}
		var ok bool
		if starts, ok, err = c.attrInts("starts"); err != nil || !ok {
			return missingOr(err, "starts")
		}
		if ends, ok, err = c.attrInts("ends"); err != nil || !ok {
			return missingOr(err, "ends")
		}
		if axes, _, err = c.attrInts("axes"); err != nil {
			return err
		}
	} else {
		if err := c.arity(3, 5, 1, 1); err != nil {
			return err
		}
		if starts, err = c.constInts64(1, "starts"); err != nil {
			return err
		}
		if ends, err = c.constInts64(2, "ends"); err != nil {
			return err
		}
		if c.has(3) {
			if axes, err = c.constInts64(3, "axes"); err != nil {
				return err
			}
		}
		if c.has(4) {
			if steps, err = c.constInts64(4, "steps"); err != nil {
				return err
			}
		}
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	if x.IsConst() {
		out, err := sliceTensor(x.Const, starts, ends, axes, steps)
		if err != nil {
			return err
		}
		c.bindConst(0, out)
		return nil
	}
	begin, step, shape, err := slicePlan(x.Type.Shape, starts, ends, axes, steps)
	if err != nil {
		return err
	}
	if tensor.SameShape(shape, x.Type.Shape) && !slices.ContainsFunc(step, func(s int) bool { return s != 1 }) {
		_, err = c.emit1(ir.OpIdentity, []*ir.Value{x}, nil)
		return err
	}
	_, err = c.emit1(ir.OpSlice, []*ir.Value{x}, ir.Attrs{"begin": ir.IntsFromInts(begin), "step": ir.IntsFromInts(step), "shape": ir.IntsFromInts(shape)})
	return err
}

func missingOr(err error, name string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("missing required attribute %q", name)
}

// constInts64 is constInts for operands that may hold INT64_MAX/MIN as
// "to the end" markers: they are clamped into the int range.
func (c *nodeCtx) constInts64(i int, what string) ([]int, error) {
	t, err := c.constInput(i, what)
	if err != nil {
		return nil, err
	}
	if !t.DType.IsInt() || t.Rank() > 1 {
		return nil, fmt.Errorf("input %d (%s) is %s, want a 1-D integer tensor", i, what, t)
	}
	out := make([]int, t.Len())
	for j, v := range t.Int64s() {
		out[j] = int(max(min(v, math.MaxInt32), math.MinInt32))
	}
	return out, nil
}

// sliceTensor implements ONNX Slice on a constant (slicePlan, then
// tensor.StridedSlice).
func sliceTensor(x *tensor.Tensor, starts, ends, axes, steps []int) (*tensor.Tensor, error) {
	begin, step, shape, err := slicePlan(x.Shape, starts, ends, axes, steps)
	if err != nil {
		return nil, err
	}
	out := tensor.New(x.DType, shape...)
	if err := tensor.StridedSlice(out, x, begin, step); err != nil {
		return nil, err
	}
	return out, nil
}

// slicePlan resolves ONNX Slice on an input of shape xs: per listed axis,
// elements start, start+step, ... before end, with negative starts/ends
// counted from the end and everything clamped to the axis (opset 10
// semantics). It returns the first index, the step and the number of
// cells of every axis.
func slicePlan(xs []int, starts, ends, axes, steps []int) (begin, step, shape []int, err error) {
	r := len(xs)
	if len(ends) != len(starts) {
		return nil, nil, nil, fmt.Errorf("starts %v and ends %v differ in length", starts, ends)
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, i)
		}
	}
	if steps == nil {
		for range starts {
			steps = append(steps, 1)
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, nil, nil, fmt.Errorf("starts %v, axes %v and steps %v differ in length", starts, axes, steps)
	}
	begin = make([]int, r)
	step = make([]int, r)
	shape = append([]int{}, xs...)
	for i := range step {
		step[i] = 1
	}
	seen := map[int]bool{}
	for i, a := range axes {
		ax, err := normAxis(a, r, "axes")
		if err != nil {
			return nil, nil, nil, err
		}
		if seen[ax] {
			return nil, nil, nil, fmt.Errorf("axes %v: axis %d repeated", axes, ax)
		}
		seen[ax] = true
		d, s := xs[ax], steps[i]
		if s == 0 {
			return nil, nil, nil, fmt.Errorf("steps %v: a step is 0", steps)
		}
		st, en := starts[i], ends[i]
		if st < 0 {
			st += d
		}
		if en < 0 {
			en += d
		}
		var n int
		if s > 0 {
			st, en = min(max(st, 0), d), min(max(en, 0), d)
			n = max(0, (en-st+s-1)/s)
		} else {
			st, en = min(max(st, 0), d-1), min(max(en, -1), d-1)
			n = max(0, (st-en-s-1)/-s)
		}
		if n == 0 {
			st = 0
		}
		begin[ax], step[ax], shape[ax] = st, s, n
	}
	return begin, step, shape, nil
}
