package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/isa"
)

// vecOperand is one tensor of an element-wise vector loop, as seen by the
// loop body: its pointer register, the word offset of the current chunk and
// the stride between lanes.
type vecOperand struct {
	ptr         int64
	off, stride int
}

// vecLoop walks tensors of equal size element by element, in the common
// refined index space of their layouts: one dim is the vector dim (chunked
// by dpu_lanes, lanes strided by vld/vst), the others are dbnz loops. body
// is called once per chunk with the chunk length (VL is already set).
func (c *compiler) vecLoop(what string, lays []*layout, body func(ops []vecOperand, lanes int)) error {
	R, err := refinement(shapesOf(lays...)...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(R) == 0 {
		R = []int{1}
	}
	strides := make([][]int, len(lays))
	for i, l := range lays {
		strides[i] = l.over(R)
		if len(strides[i]) == 0 {
			strides[i] = []int{0}
		}
	}
	// Vector dim: the largest dim whose strides fit the S16 field (the
	// innermost on ties, which is the channel dim of NHWC buffers).
	vd := -1
	for d := len(R) - 1; d >= 0; d-- {
		ok := true
		for i := range lays {
			if checkStride(what, strides[i][d]) != nil {
				ok = false
			}
		}
		if ok && (vd < 0 || R[d] > R[vd]) {
			vd = d
		}
	}
	if vd < 0 {
		return fmt.Errorf("%s: no dim has lane strides that fit the 16-bit vld/vst stride", what)
	}
	var dims []int
	ops := make([]operand, len(lays))
	for i, l := range lays {
		ops[i].base = l.base
	}
	for d := range R {
		if d == vd {
			continue
		}
		dims = append(dims, R[d])
		for i := range lays {
			ops[i].strides = append(ops[i].strides, strides[i][d])
		}
	}
	chunks := c.e.chunks(R[vd])
	c.e.loopNest(dims, ops, func(ptrs []int64) {
		for _, ch := range chunks {
			c.e.setVL(ch[1])
			vo := make([]vecOperand, len(lays))
			for i := range lays {
				vo[i] = vecOperand{ptr: ptrs[i], off: ch[0] * strides[i][vd], stride: strides[i][vd]}
			}
			body(vo, ch[1])
		}
	})
	return nil
}

func (c *compiler) vld(v int64, o vecOperand) {
	c.e.emit(isa.OpVld, v, o.ptr, int64(o.off), int64(o.stride))
}

func (c *compiler) vst(v int64, o vecOperand) {
	c.e.emit(isa.OpVst, v, o.ptr, int64(o.off), int64(o.stride))
}

// copyTo materializes src into dst (same logical shape).
func (c *compiler) copyTo(what string, dst, src *layout) error {
	return c.vecLoop(what, []*layout{dst, src}, func(o []vecOperand, _ int) {
		c.vld(0, o[1])
		c.vst(0, o[0])
	})
}

// vZero is a vector register that is never written: every vector register
// is zero at load and after reset, so v7 is the zero bias of vrq.
const vZero = 7

// bcast sets vector v (all lanes) to the constant x.
func (c *compiler) bcast(v int64, x int64) {
	r := c.e.reg()
	c.e.emit(isa.OpLi, r, x)
	c.e.setVL(c.e.arch.DPULanes)
	c.e.emit(isa.OpVbcast, v, r)
	c.e.free(r)
}
