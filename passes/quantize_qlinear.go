package passes

import (
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Imported quantized models (ONNX QuantizeLinear, DequantizeLinear,
// QLinearConv, QLinearMatMul; ir/op_qlinear.go) keep their own scales: where
// every zero point is 0 (symmetric codes, the only ones pimc's quantized
// stage holds, docs/QUANT.md §1), the scales and weights constants, the
// scales per tensor (weights per output channel) and the codes 8-bit, the
// pass maps them onto its own ops instead of calibrating:
//
//   - quantize_linear to int8/uint8 -> quantize (codes at the model's scale;
//     pimc divides in float64 where onnxruntime divides in float32, so a
//     quotient within a float32 rounding of a half can round the other way);
//   - dequantize_linear of such codes -> dequantize (the same float32 value);
//   - qlinear_conv, qlinear_matmul with a constant int8 weight in
//     [-127, 127] and an int32 bias -> qconv, qfc with the model's weight
//     codes and bias, the multiplier x_scale*w_scale/y_scale rounded to
//     float32 as onnxruntime computes it, then to the layer's fixed point
//     (exact for the channel with the largest multiplier and those within
//     a factor 2^7 of it), rounding half to even as onnxruntime does. The
//     device computes round(acc * M) exactly where onnxruntime rounds
//     float32(acc) * M to float32 first: the codes agree except where that
//     product lies within a float32 rounding of a half.
//
// Zero points (affine codes, real = scale * (q - zp)) are kept exactly:
//
//   - quantize_linear and dequantize_linear with a constant per-tensor zero
//     point stay the model's own ops on the host (the boundary of a device
//     segment, onnxruntime's float32 arithmetic), their codes carrying the
//     zero point in their QuantParams;
//   - qlinear_conv/qlinear_matmul with an input zero point xz: the device
//     sums the raw codes, sum_k x_k w_k, and the bias absorbs the rest,
//     bias - xz * sum_k w_k (a per-filter constant; exact, and the
//     accumulation bound is that of the raw codes); the padded cells hold
//     xz (attribute x_zero), so they contribute nothing;
//   - a constant weight zero point wz is subtracted from the weight codes at
//     compile time (w - wz must lie in [-127, 127]);
//   - an output zero point yz is added after the rounding (attribute
//     y_zero: vrq to i32, vadd, vclip on the device).
//
// Codes with a zero point other than 0 flow only through ops that are
// exact on them (data movement, unpadded max pooling, the matrix layers
// above); any other reader gets them on the host.
//
// DequantizeLinear -> data movement -> QuantizeLinear chains run on the
// codes (quantize_qdq_move.go); DequantizeLinear -> Conv/MatMul ->
// QuantizeLinear layers become the qlinear_conv/qlinear_matmul of their
// codes and are mapped as above (qdq_matrix.go).
//
// Anything else (per-axis activation scales, other widths) stays on the
// host, as before.

// constScalar returns the single value of constant v (nil: absent, 0), ok
// false when v is not a one-element constant.
func constScalar(v *ir.Value) (float64, bool) {
	if v == nil {
		return 0, true
	}
	if !v.IsConst() || v.Const.Len() != 1 {
		return 0, false
	}
	return v.Const.Float64At(0), true
}

// codeType is the 8-bit activation type of element type dt.
func codeType(dt tensor.DType) (actType, bool) {
	switch dt {
	case tensor.Int8:
		return newActType(8, true), true
	case tensor.Uint8:
		return newActType(8, false), true
	}
	return actType{}, false
}

// zeroPoints reports whether every listed zero point is absent or a
// constant of zeros.
func zeroPoints(vs ...*ir.Value) bool {
	for _, v := range vs {
		if v == nil {
			continue
		}
		if !v.IsConst() {
			return false
		}
		for i := 0; i < v.Const.Len(); i++ {
			if v.Const.Float64At(i) != 0 {
				return false
			}
		}
	}
	return true
}

// qlinear maps an ONNX quantized-model op as described above; false keeps
// it on the host.
func (q *quantizer) qlinear(n *ir.Node) (bool, error) {
	switch n.Op {
	case ir.OpQuantizeLinear:
		s, ok := constScalar(n.Inputs[1])
		t, ok8 := codeType(n.Outputs[0].Type.DType)
		if !ok || !ok8 || !(s > 0) || n.Inputs[1].Type.DType != tensor.Float32 || !isFloatAct(n.Inputs[0]) {
			return false, nil
		}
		if !zeroPoints(n.Input(2)) {
			return q.quantizeWithZero(n, t, float32(s))
		}
		out := &ir.Value{Name: n.Outputs[0].Name, Quant: quantParams(t, float32(s))}
		q.emit(newQNode(ir.OpQuantize, n, ir.Attrs{"scale": ir.FloatAttr(float32(s)), "lo": ir.IntAttr(t.lo()), "hi": ir.IntAttr(t.hi())}, []*ir.Value{q.getF(n.Inputs[0])}, out))
		q.counts["quantize nodes"]++
		q.qv[n.Outputs[0]] = out
		return true, nil
	case ir.OpDequantizeLinear:
		x := q.qv[n.Inputs[0]]
		s, ok := constScalar(n.Inputs[1])
		if x == nil || !ok || n.Inputs[1].Type.DType != tensor.Float32 || float32(s) != x.Quant.Scale[0] || zeroOf(x) != 0 || !zeroPoints(n.Input(2)) {
			return false, nil
		}
		out := &ir.Value{Name: n.Outputs[0].Name}
		q.emit(newQNode(ir.OpDequantize, n, ir.Attrs{"scale": ir.FloatAttr(float32(s))}, []*ir.Value{x}, out))
		q.counts["dequantize nodes"]++
		q.fv[n.Outputs[0]] = out
		return true, nil
	case ir.OpQLinearConv, ir.OpQLinearMatMul:
		if ok, err := q.qlinearMatrix(n); ok || err != nil {
			return ok, err
		}
		q.hostCodes(n, 6, 7)
		return true, nil
	}
	return false, nil
}

// hostCodes keeps n, an imported quantized op, on the host and, when its
// output scale (input si) and zero point (input zi) are constant scalars
// of 8-bit codes, gives its output those QuantParams: device ops read the
// codes the host computed (through a port) instead of staying on the host
// behind it.
func (q *quantizer) hostCodes(n *ir.Node, si, zi int) {
	q.host(n)
	o := n.Outputs[0]
	s, oks := constScalar(n.Input(si))
	zp, okz := constScalar(n.Input(zi))
	t, ok8 := codeType(o.Type.DType)
	if !oks || !okz || !ok8 || !(s > 0) || n.Input(si).Type.DType != tensor.Float32 {
		return
	}
	o.Quant = withZero(quantParams(t, float32(s)), int64(zp))
	q.qv[o] = o
}

// qlinearMatrix maps qlinear_conv and (2-D, constant b) qlinear_matmul.
func (q *quantizer) qlinearMatrix(n *ir.Node) (bool, error) {
	x := q.qv[n.Inputs[0]]
	w := n.Inputs[3]
	xs, okx := constScalar(n.Inputs[1])
	ys, oky := constScalar(n.Inputs[6])
	xz, okxz := constScalar(n.Input(2))
	yz, okyz := constScalar(n.Input(7))
	yt, ok8 := codeType(n.Outputs[0].Type.DType)
	if x == nil || !okx || !oky || !okxz || !okyz || !ok8 || !w.IsConst() || (w.Type.DType != tensor.Int8 && w.Type.DType != tensor.Uint8) ||
		float32(xs) != x.Quant.Scale[0] || int64(xz) != zeroOf(x) || !n.Inputs[4].IsConst() {
		return false, nil
	}
	for _, i := range []int{1, 4, 6} {
		if n.Inputs[i].Type.DType != tensor.Float32 {
			return false, nil
		}
	}
	codes := w.Const
	if n.Op == ir.OpQLinearMatMul {
		if len(x.Type.Shape) != 2 || len(w.Type.Shape) != 2 {
			return false, nil
		}
		codes = tensor.New(w.Const.DType, w.Type.Shape[1], w.Type.Shape[0]) // fc weights are [N, K]
		if err := tensor.Transpose(codes, w.Const, []int{1, 0}); err != nil {
			return false, err
		}
	}
	f := codes.Shape[0]
	k := codes.Len() / max(f, 1)
	codes, ok := centredWeights(codes, n.Input(5))
	if !ok {
		return false, nil // -128 (or w - wz outside [-127, 127]) is outside pimc's symmetric 8-bit weights
	}
	ws := n.Inputs[4].Const
	if ws.Len() != 1 && ws.Len() != f {
		return false, nil
	}
	bias := tensor.New(tensor.Int32, f)
	if b := n.Input(8); b != nil {
		if !b.IsConst() {
			return false, nil
		}
		copy(bias.I64, b.Const.I64)
	}
	for c := range f { // sum (x - xz) w = sum x w - xz sum w
		var sum int64
		for _, v := range codes.I64[c*k : (c+1)*k] {
			sum += v
		}
		bias.I64[c] -= int64(xz) * sum
	}
	sw := make([]float32, f)
	ms := make([]float64, f)
	bscale := make([]float32, f)
	bound := make([]int64, f)
	for c := range f {
		sw[c] = float32(ws.Float64At(min(c, ws.Len()-1)))
		bscale[c] = float32(xs) * sw[c]
		ms[c] = float64(tensor.RequantScale(float32(xs), sw[c], float32(ys)))
		var sum int64
		for _, v := range codes.I64[c*k : (c+1)*k] {
			sum += max(v, -v)
		}
		bound[c] = sum * actOf(x).absMax()
		if bound[c]+max(bias.I64[c], -bias.I64[c]) > maxInt32 || !(ms[c] > 0) || math.IsInf(ms[c], 0) {
			return false, nil
		}
	}
	mults, shift, err := fixedPoint(ms)
	if err != nil {
		return false, nil
	}
	name := n.Name
	wq := q.newConst(w.Name, codes, &ir.QuantParams{Bits: 8, Signed: true, Axis: 0, Scale: sw})
	bq := q.newConst(suffixed(name, ".bias"), bias, &ir.QuantParams{Bits: 32, Signed: true, Axis: 0, Scale: bscale})
	mq := q.newConst(suffixed(name, ".mult"), tensor.FromI64(tensor.Int32, mults, f), nil)
	attrs := ir.Attrs{
		"shift": ir.IntAttr(int64(shift)), "round": ir.StringAttr(tensor.RoundEven.String()),
		"lo": ir.IntAttr(yt.lo()), "hi": ir.IntAttr(yt.hi()), "acc_bound": ir.IntsAttr(bound...),
	}
	if yz != 0 {
		attrs["y_zero"] = ir.IntAttr(int64(yz))
	}
	op := ir.OpQFC
	if n.Op == ir.OpQLinearConv {
		op = ir.OpQConv
		for _, a := range []string{"strides", "pads", "dilations", "group"} {
			attrs[a] = n.Attrs[a]
		}
		if xz != 0 {
			attrs["x_zero"] = ir.IntAttr(int64(xz))
		}
	}
	y := &ir.Value{Name: n.Outputs[0].Name, Quant: withZero(quantParams(yt, float32(ys)), int64(yz))}
	q.emit(newQNode(op, n, attrs, []*ir.Value{x, wq, bq, mq}, y))
	q.qv[n.Outputs[0]] = y
	q.counts["integer layers"]++
	return true, nil
}

// suffixed is name+suffix, or "" for an unnamed node.
func suffixed(name, suffix string) string {
	if name == "" {
		return ""
	}
	return name + suffix
}

// zeroOf is the zero point of the codes v (0 when it has none).
func zeroOf(v *ir.Value) int64 {
	if v.Quant == nil || len(v.Quant.ZeroPoint) == 0 {
		return 0
	}
	return int64(v.Quant.ZeroPoint[0])
}

// withZero sets the per-tensor zero point of qp (none when zp is 0).
func withZero(qp *ir.QuantParams, zp int64) *ir.QuantParams {
	if zp != 0 {
		qp.ZeroPoint = []int32{int32(zp)}
	}
	return qp
}

// centredWeights returns the weight codes w - wz as int8 (wz: absent, one
// constant, or one per output channel: axis 0 of codes [F, ...]; a
// QLinearMatMul's per-column zero points are per output channel too), false
// when wz is not constant or a centred code falls outside [-127, 127].
func centredWeights(codes *tensor.Tensor, wz *ir.Value) (*tensor.Tensor, bool) {
	f := codes.Shape[0]
	k := codes.Len() / max(f, 1)
	var zs *tensor.Tensor
	if wz != nil {
		if !wz.IsConst() || (wz.Const.Len() != 1 && wz.Const.Len() != f) {
			return nil, false
		}
		zs = wz.Const
	}
	out := tensor.New(tensor.Int8, codes.Shape...)
	for c := range f {
		z := int64(0)
		if zs != nil {
			z = int64(zs.Float64At(min(c, zs.Len()-1)))
		}
		for i, v := range codes.I64[c*k : (c+1)*k] {
			d := v - z
			if d < -127 || d > 127 {
				return nil, false
			}
			out.I64[c*k+i] = d
		}
	}
	return out, true
}

// quantizeWithZero keeps a quantize_linear with a constant zero point as
// the model's op on the host (onnxruntime's float32 division and rounding)
// and gives its codes their scale and zero point, so device ops that are
// exact on affine codes read them.
func (q *quantizer) quantizeWithZero(n *ir.Node, t actType, s float32) (bool, error) {
	zp, ok := constScalar(n.Input(2))
	if !ok {
		return false, nil
	}
	n.Inputs[0] = q.getF(n.Inputs[0])
	o := n.Outputs[0]
	o.Quant = withZero(quantParams(t, s), int64(zp))
	q.nodes = append(q.nodes, n)
	q.counts["quantize nodes"]++
	q.fv[o] = o
	q.qv[o] = o
	return true, nil
}
