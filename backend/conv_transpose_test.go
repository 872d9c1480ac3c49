package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// convT adds a conv_transpose with random weights and bias: C -> M
// channels, kernel kh x kw, per-axis strides, dilations, pads
// [hb, wb, he, we] and output padding.
func (b *gb) convT(x *ir.Value, M, kh, kw, group int, strides, dil, pads, outPad []int64) *ir.Value {
	C := x.Type.Shape[1]
	w := b.rand(0.5, C, M/group, kh, kw)
	return b.op(ir.OpConvTranspose, ir.Attrs{"strides": ints(strides...), "pads": ints(pads...), "dilations": ints(dil...),
		"output_padding": ints(outPad...), "group": ir.IntAttr(int64(group))}, x, w, b.rand(0.2, M))
}

// TestConvTransposeOnDevice: transposed convolutions lowered by
// conv-transpose-lower run on the sub-arrays bit-exactly: one reading the
// graph input (its zero_insert moves the codes of the quantized input), one
// in the middle of a segment (zero_insert from a qconv's buffer into a
// zero-bordered one), grouped, dilated, asymmetric pads, output padding,
// a stride-1 one (no zero_insert), and one whose pads exceed the dilated
// kernel (a cropping pad between zero_insert and conv), reading the graph
// input too. Nothing is left on the host.
func TestConvTransposeOnDevice(t *testing.T) {
	for _, wa := range []string{"wbits=8,abits=8", "wbits=4,abits=4,keep-ends=false"} {
		t.Run(wa, func(t *testing.T) {
			b := newGB(t, 11)
			x := b.input(1, 4, 5, 6)
			y := b.relu(b.convT(x, 6, 3, 3, 1, []int64{2, 2}, []int64{1, 1}, []int64{1, 1, 1, 1}, []int64{1, 1}))
			y = b.relu(b.conv(y, 4, 3, 1, 1, 1, 1))
			y = b.relu(b.convT(y, 4, 2, 3, 2, []int64{3, 2}, []int64{1, 2}, []int64{0, 2, 1, 0}, []int64{2, 0}))
			o := b.convT(y, 3, 3, 3, 1, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, []int64{0, 0})
			o2 := b.convT(x, 2, 2, 2, 1, []int64{3, 3}, []int64{1, 1}, []int64{2, 0, 0, 3}, []int64{0, 1})
			if err := passes.NewManager().RunString(b.g, "conv-transpose-lower"); err != nil {
				t.Fatal(err)
			}
			gr, ins := b.finish(wa, o, o2)
			res, _ := compileAndCheck(t, gr, target.Default(), ins...)
			if len(res.Layers) != 5 || res.HostOps != 0 || res.Segments != 1 {
				t.Errorf("%d matrix layers, %d host ops, %d segments; want 5, 0, 1", len(res.Layers), res.HostOps, res.Segments)
			}
		})
	}
}
