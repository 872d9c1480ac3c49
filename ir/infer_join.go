package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the ops that join, split or select along an axis:
// concat, split and gather.

func inferConcat(n *Node) ([]Type, error) {
	ts, err := inputsLike(n)
	if err != nil {
		return nil, err
	}
	t := ts[0]
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(t.Shape)); err != nil {
		return nil, err
	}
	out := slices.Clone(t.Shape)
	for i, u := range ts[1:] {
		if len(u.Shape) != len(t.Shape) {
			return nil, fmt.Errorf("input %d has rank %d, want %d", 1+i, len(u.Shape), len(t.Shape))
		}
		for d := range u.Shape {
			if d != axis && u.Shape[d] != t.Shape[d] {
				return nil, fmt.Errorf("input %d %s differs from input 0 %s outside axis %d", 1+i, tensor.ShapeString(u.Shape), tensor.ShapeString(t.Shape), axis)
			}
		}
		out[axis] += u.Shape[axis]
	}
	return one(typ(t.DType, out)), nil
}

func inferSplit(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(x.Shape)); err != nil {
		return nil, err
	}
	split := n.Ints("split", nil)
	if len(split) != len(n.Outputs) {
		return nil, fmt.Errorf("split %v has %d parts, node has %d outputs", split, len(split), len(n.Outputs))
	}
	total := 0
	for _, s := range split {
		if s < 0 {
			return nil, fmt.Errorf("split %v has a negative size", split)
		}
		total += s
	}
	if total != x.Shape[axis] {
		return nil, fmt.Errorf("split %v sums to %d, axis %d has size %d", split, total, axis, x.Shape[axis])
	}
	outs := make([]Type, len(split))
	for i, s := range split {
		shape := slices.Clone(x.Shape)
		shape[axis] = s
		outs[i] = typ(x.DType, shape)
	}
	return outs, nil
}

func inferGather(n *Node) ([]Type, error) {
	d, idx, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if idx.DType != tensor.Int32 && idx.DType != tensor.Int64 {
		return nil, fmt.Errorf("indices have element type %s, want i32 or i64", idx.DType)
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(d.Shape)); err != nil {
		return nil, err
	}
	if c := n.Input(1).Const; c != nil && c.I64 != nil {
		size := int64(d.Shape[axis])
		for _, i := range c.I64 {
			if i < -size || i >= size {
				return nil, fmt.Errorf("index %d out of range for axis %d of size %d", i, axis, size)
			}
		}
	}
	out := slices.Clone(d.Shape[:axis])
	out = append(out, idx.Shape...)
	out = append(out, d.Shape[axis+1:]...)
	return one(typ(d.DType, out)), nil
}
