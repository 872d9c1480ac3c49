package tensor

import (
	"fmt"
	"math"
)

// DType is the element type of a tensor. The numbering is our own; the ONNX
// TensorProto.DataType numbers are mapped to it by the frontend.
type DType uint8

// Element types. Storage per type (see Tensor):
//
//	Float32, Float16, BFloat16 -> F32 (16-bit floats are widened on load and
//	                              rounded back when written out)
//	Float64                    -> F64
//	every integer type, Bool   -> I64 (values always lie in the type's range;
//	                              Uint64 is stored as the same 64 bits)
//
// Int4, Uint4, Int2 and Uint2 are the sub-byte integer types of ONNX
// quantized models (QuantizeLinear/DequantizeLinear from opset 21/25); they
// are numbered after Bool so the older numbering stays.
const (
	Invalid DType = iota
	Float32
	Float64
	Float16
	BFloat16
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Bool
	Int4
	Uint4
	Int2
	Uint2
)

var dtypeNames = [...]string{
	Invalid:  "invalid",
	Float32:  "f32",
	Float64:  "f64",
	Float16:  "f16",
	BFloat16: "bf16",
	Int8:     "i8",
	Int16:    "i16",
	Int32:    "i32",
	Int64:    "i64",
	Uint8:    "u8",
	Uint16:   "u16",
	Uint32:   "u32",
	Uint64:   "u64",
	Bool:     "bool",
	Int4:     "i4",
	Uint4:    "u4",
	Int2:     "i2",
	Uint2:    "u2",
}

// String returns the short mnemonic used in the IR text format ("f32", "i64", ...).
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// ParseDType is the inverse of String.
func ParseDType(s string) (DType, error) {
	for i, n := range dtypeNames {
		if n == s && i != int(Invalid) {
			return DType(i), nil
		}
	}
	return Invalid, fmt.Errorf("unknown element type %q", s)
}

// IsFloat reports whether d is stored in F32 or F64.
func (d DType) IsFloat() bool {
	return d == Float32 || d == Float64 || d == Float16 || d == BFloat16
}

// MaxFinite returns the largest finite value of a float type (0 for other
// types): float32 3.4028235e38, float64 1.8e308, float16 65504, bfloat16
// 3.3895314e38. ONNX Clip's absent bounds are -MaxFinite and MaxFinite
// (numeric_limits<T>::lowest() and max()), so Clip maps ±Inf to them.
func (d DType) MaxFinite() float64 {
	switch d {
	case Float32:
		return math.MaxFloat32
	case Float64:
		return math.MaxFloat64
	case Float16:
		return 65504
	case BFloat16:
		return 0x1.fep127 // 0x7f7f: the largest finite bfloat16
	}
	return 0
}

// IsInt reports whether d is an integer type (Bool excluded).
func (d DType) IsInt() bool { return (d >= Int8 && d <= Uint64) || (d >= Int4 && d <= Uint2) }

// IsUnsigned reports whether d is an unsigned integer type.
func (d DType) IsUnsigned() bool {
	return (d >= Uint8 && d <= Uint64) || d == Uint4 || d == Uint2
}

// Bits returns the storage width of one element in bits.
func (d DType) Bits() int {
	switch d {
	case Int2, Uint2:
		return 2
	case Int4, Uint4:
		return 4
	case Int8, Uint8, Bool:
		return 8
	case Int16, Uint16, Float16, BFloat16:
		return 16
	case Int32, Uint32, Float32:
		return 32
	case Int64, Uint64, Float64:
		return 64
	}
	return 0
}

// IntRange returns the smallest and largest value of an integer type other
// than Uint64 (whose upper half does not fit an int64; callers treat it as
// raw bits).
func (d DType) IntRange() (lo, hi int64) {
	switch d {
	case Int8:
		return -128, 127
	case Int16:
		return -32768, 32767
	case Int32:
		return -1 << 31, 1<<31 - 1
	case Int64, Uint64:
		return -1 << 63, 1<<63 - 1
	case Uint8:
		return 0, 255
	case Uint16:
		return 0, 65535
	case Uint32:
		return 0, 1<<32 - 1
	case Bool:
		return 0, 1
	case Int4:
		return -8, 7
	case Uint4:
		return 0, 15
	case Int2:
		return -2, 1
	case Uint2:
		return 0, 3
	}
	return 0, 0
}

// Wrap reduces v modulo the width of the integer type d, as two's-complement
// hardware (and NumPy) does on overflow.
func (d DType) Wrap(v int64) int64 {
	switch d {
	case Int8:
		return int64(int8(v))
	case Int16:
		return int64(int16(v))
	case Int32:
		return int64(int32(v))
	case Uint8:
		return int64(uint8(v))
	case Uint16:
		return int64(uint16(v))
	case Uint32:
		return int64(uint32(v))
	case Bool:
		if v != 0 {
			return 1
		}
		return 0
	case Int4, Int2: // sign-extend the low Bits() bits
		s := 64 - uint(d.Bits())
		return v << s >> s
	case Uint4, Uint2:
		return v & (1<<uint(d.Bits()) - 1)
	}
	return v
}
