//go:build unix

package battery

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/internal/hostile"
)

// TestBatteryONNX: malformed and lying ONNX models given to the commands
// that import them. Each is refused with exit 1 and a message naming the
// file and, where one is at fault, the node.
func TestBatteryONNX(t *testing.T) {
	lenet := func(t *testing.T) []byte { return readRepo(t, lenet5Path) }
	cases := []Case{
		{Name: "ok/convnet-runs", Setup: steps(modelFile("m.onnx", convNet()), func(t *testing.T, dir string) {
			writeNPY(t, dir, "x.npy", []int{1, 1, 8, 8}, func(i int) float32 { return float32(i%9) / 9 })
		}), Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 0, Stdout: strs("y")},
		{Name: "ok/convnet-compiles", Setup: modelFile("m.onnx", convNet()), Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 0, Keep: strs("m.pimb")},

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
			m := hostile.NewModel(13)
			m.Proto().Graph = nil
			writeFile(t, dir, "m.onnx", m.Bytes())
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "graph")},
		{Name: "graph/ir-version-from-the-future", Setup: func(t *testing.T, dir string) {
			m := convNet()
			m.Proto().IrVersion = 99
			writeFile(t, dir, "m.onnx", m.Bytes())
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "99")},
		{Name: "graph/opset-from-the-future", Setup: func(t *testing.T, dir string) {
			m := convNet()
			m.Proto().OpsetImport[0].Version = 1000
			writeFile(t, dir, "m.onnx", m.Bytes())
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "1000")},
		{Name: "graph/unknown-ops-listed", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Node("FrobnicateA", "fa", strs("x"), strs("a")).Node("FrobnicateB", "fb", strs("a"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "FrobnicateA", "FrobnicateB")},
		{Name: "graph/custom-domain", Setup: func(t *testing.T, dir string) {
			m := hostile.NewModel(13).Input("x", 1, 4).Node("Relu", "r", strs("x"), strs("y")).Output("y")
			m.Proto().Graph.Node[0].Domain = "com.example"
			writeFile(t, dir, "m.onnx", m.Bytes())
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "com.example")},
		{Name: "graph/undefined-input", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Node("Add", "add", strs("x", "ghost"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "ghost")},
		{Name: "graph/cycle", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Node("Add", "a1", strs("x", "b"), strs("a")).Node("Relu", "r1", strs("a"), strs("b")).Output("b")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "graph/output-defined-twice", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Node("Relu", "r1", strs("x"), strs("y")).Node("Relu", "r2", strs("x"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"y"`, "r2")},
		{Name: "graph/output-undefined", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Node("Relu", "r1", strs("x"), strs("y")).Output("nowhere")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "nowhere")},
		{Name: "graph/no-outputs", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Node("Relu", "r1", strs("x"), strs("y"))),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx", "output")},
		{Name: "graph/input-untyped", Setup: func(t *testing.T, dir string) {
			m := hostile.NewModel(13).Node("Relu", "r", strs("x"), strs("y")).Output("y")
			m.Proto().Graph.Input = []*onnx.ValueInfoProto{{Name: "x"}}
			writeFile(t, dir, "m.onnx", m.Bytes())
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"x"`)},
		{Name: "graph/input-string-type", Setup: modelFile("m.onnx", hostile.NewModel(13).TypedInput("x", int32(onnx.TensorProto_STRING), 1, 4).
			Node("Relu", "r", strs("x"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"x"`)},
		{Name: "graph/dim-beyond-int64-use", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1<<62, 1<<62).
			Node("Relu", "r", strs("x"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx"), MaxRSSMiB: 100},

		{Name: "init/raw-data-short", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Floats("b", []int64{1, 4}, 1, 2).Node("Add", "add", strs("x", "b"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},
		{Name: "init/raw-data-long", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Floats("b", []int64{1, 4}, 1, 2, 3, 4, 5, 6).Node("Add", "add", strs("x", "b"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},
		{Name: "init/negative-dim", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Floats("b", []int64{-1, 4}, 1, 2, 3, 4).Node("Add", "add", strs("x", "b"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},
		{Name: "init/huge-dims-no-data", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).
			Floats("b", []int64{1 << 20, 1 << 20, 1 << 20}).Node("Add", "add", strs("x", "b"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`), MaxRSSMiB: 200},
		{Name: "init/external-data", Setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "m.onnx", hostile.NewModel(13).Input("x", 1, 4).Init(&onnx.TensorProto{
				Name: "b", Dims: []int64{1, 4}, DataType: onnxFloat, DataLocation: onnx.TensorProto_EXTERNAL,
				ExternalData: []*onnx.StringStringEntryProto{{Key: "location", Value: "/etc/passwd"}},
			}).Node("Add", "add", strs("x", "b"), strs("y")).Output("y").Bytes())
		}, Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`, "external data")},
		{Name: "init/unknown-dtype", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 4).Init(&onnx.TensorProto{
			Name: "b", Dims: []int64{1, 4}, DataType: 99, RawData: make([]byte, 16),
		}).Node("Add", "add", strs("x", "b"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `"b"`)},

		{Name: "node/conv-weight-rank", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Floats("w", []int64{2, 9}, make([]float32, 18)...).Node("Conv", "conv_bad", strs("x", "w"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/conv-channels-mismatch", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 3, 8, 8).
			Floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).Node("Conv", "conv_bad", strs("x", "w"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/conv-zero-stride", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).Node("Conv", "conv_bad", strs("x", "w"), strs("y"), hostile.IntsAttr("strides", 0, 1)).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad", "strides")},
		{Name: "node/conv-negative-pads", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).Node("Conv", "conv_bad", strs("x", "w"), strs("y"), hostile.IntsAttr("pads", -9, 0, 0, 0)).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad", "pads")},
		{Name: "node/conv-kernel-larger-than-input", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 2, 2).
			Floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).Node("Conv", "conv_bad", strs("x", "w"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/conv-group-zero", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)...).Node("Conv", "conv_bad", strs("x", "w"), strs("y"), hostile.IntAttr("group", 0)).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad", "group")},
		{Name: "node/attribute-wrong-type", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Node("MaxPool", "pool_bad", strs("x"), strs("y"), hostile.StringAttr("kernel_shape", "2x2")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "pool_bad", "kernel_shape")},
		{Name: "node/pool-kernel-missing", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Node("MaxPool", "pool_bad", strs("x"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "pool_bad", "kernel_shape")},
		{Name: "node/gemm-shape-mismatch", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 5).
			Floats("w", []int64{3, 4}, make([]float32, 12)...).Node("Gemm", "gemm_bad", strs("x", "w"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "gemm_bad")},
		{Name: "node/reshape-wrong-count", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 6).
			Int64s("s", 4, 4).Node("Reshape", "reshape_bad", strs("x", "s"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "reshape_bad")},
		{Name: "node/reshape-two-minus-ones", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 6).
			Int64s("s", -1, -1).Node("Reshape", "reshape_bad", strs("x", "s"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "reshape_bad")},
		{Name: "node/concat-axis-out-of-range", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 6).
			Node("Concat", "concat_bad", strs("x", "x"), strs("y"), hostile.IntAttr("axis", 7)).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "concat_bad", "axis")},
		{Name: "node/gather-index-out-of-range", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 4, 3).
			Int64s("i", 9).Node("Gather", "gather_bad", strs("x", "i"), strs("y")).Output("y")),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("gather_bad")},
		{Name: "node/too-few-inputs", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 8, 8).
			Node("Conv", "conv_bad", strs("x"), strs("y")).Output("y")),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", "conv_bad")},
		{Name: "node/add-broadcast-mismatch", Setup: modelFile("m.onnx", hostile.NewModel(13).Input("x", 2, 3).Input("z", 4, 3).
			Node("Add", "add_bad", strs("x", "z"), strs("y")).Output("y")),
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
