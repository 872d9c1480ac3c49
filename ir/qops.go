package ir

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Ops of the quantized stage. docs/QUANT.md is their normative integer
// semantics; the summary here is what the verifier and the backend need.
// Conventions shared by all:
//   - every integer value holds codes with zero point 0: real = scale*code
//     (the scale is in the value's QuantParams; per channel for weights);
//   - "shift" (0..63), "round" (up|away|even|floor) and the output range
//     "lo".."hi" (inside int32) are the immediates of one DPU vrq: an
//     output code is clamp(roundshift(int64(sat32(acc+bias))*mult, shift,
//     round), lo, hi);
//   - the output element type is the smallest integer type holding
//     [lo, hi] (unsigned when lo >= 0): u8 for unsigned codes of up to 8
//     bits, i8 for signed ones;
//   - the canonical float ops stay legal in the quantized stage (see
//     allowFloatOpsWhenQuantized): on float values they run on the host; the
//     data-movement ops (reshape, flatten, squeeze, unsqueeze, transpose,
//     split, pad, identity) and max_pool/global_max_pool are also applied to
//     integer codes, where they are exact.
const (
	OpQuantize       Op = "quantize"         // (x f32) {scale, lo, hi}: clamp(round_half_even(x/scale), lo, hi); host side
	OpDequantize     Op = "dequantize"       // (q) {scale}: f32(q*scale); host side
	OpQConv          Op = "qconv"            // (x, w, bias i32[F], mult i32[F]) {strides, pads, dilations, group, shift, round, lo, hi, acc_bound, x_zero, y_zero}
	OpQFC            Op = "qfc"              // (x [M,K], w [N,K], bias i32[N], mult i32[N]) {shift, round, lo, hi, acc_bound, y_zero}
	OpQAdd           Op = "qadd"             // (x...) {in_mults, in_shifts, mult, shift, round, lo, hi}: rescale each to i32, vadd, vrq
	OpQConcat        Op = "qconcat"          // (x...) {axis, in_mults, in_shifts, round, lo, hi}: each input rescaled to the output scale
	OpQAvgPool       Op = "qavg_pool"        // (x) {kernel, strides, pads, dilations, ceil_mode, count_include_pad, shift, round, lo, hi}
	OpQGlobalAvgPool Op = "qglobal_avg_pool" // (x) {shift, round, lo, hi}
	OpQClip          Op = "qclip"            // (x) {lo, hi}: clamp(x, lo, hi) (vclip); a standalone ReLU/clip on codes
	OpQAffine        Op = "qaffine"          // (x [N,C,...], scale i32[C], bias i32[C]) {mult, shift, round, lo, hi}: per-channel x*scale+bias, requantized
)

// QuantRoundModes are the legal values of the "round" attribute, in the
// order of the ISA's M field.
var QuantRoundModes = []string{"up", "away", "even", "floor"}

func init() {
	reqInts := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInts, Required: true, Doc: doc} }
	reqInt := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInt, Required: true, Doc: doc} }
	intA := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInt, Doc: doc} }
	rng := []AttrSpec{reqInt("lo", "smallest output code"), reqInt("hi", "largest output code")}
	rq := append([]AttrSpec{
		reqInt("shift", "right shift of the requantization, 0..63"),
		{Name: "round", Kind: AttrString, Required: true, Doc: "rounding of the shift: up, away, even or floor"},
	}, rng...)
	window := []AttrSpec{
		reqInts("strides", "stride per spatial axis"),
		reqInts("pads", "explicit padding [begin..., end...] per spatial axis"),
		reqInts("dilations", "dilation per spatial axis"),
	}
	cat := func(parts ...[]AttrSpec) []AttrSpec {
		var out []AttrSpec
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	q := func(info *OpInfo) *OpInfo {
		info.FirstStage, info.LastStage = StageQuantized, StageMapped
		return info
	}
	accBound := reqInts("acc_bound", "per output channel: sum_k |w_k| * max|x| (no-saturation bound)")
	// Zero points of an imported model's affine codes (docs/QUANT.md §11):
	// the input's, folded into the bias by the quantize pass, is the code
	// the padded cells hold; the output's is added after the rounding.
	xZero := intA("x_zero", "code the padded input cells hold (the input's zero point; default 0)")
	yZero := intA("y_zero", "added to the requantized value before the [lo, hi] clamp (the output's zero point; default 0)")
	// The mapping of a matrix layer onto sub-arrays (stage mapped, written
	// by the map pass; ir/mapping reads and checks them, docs/PIR.md).
	mapAttrs := []AttrSpec{
		{Name: "map_geom", Kind: AttrInts, Doc: "mapped: sub-array rows, columns and accumulator bits the mapping was made for"},
		{Name: "map_wplanes", Kind: AttrInt, Doc: "mapped: weight bit-planes M (two's complement rows per filter)"},
		{Name: "map_filters", Kind: AttrInts, Doc: "mapped: kept filters (output channels), ascending"},
		{Name: "map_cols", Kind: AttrInts, Doc: "mapped: kept K columns g*K+k per group, in device order"},
		{Name: "map_segs", Kind: AttrInts, Doc: "mapped: end of each column segment in map_cols"},
		{Name: "map_tiles", Kind: AttrInts, Doc: "mapped: per tile: replica, segment, sub-array, first row, filters [from, to) in map_filters"},
		{Name: "map_replicas", Kind: AttrInt, Doc: "mapped: copies of the layer's tiles, each computing every replicas-th output pixel"},
		{Name: "map_pm1", Kind: AttrInt, Doc: "mapped: 1 = binary weights on one plane b = (w+1)/2, w.x = 2 b.x - sum(x) (map_wplanes=1)"},
		{Name: "map_reprogram", Kind: AttrInt, Doc: "mapped: 1 = weights reprogrammed from the DRAM each time the layer runs, in sub-arrays shared with the other reprogrammed layers"},
		{Name: "map_block", Kind: AttrInt, Doc: "mapped: b >= 2 = each mapped group is b consecutive groups, codes zero outside the diagonal blocks (one shared patch per b depthwise channels); map_cols' g*K+k then count K over the b groups"},
	}
	for _, info := range []*OpInfo{
		q(&OpInfo{Op: OpQuantize, Summary: "float to codes: clamp(round_half_even(x/scale), lo, hi)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat([]AttrSpec{{Name: "scale", Kind: AttrFloat, Required: true, Doc: "real value of code 1"}}, rng), Infer: inferQuantize}),
		q(&OpInfo{Op: OpDequantize, Summary: "codes to float: f32(q*scale)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{{Name: "scale", Kind: AttrFloat, Required: true, Doc: "real value of code 1"}}, Infer: inferDequantize}),
		q(&OpInfo{Op: OpQConv, Summary: "integer convolution, bias, per-channel requantization", MinInputs: 4, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat(window, []AttrSpec{reqInt("group", "number of groups"), accBound, xZero, yZero}, rq, mapAttrs), Infer: inferQConv}),
		q(&OpInfo{Op: OpQFC, Summary: "integer fully connected, bias, per-channel requantization", MinInputs: 4, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat([]AttrSpec{accBound, yZero}, rq, mapAttrs), Infer: inferQFC}),
		q(&OpInfo{Op: OpQAdd, Summary: "residual add: inputs rescaled to a common i32 scale, summed, requantized", MinInputs: 2, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat([]AttrSpec{reqInts("in_mults", "multiplier per input"), reqInts("in_shifts", "shift per input"), reqInt("mult", "output multiplier")}, rq), Infer: inferQAdd}),
		q(&OpInfo{Op: OpQConcat, Summary: "join along an axis, each input rescaled to the output scale", MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat([]AttrSpec{reqInt("axis", "concatenation axis"), reqInts("in_mults", "multiplier per input"), reqInts("in_shifts", "shift per input"), rq[1]}, rng), Infer: inferQConcat}),
		q(&OpInfo{Op: OpQAvgPool, Summary: "integer average pooling: window sum times round(2^shift/count)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat([]AttrSpec{reqInts("kernel", "window size per spatial axis")}, window,
				[]AttrSpec{intA("ceil_mode", "1: output size rounds up"), intA("count_include_pad", "1: padded cells count in the divisor")}, rq), Infer: inferQPool}),
		q(&OpInfo{Op: OpQGlobalAvgPool, Summary: "integer mean over the spatial axes", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: rq, Infer: inferQPool}),
		q(&OpInfo{Op: OpQClip, Summary: "clamp codes to [lo, hi]", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: rng, Infer: inferQClip}),
		q(&OpInfo{Op: OpQAffine, Summary: "per-channel affine on codes: t = x*scale[c] (i32), y = vrq(t, bias[c], mult)", MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: cat([]AttrSpec{reqInt("mult", "output multiplier")}, rq), Infer: inferQAffine}),
	} {
		Register(info)
	}
	allowFloatOpsWhenQuantized()
}

// allowFloatOpsWhenQuantized extends every canonical op to the quantized
// stage. The quantize pass keeps an op it cannot (or need not) turn into
// integer arithmetic: softmax, sigmoid, LRN, ... run in float on the host
// between a dequantize and a quantize (the "host op" rule of docs/QUANT.md),
// and the data-movement ops and max pooling are applied to codes directly.
func allowFloatOpsWhenQuantized() {
	for _, info := range opTable {
		if info.FirstStage <= StageCanonical && info.LastStage == StageCanonical {
			// Legal on through the mapped stage too, which only adds the
			// mapping attributes of qconv and qfc.
			info.LastStage = StageMapped
		}
	}
}

// QuantDType is the element type of codes in [lo, hi]: the smallest integer
// type holding the range, unsigned when lo >= 0.
func QuantDType(lo, hi int64) tensor.DType {
	if lo >= 0 {
		switch {
		case hi <= math.MaxUint8:
			return tensor.Uint8
		case hi <= math.MaxUint16:
			return tensor.Uint16
		case hi <= math.MaxUint32:
			return tensor.Uint32
		}
		return tensor.Int64
	}
	switch {
	case lo >= math.MinInt8 && hi <= math.MaxInt8:
		return tensor.Int8
	case lo >= math.MinInt16 && hi <= math.MaxInt16:
		return tensor.Int16
	case lo >= math.MinInt32 && hi <= math.MaxInt32:
		return tensor.Int32
	}
	return tensor.Int64
}

// ---- shape functions of the quantized ops ----

// outRange reads lo and hi (both inside int32, lo <= hi).
func outRange(n *Node) (lo, hi int64, err error) {
	a, okLo := n.Attrs["lo"]
	b, okHi := n.Attrs["hi"]
	if !okLo || !okHi || a.Kind != AttrInt || b.Kind != AttrInt {
		return 0, 0, fmt.Errorf("attributes \"lo\" and \"hi\" (int) are required")
	}
	lo, hi = a.Int, b.Int
	if lo > hi || lo < math.MinInt32 || hi > math.MaxInt32 {
		return 0, 0, fmt.Errorf("output range [%d, %d] is empty or outside int32", lo, hi)
	}
	return lo, hi, nil
}

// requantAttrs checks shift and round besides the output range.
func requantAttrs(n *Node) (lo, hi int64, err error) {
	if s := n.Int("shift", -1); s < 0 || s > 63 {
		return 0, 0, fmt.Errorf("attribute \"shift\": %d outside 0..63", s)
	}
	if err := checkRound(n); err != nil {
		return 0, 0, err
	}
	return outRange(n)
}

func checkRound(n *Node) error {
	r := n.Str("round", "")
	for _, m := range QuantRoundModes {
		if r == m {
			return nil
		}
	}
	return fmt.Errorf("attribute \"round\": %q, want up, away, even or floor", r)
}

// intIn returns input i's type, which must be an integer type.
func intIn(n *Node, i int) (Type, error) {
	t, err := in(n, i)
	if err != nil {
		return t, err
	}
	if !t.DType.IsInt() {
		return t, fmt.Errorf("input %d has element type %s, want integer codes", i, t.DType)
	}
	return t, nil
}

// channelConsts checks the bias and multiplier inputs (2 and 3) of a
// matrix op: integer vectors of length ch.
func channelConsts(n *Node, ch int) error {
	for i, what := range []string{"bias", "mult"} {
		t, err := intIn(n, 2+i)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !tensor.SameShape(t.Shape, []int{ch}) {
			return fmt.Errorf("%s %s, want [%d]", what, tensor.ShapeString(t.Shape), ch)
		}
	}
	if b := n.Ints("acc_bound", nil); len(b) != ch {
		return fmt.Errorf("attribute \"acc_bound\": want %d ints (one per output channel), got %d", ch, len(b))
	}
	return nil
}

func inferQuantize(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	if s := n.Float("scale", 0); !(s > 0) || math.IsInf(float64(s), 0) {
		return nil, fmt.Errorf("attribute \"scale\": %v is not a positive finite number", s)
	}
	lo, hi, err := outRange(n)
	if err != nil {
		return nil, err
	}
	return one(typ(QuantDType(lo, hi), x.Shape)), nil
}

func inferDequantize(n *Node) ([]Type, error) {
	x, err := intIn(n, 0)
	if err != nil {
		return nil, err
	}
	if s := n.Float("scale", 0); !(s > 0) || math.IsInf(float64(s), 0) {
		return nil, fmt.Errorf("attribute \"scale\": %v is not a positive finite number", s)
	}
	return one(typ(tensor.Float32, x.Shape)), nil
}

func inferQConv(n *Node) ([]Type, error) {
	x, w, err := inPair(n, intIn)
	if err != nil {
		return nil, err
	}
	lo, hi, err := requantAttrs(n)
	if err != nil {
		return nil, err
	}
	out, err := convOutShape(n, x.Shape, w.Shape, int(n.Int("group", 0)))
	if err != nil {
		return nil, err
	}
	if err := channelConsts(n, out[1]); err != nil {
		return nil, err
	}
	return one(typ(QuantDType(lo, hi), out)), nil
}

func inferQFC(n *Node) ([]Type, error) {
	x, w, err := inPair(n, intIn)
	if err != nil {
		return nil, err
	}
	lo, hi, err := requantAttrs(n)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) != 2 || len(w.Shape) != 2 || x.Shape[1] != w.Shape[1] {
		return nil, fmt.Errorf("x %s and w %s, want [M,K] and [N,K]", tensor.ShapeString(x.Shape), tensor.ShapeString(w.Shape))
	}
	if err := channelConsts(n, w.Shape[0]); err != nil {
		return nil, err
	}
	return one(typ(QuantDType(lo, hi), []int{x.Shape[0], w.Shape[0]})), nil
}

// rescaleAttrs checks in_mults and in_shifts against the number of inputs.
func rescaleAttrs(n *Node) error {
	m, s := n.Ints("in_mults", nil), n.Ints("in_shifts", nil)
	if len(m) != len(n.Inputs) || len(s) != len(n.Inputs) {
		return fmt.Errorf("attributes \"in_mults\" and \"in_shifts\": want %d ints each (one per input), got %d and %d", len(n.Inputs), len(m), len(s))
	}
	for i := range m {
		if m[i] < math.MinInt32 || m[i] > math.MaxInt32 || s[i] < 0 || s[i] > 63 {
			return fmt.Errorf("input %d: multiplier %d (want int32) or shift %d (want 0..63) out of range", i, m[i], s[i])
		}
	}
	return nil
}

func inferQAdd(n *Node) ([]Type, error) {
	lo, hi, err := requantAttrs(n)
	if err != nil {
		return nil, err
	}
	if err := rescaleAttrs(n); err != nil {
		return nil, err
	}
	if m := n.Int("mult", math.MaxInt64); m < math.MinInt32 || m > math.MaxInt32 {
		return nil, fmt.Errorf("attribute \"mult\": %d outside int32", m)
	}
	var shape []int
	for i := range n.Inputs {
		t, err := intIn(n, i)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			shape = t.Shape
		} else if !tensor.SameShape(t.Shape, shape) {
			return nil, fmt.Errorf("input %d %s differs from input 0 %s (qadd does not broadcast)", i, tensor.ShapeString(t.Shape), tensor.ShapeString(shape))
		}
	}
	return one(typ(QuantDType(lo, hi), shape)), nil
}

func inferQConcat(n *Node) ([]Type, error) {
	if err := checkRound(n); err != nil {
		return nil, err
	}
	lo, hi, err := outRange(n)
	if err != nil {
		return nil, err
	}
	if err := rescaleAttrs(n); err != nil {
		return nil, err
	}
	// Inputs may differ in element type (each is rescaled to the output's),
	// so the shape rule of concat runs on same-typed stand-ins.
	shadow := &Node{Op: OpConcat, Attrs: n.Attrs, Outputs: n.Outputs}
	for i := range n.Inputs {
		t, err := intIn(n, i)
		if err != nil {
			return nil, err
		}
		shadow.Inputs = append(shadow.Inputs, &Value{Type: Type{DType: tensor.Int64, Shape: t.Shape}})
	}
	ts, err := inferConcat(shadow)
	if err != nil {
		return nil, err
	}
	ts[0].DType = QuantDType(lo, hi)
	return ts, nil
}

// inferQPool is the shape function of qavg_pool and qglobal_avg_pool: the
// geometry is that of max_pool and global_max_pool (same attributes), only
// the element type differs.
func inferQPool(n *Node) ([]Type, error) {
	if _, err := intIn(n, 0); err != nil {
		return nil, err
	}
	lo, hi, err := requantAttrs(n)
	if err != nil {
		return nil, err
	}
	if n.Int("shift", 0) > 61 {
		return nil, fmt.Errorf("attribute \"shift\": %d outside 0..61 (the multiplier round(2^shift/count) must fit)", n.Int("shift", 0))
	}
	shadow := &Node{Op: OpMaxPool, Inputs: n.Inputs, Outputs: n.Outputs, Attrs: n.Attrs}
	geometry := inferPool
	if n.Op == OpQGlobalAvgPool {
		shadow.Op, geometry = OpGlobalMaxPool, inferGlobalPool
	}
	ts, err := geometry(shadow)
	if err != nil {
		return nil, err
	}
	ts[0].DType = QuantDType(lo, hi)
	return ts, nil
}

func inferQClip(n *Node) ([]Type, error) {
	x, err := intIn(n, 0)
	if err != nil {
		return nil, err
	}
	lo, hi, err := outRange(n)
	if err != nil {
		return nil, err
	}
	return one(typ(QuantDType(lo, hi), x.Shape)), nil
}

func inferQAffine(n *Node) ([]Type, error) {
	x, err := intIn(n, 0)
	if err != nil {
		return nil, err
	}
	lo, hi, err := requantAttrs(n)
	if err != nil {
		return nil, err
	}
	if m := n.Int("mult", math.MaxInt64); m < math.MinInt32 || m > math.MaxInt32 {
		return nil, fmt.Errorf("attribute \"mult\": %d outside int32", m)
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input rank %d, want at least 2 (N, C, ...)", len(x.Shape))
	}
	for i, what := range []string{"scale", "bias"} {
		t, err := intIn(n, 1+i)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if !tensor.SameShape(t.Shape, []int{x.Shape[1]}) {
			return nil, fmt.Errorf("%s %s, want [%d] (one per channel)", what, tensor.ShapeString(t.Shape), x.Shape[1])
		}
	}
	return one(typ(QuantDType(lo, hi), x.Shape)), nil
}

// ---- verifier rule of the quantized stage ----

func init() { RegisterCheck("quantized-stage", checkQuantized) }

// isQuantOp reports whether op is one of the ops registered above.
func isQuantOp(op Op) bool {
	switch op {
	case OpQuantize, OpDequantize, OpQConv, OpQFC, OpQAdd, OpQConcat, OpQAvgPool, OpQGlobalAvgPool, OpQClip, OpQAffine, OpQLut, OpQMul:
		return true
	}
	return false
}

// checkQuantized checks what the integer semantics rely on (docs/QUANT.md):
// activations read or written by quantized ops carry per-tensor
// QuantParams, quantize/dequantize scales agree with them, matrix-layer
// weights, biases and multipliers are constants, weight codes fit their
// bits, and acc_bound is the no-saturation bound sum|w|*max|x| with
// acc_bound + |bias| inside int32.
func checkQuantized(g *Graph, report func(n *Node, format string, args ...any)) {
	if g.Stage < StageQuantized {
		return
	}
	for _, n := range g.Nodes {
		if !isQuantOp(n.Op) {
			continue
		}
		acts := append([]*Value{}, n.Outputs...)
		switch n.Op {
		case OpQuantize:
		case OpQConv, OpQFC, OpQAffine:
			acts = append(acts, n.Input(0))
		default:
			acts = append(acts, n.Inputs...)
		}
		if n.Op == OpDequantize {
			acts = []*Value{n.Input(0)}
		}
		ok := true
		for _, v := range acts {
			if v == nil {
				continue
			}
			if q := v.Quant; q == nil || q.Axis != -1 || len(q.Scale) != 1 || q.Bits < 1 || q.Bits > 32 {
				report(n, "%s: integer activation %q needs per-tensor quantization parameters", n.Op, v.Name)
				ok = false
			}
		}
		if !ok {
			continue
		}
		switch n.Op {
		case OpQuantize:
			if len(n.Outputs) == 1 && n.Outputs[0] != nil && n.Outputs[0].Quant.Scale[0] != n.Float("scale", 0) {
				report(n, "quantize: scale attribute %v differs from the output's scale %v", n.Float("scale", 0), n.Outputs[0].Quant.Scale[0])
			}
		case OpDequantize:
			if n.Input(0) != nil && n.Input(0).Quant.Scale[0] != n.Float("scale", 0) {
				report(n, "dequantize: scale attribute %v differs from the input's scale %v", n.Float("scale", 0), n.Input(0).Quant.Scale[0])
			}
		case OpQConv, OpQFC:
			checkMatrixLayer(n, report)
		case OpQAffine:
			checkAffine(n, report)
		}
	}
}

// checkAffine: the scale and bias of qaffine are integer constants inside
// int32, and max|x| * |scale[c]| + |bias[c]| fits int32, so neither the i32
// clamp of the first requantization nor sat32(t + bias) can trigger (the
// pass chooses the intermediate scale so; QUANT.md §3).
func checkAffine(n *Node, report func(n *Node, format string, args ...any)) {
	k, b := n.Input(1), n.Input(2)
	for i, v := range []*Value{k, b} {
		if v == nil || !v.IsConst() || v.Const.DType.Storage() != tensor.StoreI64 || len(v.Const.I64) != v.Type.NumElems() {
			report(n, "qaffine: input %d (scale, bias) must be an integer constant", i+1)
			return
		}
	}
	if n.Input(0) == nil || len(k.Const.I64) != len(b.Const.I64) {
		return // the shape function reports it
	}
	xq := n.Input(0).Quant
	xmax := int64(1)<<xq.Bits - 1
	if xq.Signed {
		xmax = int64(1) << (xq.Bits - 1)
	}
	for c, kv := range k.Const.I64 {
		bv := b.Const.I64[c]
		if max(kv, -kv) > math.MaxInt32 || max(bv, -bv) > math.MaxInt32 || xmax*max(kv, -kv)+max(bv, -bv) > math.MaxInt32 {
			report(n, "qaffine: channel %d: max|x| %d * |scale| %d + |bias| %d exceeds int32", c, xmax, max(kv, -kv), max(bv, -bv))
			return
		}
	}
}

func checkMatrixLayer(n *Node, report func(n *Node, format string, args ...any)) {
	w, b, m := n.Input(1), n.Input(2), n.Input(3)
	for i, v := range []*Value{w, b, m} {
		if v == nil || !v.IsConst() || v.Const.DType.Storage() != tensor.StoreI64 {
			report(n, "%s: input %d (weights, bias, multipliers) must be an integer constant", n.Op, i+1)
			return
		}
	}
	wq := w.Quant
	if wq == nil || !wq.Signed || wq.Bits < 1 || wq.Bits > 8 {
		report(n, "%s: weights need signed 1..8-bit quantization parameters", n.Op)
		return
	}
	wmax := int64(1)<<(wq.Bits-1) - 1
	if wq.Bits == 1 {
		wmax = 1
	}
	if n.Input(0) == nil || len(w.Type.Shape) == 0 || len(w.Const.I64) != w.Type.NumElems() || len(b.Const.I64) != b.Type.NumElems() {
		return // structural problems are reported elsewhere
	}
	xq := n.Input(0).Quant
	xmax := int64(1)<<xq.Bits - 1
	if xq.Signed {
		xmax = int64(1) << (xq.Bits - 1)
	}
	xmin := int64(0)
	if xq.Signed {
		xmin = -xmax
	}
	if xz := n.Int("x_zero", 0); xz < xmin || xz > xmax || (xq.Signed && xz == xmax) {
		report(n, "%s: x_zero %d is not a code of the %d-bit input", n.Op, xz, xq.Bits)
		return
	}
	if yz := n.Int("y_zero", 0); yz < -(1<<16) || yz > 1<<16 || n.Int("lo", 0)-yz < math.MinInt32 || n.Int("hi", 0)-yz > math.MaxInt32 {
		report(n, "%s: y_zero %d: lo-y_zero and hi-y_zero must lie in int32 and |y_zero| <= 65536", n.Op, yz)
		return
	}
	bound := n.Ints("acc_bound", nil)
	f := w.Type.Shape[0]
	if f == 0 || len(bound) != f || len(b.Const.I64) != f {
		return // the shape function reports it
	}
	k := len(w.Const.I64) / f
	for c := 0; c < f; c++ {
		var sum int64
		for _, v := range w.Const.I64[c*k : (c+1)*k] {
			if v < -wmax || v > wmax || (wq.Bits == 1 && v == 0) {
				report(n, "%s: weight code %d of channel %d outside the %d-bit range", n.Op, v, c, wq.Bits)
				return
			}
			sum += max(v, -v)
		}
		if want := sum * xmax; int64(bound[c]) != want {
			report(n, "%s: acc_bound[%d] = %d, want sum|w| * max|x| = %d * %d = %d", n.Op, c, bound[c], sum, xmax, want)
			return
		}
		if bv := b.Const.I64[c]; int64(bound[c])+max(bv, -bv) > math.MaxInt32 {
			report(n, "%s: channel %d: acc_bound %d + |bias| %d exceeds int32 (the accumulation could saturate)", n.Op, c, bound[c], max(bv, -bv))
			return
		}
	}
}
