package ir

import "testing"

// ctAttrs builds conv_transpose attributes for a 2-D case.
func ctAttrs(strides, pads, dil, outPad []int64, group int64) Attrs {
	return Attrs{"strides": ia(strides...), "pads": ia(pads...), "dilations": ia(dil...),
		"output_padding": ia(outPad...), "group": IntAttr(group)}
}

// TestInferConvTranspose checks the ONNX output size formula
// stride*(in-1) + output_padding + ((k-1)*dilation+1) - pad_begin - pad_end
// on hand-computed shapes.
func TestInferConvTranspose(t *testing.T) {
	one, zero := []int64{1, 1}, []int64{0, 0}
	runInferCases(t, []inferCase{
		// 3x3 input, 3x3 kernel: 1*(3-1)+3 = 5 (test_convtranspose).
		{"plain", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, one, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3)), []Type{ft(1, 2, 5, 5)}, ""},
		// strides 3,2: 3*2+3 = 9, 2*2+3 = 7; bias [2].
		{"strides+bias", node(OpConvTranspose, ctAttrs([]int64{3, 2}, []int64{0, 0, 0, 0}, one, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3), f32(2)), []Type{ft(1, 2, 9, 7)}, ""},
		// pads crop: 9-1-2 = 6, 7-2-0 = 5.
		{"pads", node(OpConvTranspose, ctAttrs([]int64{3, 2}, []int64{1, 2, 2, 0}, one, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3)), []Type{ft(1, 2, 6, 5)}, ""},
		// output_padding adds at the end: 9+1 = 10, 7+1 = 8 (test_convtranspose_output_shape).
		{"output_padding", node(OpConvTranspose, ctAttrs([]int64{3, 2}, []int64{0, 0, 0, 0}, one, []int64{1, 1}, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3)), []Type{ft(1, 2, 10, 8)}, ""},
		// dilation 2: 1*(3-1)+(2*2+1) = 7.
		{"dilations", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, []int64{2, 2}, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 1, 3, 3)), []Type{ft(1, 1, 7, 7)}, ""},
		// group 2: 4 input channels, weight [4, 3, ...] gives 6 output channels.
		{"group", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, one, zero, 2), 1, f32(2, 4, 3, 3), f32(4, 3, 2, 2)), []Type{ft(2, 6, 4, 4)}, ""},
		// 1-D and 3-D.
		{"1d", node(OpConvTranspose, ctAttrs([]int64{2}, []int64{0, 0}, []int64{1}, []int64{0}, 1), 1, f32(1, 1, 5), f32(1, 2, 3)), []Type{ft(1, 2, 11)}, ""},
		{"3d", node(OpConvTranspose, ctAttrs([]int64{1, 1, 1}, []int64{0, 0, 0, 0, 0, 0}, []int64{1, 1, 1}, []int64{0, 0, 0}, 1), 1, f32(1, 1, 3, 4, 5), f32(1, 2, 3, 3, 3)), []Type{ft(1, 2, 5, 6, 7)}, ""},
		{"channels", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, one, zero, 1), 1, f32(1, 3, 3, 3), f32(2, 2, 3, 3)), nil, "do not fit group"},
		{"group divides", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, one, zero, 2), 1, f32(1, 3, 3, 3), f32(3, 2, 3, 3)), nil, "do not fit group"},
		{"bias", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, one, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3), f32(3)), nil, "bias"},
		{"pads too big", node(OpConvTranspose, ctAttrs(one, []int64{3, 0, 2, 0}, one, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3)), nil, "leave no output"},
		{"attr length", node(OpConvTranspose, ctAttrs(one, []int64{0, 0}, one, zero, 1), 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3)), nil, "pads"},
		{"missing", node(OpConvTranspose, Attrs{"strides": ia(1, 1), "pads": ia(0, 0, 0, 0), "dilations": ia(1, 1), "group": IntAttr(1)}, 1, f32(1, 1, 3, 3), f32(1, 2, 3, 3)), nil, "output_padding"},
		{"huge stride", node(OpConvTranspose, ctAttrs([]int64{1 << 62, 1}, []int64{0, 0, 0, 0}, one, zero, 1), 1, f32(1, 1, 5, 3), f32(1, 2, 3, 3)), nil, "beyond 2^20"},
		{"rank", node(OpConvTranspose, ctAttrs(one, []int64{0, 0, 0, 0}, one, zero, 1), 1, f32(1, 3), f32(1, 2)), nil, "spatial"},
	})
}

// TestInferZeroInsert checks (in-1)*stride+1 per spatial axis, any element
// type (codes at the quantized stage), and the errors.
func TestInferZeroInsert(t *testing.T) {
	zi := func(strides ...int64) Attrs { return Attrs{"strides": ia(strides...)} }
	runInferCases(t, []inferCase{
		{"2d", node(OpZeroInsert, zi(3, 2), 1, f32(1, 3, 7, 6)), []Type{ft(1, 3, 19, 11)}, ""},
		{"1d stride 1", node(OpZeroInsert, zi(1), 1, f32(2, 1, 5)), []Type{ft(2, 1, 5)}, ""},
		{"strides length", node(OpZeroInsert, zi(2), 1, f32(1, 1, 3, 3)), nil, "want 2 strides"},
		{"stride 0", node(OpZeroInsert, zi(0, 1), 1, f32(1, 1, 3, 3)), nil, "[1, 2^20]"},
		{"huge stride", node(OpZeroInsert, zi(1<<40, 1), 1, f32(1, 1, 3, 3)), nil, "[1, 2^20]"},
		{"rank", node(OpZeroInsert, zi(), 1, f32(1, 3)), nil, "spatial"},
	})
}
