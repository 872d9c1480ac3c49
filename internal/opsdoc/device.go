package opsdoc

import "github.com/pimc-dev/pimc/ir"

// deviceRule is how an ONNX op runs when a model is compiled (W8A8 by
// default): how names the device form, qops the quantized IR ops it
// becomes, each of which the backend must place on the device.
type deviceRule struct {
	how  string
	qops []ir.Op
}

// device lists the ONNX ops the quantize pass turns into device work
// (passes/quantize_rewrite.go); every other op stays a float op on the host,
// between a dequantize and a quantize, and the compile summary counts it.
var device = map[string]deviceRule{
	"Conv":               {"qconv: weights in the sub-arrays, bit-serial MACs (1-D/2-D)", []ir.Op{ir.OpQConv}},
	"ConvTranspose":      {"zero_insert on the codes, then qconv (conv-transpose-lower)", []ir.Op{ir.OpZeroInsert, ir.OpQConv}},
	"Gemm":               {"qfc when B is a constant matrix", []ir.Op{ir.OpQFC}},
	"MatMul":             {"qfc when the second operand is a constant matrix", []ir.Op{ir.OpQFC}},
	"BatchNormalization": {"folded into the preceding conv (bn-fold), else a per-channel qaffine", []ir.Op{ir.OpQAffine}},
	"Add":                {"qadd of same-shape activations; qaffine with a constant operand", []ir.Op{ir.OpQAdd, ir.OpQAffine}},
	"Sum":                {"qadd of same-shape activations", []ir.Op{ir.OpQAdd}},
	"Mul":                {"qaffine with a constant operand; qmul of two activations (a squeeze-excitation gate, SiLU x*sigmoid(x), hard-swish x*hard_sigmoid(x))", []ir.Op{ir.OpQAffine, ir.OpQMul}},
	"Relu":               {"folded into the producer's requantization clamp, else qclip", []ir.Op{ir.OpQClip}},
	"Clip":               {"folded into the producer's requantization clamp, else qclip", []ir.Op{ir.OpQClip}},
	"Concat":             {"qconcat (inputs rescaled to one scale)", []ir.Op{ir.OpQConcat}},
	"AveragePool":        {"qavg_pool", []ir.Op{ir.OpQAvgPool}},
	"GlobalAveragePool":  {"qglobal_avg_pool", []ir.Op{ir.OpQGlobalAvgPool}},
	"MaxPool":            {"on the codes (Indices output: host)", []ir.Op{ir.OpMaxPool}},
	"GlobalMaxPool":      {"on the codes", []ir.Op{ir.OpGlobalMaxPool}},
	"Pad":                {"constant 0 on the codes; other values and the edge/reflect/wrap modes on the host", []ir.Op{ir.OpPad}},
	"Reshape":            {"moves codes", []ir.Op{ir.OpReshape}},
	"Flatten":            {"moves codes", []ir.Op{ir.OpFlatten}},
	"Squeeze":            {"moves codes", []ir.Op{ir.OpSqueeze}},
	"Unsqueeze":          {"moves codes", []ir.Op{ir.OpUnsqueeze}},
	"Transpose":          {"moves codes", []ir.Op{ir.OpTranspose}},
	"Split":              {"moves codes", []ir.Op{ir.OpSplit}},
	"DepthToSpace":       {"reshape, transpose, reshape: moves codes", []ir.Op{ir.OpReshape, ir.OpTranspose}},
	"SpaceToDepth":       {"reshape, transpose, reshape: moves codes", []ir.Op{ir.OpReshape, ir.OpTranspose}},
	"Identity":           {"moves codes (removed by canonicalize)", []ir.Op{ir.OpIdentity}},
	"Dropout":            {"moves codes (removed by canonicalize; the mask is a constant)", []ir.Op{ir.OpDropout}},
	"Slice":              {"moves codes (a strided view: channel split, crops)", []ir.Op{ir.OpSlice}},
	"ReduceMean":         {"over all spatial axes: qglobal_avg_pool; other axes on the host", []ir.Op{ir.OpQGlobalAvgPool}},
	"Resize":             {"linear, half_pixel, even integer upsampling: edge pad (slice, qconcat), zero_insert and a depthwise qconv with the tent kernel; nearest with integer factors whose index map repeats each cell (e.g. PyTorch's asymmetric + floor): zero_insert and a depthwise qconv with a kernel of ones, binary weights (resize-lower); other modes and maps on the host", []ir.Op{ir.OpSlice, ir.OpQConcat, ir.OpZeroInsert, ir.OpQConv}},
	"Upsample":           {"nearest by integer factors (asymmetric, floor): zero_insert and a depthwise qconv with a kernel of ones, binary weights (resize-lower); linear (asymmetric) on the host", []ir.Op{ir.OpZeroInsert, ir.OpQConv}},
	"QLinearConv":        {"qconv with the model's codes, scales and zero points (docs/QUANT.md §11)", []ir.Op{ir.OpQConv}},
	"QLinearMatMul":      {"qfc with the model's codes, scales and zero points (docs/QUANT.md §11)", []ir.Op{ir.OpQFC}},
}

// tableHow is the device form of the element-wise activations the quantize
// pass turns into tables (passes.TableOp; TestTableActivationsListed keeps
// the list below equal to it).
const tableHow = "qlut: a table of the output code per input code (vlut), for inputs of at most 8 bits"

func init() {
	for _, op := range []string{"Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Gelu", "Erf", "Mish", "Softplus", "Softsign", "Elu", "Selu", "Celu"} {
		device[op] = deviceRule{tableHow, []ir.Op{ir.OpQLut}}
	}
}
