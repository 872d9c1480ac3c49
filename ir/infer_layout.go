package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the ops that only move elements: flatten, reshape,
// transpose, pad, squeeze and unsqueeze.

func inferFlatten(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axis := int(n.Int("axis", 1))
	if axis < 0 || axis > len(x.Shape) {
		return nil, fmt.Errorf("axis %d out of range [0, %d]", axis, len(x.Shape))
	}
	return one(typ(x.DType, []int{tensor.NumElems(x.Shape[:axis]), tensor.NumElems(x.Shape[axis:])})), nil
}

func inferReshape(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	shape := n.Ints("shape", nil)
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("shape %v: dimensions must be resolved (>= 0)", shape)
		}
	}
	if err := checkShapeSize(shape); err != nil {
		return nil, err
	}
	if tensor.NumElems(shape) != x.NumElems() {
		return nil, fmt.Errorf("cannot reshape %s (%d elements) to %s (%d elements)", tensor.ShapeString(x.Shape), x.NumElems(), tensor.ShapeString(shape), tensor.NumElems(shape))
	}
	return one(typ(x.DType, shape)), nil
}

// checkPerm reports whether perm is a permutation of 0..rank-1.
func checkPerm(perm []int, rank int) error {
	if len(perm) != rank {
		return fmt.Errorf("perm %v has %d entries, want %d", perm, len(perm), rank)
	}
	seen := make([]bool, rank)
	for _, p := range perm {
		if p < 0 || p >= rank || seen[p] {
			return fmt.Errorf("perm %v is not a permutation of 0..%d", perm, rank-1)
		}
		seen[p] = true
	}
	return nil
}

func inferTranspose(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	perm := n.Ints("perm", nil)
	if err := checkPerm(perm, len(x.Shape)); err != nil {
		return nil, err
	}
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = x.Shape[p]
	}
	return one(typ(x.DType, out)), nil
}

func inferPad(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	pads := n.Ints("pads", nil)
	if len(pads) != 2*r {
		return nil, fmt.Errorf("attribute \"pads\": want %d ints, got %d", 2*r, len(pads))
	}
	for _, p := range pads {
		// Bounded pads keep the sums below from overflowing int.
		if p > MaxElems || p < -MaxElems {
			return nil, fmt.Errorf("pads %v: %d is beyond 2^%d", pads, p, MaxElemsLog2)
		}
	}
	out := make([]int, r)
	for i := range out {
		out[i] = x.Shape[i] + pads[i] + pads[i+r]
		if out[i] < 0 {
			return nil, fmt.Errorf("pads %v make axis %d negative", pads, i)
		}
	}
	return one(typ(x.DType, out)), nil
}

// sortedAxes checks that axes are strictly increasing and inside [0, rank).
func sortedAxes(axes []int, rank int) error {
	for i, a := range axes {
		if a < 0 || a >= rank {
			return fmt.Errorf("axes %v: %d out of range [0, %d)", axes, a, rank)
		}
		if i > 0 && axes[i-1] >= a {
			return fmt.Errorf("axes %v must be sorted and unique", axes)
		}
	}
	return nil
}

func inferSqueeze(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axes := n.Ints("axes", nil)
	if err := sortedAxes(axes, len(x.Shape)); err != nil {
		return nil, err
	}
	var out []int
	for d, size := range x.Shape {
		if slices.Contains(axes, d) {
			if size != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", d, size)
			}
			continue
		}
		out = append(out, size)
	}
	return one(typ(x.DType, out)), nil
}

func inferUnsqueeze(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axes := n.Ints("axes", nil)
	r := len(x.Shape) + len(axes)
	if err := sortedAxes(axes, r); err != nil {
		return nil, err
	}
	out := make([]int, 0, r)
	j := 0
	for d := 0; d < r; d++ {
		if slices.Contains(axes, d) {
			out = append(out, 1)
		} else {
			out = append(out, x.Shape[j])
			j++
		}
	}
	return one(typ(x.DType, out)), nil
}
