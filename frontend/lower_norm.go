package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// lowerBatchNorm accepts the inference form only: one used output, no
// training_mode. spatial (opset < 9) must be 1; is_test, momentum and
// consumed_inputs of old opsets do not affect inference.
func lowerBatchNorm(c *nodeCtx) error {
	if err := c.arity(5, 5, 1, 5); err != nil {
		return err
	}
	for i := 1; i < 5; i++ {
		if c.outputUsed(i) {
			return unsupported("training outputs (output %d %q is used)", i, c.outName(i))
		}
	}
	tm, err := c.attrInt("training_mode", 0)
	if err != nil {
		return err
	}
	if tm != 0 {
		return unsupported("training_mode=1")
	}
	if c.opset < 9 {
		spatial, err := c.attrInt("spatial", 1)
		if err != nil {
			return err
		}
		if spatial != 1 {
			return unsupported("spatial=%d (per-activation statistics)", spatial)
		}
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpBatchNorm, ins, ir.Attrs{"epsilon": ir.FloatAttr(eps)})
	return err
}

func lowerLRN(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	if !c.hasAttr("size") {
		return fmt.Errorf("missing required attribute \"size\"")
	}
	size, err := c.attrInt("size", 0)
	if err != nil {
		return err
	}
	attrs := ir.Attrs{"size": ir.IntAttr(size)}
	for _, a := range []struct {
		name string
		def  float32
	}{{"alpha", 1e-4}, {"beta", 0.75}, {"bias", 1}} {
		v, err := c.attrFloat(a.name, a.def)
		if err != nil {
			return err
		}
		attrs[a.name] = ir.FloatAttr(v)
	}
	_, err = c.emit1(ir.OpLRN, []*ir.Value{x}, attrs)
	return err
}

// lowerDropout: inference dropout is an identity and its mask output a
// constant of ones; training (is_test=0 before opset 7 is still inference
// for a runtime, so only training_mode counts) is rejected.
func lowerDropout(c *nodeCtx) error {
	if err := c.arity(1, 3, 1, 2); err != nil {
		return err
	}
	if c.has(2) {
		t, err := c.constInput(2, "training_mode")
		if err != nil {
			return err
		}
		if t.Len() != 1 {
			return fmt.Errorf("input 2 (training_mode) has %d elements, want a scalar", t.Len())
		}
		if t.Int64At(0) != 0 {
			return unsupported("training_mode=true")
		}
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	if c.outputUsed(1) {
		// Inference keeps every element: the mask is all true (bool from
		// opset 12, of the input's type before).
		dt := tensor.Bool
		if c.opset < 12 {
			dt = x.Type.DType
		}
		one := tensor.New(dt, 1)
		switch dt.Storage() {
		case tensor.StoreF32:
			one.F32[0] = 1
		case tensor.StoreF64:
			one.F64[0] = 1
		default:
			one.I64[0] = 1
		}
		shape := tensor.FromI64(tensor.Int64, ints64(x.Type.Shape), len(x.Type.Shape))
		sv := c.im.g.AddConst(c.outName(1)+"/shape", shape)
		if _, err := c.emit(ir.OpConstantOfShape, []*ir.Value{sv}, ir.Attrs{"value": ir.TensorAttr(one)}, c.outName(1)); err != nil {
			return err
		}
	}
	_, err = c.emit1(ir.OpDropout, []*ir.Value{x}, nil)
	return err
}
