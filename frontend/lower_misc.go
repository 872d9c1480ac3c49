package frontend

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Lowerings of Mod, Trilu, CumSum, GatherElements, Hardmax and TopK
// (ir/op_misc.go), and of Range and EyeLike, constants since their
// operands (Range's) or only the input's shape (EyeLike's) decide them.

func addMiscLowerers(m map[string]lowerFunc) {
	m["Mod"] = lowerMod
	m["Trilu"] = lowerTrilu
	m["CumSum"] = lowerCumSum
	m["GatherElements"] = lowerGather(ir.OpGatherElements)
	m["Hardmax"] = lowerSoftmax(ir.OpHardmax) // the same axis rules as Softmax (both change at opset 13)
	m["TopK"] = lowerTopK
	m["Range"] = lowerRange
	m["EyeLike"] = lowerEyeLike
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

// lowerTopK: k is an attribute before opset 10, then a constant input;
// sorted=0 leaves the order free, so the sorted order serves it too.
func lowerTopK(c *nodeCtx) error {
	if err := c.arity(1, 2, 2, 2); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	var k int64
	if c.opset < 10 {
		if k, err = c.attrInt("k", -1); err != nil {
			return err
		}
	} else {
		t, err := c.constInput(1, "K")
		if err != nil {
			return err
		}
		if t.Len() != 1 || !t.DType.IsInt() {
			return fmt.Errorf("input 1 (K) is %s, want one integer", t)
		}
		k = t.Int64At(0)
	}
	axis, err := c.axisAttr(-1, len(x.Type.Shape))
	if err != nil {
		return err
	}
	largest, err := c.attrInt("largest", 1)
	if err != nil {
		return err
	}
	if k < 0 || k > int64(x.Type.Shape[axis]) {
		return fmt.Errorf("k %d out of range [0, %d] for axis %d", k, x.Type.Shape[axis], axis)
	}
	_, err = c.emit(ir.OpTopK, []*ir.Value{x}, ir.Attrs{"k": ir.IntAttr(k), "axis": ir.IntAttr(int64(axis)),
		"smallest": ir.IntAttr(boolInt(largest == 0))}, c.outName(0), c.outName(1))
	return err
}

// lowerRange: start, limit and delta must be constants; the result is a
// constant of max(ceil((limit-start)/delta), 0) elements of start's type.
func lowerRange(c *nodeCtx) error {
	if err := c.arity(3, 3, 1, 1); err != nil {
		return err
	}
	var v [3]*tensor.Tensor
	for i, name := range []string{"start", "limit", "delta"} {
		t, err := c.constInput(i, name)
		if err != nil {
			return err
		}
		if t.Len() != 1 {
			return fmt.Errorf("input %d (%s) is %s, want a scalar", i, name, t)
		}
		v[i] = t
	}
	dt := v[0].DType
	start, limit, delta := v[0].Float64At(0), v[1].Float64At(0), v[2].Float64At(0)
	if delta == 0 || math.IsNaN(start+limit+delta) {
		return fmt.Errorf("range from %v to %v by %v", start, limit, delta)
	}
	n := math.Max(math.Ceil((limit-start)/delta), 0)
	if n > ir.MaxElems {
		return fmt.Errorf("range from %v to %v by %v has more than 2^%d elements", start, limit, delta, ir.MaxElemsLog2)
	}
	out := tensor.New(dt, int(n))
	for i := 0; i < int(n); i++ {
		switch {
		case dt.IsFloat() && dt.Storage() == tensor.StoreF64:
			out.F64[i] = start + float64(i)*delta
		case dt.IsFloat():
			// float32 accumulation as the reference computes it (start + i*delta in the type)
			out.F32[i] = float32(start) + float32(i)*float32(delta)
		default:
			out.I64[i] = dt.Wrap(v[0].Int64At(0) + int64(i)*v[2].Int64At(0))
		}
	}
	tensor.RoundToType(dt, out.F32)
	c.bindConst(0, out)
	return nil
}

// lowerEyeLike: ones on diagonal k of a 2-D shape like the input's, a
// constant (of dtype, or the input's type).
func lowerEyeLike(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	s := x.Type.Shape
	if len(s) != 2 {
		return fmt.Errorf("input has shape %v, want 2-D", s)
	}
	dt := x.Type.DType
	if c.hasAttr("dtype") {
		code, err := c.attrInt("dtype", 0)
		if err != nil {
			return err
		}
		if dt, err = tensorio.DTypeFromONNX(int32(code)); err != nil {
			return fmt.Errorf("attribute \"dtype\": %w", err)
		}
	}
	k, err := c.attrInt("k", 0)
	if err != nil {
		return err
	}
	out := tensor.New(dt, s...)
	for i := 0; i < s[0]; i++ {
		if j := int64(i) + k; j >= 0 && j < int64(s[1]) {
			switch dt.Storage() {
			case tensor.StoreF32:
				out.F32[i*s[1]+int(j)] = 1
			case tensor.StoreF64:
				out.F64[i*s[1]+int(j)] = 1
			default:
				out.I64[i*s[1]+int(j)] = 1
			}
		}
	}
	c.bindConst(0, out)
	return nil
}
