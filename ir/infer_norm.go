package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the normalizations and reductions: batch_norm, lrn and
// reduce_mean.

func inferBatchNorm(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input rank %d, want at least 2", len(x.Shape))
	}
	c := x.Shape[1]
	for i, name := range []string{"scale", "bias", "mean", "var"} {
		p, err := in(n, 1+i)
		if err != nil {
			return nil, err
		}
		if !tensor.SameShape(p.Shape, []int{c}) {
			return nil, fmt.Errorf("%s %s, want [%d]", name, tensor.ShapeString(p.Shape), c)
		}
		if err := wantFloat(name, p); err != nil {
			return nil, err
		}
	}
	return one(x), nil
}

func inferLRN(n *Node) ([]Type, error) {
	x, err := inferSameFloat(n)
	if err != nil {
		return nil, err
	}
	if len(x[0].Shape) < 3 {
		return nil, fmt.Errorf("input rank %d, want at least 3 (N, C, spatial...)", len(x[0].Shape))
	}
	if size := n.Int("size", 0); size < 1 {
		return nil, fmt.Errorf("attribute \"size\" is %d, want >= 1", size)
	}
	return x, nil
}

func inferReduceMean(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	axes := n.Ints("axes", nil)
	if err := sortedAxes(axes, r); err != nil {
		return nil, err
	}
	keep := n.Int("keepdims", 1) != 0
	var out []int
	for d, size := range x.Shape {
		if len(axes) == 0 || slices.Contains(axes, d) {
			if keep {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, size)
	}
	return one(typ(x.DType, out)), nil
}
