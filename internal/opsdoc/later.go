package opsdoc

// later lists opset versions after ONNX 1.12 (opset 17) that pimc's
// corpora show, and operators added since: for ops of the ONNX 1.22 node
// tests (shared/onnx-corpus/node, whose models carry the opset of the op's
// newest schema there) that newest version; Gelu (opset 20) and Mish (18)
// from ONNX's operator changelog, and the Resize (18, 19) and Reduce* (18)
// versions whose new attributes or inputs pimc reads (testdata/onnx-ops).
var later = map[string][]int{
	"Add": {14}, "AveragePool": {22}, "BatchNormalization": {15}, "Constant": {25}, "ConstantOfShape": {25},
	"Conv": {22}, "ConvTranspose": {22}, "DequantizeLinear": {25}, "Div": {14}, "Dropout": {22}, "Flatten": {25},
	"GlobalAveragePool": {22}, "GlobalMaxPool": {22}, "HardSigmoid": {22}, "HardSwish": {22}, "Identity": {25},
	"LeakyRelu": {16}, "MaxPool": {22}, "Mul": {14}, "PRelu": {16}, "Pad": {18, 19, 25}, "QLinearMatMul": {21},
	"QuantizeLinear": {25}, "Relu": {14}, "Reshape": {25}, "Resize": {18, 19}, "Shape": {25}, "Split": {18},
	"Squeeze": {25}, "Sub": {14}, "Transpose": {25}, "Unsqueeze": {25},
	"ReduceL1": {18}, "ReduceL2": {18}, "ReduceLogSum": {18}, "ReduceLogSumExp": {18}, "ReduceMax": {18},
	"ReduceMean": {18}, "ReduceMin": {18}, "ReduceProd": {18}, "ReduceSumSquare": {18},
	"Gelu": {20}, "Mish": {18},
}
