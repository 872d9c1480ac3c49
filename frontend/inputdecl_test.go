package frontend

import (
	"fmt"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestModelInputs: Model.Inputs lists the runtime inputs with their open
// dims (a dim_param, no value, -1) and fixed ones, leaving out initializers
// listed as inputs and inputs Options.Bind makes constants.
func TestModelInputs(t *testing.T) {
	b := newModel(13).input("x", onnxFloat, -1, 3, 4).input("w", onnxFloat, 3).input("k", onnxFloat, 2).
		init("w", tensor.New(tensor.Float32, 3)).node("Add", "a", s("x", "w"), s("y")).output("y")
	dims := b.m.Graph.Input[0].GetType().GetTensorType().GetShape().GetDim()
	dims[1].Value = nil                                                     // unknown
	dims[2].Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: -1} // unknown, as some exporters write it
	md, err := Parse("m.onnx", b.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(md.Inputs(Options{Bind: map[string]*tensor.Tensor{"k": tensor.New(tensor.Float32, 2)}}))
	if want := "[{x [{-1 N} {-1 } {-1 }] true}]"; got != want {
		t.Errorf("Inputs: %s, want %s", got, want)
	}
}
