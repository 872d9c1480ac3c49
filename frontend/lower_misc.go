package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Lowerings of Mod, Trilu, CumSum, GatherElements and Hardmax
// (ir/op_misc.go).

func addMiscLowerers(m map[string]lowerFunc) {
	m["Mod"] = lowerMod
	m["Trilu"] = lowerTrilu
	m["CumSum"] = lowerCumSum
	m["GatherElements"] = lowerGatherElements
	m["Hardmax"] = lowerHardmax
}

func lowerMod(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	fmod, err := c.attrInt("fmod", 0)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpMod, ins, ir.Attrs{"fmod": ir.IntAttr(boolInt(fmod != 0))})
	return err
}

// lowerTrilu: k is an optional constant scalar input.
func lowerTrilu(c *nodeCtx) error {
	if err := c.arity(1, 2, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	upper, err := c.attrInt("upper", 1)
	if err != nil {
		return err
	}
	k := int64(0)
	if c.has(1) {
		t, err := c.constInput(1, "k")
		if err != nil {
			return err
		}
		if t.Len() != 1 || !t.DType.IsInt() {
			return fmt.Errorf("input 1 (k) is %s, want an integer scalar", t)
		}
		k = t.Int64At(0)
	}
	_, err = c.emit1(ir.OpTrilu, []*ir.Value{x}, ir.Attrs{"upper": ir.IntAttr(boolInt(upper != 0)), "k": ir.IntAttr(k)})
	return err
}

// lowerCumSum: the axis is a constant scalar input.
func lowerCumSum(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	t, err := c.constInput(1, "axis")
	if err != nil {
		return err
	}
	if t.Len() != 1 || !t.DType.IsInt() {
		return fmt.Errorf("input 1 (axis) is %s, want an integer scalar", t)
	}
	axis, err := normAxis(int(t.Int64At(0)), len(x.Type.Shape), "input 1 (axis)")
	if err != nil {
		return err
	}
	attrs := ir.Attrs{"axis": ir.IntAttr(int64(axis))}
	for _, name := range []string{"exclusive", "reverse"} {
		v, err := c.attrInt(name, 0)
		if err != nil {
			return err
		}
		attrs[name] = ir.IntAttr(boolInt(v != 0))
	}
	_, err = c.emit1(ir.OpCumSum, []*ir.Value{x}, attrs)
	return err
}

func lowerGatherElements(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	axis64, err := c.attrInt("axis", 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(int(axis64), len(ins[0].Type.Shape), "attribute \"axis\"")
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpGatherElements, ins, ir.Attrs{"axis": ir.IntAttr(int64(axis))})
	return err
}

// lowerHardmax: like Softmax, one axis from opset 13 (default -1), before
// it the input coerced to 2-D at axis (default 1).
func lowerHardmax(c *nodeCtx) error {
	if err := c.arity(1, 1, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	def := int64(-1)
	if c.opset < 13 {
		def = 1
	}
	axis64, err := c.attrInt("axis", def)
	if err != nil {
		return err
	}
	axis, err := normAxis(int(axis64), r, "attribute \"axis\"")
	if err != nil {
		return err
	}
	if c.opset >= 13 || axis == r-1 {
		_, err = c.emit1(ir.OpHardmax, []*ir.Value{x}, ir.Attrs{"axis": ir.IntAttr(int64(axis))})
		return err
	}
	flat := []int{tensor.NumElems(x.Type.Shape[:axis]), tensor.NumElems(x.Type.Shape[axis:])}
	v, err := c.emitTemp(ir.OpReshape, []*ir.Value{x}, ir.Attrs{"shape": ir.IntsFromInts(flat)})
	if err != nil {
		return err
	}
	if v, err = c.emitTemp(ir.OpHardmax, []*ir.Value{v}, ir.Attrs{"axis": ir.IntAttr(1)}); err != nil {
		return err
	}
	_, err = c.emit1(ir.OpReshape, []*ir.Value{v}, ir.Attrs{"shape": ir.IntsFromInts(x.Type.Shape)})
	return err
}
