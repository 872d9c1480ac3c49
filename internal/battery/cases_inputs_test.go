//go:build unix

package battery

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
)

// Input tensors given to run, sim, eval and compile -verify-with/-calib
// (docs/INPUTS.md): shapes are checked, not element counts; a batch needs a
// dynamic batch dimension or -batch; NaN and Inf warn with their count;
// empty, truncated, forged and endless tensor files are refused naming the
// file, without allocating what their headers claim.

// npyRaw is a NumPy v1.0 file with any header dict and payload bytes.
func npyRaw(header string, payload []byte) []byte {
	header += strings.Repeat(" ", (64-(10+len(header)+1)%64)%64) + "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	return append(append(out, header...), payload...)
}

// withNPY returns a Setup writing a float32 .npy of shape filled by fill.
func withNPY(name string, shape []int, fill func(i int) float32) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeNPY(t, dir, name, shape, fill) }
}

// withBytes returns a Setup writing data as dir/name.
func withBytes(name string, data []byte) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeFile(t, dir, name, data) }
}

// nanDigit is digitLike with pixels 3, 100 and 200 NaN and pixel 5 -Inf.
func nanDigit(i int) float32 {
	switch i % 784 {
	case 3, 100, 200:
		return float32(math.NaN())
	case 5:
		return float32(math.Inf(-1))
	}
	return digitLike(i % 784)
}

// tensorProto marshals a TensorProto built field by field.
func tensorProto(t *testing.T, tp *onnx.TensorProto) []byte {
	b, err := proto.Marshal(tp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withDynamicLeNet writes lenet5dyn.onnx: the demo model with a symbolic
// batch dimension "N".
func withDynamicLeNet(t *testing.T, dir string) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), lenet5Path))
	if err != nil {
		t.Fatal(err)
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m.GetGraph().GetInput()[0].GetType().GetTensorType().GetShape().GetDim()[0].Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
	if b, err = proto.Marshal(&m); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "lenet5dyn.onnx", b)
}

// npzForged is an .npz whose one entry claims sizeClaim bytes uncompressed
// for a few deflated bytes (a zip bomb's header).
func npzForged(t *testing.T, sizeClaim uint64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "inputs.npy", Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: sizeClaim})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte{3, 0}) // an empty final DEFLATE block
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBatteryInputs: the hostile input tensors.
func TestBatteryInputs(t *testing.T) {
	run := func(in string, extra ...string) []string {
		return append(strs("run", "lenet5.onnx", "-i", in), extra...)
	}
	sim := func(in string, extra ...string) []string {
		return append(strs("sim", "lenet5.pimb", "-i", in, "-q"), extra...)
	}
	verify := func(in string) []string { return strs("compile", "lenet5.onnx", "-o", "m.pimb", "-verify-with", in) }
	digits := func(n int) func(t *testing.T, dir string) { return withNPY("in.npy", []int{n, 1, 28, 28}, digitLike) }
	big := withNPY("big.npy", []int{1, 1, 56, 56}, digitLike)
	nhwc := withNPY("nhwc.npy", []int{1, 28, 28, 1}, digitLike)
	wantBig := strs("big.npy", `input "input": shape [1,1,56,56], want [1,1,28,28]`)
	f4 := func(shape string) string { return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }" }
	nanDataset := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			writeNPY(t, dir, name+"/a.npy", []int{1, 28, 28}, digitLike)
			writeNPY(t, dir, name+"/b.npy", []int{1, 28, 28}, nanDigit)
			writeText(t, dir, name+"/labels.txt", "1\n1\n")
		}
	}
	const nanCount = "3 NaN and 1 Inf among 784 values"
	runCases(t, []Case{
		// Shapes: never decided by the element count alone.
		{Name: "shape/run-4x-the-pixels", Setup: steps(withLeNet, big), Args: run("big.npy"), Code: 1, Stderr: wantBig},
		{Name: "shape/sim-4x-the-pixels", Setup: steps(withProgram, big), Args: sim("big.npy"), Code: 1, Stderr: wantBig},
		{Name: "shape/verify-4x-the-pixels", Setup: steps(withLeNet, big), Args: verify("big.npy"), Code: 1, Stderr: append(wantBig, "m.pimb not written")},
		{Name: "shape/run-flat-vector", Setup: steps(withLeNet, withNPY("flat.npy", []int{1, 784}, digitLike)), Args: run("flat.npy"), Code: 1,
			Stderr: strs("flat.npy", "shape [1,784], want [1,1,28,28]")},
		{Name: "shape/run-leading-ones-ok", Setup: steps(withLeNet, withNPY("img.npy", []int{28, 28}, digitLike)), Args: run("img.npy"), Code: 0, Stdout: strs("logits")},
		{Name: "shape/run-channels-last", Setup: steps(withLeNet, nhwc), Args: run("nhwc.npy"), Code: 1,
			Stderr: strs("nhwc.npy", "shape [1,28,28,1], want [1,1,28,28]", "looks channels-last (NHWC)", "transpose")},
		{Name: "shape/sim-channels-last", Setup: steps(withProgram, nhwc), Args: sim("nhwc.npy"), Code: 1, Stderr: strs("nhwc.npy", "looks channels-last")},
		{Name: "shape/verify-channels-last", Setup: steps(withLeNet, nhwc), Args: verify("nhwc.npy"), Code: 1, Stderr: strs("nhwc.npy", "looks channels-last")},
		{Name: "shape/eval-channels-last-dataset", Setup: steps(withLeNet, func(t *testing.T, dir string) {
			writeNPY(t, dir, "ds/0.npy", []int{28, 28, 1}, digitLike)
			writeNPY(t, dir, "ds/1.npy", []int{28, 28, 1}, digitLike)
			writeText(t, dir, "ds/labels.txt", "1\n1\n")
		}), Args: strs("eval", "lenet5.onnx", "-dataset", "ds"), Code: 1, Stderr: strs("ds", "have shape [28 28 1]", "looks channels-last")},
		{Name: "shape/calib-channels-last", Setup: steps(withLeNet, withNPY("cal/x.npy", []int{1, 28, 28, 1}, digitLike)),
			Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-calib", "cal"), Code: 1, Stderr: strs("cal", "looks channels-last")},
		{Name: "shape/run-float64", Setup: steps(withLeNet, withBytes("f64.npy", npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 28, 28), }", make([]byte, 8*784)))),
			Args: run("f64.npy"), Code: 1, Stderr: strs("f64.npy", "element type f64, want f32")},

		// Batches: only with a dynamic batch dimension or -batch.
		{Name: "batch/run-fixed-model-no-flag", Setup: steps(withLeNet, digits(3)), Args: run("in.npy"), Code: 1,
			Stderr: strs("in.npy", "is a batch of 3 inputs of shape [1,1,28,28], but the model's batch dimension is fixed: pass -batch 3")},
		{Name: "batch/sim-fixed-model-no-flag", Setup: steps(withProgram, digits(3)), Args: sim("in.npy"), Code: 1, Stderr: strs("in.npy", "pass -batch 3")},
		{Name: "batch/sim-with-flag", Setup: steps(withProgram, digits(3)), Args: sim("in.npy", "-batch", "3"), Code: 0, Stdout: strs("output")},
		{Name: "batch/sim-flag-disagrees", Setup: steps(withProgram, digits(3)), Args: sim("in.npy", "-batch", "2"), Code: 1, Stderr: strs("in.npy", "-batch says 2")},
		{Name: "batch/run-flag-negative", Setup: steps(withLeNet, digits(1)), Args: run("in.npy", "-batch", "-2"), Code: 2, Stderr: strs("-batch -2")},
		{Name: "batch/verify-with-a-batch", Setup: steps(withLeNet, digits(2)), Args: verify("in.npy"), Code: 1, Stderr: strs("in.npy", "-verify-with takes one")},
		{Name: "batch/zero-images", Setup: steps(withLeNet, digits(0)), Args: run("in.npy"), Code: 1, Stderr: strs("in.npy", "holds no inference")},
		{Name: "batch/dynamic-model-run", Setup: steps(withDynamicLeNet, digits(3)), Args: strs("run", "lenet5dyn.onnx", "-i", "in.npy"), Code: 0, Stdout: strs("logits", "f32[3,10]")},
		{Name: "batch/dynamic-model-wrong-shape", Setup: steps(withDynamicLeNet, big), Args: strs("run", "lenet5dyn.onnx", "-i", "big.npy"), Code: 1,
			Stderr: append(wantBig, "or [N,1,28,28] for a batch: the model's batch dimension is dynamic")},

		// NaN and Inf: a warning with the count, then the run.
		{Name: "nan/run-warns", Setup: steps(withLeNet, withNPY("nan.npy", []int{1, 1, 28, 28}, nanDigit)), Args: run("nan.npy"), Code: 0,
			Stderr: strs("pimc run: warning: nan.npy: " + nanCount), Stdout: strs("logits")},
		{Name: "nan/sim-warns", Setup: steps(withProgram, withNPY("nan.npy", []int{1, 1, 28, 28}, nanDigit)), Args: sim("nan.npy"), Code: 0,
			Stderr: strs("pimc sim: warning: nan.npy: " + nanCount)},
		{Name: "nan/verify-bit-exact", Setup: steps(withLeNet, withNPY("nan.npy", []int{1, 1, 28, 28}, nanDigit)), Args: verify("nan.npy"), Code: 0,
			Stderr: strs("pimc compile: warning: nan.npy: " + nanCount), Stdout: strs("verify: bit-exact"), Keep: strs("m.pimb")},
		{Name: "nan/eval-folder-warns", Setup: steps(withLeNet, nanDataset("ds")), Args: strs("eval", "lenet5.onnx", "-dataset", "ds"), Code: 0,
			Stderr: strs("pimc eval: warning: ds: " + nanCount + " in 1 of 2 files (first: ds/b.npy)"), Stdout: strs("accuracy")},
		{Name: "nan/calib-folder-warns", Setup: steps(withLeNet, nanDataset("cal")), Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-calib", "cal"), Code: 0,
			Stderr: strs("pimc compile: warning: quantize: calib cal: " + nanCount + " in 1 of 2 files (first: cal/b.npy)"), Keep: strs("m.pimb")},

		// Tensor files that hold nothing, too little, or lie.
		{Name: "file/empty-pb", Setup: steps(withLeNet, withBytes("in.pb", nil)), Args: run("in.pb"), Code: 1, Stderr: strs("in.pb: empty file, holds no tensor")},
		{Name: "file/empty-npy", Setup: steps(withProgram, withBytes("in.npy", nil)), Args: sim("in.npy"), Code: 1, Stderr: strs("in.npy: empty file, holds no tensor")},
		{Name: "file/pb-without-data", Setup: func(t *testing.T, dir string) {
			withLeNet(t, dir)
			writeFile(t, dir, "in.pb", tensorProto(t, &onnx.TensorProto{Name: "input", DataType: onnxFloat, Dims: []int64{1, 1, 28, 28}}))
		}, Args: run("in.pb"), Code: 1, Stderr: strs("in.pb", `tensor "input" holds no data: dims [1 1 28 28] need 784 FLOAT values`)},
		{Name: "file/pb-name-only", Setup: func(t *testing.T, dir string) {
			withLeNet(t, dir)
			writeFile(t, dir, "in.pb", tensorProto(t, &onnx.TensorProto{Name: "input"}))
		}, Args: run("in.pb"), Code: 1, Stderr: strs("in.pb: holds no tensor")},
		{Name: "file/pb-garbage", Setup: steps(withLeNet, withBytes("in.pb", []byte("\xff\xff\xff\xff\x0f"))), Args: run("in.pb"), Code: 1, Stderr: strs("in.pb: not a valid TensorProto")},
		{Name: "file/pb-huge-raw-claim", Setup: func(t *testing.T, dir string) {
			withLeNet(t, dir)
			writeFile(t, dir, "in.pb", tensorProto(t, &onnx.TensorProto{DataType: onnxFloat, Dims: []int64{1 << 28}, RawData: make([]byte, 16)}))
		}, Args: run("in.pb"), Code: 1, Stderr: strs("in.pb", "raw_data truncated: shape [268435456] of f32 needs 1073741824 bytes, found 16"), MaxRSSMiB: 120},
		{Name: "file/npy-truncated", Setup: steps(withLeNet, withBytes("in.npy", npyRaw(f4("(1, 1, 28, 28)"), make([]byte, 100)))), Args: run("in.npy"), Code: 1,
			Stderr: strs("in.npy: .npy payload truncated: shape [1 1 28 28] of f32 needs 3136 bytes, found 100")},
		{Name: "file/npy-huge-shape", Setup: steps(withLeNet, withBytes("in.npy", npyRaw(f4("(1099511627776, 1099511627776)"), make([]byte, 64)))), Args: run("in.npy"), Code: 1,
			Stderr: strs("in.npy", "more than"), MaxRSSMiB: 120},
		{Name: "file/npy-512mib-claim", Setup: steps(withProgram, withBytes("in.npy", npyRaw(f4("(134217728,)"), make([]byte, 64)))), Args: sim("in.npy"), Code: 1,
			Stderr: strs("in.npy: .npy payload truncated: shape [134217728] of f32 needs 536870912 bytes, found 64"), MaxRSSMiB: 120},
		{Name: "file/npy-fortran-order", Setup: steps(withLeNet, withBytes("in.npy", npyRaw("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 28, 28), }", make([]byte, 3136)))),
			Args: run("in.npy"), Code: 1, Stderr: strs("in.npy: .npy array is in Fortran order")},
		{Name: "file/npy-complex-dtype", Setup: steps(withLeNet, withBytes("in.npy", npyRaw("{'descr': '<c8', 'fortran_order': False, 'shape': (784,), }", make([]byte, 8*784)))),
			Args: run("in.npy"), Code: 1, Stderr: strs("in.npy", `dtype "<c8" is not supported`)},
		{Name: "file/npy-header-length-huge", Setup: steps(withLeNet, withBytes("in.npy", []byte("\x93NUMPY\x02\x00\xf0\xff\xff\xff{}"))), Args: run("in.npy"), Code: 1,
			Stderr: strs("in.npy: .npy header truncated")},
		{Name: "file/npy-not-numpy", Setup: steps(withLeNet, withBytes("in.npy", []byte("PK\x03\x04 a zip, not numpy"))), Args: run("in.npy"), Code: 1, Stderr: strs("in.npy: not a NumPy .npy file")},
		{Name: "file/npz-forged-size", Setup: steps(withLeNet, func(t *testing.T, dir string) { writeFile(t, dir, "in.npz", npzForged(t, 1<<30)) }),
			Args: verify("in.npz"), Code: 1, Stderr: strs("in.npz", `entry "inputs.npy"`, "more than DEFLATE can produce"), MaxRSSMiB: 120},
		{Name: "file/npz-empty", Setup: steps(withLeNet, withBytes("in.npz", nil)), Args: verify("in.npz"), Code: 1, Stderr: strs("in.npz: empty file, holds no arrays")},
		{Name: "file/input-pipe-without-writer", Setup: func(t *testing.T, dir string) { withLeNet(t, dir); mkfifo(t, dir, "in.npy") },
			Args: run("in.npy"), Code: 1, Stderr: strs("in.npy: empty file, holds no tensor"), MaxSeconds: 10},
		{Name: "file/input-dev-zero", Setup: func(t *testing.T, dir string) { withLeNet(t, dir); symlink(t, dir, "/dev/zero", "in.pb") },
			Args: run("in.pb"), Code: 1, Stderr: strs("in.pb is not a regular file (a character device) and holds more than 64 MiB"), MaxRSSMiB: 300},
		{Name: "file/input-is-a-directory", Setup: func(t *testing.T, dir string) { withLeNet(t, dir); mkdir(t, dir, "in.npy", 0o755) },
			Args: run("in.npy"), Code: 1, Stderr: strs("in.npy is a directory")},
	})
}
