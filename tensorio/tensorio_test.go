package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// sampleTensors covers every element type with values at the type's limits.
func sampleTensors() []*tensor.Tensor {
	ts := []*tensor.Tensor{
		tensor.FromF32([]float32{1.5, -2, float32(math.Inf(1)), 0}, 2, 2),
		{DType: tensor.Float64, Shape: []int{3}, F64: []float64{1e300, -0.5, 3}},
		{DType: tensor.Float16, Shape: []int{2}, F32: []float32{65504, -0.5}},
		{DType: tensor.BFloat16, Shape: []int{2}, F32: []float32{-2.5, 1}},
		tensor.FromF32([]float32{7}), // scalar
		tensor.New(tensor.Float32, 0, 3),
	}
	for _, dt := range []tensor.DType{tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Bool} {
		lo, hi := dt.IntRange()
		ts = append(ts, tensor.FromI64(dt, []int64{lo, hi, 0}, 3))
	}
	ts = append(ts, tensor.FromI64(tensor.Uint64, []int64{-1, 5}, 1, 2))
	return ts
}

func TestTensorRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".pb", ".npy"} {
		for _, want := range sampleTensors() {
			if ext == ".npy" && want.DType == tensor.BFloat16 {
				continue // NumPy has no bfloat16
			}
			p := filepath.Join(dir, "t"+ext)
			if err := Write(p, want, "name"); err != nil {
				t.Fatalf("%s %s: %v", ext, want, err)
			}
			got, err := Read(p)
			if err != nil {
				t.Fatalf("%s %s: %v", ext, want, err)
			}
			if !tensor.Equal(got, want) {
				t.Errorf("%s: wrote %s %v%v%v, read %s %v%v%v", ext, want, want.F32, want.F64, want.I64, got, got.F32, got.F64, got.I64)
			}
		}
	}
	if err := Write(filepath.Join(dir, "t.npy"), &tensor.Tensor{DType: tensor.BFloat16, Shape: []int{1}, F32: []float32{1}}, ""); err == nil {
		t.Error("bfloat16 .npy: no error")
	}
	if err := Write(filepath.Join(dir, "t.txt"), tensor.FromF32([]float32{1}), ""); err == nil {
		t.Error(".txt: no error")
	}
	if err := Write(filepath.Join(dir, "t.pb"), &tensor.Tensor{DType: tensor.Float32, Shape: []int{3}, F32: []float32{1}}, ""); err == nil {
		t.Error("short payload: no error")
	}
}

// TestTensorProtoStorageForms decodes each typed data field of TensorProto.
func TestTensorProtoStorageForms(t *testing.T) {
	cases := []struct {
		tp   *onnx.TensorProto
		want *tensor.Tensor
	}{
		{&onnx.TensorProto{DataType: onnxFloat, Dims: []int64{2}, FloatData: []float32{1, 2}}, tensor.FromF32([]float32{1, 2}, 2)},
		{&onnx.TensorProto{DataType: onnxInt8, Dims: []int64{2}, Int32Data: []int32{-128, 127}}, tensor.FromI64(tensor.Int8, []int64{-128, 127}, 2)},
		{&onnx.TensorProto{DataType: onnxUint16, Dims: []int64{1}, Int32Data: []int32{65535}}, tensor.FromI64(tensor.Uint16, []int64{65535}, 1)},
		{&onnx.TensorProto{DataType: onnxBool, Dims: []int64{2}, Int32Data: []int32{1, 0}}, tensor.FromI64(tensor.Bool, []int64{1, 0}, 2)},
		{&onnx.TensorProto{DataType: onnxInt64, Dims: []int64{1}, Int64Data: []int64{-5}}, tensor.FromI64(tensor.Int64, []int64{-5}, 1)},
		{&onnx.TensorProto{DataType: onnxDouble, Dims: []int64{}, DoubleData: []float64{2.5}}, &tensor.Tensor{DType: tensor.Float64, Shape: []int{}, F64: []float64{2.5}}},
		{&onnx.TensorProto{DataType: onnxUint32, Dims: []int64{1}, Uint64Data: []uint64{4294967295}}, tensor.FromI64(tensor.Uint32, []int64{4294967295}, 1)},
		{&onnx.TensorProto{DataType: onnxUint64, Dims: []int64{1}, Uint64Data: []uint64{math.MaxUint64}}, tensor.FromI64(tensor.Uint64, []int64{-1}, 1)},
		{&onnx.TensorProto{DataType: onnxFloat16, Dims: []int64{2}, Int32Data: []int32{0x3c00, 0xc000}}, &tensor.Tensor{DType: tensor.Float16, Shape: []int{2}, F32: []float32{1, -2}}},
		{&onnx.TensorProto{DataType: onnxBFloat16, Dims: []int64{1}, Int32Data: []int32{0x3f80}}, &tensor.Tensor{DType: tensor.BFloat16, Shape: []int{1}, F32: []float32{1}}},
		{&onnx.TensorProto{DataType: onnxFloat16, Dims: []int64{1}, RawData: []byte{0x00, 0x3c}}, &tensor.Tensor{DType: tensor.Float16, Shape: []int{1}, F32: []float32{1}}},
		{&onnx.TensorProto{DataType: onnxInt32, Dims: []int64{1}, RawData: []byte{0xff, 0xff, 0xff, 0xff}}, tensor.FromI64(tensor.Int32, []int64{-1}, 1)},
	}
	for i, c := range cases {
		got, err := DecodeTensorProto(c.tp)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if !tensor.Equal(got, c.want) {
			t.Errorf("case %d: got %s %v%v%v, want %v%v%v", i, got, got.F32, got.F64, got.I64, c.want.F32, c.want.F64, c.want.I64)
		}
	}
	bad := []struct {
		tp  *onnx.TensorProto
		err string
	}{
		{&onnx.TensorProto{Name: "w", DataType: onnxFloat, Dims: []int64{3}, FloatData: []float32{1}}, `tensor "w": dims [3] need 3 values, the FLOAT data field has 1`},
		{&onnx.TensorProto{Name: "w", DataType: onnxFloat, Dims: []int64{3}, DataLocation: onnx.TensorProto_EXTERNAL}, "external data is not supported"},
		{&onnx.TensorProto{Name: "w", DataType: onnxFloat, Dims: []int64{1}, ExternalData: []*onnx.StringStringEntryProto{{Key: "location", Value: "w.bin"}}}, "external data"},
		{&onnx.TensorProto{Name: "w", DataType: onnxString, Dims: []int64{1}}, "STRING is not supported"},
		{&onnx.TensorProto{Name: "w", DataType: onnxFloat, Dims: []int64{-1}}, "negative dimension"},
		{&onnx.TensorProto{Name: "w", DataType: onnxFloat, Dims: []int64{1 << 40, 1 << 40}}, "more than"},
	}
	for _, c := range bad {
		_, err := DecodeTensorProto(c.tp)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("error %v, want %q", err, c.err)
		}
	}
}

func npyBytes(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.Write([]byte{major, 0})
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestNPYHeaders(t *testing.T) {
	data := []byte{1, 0, 0, 0, 2, 0, 0, 0}
	for _, major := range []byte{1, 2, 3} {
		got, err := decodeNPY(npyBytes(major, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", data))
		if err != nil || got.String() != "i32[2]" || got.I64[1] != 2 {
			t.Errorf("v%d: %v %v", major, got, err)
		}
	}
	got, err := decodeNPY(npyBytes(1, `{"descr":"|u1","fortran_order":False,"shape":(2, 4)}`, make([]byte, 8)))
	if err != nil || got.String() != "u8[2,4]" {
		t.Errorf("double quotes: %v %v", got, err)
	}
	got, err = decodeNPY(npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", make([]byte, 8)))
	if err != nil || got.String() != "f64[]" {
		t.Errorf("scalar: %v %v", got, err)
	}
	bad := []struct {
		npy []byte
		err string
	}{
		{npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", data), "Fortran order"},
		{npyBytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data), "big-endian"},
		{npyBytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data), "not supported"},
		{npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data), ".npy payload truncated: shape [3] of f32 needs 12 bytes, found 8"},
		{npyBytes(4, "{}", nil), "version 4"},
		{[]byte("\x93NUMPY\x01\x00\xff\xff{"), "truncated"},
		{[]byte("PK"), "bad magic"},
	}
	for _, c := range bad {
		if _, err := decodeNPY(c.npy); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("error %v, want %q", err, c.err)
		}
	}
}

func TestReadNPZ(t *testing.T) {
	a, _ := encodeNPY(tensor.FromF32([]float32{1, 2, 3}, 3))
	b, _ := encodeNPY(tensor.FromI64(tensor.Int64, []int64{7}, 1, 1))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct {
		name   string
		method uint16
		data   []byte
	}{{"a.npy", zip.Store, a}, {"b.npy", zip.Deflate, b}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "x.npz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	if m["a"].String() != "f32[3]" || m["b"].String() != "i64[1,1]" || m["b"].I64[0] != 7 {
		t.Errorf("got %v", m)
	}
	if err := os.WriteFile(p, buf.Bytes()[:20], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNPZ(p); err == nil || !strings.Contains(err.Error(), "x.npz") {
		t.Errorf("truncated npz: %v", err)
	}
}

func TestReadTensorErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.pb")
	os.WriteFile(p, []byte{0xff, 0xff, 0xff}, 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "bad.pb") {
		t.Errorf("corrupt .pb: %v", err)
	}
	tp, _ := proto.Marshal(&onnx.TensorProto{DataType: onnxFloat, Dims: []int64{2}, FloatData: []float32{1, 2}})
	p = filepath.Join(dir, "ok.pb")
	os.WriteFile(p, tp, 0o644)
	if got, err := Read(p); err != nil || got.String() != "f32[2]" {
		t.Errorf("float_data .pb: %v %v", got, err)
	}
	if _, err := Read(filepath.Join(dir, "x.csv")); err == nil {
		t.Error("missing file: no error")
	}
}

func BenchmarkDecodeRawF32(b *testing.B) {
	t := tensor.New(tensor.Float32, 1<<20)
	raw, _ := encodeRaw(t)
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		if _, err := decodeRaw(tensor.Float32, []int{1 << 20}, raw); err != nil {
			b.Fatal(err)
		}
	}
}
