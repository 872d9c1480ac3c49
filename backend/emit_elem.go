package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// qadd emits the residual add of docs/QUANT.md §2: each input rescaled by a
// vrq to i32 (zero bias, its in_mult/in_shift), summed with vadd left to
// right, then one vrq (+ vclip) to the output range.
func (c *compiler) qadd(n *ir.Node) error {
	var lays []*layout
	y, err := c.outOrDRAM(n, 0)
	if err != nil {
		return err
	}
	lays = append(lays, y)
	for i := range n.Inputs {
		get := c.in
		if y.dram || c.banded { // banded mode: inputs may stay in DRAM
			get = c.inBandable
		}
		l, err := get(n, i)
		if err != nil {
			return err
		}
		lays = append(lays, l)
	}
	mults, shifts := n.Ints("in_mults", nil), n.Ints("in_shifts", nil)
	mode, err := roundMode(n.Str("round", ""))
	if err != nil {
		return err
	}
	lo, hi := n.Int("lo", 0), n.Int("hi", 0)
	typ, clip := outType(lo, hi)
	i32 := isa.MakeIntType(32, true)
	// v6 = output multiplier, v2..v5 input multipliers (re-broadcast in the
	// loop when there are more than four inputs).
	c.bcast(6, n.Int("mult", 0))
	hoisted := len(n.Inputs) <= 4
	if hoisted {
		for i := range n.Inputs {
			c.bcast(int64(2+i), int64(mults[i]))
		}
	}
	return c.vecBands("qadd", lays, append([]*ir.Value{n.Outputs[0]}, n.Inputs...), func(o []vecOperand, lanes int) {
		for i := range n.Inputs {
			vm := int64(2 + i)
			if !hoisted {
				vm = 2
				r := c.e.reg()
				c.e.emit(isa.OpLi, r, int64(mults[i]))
				c.e.emit(isa.OpVbcast, vm, r)
				c.e.free(r)
			}
			c.vld(1, o[1+i])
			c.e.emit(isa.OpVrq, 1, 1, vZero, vm, int64(shifts[i]), mode, int64(i32))
			if i == 0 {
				c.e.emit(isa.OpVmov, 0, 1)
			} else {
				c.e.emit(isa.OpVadd, 0, 0, 1)
			}
		}
		c.e.emit(isa.OpVrq, 0, 0, vZero, 6, n.Int("shift", 0), mode, int64(typ))
		if clip {
			c.e.emit(isa.OpVclip, 0, 0, lo, hi)
		}
		c.vst(0, o[0])
	})
}

// qclip clamps codes (vclip).
func (c *compiler) qclip(n *ir.Node) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	lo, hi := n.Int("lo", 0), n.Int("hi", 0)
	if lo < -(1<<23) || hi >= 1<<23 {
		return fmt.Errorf("clip range [%d, %d] does not fit vclip's 24-bit immediates", lo, hi)
	}
	return c.vecLoop("qclip", []*layout{y, x}, func(o []vecOperand, _ int) {
		c.vld(0, o[1])
		c.e.emit(isa.OpVclip, 0, 0, lo, hi)
		c.vst(0, o[0])
	})
}

// qconcat writes every input, rescaled when its mult/shift is not the
// identity, into its slice of the output along the axis.
func (c *compiler) qconcat(n *ir.Node) error {
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	axis := int(n.Int("axis", 0))
	if axis < 0 {
		axis += len(y.shape)
	}
	mults, shifts := n.Ints("in_mults", nil), n.Ints("in_shifts", nil)
	mode, err := roundMode(n.Str("round", ""))
	if err != nil {
		return err
	}
	lo, hi := n.Int("lo", 0), n.Int("hi", 0)
	typ, clip := outType(lo, hi)
	start := 0
	for i, v := range n.Inputs {
		x, err := c.in(n, i)
		if err != nil {
			return err
		}
		sz := v.Type.Shape[axis]
		dst := y.slice(axis, start, sz)
		start += sz
		xlo, xhi := int64(0), int64(0)
		if t, err := portType(v); err == nil {
			xlo, xhi = t.Range()
		}
		plain := mults[i] == 1 && shifts[i] == 0 && xlo >= lo && xhi <= hi
		if !plain {
			c.bcast(6, int64(mults[i]))
		}
		err = c.vecLoop("qconcat", []*layout{dst, x}, func(o []vecOperand, _ int) {
			c.vld(0, o[1])
			if !plain {
				c.e.emit(isa.OpVrq, 0, 0, vZero, 6, int64(shifts[i]), mode, int64(typ))
				if clip {
					c.e.emit(isa.OpVclip, 0, 0, lo, hi)
				}
			}
			c.vst(0, o[0])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pad (value 0, on codes) copies the input into the interior of a fresh
// zero buffer; negative pads crop.
func (c *compiler) pad(n *ir.Node) error {
	if v := n.Float("value", 0); v != 0 {
		return fmt.Errorf("pad value %v on codes (only 0 is exact)", v)
	}
	if m := n.Str("mode", "constant"); m != "constant" {
		return fmt.Errorf("pad mode %q on codes (only constant)", m)
	}
	x, err := c.stridedIn(n, 0)
	if err != nil {
		return err
	}
	y, err := c.outZero(n, 0, true)
	if err != nil {
		return err
	}
	pads := n.Ints("pads", nil)
	r := len(x.shape)
	if len(pads) != 2*r {
		return fmt.Errorf("pads has %d values, want %d", len(pads), 2*r)
	}
	src, dst := x, y
	for d := 0; d < r; d++ {
		b, e := pads[d], pads[r+d]
		size := x.shape[d] + min(b, 0) + min(e, 0)
		src = src.slice(d, max(-b, 0), size)
		dst = dst.slice(d, max(b, 0), size)
	}
	return c.copyTo("pad", dst, src)
}

// zeroInsert (conv_transpose lowered by conv-transpose-lower) copies the
// input into a fresh zero buffer seen with every spatial stride multiplied
// by the op's stride, so the cells between stay zero (code 0 is the real
// 0). The buffer gets the margins of its qconv reader like any producer.
func (c *compiler) zeroInsert(n *ir.Node) error {
	x, err := c.stridedIn(n, 0)
	if err != nil {
		return err
	}
	strides := n.Ints("strides", nil)
	if len(strides) != len(x.shape)-2 {
		return fmt.Errorf("strides has %d values, want %d", len(strides), len(x.shape)-2)
	}
	y, err := c.outZero(n, 0, true)
	if err != nil {
		return err
	}
	dst := y.step(x.shape, strides)
	return c.copyTo("zero_insert", dst, x)
}
