package frontend

import (
	"errors"
	"fmt"
	"sort"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Lowerings of the ONNX quantized-model ops (ir/op_qlinear.go). Scales and
// zero points stay operands: the model's own values, constants or not.

func addQLinearLowerers(m map[string]lowerFunc) {
	m["QuantizeLinear"] = lowerQuantizeLinear
	m["DequantizeLinear"] = lowerDequantizeLinear
	m["DynamicQuantizeLinear"] = lowerDynamicQuantizeLinear
	m["ConvInteger"] = lowerConvInteger
	m["MatMulInteger"] = lowerMatMulInteger
	m["QLinearConv"] = lowerQLinearConv
	m["QLinearMatMul"] = lowerQLinearMatMul
}

// quantLayoutAttrs reads axis (opset 13 on, default 1) and block_size
// (opset 21 on) for x of rank r, normalized for the IR.
func (c *nodeCtx) quantLayoutAttrs(r int) (ir.Attrs, error) {
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return nil, err
	}
	block, err := c.attrInt("block_size", 0)
	if err != nil {
		return nil, err
	}
	if block < 0 || block > tensorio.MaxElems {
		return nil, fmt.Errorf("attribute \"block_size\" %d: want >= 0", block)
	}
	attrs := ir.Attrs{"block_size": ir.IntAttr(block)}
	// The axis matters only for per-axis and blocked scales; shape
	// inference checks it there (a scalar scale ignores it, as in ONNX).
	if a, err := normAxis(int(axis), r, ""); err == nil {
		attrs["axis"] = ir.IntAttr(int64(a))
	} else {
		attrs["axis"] = ir.IntAttr(max(min(axis, 1<<30), -1<<30))
	}
	return attrs, nil
}

// dtypeAttr reads an ONNX element-type attribute (output_dtype); 0 or
// absent gives def. A type pimc cannot hold (float8, float4) is unsupported.
func (c *nodeCtx) dtypeAttr(name string, def tensor.DType) (tensor.DType, error) {
	v, err := c.attrInt(name, 0)
	if err != nil || v == 0 {
		return def, err
	}
	dt, err := tensorio.DTypeFromONNX(int32(v))
	var de *tensorio.DTypeError
	if errors.As(err, &de) {
		return 0, unsupported("attribute %q: %v", name, err)
	}
	return dt, err
}

// precisionAttr refuses a QuantizeLinear "precision" other than the
// scale's own type (the division is done in the scale's precision).
func (c *nodeCtx) precisionAttr(scale tensor.DType) error {
	p, err := c.dtypeAttr("precision", scale)
	if err != nil {
		return err
	}
	if p != scale {
		return unsupported("attribute \"precision\" %s differs from the scale's type %s", p, scale)
	}
	return nil
}

// quantLinearOperands reads the operands of QuantizeLinear and
// DequantizeLinear (x, scale, optional zero point) and their layout
// attributes (axis, block_size).
func (c *nodeCtx) quantLinearOperands() (x, scale, zp *ir.Value, attrs ir.Attrs, err error) {
	if err = c.arity(2, 3, 1, 1); err != nil {
		return
	}
	if x, err = c.input(0); err != nil {
		return
	}
	if scale, err = c.input(1); err != nil {
		return
	}
	if zp, err = c.optInput(2); err != nil {
		return
	}
	attrs, err = c.quantLayoutAttrs(len(x.Type.Shape))
	return
}

// quantLinearInputs are the operands of the IR op: x, scale and the zero
// point when the model gives one.
func quantLinearInputs(x, scale, zp *ir.Value) []*ir.Value {
	if zp != nil {
		return []*ir.Value{x, scale, zp}
	}
	return []*ir.Value{x, scale}
}

func lowerQuantizeLinear(c *nodeCtx) error {
	x, scale, zp, attrs, err := c.quantLinearOperands()
	if err != nil {
		return err
	}
	to, err := c.dtypeAttr("output_dtype", tensor.Uint8)
	if err != nil {
		return err
	}
	if zp != nil {
		if c.hasAttr("output_dtype") && to != zp.Type.DType {
			return fmt.Errorf("attribute \"output_dtype\" %s disagrees with the zero point's type %s", to, zp.Type.DType)
		}
		to = zp.Type.DType
	}
	if err := c.precisionAttr(scale.Type.DType); err != nil {
		return err
	}
	attrs["to"] = ir.StringAttr(to.String())
	_, err = c.emit1(ir.OpQuantizeLinear, quantLinearInputs(x, scale, zp), attrs)
	return err
}

func lowerDequantizeLinear(c *nodeCtx) error {
	x, scale, zp, attrs, err := c.quantLinearOperands()
	if err != nil {
		return err
	}
	if to, err := c.dtypeAttr("output_dtype", scale.Type.DType); err != nil {
		return err
	} else if to != scale.Type.DType {
		return unsupported("attribute \"output_dtype\" %s differs from the scale's type %s", to, scale.Type.DType)
	}
	_, err = c.emit1(ir.OpDequantizeLinear, quantLinearInputs(x, scale, zp), attrs)
	return err
}

// convWindowAttrs reads the window attributes of an integer convolution
// with input x and weight w (as Conv: 1-D and 2-D, auto_pad resolved).
func (c *nodeCtx) convWindowAttrs(x, w *ir.Value) (ir.Attrs, error) {
	r := len(x.Type.Shape)
	if r != 3 && r != 4 {
		if r == 5 {
			return nil, unsupported("3-D convolution (input rank 5)")
		}
		return nil, fmt.Errorf("input %q has rank %d, want 3 (N,C,L) or 4 (N,C,H,W)", x.Name, r)
	}
	if len(w.Type.Shape) != r {
		return nil, fmt.Errorf("weight %q has rank %d, want %d like the input", w.Name, len(w.Type.Shape), r)
	}
	win, err := c.readWindow(x.Type.Shape[2:], w.Type.Shape[2:], false)
	if err != nil {
		return nil, err
	}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return nil, err
	}
	return ir.Attrs{
		"strides":   ir.IntsFromInts(win.strides),
		"pads":      ir.IntsFromInts(win.pads),
		"dilations": ir.IntsFromInts(win.dilations),
		"group":     ir.IntAttr(group),
	}, nil
}

// optionalInputs returns inputs 0..n-1 with absent optional ones nil,
// trimmed after the last present one.
func (c *nodeCtx) optionalInputs(n int) ([]*ir.Value, error) {
	ins := make([]*ir.Value, n)
	last := 0
	for i := range ins {
		v, err := c.optInput(i)
		if err != nil {
			return nil, err
		}
		ins[i] = v
		if v != nil {
			last = i + 1
		}
	}
	return ins[:last], nil
}

// requiredOperands is optionalInputs(n) where the inputs at required must
// be given.
func (c *nodeCtx) requiredOperands(n int, required ...int) ([]*ir.Value, error) {
	ins, err := c.optionalInputs(n)
	if err != nil {
		return nil, err
	}
	for _, i := range required {
		if i >= len(ins) || ins[i] == nil {
			return nil, fmt.Errorf("required input %d is missing", i)
		}
	}
	return ins, nil
}

func lowerConvInteger(c *nodeCtx) error {
	if err := c.arity(2, 4, 1, 1); err != nil {
		return err
	}
	ins, err := c.optionalInputs(4)
	if err != nil {
		return err
	}
	if len(ins) < 2 || ins[0] == nil || ins[1] == nil {
		return fmt.Errorf("inputs x and w are required")
	}
	attrs, err := c.convWindowAttrs(ins[0], ins[1])
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpConvInteger, ins, attrs)
	return err
}

func lowerMatMulInteger(c *nodeCtx) error {
	if err := c.arity(2, 4, 1, 1); err != nil {
		return err
	}
	ins, err := c.optionalInputs(4)
	if err != nil {
		return err
	}
	if len(ins) < 2 || ins[0] == nil || ins[1] == nil {
		return fmt.Errorf("inputs A and B are required")
	}
	_, err = c.emit1(ir.OpMatMulInteger, ins, nil)
	return err
}

func lowerQLinearConv(c *nodeCtx) error {
	if err := c.arity(8, 9, 1, 1); err != nil {
		return err
	}
	ins, err := c.optionalInputs(9)
	if err != nil {
		return err
	}
	for i := 0; i < 8; i++ {
		if i >= len(ins) || ins[i] == nil {
			return fmt.Errorf("required input %d is missing", i)
		}
	}
	attrs, err := c.convWindowAttrs(ins[0], ins[3])
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpQLinearConv, ins, attrs)
	return err
}

func lowerQLinearMatMul(c *nodeCtx) error {
	if err := c.arity(8, 8, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpQLinearMatMul, ins, nil)
	return err
}

// contribLowerers maps the onnxruntime contrib ops pimc imports, by
// "domain.op_type".
var contribLowerers = map[string]lowerFunc{
	"com.microsoft.QLinearAdd":               lowerQLinearBinary(ir.OpQLinearAdd),
	"com.microsoft.QLinearMul":               lowerQLinearBinary(ir.OpQLinearMul),
	"com.microsoft.QLinearSigmoid":           lowerQLinearUnary(ir.OpQLinearSigmoid),
	"com.microsoft.QLinearLeakyRelu":         lowerQLinearUnary(ir.OpQLinearLeakyRelu),
	"com.microsoft.QLinearGlobalAveragePool": lowerQLinearGlobalAvgPool,
	"com.microsoft.QLinearConcat":            lowerQLinearConcat,
}

// ContribOps lists the contrib ops (other domains than ai.onnx) the
// importer lowers, as "domain.op_type", sorted.
func ContribOps() []string {
	ops := make([]string, 0, len(contribLowerers))
	for op := range contribLowerers {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// lowerQLinearBinary lowers com.microsoft.QLinearAdd and QLinearMul (A,
// A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale,
// C_zero_point?); the zero points of A and B are optional too (empty
// names).
func lowerQLinearBinary(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		if err := c.arity(7, 8, 1, 1); err != nil {
			return err
		}
		ins, err := c.requiredOperands(8, 0, 1, 3, 4, 6)
		if err != nil {
			return err
		}
		_, err = c.emit1(op, ins, nil)
		return err
	}
}

// lowerQLinearUnary lowers com.microsoft.QLinearSigmoid and
// QLinearLeakyRelu (X, X_scale, X_zero_point?, Y_scale, Y_zero_point?).
func lowerQLinearUnary(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		if err := c.arity(4, 5, 1, 1); err != nil {
			return err
		}
		ins, err := c.requiredOperands(5, 0, 1, 3)
		if err != nil {
			return err
		}
		var attrs ir.Attrs
		if op == ir.OpQLinearLeakyRelu {
			alpha, err := c.attrFloat("alpha", 0.01)
			if err != nil {
				return err
			}
			attrs = ir.Attrs{"alpha": ir.FloatAttr(alpha)}
		}
		_, err = c.emit1(op, ins, attrs)
		return err
	}
}

// lowerQLinearGlobalAvgPool lowers com.microsoft.QLinearGlobalAveragePool
// (X, x_scale, x_zero_point, y_scale, y_zero_point); channels_last=1 is
// not supported.
func lowerQLinearGlobalAvgPool(c *nodeCtx) error {
	if err := c.arity(5, 5, 1, 1); err != nil {
		return err
	}
	if cl, err := c.attrInt("channels_last", 0); err != nil {
		return err
	} else if cl != 0 {
		return unsupported("channels_last=1")
	}
	ins, err := c.requiredOperands(5, 0, 1, 3)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpQLinearGlobalAvgPool, ins, nil)
	return err
}

// lowerQLinearConcat lowers com.microsoft.QLinearConcat (Y_scale,
// Y_zero_point, then X, X_scale, X_zero_point per input) with its axis.
func lowerQLinearConcat(c *nodeCtx) error {
	if n := c.numInputs(); n < 5 || (n-2)%3 != 0 {
		return fmt.Errorf("has %d inputs, want Y_scale, Y_zero_point and triples (X, X_scale, X_zero_point)", n)
	}
	if err := c.arity(5, -1, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	axis, err := c.axisAttr(0, len(ins[2].Type.Shape))
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpQLinearConcat, ins, ir.Attrs{"axis": ir.IntAttr(int64(axis))})
	return err
}

func lowerDynamicQuantizeLinear(c *nodeCtx) error {
	if err := c.arity(1, 1, 3, 3); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	_, err = c.emit(ir.OpDynamicQuantizeLinear, []*ir.Value{x}, nil, c.outName(0), c.outName(1), c.outName(2))
	return err
}
