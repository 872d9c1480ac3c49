package frontend

import (
	"fmt"
	"sort"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestLowerersNeverPanic drives every lowering with wrong arities, odd
// shapes and attributes of the wrong type or range: each import must end in
// a graph or an error, never a panic.
func TestLowerersNeverPanic(t *testing.T) {
	var ops []string
	for op := range lowerers {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	attrSets := [][]*onnx.AttributeProto{
		nil,
		{aInt("axis", -9), aInts("axes", 7, -7), aInts("perm", 3, 3), aInts("pads", -1), aInts("kernel_shape", 0, 9), aInts("strides", 0), aInt("group", 0)},
		{aFloat("axis", 1), aString("pads", "x"), aFloats("kernel_shape", 1), aInt("to", 99), aString("mode", "edge"), aInts("split", 1, 1, 1)},
		{aInts("kernel_shape", 2, 2), aInts("dilations", 1<<40, 1), aInt("ceil_mode", 1), aString("auto_pad", "SAME_LOWER"), aInt("num_outputs", 2)},
		{aInts("shape", -1, -1), aInt("allowzero", 1), aTensor("value", tensor.New(tensor.Float32, 2)), aInt("keepdims", 0)},
		{aString("coordinate_transformation_mode", "tf_crop_and_resize"), aString("keep_aspect_ratio_policy", "not_smaller"),
			aInt("antialias", 1), aString("mode", "cubic"), aString("approximate", "tanh"), aFloats("scales", 0, -1)},
	}
	inits := []*tensor.Tensor{
		tensor.New(tensor.Float32, 1, 2, 3, 3),
		i64s(1, -1),
		tensor.FromI64(tensor.Int64, []int64{1 << 50, 1 << 50}, 2),
		tensor.New(tensor.Float32),
		tensor.New(tensor.Float32, 0, 2),
	}
	for _, opset := range []int64{1, 6, 11, 13, 18} {
		for _, op := range ops {
			for nin := 0; nin <= 4; nin++ {
				for nout := 0; nout <= 2; nout++ {
					for ai, attrs := range attrSets {
						for ii := range inits {
							name := fmt.Sprintf("%s/opset%d/in%d/out%d/attrs%d/init%d", op, opset, nin, nout, ai, ii)
							b := newModel(opset).input("x", onnxFloat, 1, 2, 3, 3).init("c", inits[ii])
							var ins, outs []string
							for i := 0; i < nin; i++ {
								ins = append(ins, []string{"x", "c", "", "x"}[i])
							}
							for i := 0; i < nout; i++ {
								outs = append(outs, fmt.Sprintf("y%d", i))
							}
							b.node(op, "n", ins, outs, attrs...)
							if nout > 0 {
								b.output("y0")
							} else {
								b.output("x")
							}
							func() {
								defer func() {
									if r := recover(); r != nil {
										t.Fatalf("%s: panic: %v", name, r)
									}
								}()
								b.imp(t, Options{})
							}()
						}
					}
				}
			}
		}
	}
}
