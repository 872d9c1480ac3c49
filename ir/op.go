package ir

import (
	"fmt"
	"sort"
)

// Op is an IR operation mnemonic (lower snake case), as printed in .pir text.
type Op string

// AttrSpec describes one attribute an op accepts.
type AttrSpec struct {
	Name     string
	Kind     AttrKind
	Required bool
	Doc      string
}

// OpInfo is the single source of truth for one op: its arity, attributes,
// shape function and the stages where it is legal. The verifier, printer,
// parser, frontend and interpreter all read this table.
type OpInfo struct {
	Op         Op
	Summary    string
	MinInputs  int // inputs 0..MinInputs-1 must be present (non-nil)
	MaxInputs  int // -1 for variadic
	MinOutputs int
	MaxOutputs int // -1 for variadic
	Attrs      []AttrSpec
	// Infer computes the output types from the input types (and, for ops
	// whose output shape depends on values, from constant inputs) and the
	// attributes. It returns an error naming what is wrong; it must not panic
	// on a malformed node.
	Infer func(n *Node) ([]Type, error)
	// FirstStage and LastStage bound the stages where the op may appear.
	FirstStage, LastStage Stage
}

// Attr returns the spec of attribute name, or nil.
func (o *OpInfo) Attr(name string) *AttrSpec {
	for i := range o.Attrs {
		if o.Attrs[i].Name == name {
			return &o.Attrs[i]
		}
	}
	return nil
}

var opTable = map[Op]*OpInfo{}

// Register adds an op to the table; later packages (quantization, mapping)
// register the ops of their stages with it. Registering a name twice is a bug.
func Register(info *OpInfo) {
	if _, dup := opTable[info.Op]; dup {
		panic(fmt.Sprintf("BUG: ir.Register: op %q registered twice", info.Op))
	}
	opTable[info.Op] = info
}

// Lookup returns the table entry of op, or nil if the op is unknown.
func Lookup(op Op) *OpInfo { return opTable[op] }

// Ops returns every registered op in sorted order.
func Ops() []*OpInfo {
	out := make([]*OpInfo, 0, len(opTable))
	for _, o := range opTable {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Op < out[j].Op })
	return out
}

// Float ops of the import and canonical stages. Conventions shared by all:
//   - layouts are NCHW (N C L for 1-D); conv/pool ops work on 1-D or 2-D
//     spatial dimensions (rank 3 or 4), pooling also 3-D;
//   - "pads" of conv and pool ops are [x1_begin, x2_begin, ..., x1_end,
//     x2_end] over the spatial axes only, always explicit (auto_pad is
//     resolved at import since shapes are static);
//   - axes are non-negative (negative ONNX axes are normalized at import);
//   - broadcasting of binary ops is NumPy's.
const (
	OpConv            Op = "conv"              // (x, w, b?) {strides, pads, dilations, group}; w is [F, C/group, k...]
	OpConvTranspose   Op = "conv_transpose"    // (x, w, b?) {strides, pads, dilations, output_padding, group}; w is [C, M/group, k...]
	OpGemm            Op = "gemm"              // (a, b, c?) {alpha, beta, trans_a, trans_b}: alpha*A'*B' + beta*C
	OpMatMul          Op = "matmul"            // (a, b): NumPy matmul (1-D operands promoted, batch dims broadcast)
	OpFC              Op = "fc"                // (x, w, b?): x [M,K], w [N,K], b [N]: y = x*w^T + b (canonical matrix op)
	OpAdd             Op = "add"               // (a, b)
	OpSub             Op = "sub"               // (a, b)
	OpMul             Op = "mul"               // (a, b)
	OpDiv             Op = "div"               // (a, b); integer division truncates toward zero
	OpRelu            Op = "relu"              // (x)
	OpLeakyRelu       Op = "leaky_relu"        // (x) {alpha}
	OpPRelu           Op = "prelu"             // (x, slope): slope broadcasts to x
	OpClip            Op = "clip"              // (x) {min?, max?}: absent bound = unbounded
	OpSigmoid         Op = "sigmoid"           // (x)
	OpHardSigmoid     Op = "hard_sigmoid"      // (x) {alpha, beta}: max(0, min(1, alpha*x+beta))
	OpHardSwish       Op = "hard_swish"        // (x): x*max(0, min(1, x/6+0.5))
	OpTanh            Op = "tanh"              // (x)
	OpSoftmax         Op = "softmax"           // (x) {axis}: along the single axis
	OpLogSoftmax      Op = "log_softmax"       // (x) {axis}
	OpMaxPool         Op = "max_pool"          // (x) {kernel, strides, pads, dilations, ceil_mode}
	OpAvgPool         Op = "avg_pool"          // (x) {kernel, strides, pads, dilations, ceil_mode, count_include_pad}
	OpGlobalAvgPool   Op = "global_avg_pool"   // (x): mean over all spatial axes, kept as size 1
	OpGlobalMaxPool   Op = "global_max_pool"   // (x)
	OpBatchNorm       Op = "batch_norm"        // (x, scale, bias, mean, var) {epsilon}: inference form, channel axis 1
	OpFlatten         Op = "flatten"           // (x) {axis}: to 2-D [prod(dims<axis), prod(dims>=axis)]
	OpReshape         Op = "reshape"           // (x) {shape}: the fully resolved target shape (no 0 or -1)
	OpTranspose       Op = "transpose"         // (x) {perm}
	OpConcat          Op = "concat"            // (x...) {axis}
	OpPad             Op = "pad"               // (x) {pads, value}: constant mode; pads [d0_begin,...,d0_end,...] over all axes, may be negative
	OpIdentity        Op = "identity"          // (x)
	OpDropout         Op = "dropout"           // (x): inference form, identity on its single output
	OpSqueeze         Op = "squeeze"           // (x) {axes}: the resolved axes removed
	OpUnsqueeze       Op = "unsqueeze"         // (x) {axes}: axes of the output, sorted
	OpShape           Op = "shape"             // (x) {start, end}: i64 1-D; end exclusive, both already clamped to [0, rank]
	OpGather          Op = "gather"            // (data, indices) {axis}: negative indices count from the end
	OpConstantOfShape Op = "constant_of_shape" // (shape) {value: 1-element tensor}
	OpSum             Op = "sum"               // (x...): element-wise with broadcasting
	OpMax             Op = "max"               // (x...)
	OpMin             Op = "min"               // (x...)
	OpSplit           Op = "split"             // (x) {axis, split}: one output per part, sizes in split
	OpReduceMean      Op = "reduce_mean"       // (x) {axes, keepdims}: axes empty = all axes
	OpLRN             Op = "lrn"               // (x) {size, alpha, beta, bias}: across channels
	OpZeroInsert      Op = "zero_insert"       // (x) {strides}: stride-1 zeros between cells of each spatial axis (any element type)
)

func init() {
	ints := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInts, Doc: doc} }
	reqInts := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInts, Required: true, Doc: doc} }
	intA := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInt, Doc: doc} }
	flt := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrFloat, Doc: doc} }
	unary := func(op Op, summary string, attrs ...AttrSpec) *OpInfo {
		return &OpInfo{Op: op, Summary: summary, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1, Attrs: attrs, LastStage: StageCanonical}
	}
	binary := func(op Op, summary string) *OpInfo {
		return &OpInfo{Op: op, Summary: summary, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1, LastStage: StageCanonical}
	}
	variadic := func(op Op, summary string) *OpInfo {
		return &OpInfo{Op: op, Summary: summary, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1, LastStage: StageCanonical}
	}
	convAttrs := []AttrSpec{
		reqInts("strides", "stride per spatial axis"),
		reqInts("pads", "explicit padding [begin..., end...] per spatial axis"),
		reqInts("dilations", "dilation per spatial axis"),
	}
	poolAttrs := func(extra ...AttrSpec) []AttrSpec {
		a := []AttrSpec{reqInts("kernel", "window size per spatial axis")}
		a = append(a, convAttrs...)
		a = append(a, intA("ceil_mode", "1: output size rounds up"))
		return append(a, extra...)
	}
	for _, info := range []*OpInfo{
		{Op: OpConv, Summary: "N-d convolution (1-D/2-D), grouped and dilated", MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append(append([]AttrSpec{}, convAttrs...), AttrSpec{Name: "group", Kind: AttrInt, Required: true, Doc: "number of groups"}), LastStage: StageCanonical},
		// auto_pad and output_shape of ONNX ConvTranspose are resolved at
		// import into pads and output_padding (tensor.ConvTransposePadsFor),
		// like auto_pad of conv: shapes are static, and one explicit form
		// keeps the verifier, the kernel and later passes simple.
		{Op: OpConvTranspose, Summary: "transposed convolution (1-D to 3-D), grouped and dilated", MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append(append([]AttrSpec{}, convAttrs...),
				AttrSpec{Name: "output_padding", Kind: AttrInts, Required: true, Doc: "cells added at the end of each spatial axis"},
				AttrSpec{Name: "group", Kind: AttrInt, Required: true, Doc: "number of groups"}), LastStage: StageCanonical},
		{Op: OpGemm, Summary: "general matrix product alpha*A'*B' + beta*C", MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{flt("alpha", "default 1"), flt("beta", "default 1"), intA("trans_a", "default 0"), intA("trans_b", "default 0")}, LastStage: StageImport},
		binary(OpMatMul, "NumPy matrix product"),
		{Op: OpFC, Summary: "fully connected: y = x*w^T + b, w is [N,K]", MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1, FirstStage: StageImport, LastStage: StageCanonical},
		binary(OpAdd, "element-wise a+b with broadcasting"),
		binary(OpSub, "element-wise a-b with broadcasting"),
		binary(OpMul, "element-wise a*b with broadcasting"),
		binary(OpDiv, "element-wise a/b with broadcasting"),
		unary(OpRelu, "max(x, 0)"),
		unary(OpLeakyRelu, "x if x>=0 else alpha*x", flt("alpha", "default 0.01")),
		binary(OpPRelu, "x if x>=0 else slope*x (slope broadcasts)"),
		unary(OpClip, "min(max(x, min), max)", flt("min", "lower bound; absent = none"), flt("max", "upper bound; absent = none")),
		unary(OpSigmoid, "1/(1+exp(-x))"),
		unary(OpHardSigmoid, "max(0, min(1, alpha*x+beta))", flt("alpha", "default 0.2"), flt("beta", "default 0.5")),
		unary(OpHardSwish, "x*max(0, min(1, x/6+1/2))"),
		unary(OpTanh, "tanh(x)"),
		unary(OpSoftmax, "softmax along one axis", AttrSpec{Name: "axis", Kind: AttrInt, Required: true}),
		unary(OpLogSoftmax, "log of softmax along one axis", AttrSpec{Name: "axis", Kind: AttrInt, Required: true}),
		unary(OpMaxPool, "max pooling", poolAttrs()...),
		unary(OpAvgPool, "average pooling", poolAttrs(intA("count_include_pad", "1: padded cells count in the divisor"))...),
		unary(OpGlobalAvgPool, "mean over the spatial axes"),
		unary(OpGlobalMaxPool, "max over the spatial axes"),
		{Op: OpBatchNorm, Summary: "inference batch normalization over axis 1", MinInputs: 5, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{flt("epsilon", "default 1e-5")}, LastStage: StageImport},
		unary(OpFlatten, "to 2-D at axis", AttrSpec{Name: "axis", Kind: AttrInt, Required: true}),
		unary(OpReshape, "to a fully resolved shape", reqInts("shape", "target shape")),
		unary(OpTranspose, "permute axes", reqInts("perm", "output axis i is input axis perm[i]")),
		{Op: OpConcat, Summary: "join along an axis", MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt, Required: true}}, LastStage: StageCanonical},
		unary(OpPad, "constant padding", reqInts("pads", "[d0_begin, d1_begin, ..., d0_end, ...] over all axes"), flt("value", "fill value, default 0")),
		unary(OpIdentity, "copy"),
		unary(OpDropout, "inference dropout: copy"),
		unary(OpSqueeze, "remove size-1 axes", reqInts("axes", "axes removed, sorted")),
		unary(OpUnsqueeze, "insert size-1 axes", reqInts("axes", "axes of the output, sorted")),
		unary(OpShape, "the input's shape as i64", AttrSpec{Name: "start", Kind: AttrInt, Required: true}, AttrSpec{Name: "end", Kind: AttrInt, Required: true}),
		{Op: OpGather, Summary: "take along an axis", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt, Required: true}}, LastStage: StageCanonical},
		unary(OpConstantOfShape, "a tensor of the given shape filled with value", AttrSpec{Name: "value", Kind: AttrTensor, Required: true}),
		variadic(OpSum, "element-wise sum with broadcasting"),
		variadic(OpMax, "element-wise max with broadcasting"),
		variadic(OpMin, "element-wise min with broadcasting"),
		{Op: OpSplit, Summary: "split along an axis", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: -1,
			Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt, Required: true}, reqInts("split", "size of each part")}, LastStage: StageCanonical},
		unary(OpReduceMean, "mean over axes", ints("axes", "axes reduced; empty = all"), AttrSpec{Name: "keepdims", Kind: AttrInt, Required: true}),
		// zero_insert is produced by conv-transpose-lower: a transposed
		// convolution is a stride-1 conv over its zero-inserted input, and
		// only the conv is a matrix layer, so the device needs just this copy.
		{Op: OpZeroInsert, Summary: "insert stride-1 zeros between the cells of each spatial axis", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{reqInts("strides", "stride per spatial axis (1: no zeros)")}, LastStage: StageCanonical},
		unary(OpLRN, "local response normalization across channels", AttrSpec{Name: "size", Kind: AttrInt, Required: true}, flt("alpha", "default 1e-4"), flt("beta", "default 0.75"), flt("bias", "default 1")),
	} {
		Register(info)
	}
	// The ops of issue 13 (op_math.go, op_reduce.go, op_copy.go,
	// op_resize.go, op_norm_ext.go, op_misc.go) carry their shape functions.
	registerMathOps()
	registerReduceOps()
	registerCopyOps()
	registerResizeOps()
	registerNormExtOps()
	registerMiscOps()
	registerQLinearOps() // op_qlinear.go
	attachInfer()        // infer.go
}
