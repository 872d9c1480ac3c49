package frontend

import (
	"fmt"
	"slices"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestConvTransposeResolve checks that auto_pad and output_shape become
// explicit pads and output_padding on a 3x3 input, 3x3 kernel, stride 2
// (unpadded output 2*2+3 = 7 cells per axis).
func TestConvTransposeResolve(t *testing.T) {
	cases := []struct {
		attrs        []*onnx.AttributeProto
		pads, outPad []int64
		wantOut      string
	}{
		{nil, []int64{0, 0, 0, 0}, []int64{0, 0}, "f32[1,4,7,7]"},
		{[]*onnx.AttributeProto{aInts("pads", 1, 0, 1, 2)}, []int64{1, 0, 1, 2}, []int64{0, 0}, "f32[1,4,5,5]"},
		{[]*onnx.AttributeProto{aInts("output_padding", 1, 0)}, []int64{0, 0, 0, 0}, []int64{1, 0}, "f32[1,4,8,7]"},
		// in*stride = 6: one cell of padding, at the end for SAME_UPPER.
		{[]*onnx.AttributeProto{aString("auto_pad", "SAME_UPPER")}, []int64{0, 0, 1, 1}, []int64{0, 0}, "f32[1,4,6,6]"},
		{[]*onnx.AttributeProto{aString("auto_pad", "SAME_LOWER")}, []int64{1, 1, 0, 0}, []int64{0, 0}, "f32[1,4,6,6]"},
		{[]*onnx.AttributeProto{aString("auto_pad", "VALID"), aInts("pads", 1, 1, 1, 1)}, []int64{0, 0, 0, 0}, []int64{0, 0}, "f32[1,4,7,7]"},
		// output_shape overrides pads; longer than 7 grows output_padding,
		// the full [N, C, H, W] form is accepted too.
		{[]*onnx.AttributeProto{aInts("output_shape", 4, 9), aInts("pads", 1, 1, 1, 1)}, []int64{2, 0, 1, 0}, []int64{0, 2}, "f32[1,4,4,9]"},
		{[]*onnx.AttributeProto{aInts("output_shape", 1, 4, 5, 8)}, []int64{1, 0, 1, 0}, []int64{0, 1}, "f32[1,4,5,8]"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			attrs := append([]*onnx.AttributeProto{aInts("strides", 2, 2)}, c.attrs...)
			g := newModel(13).input("x", onnxFloat, 1, 2, 3, 3).
				init("w", tensor.New(tensor.Float32, 2, 4, 3, 3)).
				node("ConvTranspose", "up", s("x", "w"), s("y"), attrs...).
				output("y").mustImport(t, Options{})
			n := g.Nodes[0]
			if n.Op != ir.OpConvTranspose {
				t.Fatalf("op %s", n.Op)
			}
			if got := n.Attrs["pads"].Ints; !slices.Equal(got, c.pads) {
				t.Errorf("pads %v, want %v", got, c.pads)
			}
			if got := n.Attrs["output_padding"].Ints; !slices.Equal(got, c.outPad) {
				t.Errorf("output_padding %v, want %v", got, c.outPad)
			}
			if got := outType(g, 0); got != c.wantOut {
				t.Errorf("output %s, want %s", got, c.wantOut)
			}
		})
	}
}

func TestConvTransposeErrors(t *testing.T) {
	base := func(w []int, attrs ...*onnx.AttributeProto) *modelBuilder {
		return newModel(13).input("x", onnxFloat, 1, 2, 3, 3).init("w", tensor.New(tensor.Float32, w...)).
			node("ConvTranspose", "up", s("x", "w"), s("y"), attrs...).output("y")
	}
	w := []int{2, 4, 3, 3}
	_, err := base(w, aString("auto_pad", "SAME_MIDDLE")).imp(t, Options{})
	wantErr(t, err, `node "up" (ConvTranspose)`, `unknown value "SAME_MIDDLE"`)
	_, err = base(w, aInts("output_shape", 7)).imp(t, Options{})
	wantErr(t, err, `node "up"`, `"output_shape": want 2 ints, got 1`)
	_, err = base(w, aInts("kernel_shape", 2, 2)).imp(t, Options{})
	wantErr(t, err, `node "up"`, "kernel_shape")
	_, err = base(w, aInts("output_padding", -1, 0)).imp(t, Options{})
	wantErr(t, err, `node "up"`, ">= 0")
	_, err = base(w, aInts("strides", 0, 1)).imp(t, Options{})
	wantErr(t, err, `node "up"`, "strides")
	_, err = base([]int{3, 4, 3, 3}).imp(t, Options{})
	wantErr(t, err, `node "up"`, "group")
	_, err = base(w, aInts("pads", 5, 5, 5, 5)).imp(t, Options{})
	wantErr(t, err, `node "up"`, "no output")
	_, err = base([]int{2, 4, 3}).imp(t, Options{})
	wantErr(t, err, `node "up"`, "rank")
}
