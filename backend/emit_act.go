package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// qlut emits an activation by lookup (ISA v1.6 vlut): the table goes to
// CMEM, and per chunk of elements `vld`, `vlut` with the table's address
// less in_lo as immediate (a code indexes its own entry), `vst`.
func (c *compiler) qlut(n *ir.Node) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	tab := n.Ints("table", nil)
	vals := make([]int64, len(tab))
	for i, v := range tab {
		vals[i] = int64(v)
	}
	addr := int64(c.e.b.AddConst(c.constName(n)+".table", int32s(vals)))
	imm := addr - n.Int("in_lo", 0)
	if imm < -(1<<23) || imm >= 1<<23 {
		return fmt.Errorf("qlut: table address %d less code %d does not fit vlut's 24-bit immediate", addr, n.Int("in_lo", 0))
	}
	return c.vecLoop("qlut", []*layout{y, x}, func(o []vecOperand, _ int) {
		c.vld(0, o[1])
		c.e.emit(isa.OpVlut, 0, 0, 0, imm)
		c.vst(0, o[0])
	})
}

// qmul emits the product of two activations (ISA v1.6 vmul): per chunk
// `vld` both (the second seen broadcast: stride 0 along its size-1 dims),
// `vmul`, `vrq` with the output multiplier (+ `vclip`), `vst`.
func (c *compiler) qmul(n *ir.Node) error {
	a, err := c.in(n, 0)
	if err != nil {
		return err
	}
	b, err := c.stridedIn(n, 1)
	if err != nil {
		return err
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	bb, err := b.broadcast(a.shape)
	if err != nil {
		return fmt.Errorf("qmul: %w", err)
	}
	mode, err := roundMode(n.Str("round", ""))
	if err != nil {
		return err
	}
	lo, hi := n.Int("lo", 0), n.Int("hi", 0)
	typ, clip := outType(lo, hi)
	c.bcast(6, n.Int("mult", 0))
	return c.vecLoop("qmul", []*layout{y, a, bb}, func(o []vecOperand, _ int) {
		c.vld(0, o[1])
		c.vld(1, o[2])
		c.e.emit(isa.OpVmul, 0, 0, 1)
		c.e.emit(isa.OpVrq, 0, 0, vZero, 6, n.Int("shift", 0), mode, int64(typ))
		if clip {
			c.e.emit(isa.OpVclip, 0, 0, lo, hi)
		}
		c.vst(0, o[0])
	})
}

// broadcast is l (strided: its logical shape is its physical one) seen with
// shape, each of l's size-1 dims repeated with stride 0.
func (l *layout) broadcast(shape []int) (*layout, error) {
	if !l.strided() || len(l.shape) != len(shape) {
		return nil, fmt.Errorf("cannot broadcast %v to %v", l.shape, shape)
	}
	b := *l
	b.phys, b.shape, b.strides = append([]int{}, shape...), append([]int{}, shape...), append([]int{}, l.strides...)
	for d := range shape {
		switch {
		case l.shape[d] == shape[d]:
		case l.shape[d] == 1:
			b.strides[d] = 0
		default:
			return nil, fmt.Errorf("cannot broadcast %v to %v", l.shape, shape)
		}
	}
	b.margin = make([]int, len(shape))
	return &b, nil
}

// strideSlice is the strided slice of l (strided) with cells begin[d] +
// c*step[d], c < shape[d], on every axis: a view over the same words (ONNX
// Slice, channel split of ShuffleNet), without margins.
func (l *layout) strideSlice(begin, step, shape []int) (*layout, error) {
	r := len(l.shape)
	if !l.strided() || len(begin) != r || len(step) != r || len(shape) != r {
		return nil, fmt.Errorf("slice of %v: begin %v, step %v, shape %v", l.shape, begin, step, shape)
	}
	v := *l
	v.phys, v.shape, v.strides, v.margin = append([]int{}, shape...), append([]int{}, shape...), make([]int, r), make([]int, r)
	for d := range r {
		if shape[d] < 0 || begin[d] < 0 || begin[d] >= max(l.shape[d], 1) && shape[d] > 0 {
			return nil, fmt.Errorf("slice of %v: axis %d begins at %d", l.shape, d, begin[d])
		}
		if last := begin[d] + (shape[d]-1)*step[d]; shape[d] > 0 && (last < 0 || last >= l.shape[d]) {
			return nil, fmt.Errorf("slice of %v: axis %d ends at %d", l.shape, d, last)
		}
		v.base += begin[d] * l.strides[d]
		v.strides[d] = l.strides[d] * step[d]
	}
	return &v, nil
}
