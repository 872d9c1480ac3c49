package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the element-wise ops: unary ops keep their input's
// type, binary and variadic ones broadcast (NumPy rules).

func inferSame(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	return one(x), nil
}

func inferSameFloat(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	return one(x), nil
}

func inferBinary(n *Node) ([]Type, error) { return inferVariadic(n) }

func inferVariadic(n *Node) ([]Type, error) {
	ts, err := inputsLike(n)
	if err != nil {
		return nil, err
	}
	shape := slices.Clone(ts[0].Shape)
	for _, u := range ts[1:] {
		if shape, err = BroadcastShapes(shape, u.Shape); err != nil {
			return nil, err
		}
	}
	return one(typ(ts[0].DType, shape)), nil
}

func inferPRelu(n *Node) ([]Type, error) {
	x, s, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if err := sameDType(x, s, "slope"); err != nil {
		return nil, err
	}
	b, err := BroadcastShapes(x.Shape, s.Shape)
	if err != nil {
		return nil, err
	}
	if !tensor.SameShape(b, x.Shape) {
		return nil, fmt.Errorf("slope %s does not broadcast to x %s", tensor.ShapeString(s.Shape), tensor.ShapeString(x.Shape))
	}
	return one(x), nil
}

func inferSoftmax(n *Node) ([]Type, error) {
	x, err := inferSameFloat(n)
	if err != nil {
		return nil, err
	}
	if err := checkAxis("axis", int(n.Int("axis", -1)), len(x[0].Shape)); err != nil {
		return nil, err
	}
	return x, nil
}
