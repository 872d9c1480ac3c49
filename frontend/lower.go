package frontend

import (
	"github.com/pimc-dev/pimc/ir"
)

// lowerers maps every supported ai.onnx op type to its lowering. Anything
// else (and every op of another domain) is reported in UnsupportedError.
var lowerers map[string]lowerFunc

func init() {
	lowerers = map[string]lowerFunc{
		"Conv": lowerConv, "ConvTranspose": lowerConvTranspose, "MaxPool": lowerPool, "AveragePool": lowerPool,
		"GlobalAveragePool": unaryOp(ir.OpGlobalAvgPool), "GlobalMaxPool": unaryOp(ir.OpGlobalMaxPool),
		"Gemm": lowerGemm, "MatMul": lowerMatMul,
		"Add": lowerBinary(ir.OpAdd), "Sub": lowerBinary(ir.OpSub),
		"Mul": lowerBinary(ir.OpMul), "Div": lowerBinary(ir.OpDiv),
		"Relu": unaryOp(ir.OpRelu), "Sigmoid": unaryOp(ir.OpSigmoid), "Tanh": unaryOp(ir.OpTanh),
		"HardSwish": unaryOp(ir.OpHardSwish), "Identity": unaryOp(ir.OpIdentity),
		"LeakyRelu": lowerLeakyRelu, "HardSigmoid": lowerHardSigmoid, "PRelu": lowerPRelu,
		"Clip": lowerClip, "Softmax": lowerSoftmax(ir.OpSoftmax), "LogSoftmax": lowerSoftmax(ir.OpLogSoftmax),
		"BatchNormalization": lowerBatchNorm, "LRN": lowerLRN, "ReduceMean": lowerReduce(ir.OpReduceMean),
		"Dropout": lowerDropout,
		"Flatten": lowerFlatten, "Reshape": lowerReshape, "Transpose": lowerTranspose,
		"Concat": lowerConcat, "Pad": lowerPad, "Squeeze": lowerSqueeze, "Unsqueeze": lowerUnsqueeze,
		"Shape": lowerShape, "Gather": lowerGather(ir.OpGather), "ConstantOfShape": lowerConstantOfShape,
		"Sum": variadicOp(ir.OpSum), "Max": variadicOp(ir.OpMax), "Min": variadicOp(ir.OpMin),
		"Split": lowerSplit, "Constant": lowerConstant, "Cast": lowerCast,
		"Slice": lowerSlice, // constants only
	}
	addElementwiseLowerers(lowerers) // lower_elementwise_ext.go
	addReduceLowerers(lowerers)      // lower_reduce.go
	addCopyLowerers(lowerers)        // lower_copy.go
	addResizeLowerers(lowerers)      // lower_resize.go
	addRearrangeLowerers(lowerers)   // lower_rearrange.go
	addMiscLowerers(lowerers)        // lower_misc.go
	addQLinearLowerers(lowerers)     // lower_qlinear.go
}

// unaryOp lowers a one-input, one-output op without attributes that matter.
func unaryOp(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		x, err := c.soleInput()
		if err != nil {
			return err
		}
		_, err = c.emit1(op, []*ir.Value{x}, nil)
		return err
	}
}

// variadicOp lowers Sum, Max and Min (NumPy broadcasting in every opset we
// accept: opsets < 8 required equal shapes, a special case).
func variadicOp(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		if err := c.arity(1, -1, 1, 1); err != nil {
			return err
		}
		ins, err := c.inputs()
		if err != nil {
			return err
		}
		_, err = c.emit1(op, ins, nil)
		return err
	}
}
