package passes

import (
	"fmt"
	"math"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// quantizer rewrites one graph. Every original value may get a quantized
// version (qv: codes with QuantParams) and a float version (fv: the value
// itself when its producer stays float, or a dequantize of its codes); each
// is created once, on first demand, so a value read by integer and host
// ops alike is converted once.
type quantizer struct {
	g      *ir.Graph
	o      quantizeOpts
	stats  map[*ir.Value]*valueStats
	cfg    map[string]layerBits
	uses   map[*ir.Value][]*ir.Node
	ends   map[*ir.Node]bool // first and last matrix layers
	nodes  []*ir.Node
	qv, fv map[*ir.Value]*ir.Value
	fused  map[*ir.Node]bool // activations folded into the previous node
	counts map[string]int
	rec    map[string]*recordedLayer // weights quantized by pimc compress (quantize_record.go)
	qdq    map[*ir.Node]*qdqMove     // QDQ sandwiches around data movement (quantize_qdq_move.go)
	qdqLut map[qdqKey]*ir.Value
	qdqMat map[*ir.Node]*qdqMatrix // QDQ conv/matmul sandwiches by node (qdq_matrix.go)
}

// roundMode is the rounding of every requantization the pass emits.
const roundMode = "up"

// commonScaleBits is log2 of the magnitude the rescaled inputs of qadd may
// reach together (2^30 leaves the int32 lane a factor 2 of headroom).
const commonScaleBits = 30

// avgShift is the shift of average pooling: round(2^30/count) <= 2^30.
const avgShift = 30

func newQuantizer(g *ir.Graph, o quantizeOpts, stats map[*ir.Value]*valueStats, cfg map[string]layerBits) *quantizer {
	q := &quantizer{g: g, o: o, stats: stats, cfg: cfg, uses: g.Uses(), ends: map[*ir.Node]bool{},
		qv: map[*ir.Value]*ir.Value{}, fv: map[*ir.Value]*ir.Value{}, fused: map[*ir.Node]bool{}, counts: map[string]int{},
		qdq: findQDQMoves(g), qdqLut: map[qdqKey]*ir.Value{}, qdqMat: findQDQMatrices(g)}
	for _, v := range g.Inputs {
		q.fv[v] = v
	}
	for _, v := range g.Consts {
		q.fv[v] = v
	}
	var matrix []*ir.Node
	for _, n := range g.Nodes {
		if q.isMatrixLayer(n) {
			matrix = append(matrix, n)
		}
	}
	if o.keepEnds && len(matrix) > 0 {
		q.ends[matrix[0]] = true
		q.ends[matrix[len(matrix)-1]] = true
	}
	return q
}

// wbits and abits are the widths of node n: config file, then the 8-bit
// ends, then the pass options.
func (q *quantizer) wbits(n *ir.Node) int {
	if b := q.cfg[n.Name].WBits; b > 0 {
		return b
	}
	if r := q.rec[n.Name]; r != nil {
		return r.WBits
	}
	if q.ends[n] {
		return 8
	}
	return q.o.wbits
}

func (q *quantizer) abits(n *ir.Node) int {
	if b := q.cfg[n.Name].ABits; b > 0 {
		return b
	}
	if q.ends[n] {
		return 8
	}
	return q.o.abits
}

// rangeOf is the calibrated magnitude of v.
func (q *quantizer) rangeOf(v *ir.Value) float64 {
	st := q.stats[v]
	if st == nil {
		return 0
	}
	p := 0.0
	if q.o.calibrator == "percentile" {
		p = q.o.percentile
	}
	return st.absRange(p)
}

// isFloatAct reports whether v is a float32 activation. Only float32 values
// are quantized: a dequantize gives float32, so a float64 or float16 value
// must stay float on the host to keep its type.
func isFloatAct(v *ir.Value) bool { return v != nil && !v.IsConst() && v.Type.DType == tensor.Float32 }

func (q *quantizer) isMatrixLayer(n *ir.Node) bool {
	if n.Op != ir.OpConv && n.Op != ir.OpFC {
		return false
	}
	w, b := n.Input(1), n.Input(2)
	return isFloatAct(n.Input(0)) && w.IsConst() && w.Type.DType.IsFloat() && len(w.Type.Shape) >= 2 &&
		(b == nil || (b.IsConst() && b.Type.DType.IsFloat()))
}

// emit appends a new node after typing its outputs.
func (q *quantizer) emit(n *ir.Node) {
	if err := ir.InferNode(n); err != nil {
		panic(fmt.Sprintf("BUG: quantize: built an ill-typed node: %v", err))
	}
	q.nodes = append(q.nodes, n)
}

func newQNode(op ir.Op, from *ir.Node, attrs ir.Attrs, ins []*ir.Value, outs ...*ir.Value) *ir.Node {
	n := &ir.Node{Op: op, Inputs: ins, Outputs: outs, Attrs: attrs}
	if from != nil {
		n.Name, n.OnnxOp = from.Name, from.OnnxOp
	}
	for _, o := range outs {
		o.Def = n
	}
	return n
}

// getQ returns the codes of v, inserting a quantize of its float version
// (bits wide; signed unless calibration saw no negative value) on first use.
func (q *quantizer) getQ(v *ir.Value, bits int) *ir.Value {
	if x := q.qv[v]; x != nil {
		return x
	}
	f := q.getF(v)
	st := q.stats[v]
	t := newActType(bits, st == nil || st.min < 0)
	scale := actScale(q.rangeOf(v), t)
	out := &ir.Value{Name: v.Name, Quant: quantParams(t, scale)}
	q.emit(newQNode(ir.OpQuantize, nil, ir.Attrs{"scale": ir.FloatAttr(scale), "lo": ir.IntAttr(t.lo()), "hi": ir.IntAttr(t.hi())}, []*ir.Value{f}, out))
	q.counts["quantize nodes"]++
	q.qv[v] = out
	return out
}

// getF returns the float version of v, inserting a dequantize on first use.
func (q *quantizer) getF(v *ir.Value) *ir.Value {
	if x := q.fv[v]; x != nil {
		return x
	}
	c := q.qv[v]
	if c == nil {
		panic(fmt.Sprintf("BUG: quantize: value %q has neither a float nor an integer version", v.Name))
	}
	if v.Type.DType.IsInt() {
		// The codes of an imported integer value (quantize_qlinear.go) are
		// that value itself: host readers get them as they are.
		q.fv[v] = c
		return c
	}
	out := &ir.Value{Name: v.Name}
	q.emit(newQNode(ir.OpDequantize, nil, ir.Attrs{"scale": ir.FloatAttr(c.Quant.Scale[0])}, []*ir.Value{c}, out))
	q.counts["dequantize nodes"]++
	q.fv[v] = out
	return out
}

func actOf(v *ir.Value) actType {
	return actType{bits: v.Quant.Bits, signed: v.Quant.Signed}
}

func (q *quantizer) run() error {
	for _, n := range q.g.Nodes {
		if q.fused[n] {
			continue
		}
		done, err := q.integer(n)
		if err != nil {
			return err
		}
		if !done {
			q.host(n)
		}
	}
	for i, o := range q.g.Outputs {
		q.g.Outputs[i] = q.getF(o)
	}
	q.g.Nodes = q.nodes
	q.rebuildConsts()
	return nil
}

// integer rewrites n into integer ops when it can; false keeps it on the host.
func (q *quantizer) integer(n *ir.Node) (bool, error) {
	if r := q.qdq[n]; r != nil {
		return q.qdqMoveNode(n, r)
	}
	if m := q.qdqMat[n]; m != nil {
		return q.qdqMatrixNode(n, m) // qdq_matrix.go
	}
	anyQ := false
	for _, in := range n.Inputs {
		if in != nil && q.qv[in] != nil {
			anyQ = true
		}
	}
	if anyQ && !exactOnAffineCodes(n) {
		for _, in := range n.Inputs {
			if x := q.qv[in]; in != nil && x != nil && zeroOf(x) != 0 {
				return false, nil // affine codes: n would need the zero point
			}
		}
	}
	if anyQ && lutOps[n.Op] {
		return q.lut(n)
	}
	switch n.Op {
	case ir.OpQuantizeLinear, ir.OpDequantizeLinear, ir.OpQLinearConv, ir.OpQLinearMatMul:
		return q.qlinear(n) // quantize_qlinear.go
	case ir.OpConv, ir.OpFC:
		if q.isMatrixLayer(n) {
			return true, q.matrix(n)
		}
	case ir.OpMul:
		if anyQ {
			if ok, err := q.affine(n); ok || err != nil {
				return ok, err
			}
			return q.mul(n)
		}
	case ir.OpDiv:
		if anyQ {
			return q.affine(n)
		}
	case ir.OpAdd, ir.OpSum:
		if anyQ && q.sameShapeActs(n) && len(n.Inputs) >= 2 {
			return true, q.add(n)
		}
		if anyQ && n.Op == ir.OpAdd {
			return q.affine(n)
		}
	case ir.OpConcat:
		if anyQ && q.sameShapeActs(n) {
			return true, q.concat(n)
		}
	case ir.OpAvgPool, ir.OpGlobalAvgPool:
		if anyQ {
			return true, q.avgPool(n)
		}
	case ir.OpReduceMean:
		if anyQ && spatialMean(n) {
			return true, q.spatialMean(n)
		}
	case ir.OpRelu, ir.OpClip:
		if anyQ {
			q.clip(n)
			return true, nil
		}
	case ir.OpPad:
		if anyQ && n.Float("value", 0) == 0 {
			q.move(n)
			return true, nil
		}
	case ir.OpMaxPool, ir.OpGlobalMaxPool, ir.OpReshape, ir.OpFlatten, ir.OpSqueeze, ir.OpUnsqueeze,
		ir.OpTranspose, ir.OpIdentity, ir.OpDropout, ir.OpSplit, ir.OpSlice:
		if anyQ {
			q.move(n)
			return true, nil
		}
	case ir.OpZeroInsert:
		if r := q.matrixReader(n.Outputs[0]); !anyQ && isFloatAct(n.Inputs[0]) && r != nil {
			// Quantize before the zeros are inserted, not after: the zeros
			// do not change the range, and the host sends s^2 times fewer
			// codes to the device.
			q.getQ(n.Inputs[0], q.abits(r))
			anyQ = true
		}
		if anyQ {
			q.move(n)
			return true, nil
		}
	}
	return false, nil
}

// exactOnAffineCodes reports whether n maps codes with a zero point other
// than 0 exactly (quantize_qlinear.go): data movement, max pooling without
// padding, and the imported quantized ops, which check the zero points
// themselves.
func exactOnAffineCodes(n *ir.Node) bool {
	switch n.Op {
	case ir.OpReshape, ir.OpFlatten, ir.OpSqueeze, ir.OpUnsqueeze, ir.OpTranspose, ir.OpIdentity, ir.OpDropout, ir.OpSplit, ir.OpSlice,
		ir.OpGlobalMaxPool, ir.OpQuantizeLinear, ir.OpDequantizeLinear, ir.OpQLinearConv, ir.OpQLinearMatMul:
		return true
	case ir.OpMaxPool:
		return !slices.ContainsFunc(n.Ints("pads", nil), func(p int) bool { return p != 0 })
	}
	return false
}

// matrixReader returns a matrix layer reading v as its input when every
// reader of v is one, directly or through a zero pad (zero_insert feeding
// the conv of a lowered conv_transpose, possibly cropped), else nil.
func (q *quantizer) matrixReader(v *ir.Value) *ir.Node {
	us := q.uses[v]
	if len(us) == 0 || q.g.IsOutput(v) {
		return nil
	}
	var r *ir.Node
	for _, u := range us {
		switch {
		case u.Op == ir.OpPad && len(u.Outputs) == 1 && u.Float("value", 0) == 0:
			if r = q.matrixReader(u.Outputs[0]); r == nil {
				return nil
			}
		case q.isMatrixLayer(u) && u.Inputs[0] == v && !(len(u.Inputs) > 1 && u.Inputs[1] == v):
			r = u
		default:
			return nil
		}
	}
	return r
}

// sameShapeActs reports whether every input is a float activation (concat:
// of one rank; add: of one shape, no broadcasting).
func (q *quantizer) sameShapeActs(n *ir.Node) bool {
	for _, in := range n.Inputs {
		if !isFloatAct(in) {
			return false
		}
		if n.Op != ir.OpConcat && !tensor.SameShape(in.Type.Shape, n.Inputs[0].Type.Shape) {
			return false
		}
	}
	return len(n.Inputs) > 0
}

// host keeps n as a float op, reading float versions of its inputs.
func (q *quantizer) host(n *ir.Node) {
	for i, in := range n.Inputs {
		if in != nil {
			n.Inputs[i] = q.getF(in)
		}
	}
	for _, o := range n.Outputs {
		q.fv[o] = o
	}
	q.nodes = append(q.nodes, n)
	q.counts["host ops"]++
}

// fusable returns the relu or clip that alone reads v (not a graph
// output), to be folded into the clamp of v's requantization.
func (q *quantizer) fusable(v *ir.Value) *ir.Node {
	us := q.uses[v]
	if len(us) != 1 || q.g.IsOutput(v) {
		return nil
	}
	if u := us[0]; u.Op == ir.OpRelu || u.Op == ir.OpClip {
		return u
	}
	return nil
}

// clipBounds returns the real bounds of a relu or clip node (+-Inf absent).
func clipBounds(n *ir.Node) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if n.Op == ir.OpRelu {
		return 0, hi
	}
	if a, ok := n.Attrs["min"]; ok && a.Kind == ir.AttrFloat {
		lo = float64(a.Float)
	}
	if a, ok := n.Attrs["max"]; ok && a.Kind == ir.AttrFloat {
		hi = float64(a.Float)
	}
	return lo, hi
}

// codeRange intersects the type range with real bounds at scale s.
func codeRange(t actType, s float32, lo, hi float64) (int64, int64) {
	l, h := t.lo(), t.hi()
	if !math.IsInf(lo, -1) {
		l = max(l, int64(math.Max(math.RoundToEven(lo/float64(s)), float64(l))))
	}
	if !math.IsInf(hi, 1) {
		h = min(h, int64(math.Min(math.RoundToEven(hi/float64(s)), float64(h))))
	}
	if l > h {
		l = h
	}
	return l, h
}

// layerOutput decides the output codes of an integer node n with result
// v: the activation fused into it (if any), the output value, its type,
// scale and clamp range.
type layerOut struct {
	val    *ir.Value // the original value the codes stand for
	t      actType
	scale  float32
	lo, hi int64
}

func (q *quantizer) output(n *ir.Node, v *ir.Value) layerOut {
	act := q.fusable(v)
	rlo, rhi := math.Inf(-1), math.Inf(1)
	if act != nil {
		q.fused[act] = true
		v = act.Outputs[0]
		rlo, rhi = clipBounds(act)
	}
	t := newActType(q.outputBits(n, v), !(rlo >= 0))
	s := actScale(q.rangeOf(v), t)
	lo, hi := codeRange(t, s, rlo, rhi)
	return layerOut{val: v, t: t, scale: s, lo: lo, hi: hi}
}

func (lo layerOut) value() *ir.Value {
	return &ir.Value{Name: lo.val.Name, Quant: quantParams(lo.t, lo.scale)}
}

func (q *quantizer) newConst(name string, t *tensor.Tensor, qp *ir.QuantParams) *ir.Value {
	return &ir.Value{Name: name, Type: ir.Type{DType: t.DType, Shape: append([]int{}, t.Shape...)}, Const: t, Quant: qp}
}

// matrix rewrites a conv or fc with constant weights into qconv/qfc.
func (q *quantizer) matrix(n *ir.Node) error {
	x := q.getQ(n.Inputs[0], q.abits(n))
	tx, sx := actOf(x), float64(x.Quant.Scale[0])
	w := n.Inputs[1]
	wb := q.wbits(n)
	codes, sw := (*tensor.Tensor)(nil), []float32(nil)
	if r := q.rec[n.Name]; r != nil && r.WBits == wb {
		var err error
		if codes, sw, err = recordedWeights(n, w.Const, r); err != nil {
			return err
		}
	}
	f := w.Type.Shape[0]
	k := w.Type.NumElems() / max(f, 1)
	fbias, layerVal := q.foldedBias(n)
	if codes == nil {
		if n.OnnxOp == "Resize" { // resize-lower's tent kernel
			wb = exactWeightBits(w.Const, wb, q.o.perChannel)
		}
		codes, sw = quantWeights(w.Const, wb, q.o.perChannel)
		raiseBiasScales(w.Const, codes, sw, fbias, sx, wb)
	}
	out := q.output(n, layerVal)
	bias := tensor.New(tensor.Int32, f)
	bscale := make([]float32, f)
	bound := make([]int64, f)
	ms := make([]float64, f)
	for c := 0; c < f; c++ {
		s := sx * channelScale(sw, c)
		bscale[c] = float32(s)
		if fbias[c] != 0 {
			bq := math.RoundToEven(fbias[c] / s)
			if math.Abs(bq) > maxInt32 || bq != bq {
				return layerError(n, "bias of channel %d is %g at scale %g: does not fit int32; use more weight or activation bits", c, fbias[c], s)
			}
			bias.I64[c] = int64(bq)
		}
		var sum int64
		for _, v := range codes.I64[c*k : (c+1)*k] {
			sum += max(v, -v)
		}
		bound[c] = sum * tx.absMax()
		if bound[c]+max(bias.I64[c], -bias.I64[c]) > maxInt32 {
			return layerError(n, "output channel %d: accumulator bound %d (sum|w| %d * max|x| %d) plus |bias| %d exceeds int32; lower wbits or abits of this layer",
				c, bound[c], sum, tx.absMax(), max(bias.I64[c], -bias.I64[c]))
		}
		ms[c] = s / float64(out.scale)
	}
	mults, shift, err := fixedPoint(ms)
	if err != nil {
		return layerError(n, "requantization: %v", err)
	}
	axis := 0
	if !q.o.perChannel {
		axis = -1
	}
	wq := q.newConst(w.Name, codes, &ir.QuantParams{Bits: wb, Signed: true, Axis: axis, Scale: sw})
	bname, mname := "", ""
	if n.Name != "" {
		bname, mname = n.Name+".bias", n.Name+".mult"
	}
	bq := q.newConst(bname, bias, &ir.QuantParams{Bits: 32, Signed: true, Axis: 0, Scale: bscale})
	mq := q.newConst(mname, tensor.FromI64(tensor.Int32, mults, f), nil)
	attrs := ir.Attrs{
		"shift": ir.IntAttr(int64(shift)), "round": ir.StringAttr(roundMode),
		"lo": ir.IntAttr(out.lo), "hi": ir.IntAttr(out.hi), "acc_bound": ir.IntsAttr(bound...),
	}
	op := ir.OpQFC
	if n.Op == ir.OpConv {
		op = ir.OpQConv
		for _, a := range []string{"strides", "pads", "dilations", "group"} {
			if v, ok := n.Attrs[a]; ok {
				attrs[a] = v
			}
		}
	}
	y := out.value()
	q.emit(newQNode(op, n, attrs, []*ir.Value{x, wq, bq, mq}, y))
	q.qv[out.val] = y
	q.counts["integer layers"]++
	return nil
}

// foldedBias returns the float bias of matrix layer n per output channel:
// its bias input plus, when n's result is read only by an add of a
// constant that varies along the channel axis alone (a bias written as a
// separate Add, as CNTK exports it), that constant; the add is then folded
// away and its output is the layer's value.
func (q *quantizer) foldedBias(n *ir.Node) ([]float64, *ir.Value) {
	f := n.Inputs[1].Type.Shape[0]
	bias := make([]float64, f)
	if b := n.Input(2); b != nil {
		for c := range bias {
			bias[c] = b.Const.Float64At(c)
		}
	}
	v := n.Outputs[0]
	us := q.uses[v]
	if len(us) != 1 || q.g.IsOutput(v) || us[0].Op != ir.OpAdd || len(us[0].Inputs) != 2 {
		return bias, v
	}
	add := us[0]
	k := add.Inputs[1]
	if k == v {
		k = add.Inputs[0]
	}
	if !k.IsConst() || !k.Type.DType.IsFloat() || !tensor.SameShape(add.Outputs[0].Type.Shape, v.Type.Shape) {
		return bias, v
	}
	// Right-align k's shape with v's; only the channel axis (1) may exceed 1.
	ks, vs := k.Type.Shape, v.Type.Shape
	if len(ks) > len(vs) {
		return bias, v
	}
	per := false
	for i, d := range ks {
		axis := len(vs) - len(ks) + i
		switch {
		case d == 1:
		case axis == 1 && d == f:
			per = true
		default:
			return bias, v
		}
	}
	for c := range bias {
		idx := 0
		if per {
			idx = c
		}
		bias[c] += k.Const.Float64At(idx)
	}
	q.fused[add] = true
	return bias, add.Outputs[0]
}

// add rewrites add/sum of activations into qadd: each input rescaled to a
// common scale s_c = (sum_i max|x_i| * s_i) / 2^30, so the rescaled terms
// together stay below 2^30 in magnitude, then requantized to the output.
func (q *quantizer) add(n *ir.Node) error {
	xs := make([]*ir.Value, len(n.Inputs))
	r := 0.0
	for i, in := range n.Inputs {
		xs[i] = q.getQ(in, q.abits(n))
		r += float64(actOf(xs[i]).absMax()) * float64(xs[i].Quant.Scale[0])
	}
	sc := r / (1 << commonScaleBits)
	if !(sc > 0) {
		sc = 1
	}
	mults := make([]int64, len(xs))
	shifts := make([]int64, len(xs))
	for i, x := range xs {
		m, s, err := fixedPoint([]float64{float64(x.Quant.Scale[0]) / sc})
		if err != nil {
			return layerError(n, "rescaling input %d: %v", i, err)
		}
		mults[i], shifts[i] = m[0], int64(s)
	}
	out := q.output(n, n.Outputs[0])
	m, s, err := fixedPoint([]float64{sc / float64(out.scale)})
	if err != nil {
		return layerError(n, "requantization: %v", err)
	}
	y := out.value()
	q.emit(newQNode(ir.OpQAdd, n, ir.Attrs{
		"in_mults": ir.IntsAttr(mults...), "in_shifts": ir.IntsAttr(shifts...),
		"mult": ir.IntAttr(m[0]), "shift": ir.IntAttr(int64(s)), "round": ir.StringAttr(roundMode),
		"lo": ir.IntAttr(out.lo), "hi": ir.IntAttr(out.hi),
	}, xs, y))
	q.qv[out.val] = y
	q.counts["integer layers"]++
	return nil
}

// concat rewrites concat into qconcat. Inputs sharing one type and scale
// pass unchanged (multiplier 1, shift 0); otherwise the output takes the
// widest type (signed if any input is) and the scale covering every
// input's range, and each input is rescaled to it.
func (q *quantizer) concat(n *ir.Node) error {
	xs := make([]*ir.Value, len(n.Inputs))
	same := true
	for i, in := range n.Inputs {
		xs[i] = q.getQ(in, q.abits(n))
		a, b := xs[i].Quant, xs[0].Quant
		if a.Bits != b.Bits || a.Signed != b.Signed || a.Scale[0] != b.Scale[0] {
			same = false
		}
	}
	t, scale := actOf(xs[0]), xs[0].Quant.Scale[0]
	mults := make([]int64, len(xs))
	shifts := make([]int64, len(xs))
	if same {
		for i := range mults {
			mults[i] = 1
		}
	} else {
		bits, signed, r := 0, false, 0.0
		for _, x := range xs {
			tx := actOf(x)
			bits, signed = max(bits, tx.bits), signed || tx.signed
			r = math.Max(r, tx.levels()*float64(x.Quant.Scale[0]))
		}
		t = newActType(bits, signed)
		scale = actScale(r, t)
		for i, x := range xs {
			m, s, err := fixedPoint([]float64{float64(x.Quant.Scale[0]) / float64(scale)})
			if err != nil {
				return layerError(n, "rescaling input %d: %v", i, err)
			}
			mults[i], shifts[i] = m[0], int64(s)
		}
	}
	y := &ir.Value{Name: n.Outputs[0].Name, Quant: quantParams(t, scale)}
	q.emit(newQNode(ir.OpQConcat, n, ir.Attrs{
		"axis": n.Attrs["axis"], "in_mults": ir.IntsAttr(mults...), "in_shifts": ir.IntsAttr(shifts...),
		"round": ir.StringAttr(roundMode), "lo": ir.IntAttr(t.lo()), "hi": ir.IntAttr(t.hi()),
	}, xs, y))
	q.qv[n.Outputs[0]] = y
	q.counts["integer layers"]++
	return nil
}

// avgPool rewrites avg_pool/global_avg_pool on codes: the output keeps the
// input's type and scale; the mean is the window sum times
// round(2^30/count), shifted right by 30.
func (q *quantizer) avgPool(n *ir.Node) error {
	x := q.getQ(n.Inputs[0], q.abits(n))
	t := actOf(x)
	attrs := ir.Attrs{"shift": ir.IntAttr(avgShift), "round": ir.StringAttr(roundMode), "lo": ir.IntAttr(t.lo()), "hi": ir.IntAttr(t.hi())}
	op := ir.OpQGlobalAvgPool
	if n.Op == ir.OpAvgPool {
		op = ir.OpQAvgPool
		for _, a := range []string{"kernel", "strides", "pads", "dilations", "ceil_mode", "count_include_pad"} {
			if v, ok := n.Attrs[a]; ok {
				attrs[a] = v
			}
		}
	}
	y := &ir.Value{Name: n.Outputs[0].Name, Quant: quantParams(t, x.Quant.Scale[0])}
	q.emit(newQNode(op, n, attrs, []*ir.Value{x}, y))
	q.qv[n.Outputs[0]] = y
	q.counts["integer layers"]++
	return nil
}

// clip rewrites a relu or clip on codes into qclip at the input's scale. A
// ReLU of signed N-bit codes leaves unsigned (N-1)-bit codes.
func (q *quantizer) clip(n *ir.Node) {
	x := q.qv[n.Inputs[0]]
	if x == nil {
		x = q.getQ(n.Inputs[0], q.abits(n))
	}
	t, s := actOf(x), x.Quant.Scale[0]
	rlo, rhi := clipBounds(n)
	lo, hi := codeRange(t, s, rlo, rhi)
	ot := t
	if t.signed && lo >= 0 {
		ot = actType{bits: t.bits - 1, signed: false}
	}
	y := &ir.Value{Name: n.Outputs[0].Name, Quant: quantParams(ot, s)}
	q.emit(newQNode(ir.OpQClip, n, ir.Attrs{"lo": ir.IntAttr(lo), "hi": ir.IntAttr(hi)}, []*ir.Value{x}, y))
	q.qv[n.Outputs[0]] = y
	q.counts["integer layers"]++
}

// move applies a data-movement op or max pooling to the codes of its input;
// every output keeps the input's type and scale (the ops are exact on codes).
func (q *quantizer) move(n *ir.Node) {
	x := q.qv[n.Inputs[0]]
	ins := append([]*ir.Value{x}, n.Inputs[1:]...)
	outs := make([]*ir.Value, len(n.Outputs))
	for i, o := range n.Outputs {
		qp := *x.Quant
		qp.Scale = append([]float32(nil), x.Quant.Scale...)
		outs[i] = &ir.Value{Name: o.Name, Quant: &qp}
	}
	var attrs ir.Attrs
	if n.Attrs != nil {
		attrs = n.Attrs.Clone()
	}
	q.emit(newQNode(n.Op, n, attrs, ins, outs...))
	for i, o := range n.Outputs {
		q.qv[o] = outs[i]
	}
}

// rebuildConsts lists the constants the rewritten graph reads, in
// first-use order; the float weights of quantized layers drop out.
func (q *quantizer) rebuildConsts() {
	seen := map[*ir.Value]bool{}
	var consts []*ir.Value
	add := func(v *ir.Value) {
		if v != nil && v.IsConst() && !seen[v] {
			seen[v] = true
			consts = append(consts, v)
		}
	}
	for _, n := range q.g.Nodes {
		for _, in := range n.Inputs {
			add(in)
		}
	}
	for _, o := range q.g.Outputs {
		add(o)
	}
	q.g.Consts = consts
}
