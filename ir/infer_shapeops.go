package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the ops on shapes themselves: shape and
// constant_of_shape (folded to constants by the frontend and the passes).

func inferShape(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	start, end := int(n.Int("start", 0)), int(n.Int("end", int64(r)))
	if start < 0 || start > r || end < 0 || end > r {
		return nil, fmt.Errorf("start %d and end %d must lie in [0, %d]", start, end, r)
	}
	return one(typ(tensor.Int64, []int{max(0, end-start)})), nil
}

func inferConstantOfShape(n *Node) ([]Type, error) {
	s, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(s.Shape) != 1 || s.DType != tensor.Int64 {
		return nil, fmt.Errorf("shape input is %s, want a 1-D i64 tensor", s)
	}
	c := n.Input(0).Const
	if c == nil {
		return nil, fmt.Errorf("shape input must be a constant (shapes are static)")
	}
	val := n.Attrs["value"].Tensor
	if val == nil || val.Len() != 1 {
		return nil, fmt.Errorf("attribute \"value\" must be a 1-element tensor")
	}
	shape := c.Ints()
	if err := checkShapeSize(shape); err != nil {
		return nil, err
	}
	return one(typ(val.DType, shape)), nil
}
