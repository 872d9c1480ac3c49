package tensorio

import (
	"archive/zip"
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// FuzzTensorFiles feeds arbitrary bytes to the three tensor file decoders
// (.npy, TensorProto .pb, .npz). Each must return a tensor or an error, never
// panic; a decoded tensor must hold exactly as many elements as its shape
// says, and re-encoding it must decode to the same shape and bits.
func FuzzTensorFiles(f *testing.F) {
	x := tensor.FromF32([]float32{1, -2, 0.5, 3}, 2, 2)
	npy, err := encodeNPY(x)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(npy)
	tp, err := EncodeTensorProto(tensor.FromI64(tensor.Int64, []int64{7, -1, 3}, 3), "i")
	if err != nil {
		f.Fatal(err)
	}
	pb, err := proto.Marshal(tp)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pb)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: map[uint16]string{zip.Store: "a.npy", zip.Deflate: "b.npy"}[method], Method: method})
		if err != nil {
			f.Fatal(err)
		}
		w.Write(npy)
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(zbuf.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		if tt, err := decodeNPY(data); err == nil {
			checkDecoded(t, "npy", tt)
			b, err := encodeNPY(tt)
			if err != nil {
				t.Fatalf("npy: a decoded tensor does not encode: %v", err)
			}
			back, err := decodeNPY(b)
			if err != nil || !sameTensor(back, tt) {
				t.Fatalf("npy: re-encoded tensor decodes differently (%v)", err)
			}
		}
		if tt, err := decodeTensorProtoFile(data); err == nil {
			checkDecoded(t, "pb", tt)
		}
		if m, err := decodeNPZ("fuzz.npz", data); err == nil {
			for name, tt := range m {
				checkDecoded(t, "npz entry "+name, tt)
			}
		}
	})
}

// checkDecoded: a decoded tensor's storage matches its shape and dtype.
func checkDecoded(t *testing.T, what string, x *tensor.Tensor) {
	t.Helper()
	n := tensor.NumElems(x.Shape)
	if x.Len() != n {
		t.Fatalf("%s: shape %v holds %d elements, storage %d", what, x.Shape, n, x.Len())
	}
	for _, d := range x.Shape {
		if d < 0 {
			t.Fatalf("%s: negative dimension in %v", what, x.Shape)
		}
	}
}

// sameTensor compares dtype, shape and element bits.
func sameTensor(a, b *tensor.Tensor) bool {
	if a.DType != b.DType || !tensor.SameShape(a.Shape, b.Shape) || a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		if a.DType.IsFloat() {
			x, y := a.Float64At(i), b.Float64At(i)
			if x != y && !(x != x && y != y) {
				return false
			}
		} else if a.I64[i] != b.I64[i] {
			return false
		}
	}
	return true
}
