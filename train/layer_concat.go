package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// concatLayer joins its inputs along one axis (Inception-style branches
// concatenated along the channels); the gradient of each input is its
// slice of the output gradient. The batch axis is the run-time one, so
// the axis must not be 0.
type concatLayer struct {
	axis   int
	params []*Param
	shapes [][]int
	y      *tensor.Tensor
	dx     []*tensor.Tensor
}

func newConcatLayer(axis, rank int, params []*Param) (*concatLayer, error) {
	if axis < 0 {
		axis += rank
	}
	if axis <= 0 || axis >= rank {
		return nil, fmt.Errorf("concat along axis %d of rank %d has no gradient here (want a non-batch axis)", axis, rank)
	}
	return &concatLayer{axis: axis, params: params}, nil
}

// split returns the number of rows before the axis and the elements each
// input contributes per row.
func (l *concatLayer) split(shapes [][]int) (outer int, per []int) {
	outer = tensor.NumElems(shapes[0][:l.axis])
	for _, s := range shapes {
		per = append(per, tensor.NumElems(s[l.axis:]))
	}
	return outer, per
}

func (l *concatLayer) forward(in []*tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	l.shapes = l.shapes[:0]
	out := append([]int(nil), in[0].Shape...)
	out[l.axis] = 0
	for i, x := range in {
		if err := checkF32(fmt.Sprintf("input %d", i), x); err != nil {
			return nil, err
		}
		if len(x.Shape) != len(out) {
			return nil, fmt.Errorf("concat input %d is %v, want rank %d", i, x.Shape, len(out))
		}
		for d := range x.Shape {
			if d != l.axis && x.Shape[d] != in[0].Shape[d] {
				return nil, fmt.Errorf("concat input %d is %v, input 0 %v", i, x.Shape, in[0].Shape)
			}
		}
		out[l.axis] += x.Shape[l.axis]
		l.shapes = append(l.shapes, x.Shape)
	}
	y := buf(&l.y, out...)
	outer, per := l.split(l.shapes)
	row := tensor.NumElems(out[l.axis:])
	off := 0
	for i, x := range in {
		for o := range outer {
			copy(y.F32[o*row+off:o*row+off+per[i]], x.F32[o*per[i]:(o+1)*per[i]])
		}
		off += per[i]
	}
	return y, nil
}

func (l *concatLayer) backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error) {
	res := make([]*tensor.Tensor, len(l.shapes))
	if len(l.dx) < len(l.shapes) {
		l.dx = make([]*tensor.Tensor, len(l.shapes))
	}
	outer, per := l.split(l.shapes)
	row := tensor.NumElems(dout.Shape[l.axis:])
	off := 0
	for i, s := range l.shapes {
		p := l.params[i]
		switch {
		case want[i]:
			d := buf(&l.dx[i], s...)
			for o := range outer {
				copy(d.F32[o*per[i]:(o+1)*per[i]], dout.F32[o*row+off:o*row+off+per[i]])
			}
			res[i] = d
		case p != nil && p.Trainable():
			for o := range outer {
				for j, v := range dout.F32[o*row+off : o*row+off+per[i]] {
					p.Grad[o*per[i]+j] += v
				}
			}
		}
		off += per[i]
	}
	return res, nil
}
