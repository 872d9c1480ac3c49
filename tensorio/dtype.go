package tensorio

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// ONNX TensorProto.DataType numbers (onnx/onnx.proto, enum DataType).
const (
	onnxFloat    = 1
	onnxUint8    = 2
	onnxInt8     = 3
	onnxUint16   = 4
	onnxInt16    = 5
	onnxInt32    = 6
	onnxInt64    = 7
	onnxString   = 8
	onnxBool     = 9
	onnxFloat16  = 10
	onnxDouble   = 11
	onnxUint32   = 12
	onnxUint64   = 13
	onnxBFloat16 = 16
	onnxUint4    = 21
	onnxInt4     = 22
	onnxUint2    = 25
	onnxInt2     = 26
)

var onnxToDType = map[int32]tensor.DType{
	onnxFloat: tensor.Float32, onnxUint8: tensor.Uint8, onnxInt8: tensor.Int8,
	onnxUint16: tensor.Uint16, onnxInt16: tensor.Int16, onnxInt32: tensor.Int32,
	onnxInt64: tensor.Int64, onnxBool: tensor.Bool, onnxFloat16: tensor.Float16,
	onnxDouble: tensor.Float64, onnxUint32: tensor.Uint32, onnxUint64: tensor.Uint64,
	onnxBFloat16: tensor.BFloat16, onnxUint4: tensor.Uint4, onnxInt4: tensor.Int4,
	onnxUint2: tensor.Uint2, onnxInt2: tensor.Int2,
}

var onnxTypeNames = map[int32]string{
	0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
	7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32",
	13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN",
	18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4",
	23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2",
}

func onnxTypeName(dt int32) string {
	if s, ok := onnxTypeNames[dt]; ok {
		return s
	}
	return fmt.Sprintf("type %d", dt)
}

// DTypeError reports an ONNX element type pimc's tensors cannot hold
// (the 8-bit and 4-bit float types, strings, complex numbers).
type DTypeError struct {
	DataType int32 // the ONNX TensorProto.DataType number
}

func (e *DTypeError) Error() string {
	return fmt.Sprintf("element type %s is not supported", onnxTypeName(e.DataType))
}

// DTypeFromONNX maps an ONNX element type (TensorProto.DataType) to ours,
// or returns a *DTypeError saying it is not supported.
func DTypeFromONNX(dt int32) (tensor.DType, error) {
	if d, ok := onnxToDType[dt]; ok {
		return d, nil
	}
	return tensor.Invalid, &DTypeError{DataType: dt}
}

// DTypeToONNX is the inverse of DTypeFromONNX.
func DTypeToONNX(d tensor.DType) (int32, error) {
	for k, v := range onnxToDType {
		if v == d {
			return k, nil
		}
	}
	return 0, fmt.Errorf("element type %s has no ONNX equivalent", d)
}

// DTypeFromName maps the type names of Cast-1's string attribute "to".
func DTypeFromName(s string) (tensor.DType, error) {
	for k, v := range onnxTypeNames {
		if v == s {
			return DTypeFromONNX(k)
		}
	}
	return tensor.Invalid, fmt.Errorf("unknown element type name %q", s)
}
