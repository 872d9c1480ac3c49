package backend_test

import (
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestActivationsOnDevice: the activations of MobileNetV3 and EfficientNet
// (hard-swish as x * hard_sigmoid(x), SiLU as x * sigmoid(x), tanh, GELU)
// and a squeeze-excitation gate (global average pool, 1x1 convolutions,
// sigmoid, broadcast product) become qlut and qmul and run on the device
// bit-exactly: one segment, no host op, vlut and vmul in the program.
// More channels than DPU lanes exercise the chunks; 4-bit activations
// smaller tables.
func TestActivationsOnDevice(t *testing.T) {
	for _, wa := range []string{"wbits=8,abits=8", "wbits=4,abits=4,keep-ends=false"} {
		t.Run(wa, func(t *testing.T) {
			b := newGB(t, 3)
			x := b.input(1, 3, 7, 7)
			c := b.conv(x, 72, 3, 1, 1, 1, 1)
			hs := b.op(ir.OpMul, nil, c, b.op(ir.OpHardSigmoid, ir.Attrs{"alpha": ir.FloatAttr(1.0 / 6), "beta": ir.FloatAttr(0.5)}, c))
			d := b.conv(hs, 72, 3, 1, 1, 1, 72) // depthwise
			silu := b.op(ir.OpMul, nil, d, b.op(ir.OpSigmoid, nil, d))
			// squeeze-excitation
			s := b.op(ir.OpGlobalAvgPool, nil, silu)
			s = b.relu(b.conv(s, 8, 1, 1, 0, 1, 1))
			gate := b.op(ir.OpSigmoid, nil, b.conv(s, 72, 1, 1, 0, 1, 1))
			se := b.op(ir.OpMul, nil, gate, silu) // the gate first: broadcast [1,72,1,1] to [1,72,7,7]
			e := b.conv(se, 16, 1, 1, 0, 1, 1)
			th := b.op(ir.OpTanh, nil, e)
			ge := b.op("gelu", nil, b.conv(th, 8, 3, 1, 1, 1, 1))
			gr, ins := b.finish(wa, b.conv(ge, 4, 1, 1, 0, 1, 1))
			res, _ := compileAndCheck(t, gr, target.Default(), ins...)
			luts, muls := 0, 0
			for _, nd := range gr.Nodes {
				switch nd.Op {
				case ir.OpQLut:
					luts++
				case ir.OpQMul:
					muls++
				}
			}
			if luts != 5 || muls != 3 || res.Segments != 1 || res.HostOps != 0 {
				t.Errorf("%d qlut, %d qmul, %d segments, %d host ops; want 5, 3, 1, 0", luts, muls, res.Segments, res.HostOps)
			}
			has := func(op isa.Opcode) bool {
				return slices.ContainsFunc(res.Prog.Code, func(in isa.Instr) bool { return in.Op == op })
			}
			if !has(isa.OpVlut) || !has(isa.OpVmul) {
				t.Error("the program has no vlut or no vmul")
			}
		})
	}
}

// TestShuffleOnDevice: a ShuffleNet-v2 unit — channel split by two slices,
// a branch of convolutions, concat, channel shuffle (reshape, transpose,
// reshape) — and the final mean over the spatial axes (reduce_mean, keepdims
// 0) run on the device bit-exactly: one segment, no host op.
func TestShuffleOnDevice(t *testing.T) {
	b := newGB(t, 7)
	x := b.input(1, 3, 6, 6)
	y := b.relu(b.conv(x, 16, 3, 1, 1, 1, 1))
	slice := func(from int) *ir.Value {
		return b.op(ir.OpSlice, ir.Attrs{"begin": ir.IntsAttr(0, int64(from), 0, 0), "step": ir.IntsAttr(1, 1, 1, 1), "shape": ir.IntsAttr(1, 8, 6, 6)}, y)
	}
	left, right := slice(0), slice(8)
	right = b.relu(b.conv(b.conv(right, 8, 3, 1, 1, 1, 8), 8, 1, 1, 0, 1, 1))
	cat := b.op(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, left, right)
	s := b.op(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 2, 8, 6, 6)}, cat)
	s = b.op(ir.OpTranspose, ir.Attrs{"perm": ir.IntsAttr(0, 2, 1, 3, 4)}, s)
	s = b.op(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 16, 6, 6)}, s)
	m := b.op(ir.OpReduceMean, ir.Attrs{"axes": ir.IntsAttr(2, 3), "keepdims": ir.IntAttr(0)}, b.relu(b.conv(s, 16, 1, 1, 0, 1, 1)))
	gr, ins := b.finish("wbits=8,abits=8", b.fc(m, 5))
	res, _ := compileAndCheck(t, gr, target.Default(), ins...)
	if res.Segments != 1 || res.HostOps != 0 {
		t.Errorf("%d segments, %d host ops; want 1, 0", res.Segments, res.HostOps)
	}
}
