package tensorio

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc).
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestReadTensorHostile: empty, data-less, truncated, forged and misdeclared
// tensor files give an error naming the file and the problem, and no
// declared shape makes the reader allocate much more than the file holds.
func TestReadTensorHostile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pb := func(tp *onnx.TensorProto) []byte {
		b, err := proto.Marshal(tp)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f4 := func(shape string) string {
		return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }\n"
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty.pb", nil, "empty.pb: empty file, holds no tensor"},
		{"empty.npy", nil, "empty.npy: empty file, holds no tensor"},
		{"nodata.pb", pb(&onnx.TensorProto{Name: "x", DataType: onnxFloat, Dims: []int64{1, 3}}), `nodata.pb: tensor "x" holds no data: dims [1 3] need 3 FLOAT values`},
		{"scalar-nodata.pb", pb(&onnx.TensorProto{DataType: onnxFloat}), `holds no data: dims [] need 1 FLOAT values`},
		{"name-only.pb", pb(&onnx.TensorProto{Name: "x"}), "name-only.pb: holds no tensor"},
		{"garbage.pb", []byte("\xff\xff\xff\xff"), "garbage.pb: not a valid TensorProto"},
		{"huge-dims.pb", pb(&onnx.TensorProto{DataType: onnxFloat, Dims: []int64{1 << 20, 1 << 20}, RawData: make([]byte, 8)}), "huge-dims.pb: tensor \"\": dims [1048576 1048576]: more than"},
		{"short-raw.pb", pb(&onnx.TensorProto{DataType: onnxFloat, Dims: []int64{1 << 28}, RawData: make([]byte, 8)}), "short-raw.pb: tensor \"\": raw_data truncated: shape [268435456] of f32 needs 1073741824 bytes, found 8"},
		{"short-typed.pb", pb(&onnx.TensorProto{DataType: onnxFloat, Dims: []int64{1 << 28}, FloatData: []float32{1}}), "need 268435456 values, the FLOAT data field has 1"},
		{"truncated.npy", npyBytes(1, f4("(1, 3, 32, 32)"), make([]byte, 100)), "truncated.npy: .npy payload truncated: shape [1 3 32 32] of f32 needs 12288 bytes, found 100"},
		{"extra.npy", npyBytes(1, f4("(2,)"), make([]byte, 12)), "extra.npy: .npy payload has 12 bytes, shape [2] of f32 needs 8 (4 extra bytes)"},
		{"huge.npy", npyBytes(1, f4("(1073741824, 1073741824)"), make([]byte, 16)), "huge.npy: .npy: dims [1073741824 1073741824]: more than"},
		{"big.npy", npyBytes(1, f4("(134217728,)"), make([]byte, 16)), "big.npy: .npy payload truncated: shape [134217728] of f32 needs 536870912 bytes, found 16"},
		{"overflow.npy", npyBytes(1, f4("(99999999999999999999999,)"), nil), `overflow.npy: .npy header: bad dimension "99999999999999999999999"`},
		{"negative.npy", npyBytes(1, f4("(-1,)"), nil), `bad dimension "-1"`},
		{"fortran.npy", npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", make([]byte, 16)), "fortran.npy: .npy array is in Fortran order"},
		{"complex.npy", npyBytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 8)), `complex.npy: .npy dtype "<c8" is not supported`},
		{"object.npy", npyBytes(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 8)), `.npy dtype "|O" is not supported`},
		{"unicode.npy", npyBytes(1, "{'descr': '<U10', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 40)), `.npy dtype "<U10" is not supported`},
		{"notdict.npy", npyBytes(1, "[1, 2]\n", nil), "notdict.npy: .npy header is not a dict"},
		{"noshape.npy", npyBytes(1, "{'descr': '<f4', 'fortran_order': False}\n", nil), "has no tuple 'shape'"},
		{"hugeheader.npy", append([]byte("\x93NUMPY\x02\x00\xf0\xff\xff\xff"), "{}"...), "hugeheader.npy: .npy header truncated"},
		{"magic.npy", []byte("PK\x03\x04 not numpy"), "magic.npy: not a NumPy .npy file (bad magic)"},
	}
	for _, c := range cases {
		p := write(c.name, c.data)
		var err error
		n := allocated(func() { _, err = Read(p) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if limit := uint64(len(c.data))*4 + 64<<10; n > limit {
			t.Errorf("%s: %d-byte file: reading allocated %d bytes (limit %d)", c.name, len(c.data), n, limit)
		}
	}
	// A directory named like a tensor file.
	d := filepath.Join(dir, "dir.npy")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(d); err == nil || !strings.Contains(err.Error(), "dir.npy is a directory") {
		t.Errorf("directory: %v", err)
	}
}

// zipEntry is one raw (already compressed) entry of a hand-made archive.
type zipEntry struct {
	name      string
	method    uint16
	data      []byte // compressed bytes as stored
	size, crc uint64 // declared uncompressed size and CRC-32
}

func makeZip(t *testing.T, es ...zipEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: e.method, CRC32: uint32(e.crc),
			CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// TestReadNPZHostile: forged entry sizes (a zip bomb's header, a stored
// entry whose sizes disagree), corrupt data and archives without arrays are
// refused before any large allocation.
func TestReadNPZHostile(t *testing.T) {
	dir := t.TempDir()
	good, _ := encodeNPY(tensor.FromF32([]float32{1, 2, 3}, 3))
	crc := uint64(crc32.ChecksumIEEE(good))
	packed := deflate(t, good)
	// A 64 MiB all-zero array: DEFLATE shrinks it about 1000 times.
	bomb, _ := encodeNPY(tensor.New(tensor.Float32, 16<<20))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty.npz", nil, "empty.npz: empty file, holds no arrays"},
		{"noarrays.npz", makeZip(t, zipEntry{name: "readme.txt", method: zip.Store, data: []byte("hi"), size: 2, crc: uint64(crc32.ChecksumIEEE([]byte("hi")))}), "noarrays.npz: holds no .npy arrays"},
		{"forged.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Deflate, data: packed, size: 1 << 30, crc: crc}), `forged.npz: entry "x.npy": declares 1073741824 bytes uncompressed from`},
		{"huge.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Deflate, data: packed, size: 1 << 40, crc: crc}), `entry "x.npy": declares 1099511627776 bytes uncompressed, more than`},
		{"stored.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Store, data: good, size: 1 << 20, crc: crc}), `entry "x.npy": stored entry declares 1048576 bytes uncompressed but`},
		{"short.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Deflate, data: packed, size: uint64(len(good)) + 1000, crc: crc}), `short.npz: entry "x.npy": truncated or corrupt data`},
		{"long.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Deflate, data: packed, size: uint64(len(good)) - 4, crc: crc}), `long.npz: entry "x.npy": corrupt data`},
		{"crc.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Deflate, data: packed, size: uint64(len(good)), crc: crc + 1}), `crc.npz: entry "x.npy": corrupt data`},
		{"badnpy.npz", makeZip(t, zipEntry{name: "x.npy", method: zip.Store, data: []byte("nope"), size: 4, crc: uint64(crc32.ChecksumIEEE([]byte("nope")))}), `badnpy.npz: entry "x.npy": not a NumPy .npy file`},
		{"garbage.npz", []byte("not a zip at all"), "garbage.npz: not a valid .npz (zip) file"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		n := allocated(func() { _, err = ReadNPZ(p) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if limit := uint64(len(c.data))*4 + 256<<10; n > limit {
			t.Errorf("%s: %d-byte file: reading allocated %d bytes (limit %d)", c.name, len(c.data), n, limit)
		}
	}
	// A genuine highly compressed array still reads.
	p := filepath.Join(dir, "zeros.npz")
	os.WriteFile(p, makeZip(t, zipEntry{name: "z.npy", method: zip.Deflate, data: deflate(t, bomb), size: uint64(len(bomb)), crc: uint64(crc32.ChecksumIEEE(bomb))}), 0o644)
	if m, err := ReadNPZ(p); err != nil || m["z"].Len() != 16<<20 {
		t.Errorf("zeros.npz: %v", err)
	}
}
