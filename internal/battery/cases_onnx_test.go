//go:build unix

package battery

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
)

// TestBatteryONNX: malformed and lying ONNX models given to the commands
// that import them. Each is refused with exit 1 and a message naming the
// file and, where one is at fault, the node.
func TestBatteryONNX(t *testing.T) {
	lenet := func(t *testing.T) []byte { return readRepo(t, lenet5Path) }
	cases := []Case{
		{Name: "ok/convnet-runs", Setup: steps(convNet().write("m.onnx"), func(t *testing.T, dir string) {
			writeNPY(t, dir, "x.npy", []int{1, 1, 8, 8}, func(i int) float32 { return float32(i%9) / 9 })
		}), Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 0, Stdout: strs("y")},
		{Name: "ok/convnet-compiles", Setup: convNet().write("m.onnx"), Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 0, Keep: strs("m.pimb")},

		{Name: "bytes/empty", Setup: func(t *testing.T, dir string) { writeFile(t, dir, "m.onnx", nil) },
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "bytes/text", Setup: func(t *testing.T, dir string) { writeText(t, dir, "m.onnx", "this is not a model\n") },
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "bytes/truncated-half", Setup: func(t *testing.T, dir string) { b := lenet(t); writeFile(t, dir, "m.onnx", b[:len(b)/2]) },
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "bytes/truncated-tail", Setup: func(t *testing.T, dir string) {
			b := lenet(t)
			writeFile(t, dir, "m.onnx", b[:len(b)-3])
			withImage(t, dir)
		},
			Args: strs("run", "m.onnx", "-i", "in.npy"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "bytes/flipped-byte", Setup: func(t *testing.T, dir string) {
			b := lenet(t)
			b[40] ^= 0xff
			writeFile(t, dir, "m.onnx", b)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx")},

		{Name: "graph/missing", Setup: func(t *testing.T, dir string) {
			m := newONNX(13)
			m.m.Graph = nil
			m.write("m.onnx")(t, dir)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "graph")},
		{Name: "graph/ir-version-from-the-future", Setup: func(t *testing.T, dir string) {
			m := convNet()
			m.m.IrVersion = 99
			m.write("m.onnx")(t, dir)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "99")},
		{Name: "graph/opset-from-the-future", Setup: func(t *testing.T, dir string) {
			m := convNet()
			m.m.OpsetImport[0].Version = 1000
			m.write("m.onnx")(t, dir)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "1000")},
		{Name: "graph/unknown-ops-listed", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			node("FrobnicateA", "fa", strs("x"), strs("a")).node("FrobnicateB", "fb", strs("a"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "FrobnicateA", "FrobnicateB")},
		{Name: "graph/custom-domain", Setup: func(t *testing.T, dir string) {
			m := newONNX(13).input("x", onnxFloat, 1, 4).node("Relu", "r", strs("x"), strs("y")).output("y")
			m.m.Graph.Node[0].Domain = "com.example"
			m.write("m.onnx")(t, dir)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "com.example")},
		{Name: "graph/undefined-input", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			node("Add", "add", strs("x", "ghost"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "ghost")},
		{Name: "graph/cycle", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			node("Add", "a1", strs("x", "b"), strs("a")).node("Relu", "r1", strs("a"), strs("b")).output("b").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "graph/output-defined-twice", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			node("Relu", "r1", strs("x"), strs("y")).node("Relu", "r2", strs("x"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"y"`, "r2")},
		{Name: "graph/output-undefined", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			node("Relu", "r1", strs("x"), strs("y")).output("nowhere").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "nowhere")},
		{Name: "graph/no-outputs", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			node("Relu", "r1", strs("x"), strs("y")).write("m.onnx"),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx", "output")},
		{Name: "graph/input-untyped", Setup: func(t *testing.T, dir string) {
			m := newONNX(13).node("Relu", "r", strs("x"), strs("y")).output("y")
			m.m.Graph.Input = []*onnx.ValueInfoProto{{Name: "x"}}
			m.write("m.onnx")(t, dir)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"x"`)},
		{Name: "graph/input-string-type", Setup: newONNX(13).input("x", int32(onnx.TensorProto_STRING), 1, 4).
			node("Relu", "r", strs("x"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"x"`)},
		{Name: "graph/dim-beyond-int64-use", Setup: newONNX(13).input("x", onnxFloat, 1<<62, 1<<62).
			node("Relu", "r", strs("x"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx"), MaxRSSMiB: 100},

		{Name: "init/raw-data-short", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			floats("b", []int64{1, 4}, 1, 2).node("Add", "add", strs("x", "b"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},
		{Name: "init/raw-data-long", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			floats("b", []int64{1, 4}, 1, 2, 3, 4, 5, 6).node("Add", "add", strs("x", "b"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},
		{Name: "init/negative-dim", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			floats("b", []int64{-1, 4}, 1, 2, 3, 4).node("Add", "add", strs("x", "b"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},
		{Name: "init/huge-dims-no-data", Setup: newONNX(13).input("x", onnxFloat, 1, 4).
			floats("b", []int64{1 << 20, 1 << 20, 1 << 20}).node("Add", "add", strs("x", "b"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`), MaxRSSMiB: 200},
		{Name: "init/external-data", Setup: func(t *testing.T, dir string) {
			newONNX(13).input("x", onnxFloat, 1, 4).tensor(&onnx.TensorProto{
				Name: "b", Dims: []int64{1, 4}, DataType: onnxFloat, DataLocation: onnx.TensorProto_EXTERNAL,
				ExternalData: []*onnx.StringStringEntryProto{{Key: "location", Value: "/etc/passwd"}},
			}).node("Add", "add", strs("x", "b"), strs("y")).output("y").write("m.onnx")(t, dir)
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`, "external data")},
		{Name: "init/unknown-dtype", Setup: newONNX(13).input("x", onnxFloat, 1, 4).tensor(&onnx.TensorProto{
			Name: "b", Dims: []int64{1, 4}, DataType: 99, RawData: make([]byte, 16),
		}).node("Add", "add", strs("x", "b"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},

		{Name: "node/conv-weight-rank", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			floats("w", []int64{2, 9}, make([]float32, 18)...).node("Conv", "conv_bad", strs("x", "w"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/conv-channels-mismatch", Setup: newONNX(13).input("x", onnxFloat, 1, 3, 8, 8).
			floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).node("Conv", "conv_bad", strs("x", "w"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/conv-zero-stride", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).node("Conv", "conv_bad", strs("x", "w"), strs("y"), attrInts("strides", 0, 1)).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad", "strides")},
		{Name: "node/conv-negative-pads", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).node("Conv", "conv_bad", strs("x", "w"), strs("y"), attrInts("pads", -9, 0, 0, 0)).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad", "pads")},
		{Name: "node/conv-kernel-larger-than-input", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 2, 2).
			floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).node("Conv", "conv_bad", strs("x", "w"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/conv-group-zero", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).node("Conv", "conv_bad", strs("x", "w"), strs("y"), attrInt("group", 0)).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad", "group")},
		{Name: "node/attribute-wrong-type", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			node("MaxPool", "pool_bad", strs("x"), strs("y"), attrString("kernel_shape", "2x2")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "pool_bad", "kernel_shape")},
		{Name: "node/pool-kernel-missing", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			node("MaxPool", "pool_bad", strs("x"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "pool_bad", "kernel_shape")},
		{Name: "node/gemm-shape-mismatch", Setup: newONNX(13).input("x", onnxFloat, 1, 5).
			floats("w", []int64{3, 4}, make([]float32, 12)...).node("Gemm", "gemm_bad", strs("x", "w"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "gemm_bad")},
		{Name: "node/reshape-wrong-count", Setup: newONNX(13).input("x", onnxFloat, 1, 6).
			ints("s", []int64{2}, 4, 4).node("Reshape", "reshape_bad", strs("x", "s"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "reshape_bad")},
		{Name: "node/reshape-two-minus-ones", Setup: newONNX(13).input("x", onnxFloat, 1, 6).
			ints("s", []int64{2}, -1, -1).node("Reshape", "reshape_bad", strs("x", "s"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "reshape_bad")},
		{Name: "node/concat-axis-out-of-range", Setup: newONNX(13).input("x", onnxFloat, 1, 6).
			node("Concat", "concat_bad", strs("x", "x"), strs("y"), attrInt("axis", 7)).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "concat_bad", "axis")},
		{Name: "node/gather-index-out-of-range", Setup: newONNX(13).input("x", onnxFloat, 4, 3).
			ints("i", []int64{1}, 9).node("Gather", "gather_bad", strs("x", "i"), strs("y")).output("y").write("m.onnx"),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("gather_bad")},
		{Name: "node/too-few-inputs", Setup: newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
			node("Conv", "conv_bad", strs("x"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/add-broadcast-mismatch", Setup: newONNX(13).input("x", onnxFloat, 2, 3).input("z", onnxFloat, 4, 3).
			node("Add", "add_bad", strs("x", "z"), strs("y")).output("y").write("m.onnx"),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "add_bad")},
	}
	// gather-index-out-of-range reads an input of the graph's shape.
	for i := range cases {
		if cases[i].Name == "node/gather-index-out-of-range" {
			setup := cases[i].Setup
			cases[i].Setup = steps(setup, func(t *testing.T, dir string) {
				writeNPY(t, dir, "x.npy", []int{4, 3}, func(i int) float32 { return float32(i) })
			})
		}
	}
	runCases(t, cases)
}

// readRepo reads a repository file.
func readRepo(t *testing.T, path string) []byte {
	t.Helper()
	return readFile(t, repoRoot(), path)
}
