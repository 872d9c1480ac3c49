package opsdoc

// notes are the limits of pimc's support of an imported op (what it
// refuses, reported as unsupported, or what must be a constant), or, for an
// op it does not import, what stands in its way. Shapes are static
// everywhere: inputs that size the output must be constants.
var notes = map[string]string{
	"AveragePool":               "1-D to 3-D; dilations (opset 19)",
	"BatchNormalization":        "inference form only (training outputs refused)",
	"Cast":                      "numeric types and bool; strings and float8/float4 refused; to int4/uint4/int2/uint2 refused (their values are read and written)",
	"CastLike":                  "as Cast",
	"Clip":                      "bounds must be constants",
	"Constant":                  "tensor values; sparse and string values refused",
	"ConstantOfShape":           "shape must be a constant",
	"Conv":                      "1-D and 2-D (3-D refused); auto_pad resolved at import",
	"ConvTranspose":             "1-D to 3-D; output_shape and auto_pad resolved at import",
	"DepthToSpace":              "rank 4; DCR and CRD modes",
	"SpaceToDepth":              "rank 4",
	"InstanceNormalization":     "lowered to reduce_mean, arithmetic and sqrt",
	"MeanVarianceNormalization": "lowered to reduce_mean, arithmetic and sqrt (epsilon 1e-9 as in its function body)",
	"Size":                      "a constant (shapes are static)",
	"Trilu":                     "k must be a constant",
	"TopK":                      "K must be a constant; always sorted (ties: lower index first)",
	"Range":                     "start, limit and delta must be constants: the result is a constant",
	"EyeLike":                   "a constant (only the input's shape matters)",
	"CumSum":                    "axis must be a constant",
	"Mod":                       "fmod=0 (sign of the divisor) on integers only, as ONNX requires",
	"Hardmax":                   "every axis; before opset 13 the 2-D coercion at axis",
	"Dropout":                   "inference only (training_mode=true refused); the mask output is a constant of ones",
	"Expand":                    "shape must be a constant",
	"LayerNormalization":        "Mean and InvStdDev outputs too; statistics in float64 whatever stash_type says",
	"MaxPool":                   "1-D to 3-D; the Indices output (storage_order 0 or 1) is its own op, max_pool_indices",
	"Mean":                      "lowered to Sum then a division",
	"Pad":                       "all modes (constant, edge, reflect, wrap); pads, constant_value and axes must be constants",
	"ReduceMean":                "axes (attribute or, from opset 18, input) must be constants",
	"Reshape":                   "shape must be a constant (0 and -1 resolved at import)",
	"Resize":                    "all modes, coordinate transformations and nearest modes, antialias, axes, keep_aspect_ratio_policy; roi, scales and sizes must be constants; opset 10: asymmetric, onnxruntime's nearest rule",
	"Slice":                     "starts, ends, axes and steps must be constants",
	"Softmax":                   "every axis; before opset 13 the 2-D coercion at axis",
	"LogSoftmax":                "as Softmax",
	"Split":                     "split sizes or num_outputs must be constants",
	"Squeeze":                   "axes must be constants",
	"Tile":                      "repeats must be a constant (opset 6 on)",
	"Unsqueeze":                 "axes must be constants",
	"Upsample":                  "as Resize opset 10 (asymmetric; nearest or linear); Upsample-1's height_scale/width_scale refused",
	"QuantizeLinear":            "per tensor, per axis and blocked; int2 to int16 and unsigned kinds (float8/float4 refused); NaN gives the zero point; precision only as the scale's type",
	"DequantizeLinear":          "per tensor, per axis and blocked; int2 to int32 and unsigned kinds (float8/float4 refused); output_dtype only as the scale's type",
	"DynamicQuantizeLinear":     "uint8; the range in float32, zero point rounded half to even",
	"QLinearConv":               "1-D and 2-D; onnxruntime's float32 requantization, round half to even, saturation",
	"QLinearMatMul":             "per-column b scales and zero points; onnxruntime's float32 requantization",
	"ConvInteger":               "1-D and 2-D; per-channel weight zero points",
	"MatMulInteger":             "per-row a and per-column b zero points",
	"If":                        "control flow (subgraphs) is not imported",
	"Loop":                      "control flow (subgraphs) is not imported",
	"Scan":                      "control flow (subgraphs) is not imported",
}

func init() {
	for _, op := range []string{"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"} {
		notes[op] = "axes (attribute, or input from opset 18, ReduceSum 13) must be constants; noop_with_empty_axes"
	}
	for _, op := range []string{"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf"} {
		notes[op] = "gives bool"
	}
}
