package frontend

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// fuzzSeeds are small generated models covering the lowering paths.
func fuzzSeeds(t testing.TB) [][]byte {
	w := tensor.New(tensor.Float32, 4, 2, 3, 3)
	return [][]byte{
		newModel(13).input("x", onnxFloat, 1, 2, 5, 5).init("w", w).
			node("Conv", "c", s("x", "w"), s("y"), aString("auto_pad", "SAME_UPPER")).
			node("Relu", "r", s("y"), s("z")).node("MaxPool", "p", s("z"), s("q"), aInts("kernel_shape", 2, 2), aInt("ceil_mode", 1)).
			node("Flatten", "f", s("q"), s("o")).output("o").bytes(t),
		newModel(9).input("x", onnxFloat, 1, 4, 2, 2).init("zero", tensor.FromI64(tensor.Int64, []int64{0})).init("m1", i64s(-1)).
			node("Shape", "s", s("x"), s("shape")).node("Gather", "g", s("shape", "zero"), s("n")).
			node("Unsqueeze", "u", s("n"), s("n1"), aInts("axes", 0)).node("Concat", "c", s("n1", "m1"), s("t"), aInt("axis", 0)).
			node("Reshape", "r", s("x", "t"), s("y")).node("Softmax", "sm", s("y"), s("z")).output("z").bytes(t),
		newModel(6).input("a", onnxFloat, 2, 3, 4).init("b", tensor.New(tensor.Float32, 3)).
			node("Add", "add", s("a", "b"), s("y"), aInt("broadcast", 1), aInt("axis", 1)).
			node("Pad", "p", s("y"), s("z"), aInts("pads", 0, 1, 0, 0, 1, 0)).node("Split", "sp", s("z"), s("u", "v")).output("u", "v").bytes(t),
		newModel(18).input("x", onnxFloat, 1, 3, 4, 4).init("ax", i64s(2, 3)).
			node("ReduceMean", "rm", s("x", "ax"), s("y")).node("Constant", "k", nil, s("c"), aFloat("value_float", 2)).
			node("Mul", "m", s("y", "c"), s("z")).node("Clip", "cl", s("z", "c"), s("o")).output("o").bytes(t),
	}
}

// FuzzImport feeds arbitrary bytes to Import: it must return a graph or an
// error, never panic, and an imported graph must agree with InferGraph.
func FuzzImport(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	corpus := testcorpus.Dir()
	for _, name := range []string{
		"models/mnist-cntk-zoo/model.onnx",
		"models/marabou-cifar10-oval21/cifar_base_kw.onnx",
		"pytorch-converted/test_Conv2d_depthwise_padded/model.onnx",
		"pytorch-operator/test_operator_view/model.onnx",
		"node/test_maxpool_2d_same_lower/model.onnx",
		"light/light_squeezenet.onnx",
		"node/test_conv_with_autopad_same/model.onnx",
		"node/test_reshape_negative_dim/model.onnx",
		"node/test_split_variable_parts_2d_opset18/model.onnx",
		"node/test_constant_pad_axes/model.onnx",
		"node/test_softmax_example/model.onnx",
		"node/test_gemm_all_attributes/model.onnx",
		"node/test_constantofshape_int_zeros/model.onnx",
		"node/test_clip_default_int8_min/model.onnx",
		"node/test_squeeze_negative_axes/model.onnx",
		"node/test_reduce_mean_keepdims_example/model.onnx",
		"node/test_shape_start_1_end_negative_1/model.onnx",
		"node/test_gather_negative_indices/model.onnx",
		"node/test_batchnorm_epsilon/model.onnx",
		"node/test_lrn/model.onnx",
		"node/test_unsqueeze_unsorted_axes/model.onnx",
		"node/test_averagepool_2d_ceil_last_window_starts_on_pad/model.onnx",
		"pytorch-converted/test_PReLU_2d_multiparam/model.onnx",
		"pytorch-operator/test_operator_add_broadcast/model.onnx",
		"models/burn-onnx-tests/concat/concat_shape.onnx",
	} {
		if data, err := os.ReadFile(filepath.Join(corpus, name)); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			g   *ir.Graph
			err error
		}
		done := make(chan result, 1)
		go func() {
			g, err := Import("fuzz.onnx", data, Options{})
			done <- result{g, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("Import has not returned after 30 s")
		}
		g, err := r.g, r.err
		if err != nil {
			return
		}
		for _, n := range g.Nodes {
			before := make([]ir.Type, len(n.Outputs))
			for i, o := range n.Outputs {
				before[i] = o.Type
			}
			types, err := ir.InferTypes(n)
			if err != nil {
				t.Fatalf("imported graph fails inference: %v", err)
			}
			for i := range types {
				if !types[i].Equal(before[i]) {
					t.Fatalf("node %s: type %s, inference gives %s", n.Origin(), before[i], types[i])
				}
			}
		}
	})
}
