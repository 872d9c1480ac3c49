package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// qaffine emits the per-channel affine map of docs/QUANT.md §2: per pixel
// and chunk of channels, `vrq` of the codes to i32 with the per-channel
// scale as multiplier (zero bias, shift 0), then `vrq` with the per-channel
// bias and the output multiplier (+ `vclip`). Lanes are channels, so the
// loop runs the channel chunks outermost: each chunk loads its scale and
// bias vectors from CMEM once (`vldc`) and then walks every pixel.
func (c *compiler) qaffine(n *ir.Node) error {
	x, err := c.stridedIn(n, 0)
	if err != nil {
		return err
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	if len(x.shape) < 2 || len(y.strides) != len(x.shape) {
		return fmt.Errorf("qaffine: input %v, want [N, C, ...]", x.shape)
	}
	for _, l := range []*layout{x, y} {
		if err := checkStride("qaffine", l.strides[1]); err != nil {
			return err
		}
	}
	scale, bias := n.Input(1), n.Input(2)
	if !scale.IsConst() || !bias.IsConst() {
		return fmt.Errorf("qaffine: scale and bias must be constants")
	}
	mode, err := roundMode(n.Str("round", ""))
	if err != nil {
		return err
	}
	lo, hi := n.Int("lo", 0), n.Int("hi", 0)
	typ, clip := outType(lo, hi)
	i32 := isa.MakeIntType(32, true)
	name := c.constName(n)
	scaleAddr := int64(c.e.b.AddConst(name+".scale", int32s(scale.Const.I64)))
	biasAddr := int64(c.e.b.AddConst(name+".bias", int32s(bias.Const.I64)))
	c.bcast(6, n.Int("mult", 0))
	// Loop dims: every dim but the channel axis, outermost first.
	var dims []int
	ops := []operand{{base: y.base}, {base: x.base}}
	for d := range x.shape {
		if d == 1 {
			continue
		}
		dims = append(dims, x.shape[d])
		ops[0].strides = append(ops[0].strides, y.strides[d])
		ops[1].strides = append(ops[1].strides, x.strides[d])
	}
	for _, ch := range c.e.chunks(x.shape[1]) {
		c.e.setVL(ch[1])
		c.e.emit(isa.OpVldc, 2, 0, scaleAddr+int64(ch[0]))
		c.e.emit(isa.OpVldc, 3, 0, biasAddr+int64(ch[0]))
		chunk := []operand{
			{base: y.base + ch[0]*y.strides[1], strides: ops[0].strides},
			{base: x.base + ch[0]*x.strides[1], strides: ops[1].strides},
		}
		c.e.loopNest(dims, chunk, func(p []int64) {
			c.e.emit(isa.OpVld, 0, p[1], 0, int64(x.strides[1]))
			c.e.emit(isa.OpVrq, 1, 0, vZero, 2, 0, mode, int64(i32))
			c.e.emit(isa.OpVrq, 0, 1, 3, 6, n.Int("shift", 0), mode, int64(typ))
			if clip {
				c.e.emit(isa.OpVclip, 0, 0, lo, hi)
			}
			c.e.emit(isa.OpVst, 0, p[0], 0, int64(y.strides[1]))
		})
	}
	return nil
}

// int32s converts integer constant codes (int32 values) for CMEM.
func int32s(v []int64) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}
