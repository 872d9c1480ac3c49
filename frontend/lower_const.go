package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Ops that make constants: Constant, Shape (shapes are static), Cast (folded
// only), ConstantOfShape.

// lowerShape: shapes are static, so Shape always becomes a constant.
func lowerShape(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	r := int64(len(x.Type.Shape))
	start, err := c.attrInt("start", 0)
	if err != nil {
		return err
	}
	end, err := c.attrInt("end", r)
	if err != nil {
		return err
	}
	clamp := func(v int64) int64 {
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r)
	}
	start, end = clamp(start), clamp(end)
	dims := []int64{}
	for i := start; i < end; i++ {
		dims = append(dims, int64(x.Type.Shape[i]))
	}
	c.bindConst(0, tensor.FromI64(tensor.Int64, dims, len(dims)))
	return nil
}

func lowerConstantOfShape(c *nodeCtx) error {
	if err := c.arity(1, 1, 1, 1); err != nil {
		return err
	}
	if _, err := c.constInts(0, "shape"); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	val, err := c.attrTensor("value")
	if err != nil {
		return err
	}
	if val == nil {
		val = tensor.New(tensor.Float32, 1)
	}
	if val.Len() != 1 {
		return fmt.Errorf("attribute \"value\" has %d elements, want one", val.Len())
	}
	_, err = c.emit1(ir.OpConstantOfShape, []*ir.Value{x}, ir.Attrs{"value": ir.TensorAttr(val.Reshaped(1))})
	return err
}

// lowerConstant binds the output to the constant given by whichever value
// attribute is present.
func lowerConstant(c *nodeCtx) error {
	if err := c.arity(0, 0, 1, 1); err != nil {
		return err
	}
	if len(c.np.GetAttribute()) != 1 {
		return fmt.Errorf("has %d attributes, want exactly one value attribute", len(c.np.GetAttribute()))
	}
	var t *tensor.Tensor
	switch name := c.np.GetAttribute()[0].GetName(); name {
	case "value":
		v, err := c.attrTensor("value")
		if err != nil {
			return err
		}
		t = v
	case "value_float":
		f, err := c.attrFloat(name, 0)
		if err != nil {
			return err
		}
		t = tensor.FromF32([]float32{f})
	case "value_floats":
		fs, _, err := c.attrFloats(name)
		if err != nil {
			return err
		}
		t = tensor.FromF32(append([]float32{}, fs...), len(fs))
	case "value_int":
		i, err := c.attrInt(name, 0)
		if err != nil {
			return err
		}
		t = tensor.FromI64(tensor.Int64, []int64{i})
	case "value_ints":
		is, _, err := c.attrInts(name)
		if err != nil {
			return err
		}
		t = tensor.FromI64(tensor.Int64, ints64(is), len(is))
	case "sparse_value", "value_string", "value_strings":
		return unsupported("attribute %q", name)
	default:
		return fmt.Errorf("unknown attribute %q", name)
	}
	c.bindConst(0, t)
	return nil
}

// lowerCast folds Cast of a constant (e.g. in shape subgraphs) and lowers a
// Cast of a runtime value to the cast op.
func lowerCast(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	var to tensor.DType
	a := c.attr("to")
	switch {
	case a == nil:
		return fmt.Errorf("missing required attribute \"to\"")
	case a.GetType() == attrString || (a.GetType() == 0 && len(a.GetS()) > 0):
		// Cast-1 names the type with a string ("FLOAT"); later opsets use
		// the enum number. Decide by the attribute's type, not the opset.
		s, err := c.attrString("to", "")
		if err != nil {
			return err
		}
		if to, err = tensorio.DTypeFromName(s); err != nil {
			return fmt.Errorf("attribute \"to\": %w", err)
		}
	default:
		i, err := c.attrInt("to", 0)
		if err != nil {
			return err
		}
		if to, err = tensorio.DTypeFromONNX(int32(i)); err != nil {
			return fmt.Errorf("attribute \"to\": %w", err)
		}
	}
	return c.emitCast(x, to)
}

// emitCast casts x to element type to: folded for a constant, an identity
// when the type is already to, else a cast node.
func (c *nodeCtx) emitCast(x *ir.Value, to tensor.DType) error {
	if to.IsInt() && to.Bits() < 8 && x.Type.DType != to {
		// pimc's cast wraps; ONNX's rounding and saturation rules for the
		// sub-byte types are not implemented (QuantizeLinear is).
		return unsupported("cast to %s", to)
	}
	if x.IsConst() {
		c.bindConst(0, castTensor(x.Const, to))
		return nil
	}
	if x.Type.DType == to {
		_, err := c.emit1(ir.OpIdentity, []*ir.Value{x}, nil)
		return err
	}
	_, err := c.emit1(ir.OpCast, []*ir.Value{x}, ir.Attrs{"to": ir.StringAttr(to.String())})
	return err
}
