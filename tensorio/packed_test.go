package tensorio

import (
	"slices"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestPackedSubByteTypes decodes int4/uint4/int2/uint2 tensors packed as
// onnx.proto specifies (first element in the low bits, the last byte half
// used), from raw_data and from int32_data, and encodes them back.
func TestPackedSubByteTypes(t *testing.T) {
	cases := []struct {
		onnxType int32
		dt       tensor.DType
		packed   []byte
		want     []int64
	}{
		{onnxInt4, tensor.Int4, []byte{0x8f, 0x07, 0x01}, []int64{-1, -8, 7, 0, 1}},
		{onnxUint4, tensor.Uint4, []byte{0x8f, 0x07, 0x01}, []int64{15, 8, 7, 0, 1}},
		{onnxInt2, tensor.Int2, []byte{0b11100100, 0b10}, []int64{0, 1, -2, -1, -2}},
		{onnxUint2, tensor.Uint2, []byte{0b11100100, 0b10}, []int64{0, 1, 2, 3, 2}},
	}
	for _, c := range cases {
		int32s := make([]int32, len(c.packed))
		for i, b := range c.packed {
			int32s[i] = int32(b)
		}
		for _, tp := range []*onnx.TensorProto{
			{Name: "raw", DataType: c.onnxType, Dims: []int64{5}, RawData: c.packed},
			{Name: "int32", DataType: c.onnxType, Dims: []int64{5}, Int32Data: int32s},
		} {
			got, err := DecodeTensorProto(tp)
			if err != nil {
				t.Fatalf("%s %s: %v", c.dt, tp.Name, err)
			}
			if got.DType != c.dt || !slices.Equal(got.I64, c.want) {
				t.Errorf("%s %s: got %v %v, want %v", c.dt, tp.Name, got.DType, got.I64, c.want)
			}
			enc, err := EncodeTensorProto(got, "y")
			if err != nil {
				t.Fatal(err)
			}
			if enc.DataType != c.onnxType || !slices.Equal(enc.RawData, c.packed) {
				t.Errorf("%s: encoded %d %x, want %d %x", c.dt, enc.DataType, enc.RawData, c.onnxType, c.packed)
			}
		}
	}
	short := &onnx.TensorProto{Name: "short", DataType: onnxInt4, Dims: []int64{5}, RawData: []byte{1, 2}}
	if _, err := DecodeTensorProto(short); err == nil {
		t.Error("int4[5] in 2 bytes decoded")
	}
}
