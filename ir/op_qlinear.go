package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// The ops of ONNX quantized models (QDQ and QOperator forms), with the
// model's own scales and zero points as operands, which may be computed at
// run time (the ONNX node tests feed them as graph inputs). They are
// canonical ops with ONNX's semantics (affine codes: real = scale * (q -
// zero_point)); pimc's own quantized stage (qops.go, zero points always 0)
// is a different representation. Their interpreter kernels follow
// onnxruntime's integer arithmetic (tensor.QuantizeLinearBlocked,
// tensor.QLinearConv, ...): round half to even and saturation.
const (
	OpQuantizeLinear   Op = "quantize_linear"   // (x, scale, zero_point?) {axis, block_size, to}: saturate(round(x/scale) + zero_point)
	OpDequantizeLinear Op = "dequantize_linear" // (x, scale, zero_point?) {axis, block_size}: (x - zero_point) * scale, of scale's type
	OpConvInteger      Op = "conv_integer"      // (x, w, x_zero?, w_zero?) {strides, pads, dilations, group}: i32 sums of (x-xz)(w-wz)
	OpMatMulInteger    Op = "matmul_integer"    // (a, b, a_zero?, b_zero?): i32 NumPy matmul of (a-az)(b-bz)
	OpQLinearConv      Op = "qlinear_conv"      // (x, xs, xz, w, ws, wz, ys, yz, bias?) {strides, pads, dilations, group}
	OpQLinearMatMul    Op = "qlinear_matmul"    // (a, as, az, b, bs, bz, ys, yz)
	// ONNX DynamicQuantizeLinear: uint8 codes, their scale and zero point
	// from x's own range.
	OpDynamicQuantizeLinear Op = "dynamic_quantize_linear" // (x) -> y u8, y_scale f32[], y_zero_point u8[]
	// onnxruntime's contrib op com.microsoft.QLinearAdd (onnxruntime's
	// quantizer writes it for residual and bias adds).
	OpQLinearAdd Op = "qlinear_add" // (a, as, az, b, bs, bz, cs, cz?): NumPy broadcasting
	// The other quantized contrib ops of onnxruntime.
	OpQLinearMul           Op = "qlinear_mul"             // (a, as, az, b, bs, bz, cs, cz?): NumPy broadcasting
	OpQLinearSigmoid       Op = "qlinear_sigmoid"         // (x, xs, xz?, ys, yz?)
	OpQLinearLeakyRelu     Op = "qlinear_leaky_relu"      // (x, xs, xz?, ys, yz?) {alpha}
	OpQLinearGlobalAvgPool Op = "qlinear_global_avg_pool" // (x, xs, xz, ys, yz): NCHW
	OpQLinearConcat        Op = "qlinear_concat"          // (ys, yz, x1, s1, z1, x2, s2, z2, ...) {axis}
)

// IsONNXQuantOp reports whether op is one of the ONNX quantized-model ops
// above (canonical ops, not pimc's quantized stage).
func IsONNXQuantOp(op Op) bool {
	switch op {
	case OpQuantizeLinear, OpDequantizeLinear, OpDynamicQuantizeLinear, OpConvInteger, OpMatMulInteger, OpQLinearConv, OpQLinearMatMul, OpQLinearAdd,
		OpQLinearMul, OpQLinearSigmoid, OpQLinearLeakyRelu, OpQLinearGlobalAvgPool, OpQLinearConcat:
		return true
	}
	return false
}

func registerQLinearOps() {
	intA := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInt, Doc: doc} }
	reqInts := func(name, doc string) AttrSpec { return AttrSpec{Name: name, Kind: AttrInts, Required: true, Doc: doc} }
	conv := []AttrSpec{
		reqInts("strides", "stride per spatial axis"),
		reqInts("pads", "explicit padding [begin..., end...] per spatial axis"),
		reqInts("dilations", "dilation per spatial axis"),
		{Name: "group", Kind: AttrInt, Required: true, Doc: "number of groups"},
	}
	layout := []AttrSpec{intA("axis", "axis of per-axis and blocked scales (normalized), default 1"), intA("block_size", "elements per scale along axis (blocked); 0: per tensor or per axis")}
	for _, info := range []*OpInfo{
		{Op: OpQuantizeLinear, Summary: "ONNX QuantizeLinear: saturate(round_half_even(x/scale) + zero_point)", MinInputs: 2, MaxInputs: 3,
			Attrs: append(append([]AttrSpec{}, layout...), AttrSpec{Name: "to", Kind: AttrString, Required: true, Doc: "integer output type (i2..i16, u2..u16)"}), Infer: inferQuantizeLinear},
		{Op: OpDequantizeLinear, Summary: "ONNX DequantizeLinear: (x - zero_point) * scale", MinInputs: 2, MaxInputs: 3, Attrs: layout, Infer: inferDequantizeLinear},
		{Op: OpConvInteger, Summary: "ONNX ConvInteger: i32 convolution of (x - x_zero) by (w - w_zero)", MinInputs: 2, MaxInputs: 4, Attrs: conv, Infer: inferConvInteger},
		{Op: OpMatMulInteger, Summary: "ONNX MatMulInteger: i32 matmul of (a - a_zero) by (b - b_zero)", MinInputs: 2, MaxInputs: 4, Infer: inferMatMulInteger},
		{Op: OpQLinearConv, Summary: "ONNX QLinearConv: integer convolution requantized to y's scale and zero point", MinInputs: 8, MaxInputs: 9, Attrs: conv, Infer: inferQLinearConv},
		{Op: OpQLinearMatMul, Summary: "ONNX QLinearMatMul: integer matmul requantized to y's scale and zero point", MinInputs: 8, MaxInputs: 8, Infer: inferQLinearMatMul},
		{Op: OpQLinearAdd, Summary: "com.microsoft.QLinearAdd: sum of two affine-quantized tensors, requantized", MinInputs: 7, MaxInputs: 8, Infer: inferQLinearAdd},
		{Op: OpQLinearMul, Summary: "com.microsoft.QLinearMul: product of two affine-quantized tensors, requantized", MinInputs: 7, MaxInputs: 8, Infer: inferQLinearAdd},
		{Op: OpQLinearSigmoid, Summary: "com.microsoft.QLinearSigmoid: sigmoid of affine-quantized codes", MinInputs: 4, MaxInputs: 5, Infer: inferQLinearUnary},
		{Op: OpQLinearLeakyRelu, Summary: "com.microsoft.QLinearLeakyRelu: leaky ReLU of affine-quantized codes", MinInputs: 4, MaxInputs: 5,
			Attrs: []AttrSpec{{Name: "alpha", Kind: AttrFloat, Doc: "slope below 0, default 0.01"}}, Infer: inferQLinearUnary},
		{Op: OpQLinearConcat, Summary: "com.microsoft.QLinearConcat: inputs requantized to y's scale and zero point, joined along an axis", MinInputs: 5, MaxInputs: -1,
			Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt, Required: true, Doc: "joined axis (normalized)"}}, Infer: inferQLinearConcat},
		{Op: OpQLinearGlobalAvgPool, Summary: "com.microsoft.QLinearGlobalAveragePool: NCHW mean over the spatial axes, requantized", MinInputs: 5, MaxInputs: 5, Infer: inferQLinearGlobalAvgPool},
	} {
		info.MinOutputs, info.MaxOutputs, info.LastStage = 1, 1, StageCanonical
		Register(info)
	}
	Register(&OpInfo{Op: OpDynamicQuantizeLinear, Summary: "ONNX DynamicQuantizeLinear: uint8 codes with the scale and zero point of x's range",
		MinInputs: 1, MaxInputs: 1, MinOutputs: 3, MaxOutputs: 3, Infer: inferDynamicQuantizeLinear, LastStage: StageCanonical})
}

func inferDynamicQuantizeLinear(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if x.DType != tensor.Float32 {
		return nil, fmt.Errorf("input has element type %s, want f32", x.DType)
	}
	return []Type{typ(tensor.Uint8, append([]int{}, x.Shape...)), typ(tensor.Float32, []int{}), typ(tensor.Uint8, []int{})}, nil
}

// QuantLayout reads the axis and block_size attributes of quantize_linear
// and dequantize_linear.
func QuantLayout(n *Node) (axis, block int) {
	return int(n.Int("axis", 1)), int(n.Int("block_size", 0))
}

// checkQuantOperands checks the scale and optional zero point (inputs 1
// and 2) of x for the node's layout: one value, one per index of axis
// (1-D), or x's shape with axis in blocks of block_size.
func checkQuantOperands(n *Node, x Type) error {
	s, err := in(n, 1)
	if err != nil {
		return err
	}
	if err := wantFloat("scale", s); err != nil {
		return err
	}
	axis, block := QuantLayout(n)
	cnt := s.NumElems()
	switch {
	case block < 0:
		return fmt.Errorf("block_size %d is negative", block)
	case block > 0:
		if err := checkAxis("axis", axis, len(x.Shape)); err != nil {
			return err
		}
		want := append([]int{}, x.Shape...)
		want[axis] = (x.Shape[axis] + block - 1) / block
		if !tensor.SameShape(s.Shape, want) {
			return fmt.Errorf("blocked scale %s: want %s (axis %d in blocks of %d)", tensor.ShapeString(s.Shape), tensor.ShapeString(want), axis, block)
		}
	case cnt != 1:
		if err := checkAxis("axis", axis, len(x.Shape)); err != nil {
			return err
		}
		if len(s.Shape) != 1 || s.Shape[0] != x.Shape[axis] {
			return fmt.Errorf("scale %s: want one value or [%d] (axis %d of %s)", tensor.ShapeString(s.Shape), x.Shape[axis], axis, tensor.ShapeString(x.Shape))
		}
	}
	if z := n.Input(2); z != nil {
		if !z.Type.DType.IsInt() || z.Type.NumElems() != cnt {
			return fmt.Errorf("zero point %s: want integers shaped like the scale %s", z.Type, s)
		}
	}
	return nil
}

func inferQuantizeLinear(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	to, err := tensor.ParseDType(n.Str("to", ""))
	if err != nil || !to.IsInt() || to.Bits() > 16 {
		return nil, fmt.Errorf("attribute \"to\" %q: want an integer type of 2 to 16 bits", n.Str("to", ""))
	}
	if err := checkQuantOperands(n, x); err != nil {
		return nil, err
	}
	if z := n.Input(2); z != nil && z.Type.DType != to {
		return nil, fmt.Errorf("zero point has element type %s, want %s (the output type)", z.Type.DType, to)
	}
	return one(typ(to, append([]int{}, x.Shape...))), nil
}

func inferDequantizeLinear(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if !x.DType.IsInt() {
		return nil, fmt.Errorf("input has element type %s, want an integer type", x.DType)
	}
	if err := checkQuantOperands(n, x); err != nil {
		return nil, err
	}
	if z := n.Input(2); z != nil && z.Type.DType != x.DType {
		return nil, fmt.Errorf("zero point has element type %s, want %s like the input", z.Type.DType, x.DType)
	}
	s, _ := in(n, 1)
	if s.DType == tensor.Float64 {
		return nil, fmt.Errorf("scale is f64; want f32, f16 or bf16")
	}
	return one(typ(s.DType, append([]int{}, x.Shape...))), nil
}

// intOperand requires input i to be an integer tensor of 8 or 16 bits
// (codes of an integer matrix op).
func intOperand(n *Node, i int, what string) (Type, error) {
	t, err := in(n, i)
	if err != nil {
		return t, err
	}
	if !t.DType.IsInt() || t.DType.Bits() > 16 {
		return t, fmt.Errorf("%s has element type %s, want 8- or 16-bit integers", what, t.DType)
	}
	return t, nil
}

// zeroOperand checks an optional zero point (input i) of an operand: an
// integer of the operand's type with 1 or n values.
func zeroOperand(n *Node, i int, what string, of Type, counts ...int) error {
	z := n.Input(i)
	if z == nil {
		return nil
	}
	if z.Type.DType != of.DType {
		return fmt.Errorf("%s has element type %s, want %s like its operand", what, z.Type.DType, of.DType)
	}
	c := z.Type.NumElems()
	for _, k := range append([]int{1}, counts...) {
		if c == k && len(z.Type.Shape) <= 1 {
			return nil
		}
	}
	return fmt.Errorf("%s %s: want one value%s", what, z.Type, map[bool]string{true: fmt.Sprintf(" or %v", counts), false: ""}[len(counts) > 0])
}

// integerConv checks the integer input (operand xi) and weights (wi) of
// conv_integer and qlinear_conv and returns them with the output shape.
func integerConv(n *Node, xi, wi int) (x, w Type, out []int, err error) {
	if x, err = intOperand(n, xi, "x"); err != nil {
		return
	}
	if w, err = intOperand(n, wi, "w"); err != nil {
		return
	}
	out, err = convOutShape(n, x.Shape, w.Shape, int(n.Int("group", 1)))
	return
}

// integerMatMul checks the integer operands ai and bi of matmul_integer
// and qlinear_matmul and returns them with the output shape and b's
// columns (the per-column zero points' and scales' count).
func integerMatMul(n *Node, ai, bi int) (a, b Type, out []int, cols int, err error) {
	if a, err = intOperand(n, ai, "a"); err != nil {
		return
	}
	if b, err = intOperand(n, bi, "b"); err != nil {
		return
	}
	if out, err = tensor.MatMulShape(a.Shape, b.Shape); err != nil {
		return
	}
	cols = 1
	if len(b.Shape) > 1 {
		cols = b.Shape[len(b.Shape)-1]
	}
	return
}

func inferConvInteger(n *Node) ([]Type, error) {
	x, w, out, err := integerConv(n, 0, 1)
	if err != nil {
		return nil, err
	}
	if err := zeroOperand(n, 2, "x zero point", x); err != nil {
		return nil, err
	}
	if err := zeroOperand(n, 3, "w zero point", w, out[1]); err != nil {
		return nil, err
	}
	return one(typ(tensor.Int32, out)), nil
}

func inferMatMulInteger(n *Node) ([]Type, error) {
	a, b, out, cols, err := integerMatMul(n, 0, 1)
	if err != nil {
		return nil, err
	}
	rows := 1
	if len(a.Shape) > 1 {
		rows = a.Shape[len(a.Shape)-2]
	}
	if err := zeroOperand(n, 2, "a zero point", a, rows); err != nil {
		return nil, err
	}
	if err := zeroOperand(n, 3, "b zero point", b, cols); err != nil {
		return nil, err
	}
	return one(typ(tensor.Int32, out)), nil
}

// qlinearOperands checks the scales (inputs 1, 4, 6) and zero points (2,
// 5, 7) of qlinear_conv and qlinear_matmul: x and y per tensor, w per tensor
// or per output channel (n), and returns y's element type.
func qlinearOperands(n *Node, x, w Type, channels int) (tensor.DType, error) {
	for _, s := range []struct {
		i    int
		name string
		n    int
	}{{1, "x scale", 1}, {4, "w scale", channels}, {6, "y scale", 1}} {
		t, err := in(n, s.i)
		if err != nil {
			return 0, err
		}
		if err := wantFloat(s.name, t); err != nil {
			return 0, err
		}
		if c := t.NumElems(); len(t.Shape) > 1 || (c != 1 && c != s.n) {
			return 0, fmt.Errorf("%s %s: want one value or %d", s.name, t, s.n)
		}
	}
	if err := zeroOperand(n, 2, "x zero point", x); err != nil {
		return 0, err
	}
	if err := zeroOperand(n, 5, "w zero point", w, channels); err != nil {
		return 0, err
	}
	y, err := in(n, 7)
	if err != nil {
		return 0, err
	}
	if !y.DType.IsInt() || y.DType.Bits() > 16 || y.NumElems() != 1 {
		return 0, fmt.Errorf("y zero point %s: want one 8- or 16-bit integer (it sets the output type)", y)
	}
	return y.DType, nil
}

func inferQLinearConv(n *Node) ([]Type, error) {
	x, w, out, err := integerConv(n, 0, 3)
	if err != nil {
		return nil, err
	}
	dt, err := qlinearOperands(n, x, w, out[1])
	if err != nil {
		return nil, err
	}
	if b := n.Input(8); b != nil && (b.Type.DType != tensor.Int32 || !tensor.SameShape(b.Type.Shape, []int{out[1]})) {
		return nil, fmt.Errorf("bias %s: want i32[%d]", b.Type, out[1])
	}
	return one(typ(dt, out)), nil
}

func inferQLinearMatMul(n *Node) ([]Type, error) {
	a, b, out, cols, err := integerMatMul(n, 0, 3)
	if err != nil {
		return nil, err
	}
	dt, err := qlinearOperands(n, a, b, cols)
	if err != nil {
		return nil, err
	}
	return one(typ(dt, out)), nil
}

func inferQLinearAdd(n *Node) ([]Type, error) {
	a, err := intOperand(n, 0, "a")
	if err != nil {
		return nil, err
	}
	b, err := intOperand(n, 3, "b")
	if err != nil {
		return nil, err
	}
	if err := sameDType(a, b, "b"); err != nil {
		return nil, err
	}
	out, err := BroadcastShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	for _, i := range []int{1, 4, 6} {
		s, err := in(n, i)
		if err != nil {
			return nil, err
		}
		if err := wantFloat(fmt.Sprintf("scale (input %d)", i), s); err != nil {
			return nil, err
		}
		if s.NumElems() != 1 {
			return nil, fmt.Errorf("scale (input %d) %s: want one value", i, s)
		}
	}
	for _, z := range []struct {
		i    int
		name string
	}{{2, "a zero point"}, {5, "b zero point"}, {7, "c zero point"}} {
		if err := zeroOperand(n, z.i, z.name, a); err != nil {
			return nil, err
		}
	}
	return one(typ(a.DType, out)), nil
}

// inferQLinearUnary types qlinear_sigmoid and qlinear_leaky_relu: x codes,
// then one scale and optional zero point for x (inputs 1, 2) and y (3, 4).
func inferQLinearUnary(n *Node) ([]Type, error) {
	x, err := intOperand(n, 0, "x")
	if err != nil {
		return nil, err
	}
	if err := scalarQuantOperands(n, x, 1, 3); err != nil {
		return nil, err
	}
	return one(typ(x.DType, append([]int{}, x.Shape...))), nil
}

func inferQLinearGlobalAvgPool(n *Node) ([]Type, error) {
	x, err := intOperand(n, 0, "x")
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 3 {
		return nil, fmt.Errorf("input %s: want [N,C,spatial...]", x)
	}
	if err := scalarQuantOperands(n, x, 1, 3); err != nil {
		return nil, err
	}
	out := append([]int{}, x.Shape...)
	for i := 2; i < len(out); i++ {
		out[i] = 1
	}
	return one(typ(x.DType, out)), nil
}

// scalarQuantOperands checks pairs of one float scale and one optional zero
// point of x's type, starting at the given inputs.
func scalarQuantOperands(n *Node, x Type, starts ...int) error {
	for _, i := range starts {
		s, err := in(n, i)
		if err != nil {
			return err
		}
		if err := wantFloat(fmt.Sprintf("scale (input %d)", i), s); err != nil {
			return err
		}
		if s.NumElems() != 1 {
			return fmt.Errorf("scale (input %d) %s: want one value", i, s)
		}
		if err := zeroOperand(n, i+1, fmt.Sprintf("zero point (input %d)", i+1), x); err != nil {
			return err
		}
	}
	return nil
}

func inferQLinearConcat(n *Node) ([]Type, error) {
	if (len(n.Inputs)-2)%3 != 0 || len(n.Inputs) < 5 {
		return nil, fmt.Errorf("%d inputs, want y_scale, y_zero_point and triples (x, scale, zero point)", len(n.Inputs))
	}
	y, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	var shapes [][]int
	for i := 2; i < len(n.Inputs); i += 3 {
		x, err := intOperand(n, i, fmt.Sprintf("input %d", i))
		if err != nil {
			return nil, err
		}
		if x.DType != y.DType {
			return nil, fmt.Errorf("input %d has element type %s, want %s like y's zero point", i, x.DType, y.DType)
		}
		if err := scalarQuantOperands(n, x, i+1); err != nil {
			return nil, err
		}
		shapes = append(shapes, x.Shape)
	}
	if err := scalarQuantOperands(n, y, 0); err != nil {
		return nil, err
	}
	out, err := tensor.ConcatShape(shapes, int(n.Int("axis", 0)))
	if err != nil {
		return nil, err
	}
	return one(typ(y.DType, out)), nil
}
