package passes

import (
	"math"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Activations on the device (docs/QUANT.md §3.2). An element-wise
// activation of codes of at most maxLutBits bits becomes qlut: the pass
// evaluates the float function (the interpreter's own kernel) at every
// input code's real value and stores the output codes, clamp(round_half_even
// (f(code * s_x) / s_y), lo, hi), as the table, so the quantized interpreter
// and the device (vlut, ISA v1.6) compute exactly the table's codes; the
// only error against the float model is the output rounding. The product of
// two activations (a squeeze-excitation gate, SiLU as x * sigmoid(x)) of
// codes of at most 8 bits becomes qmul: sat32(a*b) (exact: |a*b| < 2^16)
// requantized by s_a s_b / s_y.

// maxLutBits bounds the input codes a table is made for: 256 entries, one
// CMEM word each.
const maxLutBits = 8

// lutOps are the activations tabulated: element-wise functions of one
// input (the ONNX activations of MobileNetV3, EfficientNet, GELU models).
var lutOps = map[ir.Op]bool{
	ir.OpSigmoid: true, ir.OpHardSigmoid: true, ir.OpHardSwish: true, ir.OpTanh: true, ir.OpLeakyRelu: true,
	"gelu": true, "gelu_tanh": true, "erf": true, "mish": true, "softplus": true, "softsign": true,
	"elu": true, "selu": true, "celu": true,
}

// TableOp reports whether the quantize pass turns op, applied to codes of
// at most 8 bits, into a qlut (docs/OPS.md lists them).
func TableOp(op ir.Op) bool { return lutOps[op] }

// TableOps lists the ops TableOp accepts, sorted.
func TableOps() []ir.Op {
	ops := make([]ir.Op, 0, len(lutOps))
	for op := range lutOps {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// spatialMean reports whether reduce_mean n averages exactly the spatial
// axes (2, 3, ...) of an [N, C, spatial...] activation: a global average
// pool (ShuffleNet's x.mean([2, 3])).
func spatialMean(n *ir.Node) bool {
	x := n.Input(0)
	if x == nil || len(x.Type.Shape) < 3 || !isFloatAct(x) {
		return false
	}
	axes := n.Ints("axes", nil)
	if len(axes) != len(x.Type.Shape)-2 {
		return false
	}
	for i, a := range axes {
		if a < 0 {
			a += len(x.Type.Shape)
		}
		if a != i+2 {
			return false
		}
	}
	return true
}

// spatialMean rewrites a reduce_mean over the spatial axes into
// qglobal_avg_pool, followed by a squeeze of the spatial axes when
// keepdims is 0.
func (q *quantizer) spatialMean(n *ir.Node) error {
	x, v := n.Inputs[0], n.Outputs[0]
	r := len(x.Type.Shape)
	pooled := &ir.Value{Name: v.Name, Type: ir.Type{DType: tensor.Float32, Shape: append(append([]int{}, x.Type.Shape[:2]...), ones(r-2)...)}}
	gp := &ir.Node{Op: ir.OpGlobalAvgPool, Inputs: []*ir.Value{x}, Outputs: []*ir.Value{pooled}, Name: n.Name, OnnxOp: n.OnnxOp}
	if n.Int("keepdims", 1) != 0 {
		gp.Outputs[0] = v
		return q.avgPool(gp)
	}
	if err := q.avgPool(gp); err != nil {
		return err
	}
	c := q.qv[pooled]
	qp := *c.Quant
	out := &ir.Value{Name: v.Name, Quant: &qp}
	axes := make([]int64, r-2)
	for i := range axes {
		axes[i] = int64(i + 2)
	}
	q.emit(newQNode(ir.OpSqueeze, n, ir.Attrs{"axes": ir.IntsAttr(axes...)}, []*ir.Value{c}, out))
	q.qv[v] = out
	return nil
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// actProduct reports whether n is a product of two activations (no
// constant operand): a qmul candidate, so its inputs are read on the device.
func actProduct(n *ir.Node) bool {
	return n.Op == ir.OpMul && len(n.Inputs) == 2 && isFloatAct(n.Inputs[0]) && isFloatAct(n.Inputs[1])
}

// lut rewrites the activation n of codes into qlut; false leaves it to the
// host (codes too wide, or a function value that is not finite).
func (q *quantizer) lut(n *ir.Node) (bool, error) {
	x, v := n.Input(0), n.Outputs[0]
	xq := q.qv[x]
	if len(n.Inputs) != 1 || len(n.Outputs) != 1 || xq == nil || !isFloatAct(v) || xq.Quant.Bits > maxLutBits {
		return false, nil
	}
	ilo, ihi, err := ir.LutRange(xq)
	if err != nil {
		return false, nil
	}
	s := xq.Quant.Scale[0]
	in := tensor.New(tensor.Float32, int(ihi-ilo+1))
	for k := range in.F32 {
		in.F32[k] = float32(ilo+int64(k)) * s // as dequantize computes it
	}
	fn := &ir.Node{Op: n.Op, Attrs: n.Attrs, Name: n.Name,
		Inputs:  []*ir.Value{{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: in.Shape}}},
		Outputs: []*ir.Value{{Name: "y", Type: ir.Type{DType: tensor.Float32, Shape: in.Shape}}}}
	outs, err := interp.EvalNode(fn, []*tensor.Tensor{in})
	if err != nil {
		return false, nil
	}
	out := q.nonNegative(q.output(n, v), v)
	table := make([]int64, in.Len())
	for k := range table {
		f := outs[0].Float64At(k)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if out.val != v { // the fused relu/clip was taken: give it back
				delete(q.fused, out.val.Def)
			}
			return false, nil
		}
		table[k] = min(max(int64(math.RoundToEven(f/float64(out.scale))), out.lo), out.hi)
	}
	y := out.value()
	q.emit(newQNode(ir.OpQLut, n, ir.Attrs{"table": ir.IntsAttr(table...), "in_lo": ir.IntAttr(ilo),
		"lo": ir.IntAttr(out.lo), "hi": ir.IntAttr(out.hi)}, []*ir.Value{xq}, y))
	q.qv[out.val] = y
	q.counts["integer layers"]++
	q.counts["activation tables"]++
	return true, nil
}

// mul rewrites the product of two activations into qmul: the first input
// of the output's shape, the second broadcasting to it (each dim 1 or the
// same), both codes of at most 8 bits. false leaves it to the host.
func (q *quantizer) mul(n *ir.Node) (bool, error) {
	if len(n.Inputs) != 2 || len(n.Outputs) != 1 || !isFloatAct(n.Outputs[0]) {
		return false, nil
	}
	a, b := n.Inputs[0], n.Inputs[1]
	shape := n.Outputs[0].Type.Shape
	if !isFloatAct(a) || !isFloatAct(b) {
		return false, nil
	}
	if !tensor.SameShape(a.Type.Shape, shape) {
		a, b = b, a
	}
	if !tensor.SameShape(a.Type.Shape, shape) || !ir.BroadcastsTo(b.Type.Shape, shape) {
		return false, nil
	}
	for _, in := range []*ir.Value{a, b} {
		if c := q.qv[in]; c != nil && c.Quant.Bits > 8 {
			return false, nil
		}
	}
	if q.abits(n) > 8 {
		return false, nil
	}
	qa, qb := q.getQ(a, q.abits(n)), q.getQ(b, q.abits(n))
	out := q.nonNegative(q.output(n, n.Outputs[0]), n.Outputs[0])
	m, s, err := fixedPoint([]float64{float64(qa.Quant.Scale[0]) * float64(qb.Quant.Scale[0]) / float64(out.scale)})
	if err != nil {
		return false, layerError(n, "requantization: %v", err)
	}
	y := out.value()
	q.emit(newQNode(ir.OpQMul, n, ir.Attrs{"mult": ir.IntAttr(m[0]), "shift": ir.IntAttr(int64(s)), "round": ir.StringAttr(roundMode),
		"lo": ir.IntAttr(out.lo), "hi": ir.IntAttr(out.hi)}, []*ir.Value{qa, qb}, y))
	q.qv[out.val] = y
	q.counts["integer layers"]++
	return true, nil
}

// nonNegative gives an output that calibration never saw negative (a
// sigmoid, a gate) unsigned codes, twice the resolution of the signed ones
// output chooses when no relu is fused; v is the node's own output.
func (q *quantizer) nonNegative(out layerOut, v *ir.Value) layerOut {
	st := q.stats[v]
	if out.val != v || !out.t.signed || st == nil || st.min < 0 {
		return out
	}
	out.t = newActType(out.t.bits, false)
	out.scale = actScale(q.rangeOf(v), out.t)
	out.lo, out.hi = codeRange(out.t, out.scale, math.Inf(-1), math.Inf(1))
	return out
}
