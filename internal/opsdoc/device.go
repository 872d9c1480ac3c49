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
	"Mul":                {"qaffine with a constant operand", []ir.Op{ir.OpQAffine}},
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
}
