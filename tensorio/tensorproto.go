package tensorio

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// MaxElems bounds the element count of one decoded tensor, so a corrupt dims
// field cannot make us allocate terabytes before noticing the data is short:
// 2^31, or ir.MaxElems where that is smaller (32-bit machines), so that
// every count and dimension below it fits int. The frontend bounds the
// shapes and dims it reads from attributes by the same number.
const MaxElems = min(1<<31, ir.MaxElems)

// ShapeFromDims converts ONNX dims to a shape, rejecting negative dims and
// element counts beyond MaxElems.
func ShapeFromDims(dims []int64) ([]int, error) {
	shape := make([]int, len(dims))
	n := int64(1)
	for i, d := range dims {
		if d < 0 {
			return nil, fmt.Errorf("dims %v: negative dimension", dims)
		}
		if d > MaxElems || (d > 0 && n > MaxElems/d) {
			return nil, fmt.Errorf("dims %v: more than %d elements", dims, int64(MaxElems))
		}
		n *= d
		shape[i] = int(d)
	}
	return shape, nil
}

// checkTensorSize applies the per-value limit (ir.Limits) to a tensor
// about to be decoded, before its storage is allocated: its dims may
// promise far more than the file holds, and a small integer type still
// takes 8 bytes per element in memory.
func checkTensorSize(dt tensor.DType, shape []int) error {
	return ir.CheckValueSize("", ir.Type{DType: dt, Shape: shape})
}

// DecodeTensorProto converts a TensorProto in any of its storage forms
// (raw_data little-endian, or the typed repeated fields) to a tensor. Its
// dims are checked against MaxElems and the per-value limit (ir.Limits)
// before anything is allocated. An element type pimc cannot hold gives a
// *DTypeError (wrapped), so the frontend can report it as unsupported.
func DecodeTensorProto(tp *onnx.TensorProto) (*tensor.Tensor, error) {
	if len(tp.GetExternalData()) > 0 || tp.GetDataLocation() == onnx.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("tensor %q: external data is not supported (convert the model with onnx.save_model(..., save_as_external_data=False))", tp.GetName())
	}
	if tp.GetSegment() != nil {
		return nil, fmt.Errorf("tensor %q: segmented tensors are not supported", tp.GetName())
	}
	dt, err := DTypeFromONNX(tp.GetDataType())
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tp.GetName(), err)
	}
	shape, err := ShapeFromDims(tp.GetDims())
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %v", tp.GetName(), err)
	}
	if err := checkTensorSize(dt, shape); err != nil {
		return nil, fmt.Errorf("tensor %q: %v", tp.GetName(), err)
	}
	n := tensor.NumElems(shape)
	raw := tp.GetRawData()
	if n > 0 && !hasData(tp) {
		return nil, fmt.Errorf("tensor %q holds no data: dims %v need %d %s values", tp.GetName(), tp.GetDims(), n, onnxTypeName(tp.GetDataType()))
	}
	if dt.Bits() < 8 { // int4, uint4, int2, uint2: packed in either field
		packed := raw
		if len(packed) == 0 {
			for _, v := range tp.GetInt32Data() {
				packed = append(packed, byte(v))
			}
		}
		t, err := decodePacked(dt, shape, packed)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %v", tp.GetName(), err)
		}
		return t, nil
	}
	if len(raw) > 0 || n == 0 {
		t, err := decodeRaw(dt, shape, raw)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: raw_data %v", tp.GetName(), err)
		}
		return t, nil
	}
	if have := typedLen(tp); have != n {
		return nil, fmt.Errorf("tensor %q: dims %v need %d values, the %s data field has %d", tp.GetName(), tp.GetDims(), n, onnxTypeName(tp.GetDataType()), have)
	}
	t := tensor.New(dt, shape...)
	var got int
	switch tp.GetDataType() {
	case onnxFloat:
		got = copy(t.F32, tp.GetFloatData())
		got = checkLen(got, len(tp.GetFloatData()), n)
	case onnxDouble:
		got = checkLen(copy(t.F64, tp.GetDoubleData()), len(tp.GetDoubleData()), n)
	case onnxInt64:
		got = checkLen(copy(t.I64, tp.GetInt64Data()), len(tp.GetInt64Data()), n)
	case onnxUint32, onnxUint64:
		src := tp.GetUint64Data()
		got = checkLen(min(len(src), n), len(src), n)
		for i := 0; i < got; i++ {
			t.I64[i] = dt.Wrap(int64(src[i]))
		}
	case onnxFloat16, onnxBFloat16:
		src := tp.GetInt32Data()
		got = checkLen(min(len(src), n), len(src), n)
		for i := 0; i < got; i++ {
			t.F32[i] = halfToFloat32(dt, uint16(src[i]))
		}
	default: // int8/16/32, uint8/16, bool travel in int32_data
		src := tp.GetInt32Data()
		got = checkLen(min(len(src), n), len(src), n)
		for i := 0; i < got; i++ {
			t.I64[i] = dt.Wrap(int64(src[i]))
		}
	}
	if got != n {
		return nil, fmt.Errorf("tensor %q: dims %v need %d values, the %s data field has %d", tp.GetName(), tp.GetDims(), n, onnxTypeName(tp.GetDataType()), got)
	}
	return t, nil
}

// checkLen returns the data length when it matches n, else the length
// (so the caller reports the mismatch).
func checkLen(copied, have, n int) int {
	if have != n {
		return have
	}
	return copied
}

// decodeRaw reads little-endian raw_data. The length is checked against
// the shape before anything is allocated (without overflowing int, even
// where it has 32 bits), so a declared shape never allocates more than raw
// holds.
func decodeRaw(dt tensor.DType, shape []int, raw []byte) (*tensor.Tensor, error) {
	n := tensor.NumElems(shape)
	size := dt.Bits() / 8
	if size == 0 {
		return nil, fmt.Errorf("element type %s has no raw form", dt)
	}
	if n > len(raw)/size || n*size != len(raw) {
		need := fmt.Sprintf("%d", uint64(n)*uint64(size))
		if n > len(raw)/size {
			return nil, fmt.Errorf("truncated: shape %v of %s needs %s bytes, found %d", shape, dt, need, len(raw))
		}
		return nil, fmt.Errorf("has %d bytes, shape %v of %s needs %s (%d extra bytes)", len(raw), shape, dt, need, len(raw)-n*size)
	}
	t := tensor.New(dt, shape...)
	le := binary.LittleEndian
	if dt == tensor.Float32 { // the common case: weights of float models
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
		return t, nil
	}
	for i := 0; i < n; i++ {
		b := raw[i*size:]
		switch dt {
		case tensor.Float32:
			t.F32[i] = math.Float32frombits(le.Uint32(b))
		case tensor.Float64:
			t.F64[i] = math.Float64frombits(le.Uint64(b))
		case tensor.Float16, tensor.BFloat16:
			t.F32[i] = halfToFloat32(dt, le.Uint16(b))
		case tensor.Int8:
			t.I64[i] = int64(int8(b[0]))
		case tensor.Uint8:
			t.I64[i] = int64(b[0])
		case tensor.Bool:
			t.I64[i] = tensor.Bool.Wrap(int64(b[0]))
		case tensor.Int16:
			t.I64[i] = int64(int16(le.Uint16(b)))
		case tensor.Uint16:
			t.I64[i] = int64(le.Uint16(b))
		case tensor.Int32:
			t.I64[i] = int64(int32(le.Uint32(b)))
		case tensor.Uint32:
			t.I64[i] = int64(le.Uint32(b))
		case tensor.Int64, tensor.Uint64:
			t.I64[i] = int64(le.Uint64(b))
		default:
			return nil, fmt.Errorf("element type %s has no raw form", dt)
		}
	}
	return t, nil
}

// decodePacked reads the sub-byte integer types: 8/Bits() elements per
// byte, the first in the least significant bits (onnx.proto, TensorProto:
// "the first element is stored in the 4 least significant bits"; int2 and
// uint2 likewise, four to a byte). The last byte may be half used.
func decodePacked(dt tensor.DType, shape []int, packed []byte) (*tensor.Tensor, error) {
	n := tensor.NumElems(shape)
	bits := dt.Bits()
	per := 8 / bits
	if need := (n + per - 1) / per; len(packed) != need {
		return nil, fmt.Errorf("shape %v of %s needs %d packed bytes, found %d", shape, dt, need, len(packed))
	}
	t := tensor.New(dt, shape...)
	for i := range t.I64 {
		v := int64(packed[i/per]>>(uint(i%per)*uint(bits))) & (1<<uint(bits) - 1)
		t.I64[i] = dt.Wrap(v)
	}
	return t, nil
}

// encodePacked is the inverse of decodePacked.
func encodePacked(t *tensor.Tensor) []byte {
	bits := t.DType.Bits()
	per := 8 / bits
	out := make([]byte, (t.Len()+per-1)/per)
	for i, v := range t.I64 {
		out[i/per] |= byte(v&(1<<uint(bits)-1)) << (uint(i%per) * uint(bits))
	}
	return out
}

// encodeRaw writes t's elements as little-endian bytes of its element type.
func encodeRaw(t *tensor.Tensor) ([]byte, error) {
	n := t.Len()
	if b := t.DType.Bits(); b > 0 && b < 8 {
		return encodePacked(t), nil
	}
	size := t.DType.Bits() / 8
	if size == 0 {
		return nil, fmt.Errorf("element type %s cannot be written", t.DType)
	}
	out := make([]byte, n*size)
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		b := out[i*size:]
		switch t.DType {
		case tensor.Float32:
			le.PutUint32(b, math.Float32bits(t.F32[i]))
		case tensor.Float64:
			le.PutUint64(b, math.Float64bits(t.F64[i]))
		case tensor.Float16, tensor.BFloat16:
			le.PutUint16(b, float32ToHalf(t.DType, t.F32[i]))
		case tensor.Int8, tensor.Uint8, tensor.Bool:
			b[0] = byte(t.I64[i])
		case tensor.Int16, tensor.Uint16:
			le.PutUint16(b, uint16(t.I64[i]))
		case tensor.Int32, tensor.Uint32:
			le.PutUint32(b, uint32(t.I64[i]))
		default:
			le.PutUint64(b, uint64(t.I64[i]))
		}
	}
	return out, nil
}

// EncodeTensorProto builds a TensorProto named name holding t in raw_data
// (the form of pimc's .pb files and of the initializers it exports).
func EncodeTensorProto(t *tensor.Tensor, name string) (*onnx.TensorProto, error) {
	if err := CheckPayload(t); err != nil {
		return nil, err
	}
	dt, err := DTypeToONNX(t.DType)
	if err != nil {
		return nil, err
	}
	raw, err := encodeRaw(t)
	if err != nil {
		return nil, err
	}
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	return &onnx.TensorProto{Name: name, DataType: dt, Dims: dims, RawData: raw}, nil
}

// CheckPayload verifies that t's storage matches its type and shape, so the
// writers never index out of range (the frontend checks a bound input with
// it too).
func CheckPayload(t *tensor.Tensor) error {
	n := t.Len()
	var have int
	switch {
	case t.DType == tensor.Float64:
		have = len(t.F64)
	case t.DType.IsFloat():
		have = len(t.F32)
	default:
		have = len(t.I64)
	}
	if have != n {
		return fmt.Errorf("tensor %s holds %d elements, want %d", t, have, n)
	}
	return nil
}

// hasData reports whether tp carries any element in raw_data or a typed
// data field.
func hasData(tp *onnx.TensorProto) bool {
	return len(tp.GetRawData()) > 0 || len(tp.GetFloatData()) > 0 || len(tp.GetDoubleData()) > 0 ||
		len(tp.GetInt32Data()) > 0 || len(tp.GetInt64Data()) > 0 || len(tp.GetUint64Data()) > 0 ||
		len(tp.GetStringData()) > 0
}

// typedLen is the number of values in the typed data field that holds
// tp's element type (checked before allocating the tensor).
func typedLen(tp *onnx.TensorProto) int {
	switch tp.GetDataType() {
	case onnxFloat:
		return len(tp.GetFloatData())
	case onnxDouble:
		return len(tp.GetDoubleData())
	case onnxInt64:
		return len(tp.GetInt64Data())
	case onnxUint32, onnxUint64:
		return len(tp.GetUint64Data())
	}
	return len(tp.GetInt32Data())
}
