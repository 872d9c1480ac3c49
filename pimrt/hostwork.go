package pimrt

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
)

// The host's work (docs/BACKEND.md §5.1) is counted from each host op as it
// executed: its mnemonic and the sizes of the tensors it read and produced,
// never from numbers the program declares. The unit is one element
// operation (a scalar arithmetic op, comparison or element moved); a
// transcendental function is counted apart as one function evaluation
// (target host.function_ops element ops each). The rules are deliberately
// coarse, one line per kind of op:
//   - views (reshape, flatten, squeeze, unsqueeze, identity, dropout, shape):
//     nothing (no element is touched);
//   - matrix ops (conv, conv_transpose, gemm, matmul, fc, qconv, qfc): 2 per
//     multiply-accumulate, from the executed shapes;
//   - window pooling: one per window cell of each output;
//   - reductions, global pooling, softmax, normalisations, cumulative and
//     index searches: opsPerIn per input element (softmax and log_softmax
//     add one function evaluation per element);
//   - transcendental element-wise functions (sigmoid, tanh, exp, log, erf,
//     gelu, pow, ...): one function evaluation per output element;
//   - everything else (element-wise arithmetic, copies, quantize, ...):
//     opsPerOut element ops per output element.

// viewOps touch no element.
var viewOps = map[ir.Op]bool{
	ir.OpReshape: true, ir.OpFlatten: true, ir.OpSqueeze: true, ir.OpUnsqueeze: true,
	ir.OpIdentity: true, ir.OpDropout: true, ir.OpShape: true,
}

// opsPerIn is the element ops per input element of the ops that read every
// input element into a reduction.
var opsPerIn = map[ir.Op]int64{
	ir.OpGlobalAvgPool: 1, ir.OpGlobalMaxPool: 1, "qglobal_avg_pool": 1, ir.OpReduceMean: 1,
	ir.OpSoftmax: 3, ir.OpLogSoftmax: 3, // max, subtract, sum (+ the exp)
	ir.OpLayerNorm: 5, ir.OpBatchNorm: 2, ir.OpLRN: 3,
	ir.OpCumSum: 1, ir.OpArgMax: 1, ir.OpArgMin: 1, ir.OpHardmax: 1, ir.OpTopK: 2,
}

// opsPerOut is the element ops per output element of the element-wise ops
// that take more than one (the others take one).
var opsPerOut = map[ir.Op]int64{
	"quantize": 3, "dequantize": 2, "qadd": 4, "qclip": 2, "qaffine": 3, // scale, round, clamp; subtract, multiply
	ir.OpClip: 2, ir.OpHardSigmoid: 3, ir.OpHardSwish: 4, ir.OpLeakyRelu: 2, ir.OpPRelu: 2,
}

// cheapMath are the element-wise math functions that cost about one op.
var cheapMath = map[string]bool{
	"abs": true, "neg": true, "sign": true, "floor": true, "ceil": true, "round": true, "reciprocal": true,
	"is_nan": true, "is_inf": true, "not": true, "thresholded_relu": true, "shrink": true, "softsign": true,
}

// functionOps are the transcendental ops outside ir.MathSpecOf's table.
var functionOps = map[ir.Op]bool{ir.OpSigmoid: true, ir.OpTanh: true, ir.OpPow: true}

// countHostOp adds the work of host op n, which read ins and produced outs,
// to w.
func countHostOp(w *sim.HostWork, n *ir.Node, ins, outs []*tensor.Tensor) {
	ops, fns := hostOpWork(n, ins, outs)
	w.AddOp(string(n.Op), ops, fns)
}

// hostOpWork is the element operations and function evaluations of one
// executed host op.
func hostOpWork(n *ir.Node, ins, outs []*tensor.Tensor) (ops, fns int64) {
	out := int64(0)
	for _, t := range outs {
		if t != nil {
			out += int64(t.Len())
		}
	}
	in := int64(0)
	if len(ins) > 0 && ins[0] != nil {
		in = int64(ins[0].Len())
	}
	switch {
	case viewOps[n.Op]:
		return 0, 0
	case n.Op == ir.OpConv || n.Op == "qconv" || n.Op == ir.OpConvTranspose:
		return 2 * convMACs(n, ins, out), 0
	case n.Op == ir.OpGemm || n.Op == ir.OpMatMul || n.Op == ir.OpFC || n.Op == "qfc":
		return 2 * out * matrixK(n, ins), 0
	case n.Op == ir.OpMaxPool || n.Op == ir.OpAvgPool || n.Op == "qavg_pool" || n.Op == ir.OpMaxPoolIndices:
		k := int64(1)
		for _, d := range n.Ints("kernel", nil) {
			k *= int64(d)
		}
		return out * k, 0
	case opsPerIn[n.Op] > 0:
		ops = opsPerIn[n.Op] * in
		if n.Op == ir.OpSoftmax || n.Op == ir.OpLogSoftmax {
			fns = in
		}
		return ops, fns
	case len(n.Op) > 7 && n.Op[:7] == "reduce_":
		return in, 0
	case functionOps[n.Op] || (ir.MathSpecOf(n.Op) != nil && !cheapMath[string(n.Op)]):
		return 0, out
	}
	if k := opsPerOut[n.Op]; k > 0 {
		return k * out, 0
	}
	return out, 0
}

// convMACs is the multiply-accumulates of a convolution: every output
// element of a convolution takes C/group x kernel of them (the weight's
// elements per filter); every input element of a transposed convolution
// feeds M/group x kernel outputs (the weight's elements per input channel).
func convMACs(n *ir.Node, ins []*tensor.Tensor, out int64) int64 {
	if len(ins) < 2 || ins[1] == nil || len(ins[1].Shape) == 0 {
		return out
	}
	w := ins[1]
	perRow := int64(w.Len() / max(w.Shape[0], 1))
	if n.Op == ir.OpConvTranspose {
		return int64(ins[0].Len()) * perRow
	}
	return out * perRow
}

// matrixK is the reduction length of a matrix op: A's last dimension (its
// first for gemm with trans_a).
func matrixK(n *ir.Node, ins []*tensor.Tensor) int64 {
	if len(ins) == 0 || ins[0] == nil || len(ins[0].Shape) == 0 {
		return 1
	}
	s := ins[0].Shape
	if n.Op == ir.OpGemm && n.Int("trans_a", 0) != 0 {
		return int64(s[0])
	}
	return int64(s[len(s)-1])
}
