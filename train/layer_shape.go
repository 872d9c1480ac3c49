package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// reshapeLayer is flatten, reshape, identity or inference dropout: the
// output is a view of the input and the gradient a view of the output
// gradient. A reshape whose target keeps the static batch dimension of its
// input keeps the run-time batch size instead.
type reshapeLayer struct {
	flatten     bool
	flattenAxis int
	identity    bool
	target      []int
	static      []int
	xShape      []int
}

func (l *reshapeLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	x := in[0]
	if err := checkF32("x", x); err != nil {
		return nil, err
	}
	l.xShape = x.Shape
	switch {
	case l.identity:
		return x, nil
	case l.flatten:
		if l.flattenAxis < 0 || l.flattenAxis > len(x.Shape) {
			return nil, fmt.Errorf("flatten axis %d out of range for %v", l.flattenAxis, x)
		}
		a := tensor.NumElems(x.Shape[:l.flattenAxis])
		return x.Reshaped(a, x.Len()/max(a, 1)), nil
	}
	shape := append([]int{}, l.target...)
	if len(shape) > 0 && len(l.static) > 0 && shape[0] == l.static[0] && x.Shape[0] != l.static[0] {
		shape[0] = x.Shape[0]
	}
	if tensor.NumElems(shape) != x.Len() {
		return nil, fmt.Errorf("cannot reshape %v to %v", x, shape)
	}
	return x.Reshaped(shape...), nil
}

func (l *reshapeLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	if !want[0] {
		return []*tensor.Tensor{nil}, nil
	}
	return []*tensor.Tensor{dout.Reshaped(l.xShape...)}, nil
}
