package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// TestQDQMatrix compiles the QDQ conv and matmul of testdata/qdq/matrix
// (gen_matrix.py: DequantizeLinear of the input codes and of constant
// weight and bias codes -> Conv/MatMul -> QuantizeLinear) with the model's
// own codes: the layer becomes one qconv/qfc whose weights are the model's
// codes less their zero point (no re-calibration, no float layer left),
// the quantized graph equals the QLinearConv/QLinearMatMul model of the
// same codes on the interpreter exactly, and the simulator is bit-exact.
func TestQDQMatrix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    ir.Op
		shape []int
	}{{"conv", ir.OpQConv, []int{1, 3, 8, 8}}, {"matmul", ir.OpQFC, []int{2, 16}}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := "../testdata/qdq/matrix/"
			g := quantizeModel(t, dir+tc.name+"/model.onnx", "")
			var layers []*ir.Node
			for _, n := range g.Nodes {
				switch n.Op {
				case tc.op:
					layers = append(layers, n)
				case ir.OpConv, ir.OpMatMul, ir.OpFC:
					t.Errorf("float %s %q left on the host", n.Op, n.Name)
				case ir.OpDequantizeLinear, ir.OpDequantize:
					if n.Inputs[0].IsConst() {
						t.Errorf("%s %q of constant codes left", n.Op, n.Name)
					}
				}
			}
			if len(layers) != 1 {
				t.Fatalf("%d %s, want 1", len(layers), tc.op)
			}
			checkModelCodes(t, dir+tc.name+"/model.onnx", layers[0])
			inputs := inputsWithStored(t, dir+tc.name+"/", tc.shape, 9, -1.2, 3, 40)
			checkSameAsModel(t, dir+tc.name+"_qop/model.onnx", "QOperator model", g, inputs)
			compileAndCheck(t, g, target.Default(), inputs...)
		})
	}
}

// checkModelCodes checks that the weights of layer, a qconv or qfc, are
// the codes of the model's weight dequantize_linear less its zero point
// (a qfc's [N,K] transposed from the matmul's [K,N]).
func checkModelCodes(t *testing.T, path string, layer *ir.Node) {
	t.Helper()
	m, err := frontend.Load(path, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var w, zw *tensor.Tensor
	for _, n := range m.Nodes {
		if n.Op == ir.OpDequantizeLinear && n.Inputs[0].IsConst() && n.Inputs[0].Type.DType != tensor.Int32 {
			w, zw = n.Inputs[0].Const, n.Input(2).Const
		}
	}
	if w == nil {
		t.Fatal("no weight dequantize_linear in the model")
	}
	got := layer.Inputs[1].Const
	f := got.Shape[0]
	k := got.Len() / f
	for c := range f {
		for i := range k {
			idx := c*k + i // conv: [F, ...] as stored
			if layer.Op == ir.OpQFC {
				idx = i*f + c // matmul: [K, N]
			}
			want := int64(w.Float64At(idx) - zw.Float64At(min(c, zw.Len()-1)))
			if got.I64[c*k+i] != want {
				t.Fatalf("weight code [%d,%d] = %d, the model's %d", c, i, got.I64[c*k+i], want)
			}
		}
	}
}
