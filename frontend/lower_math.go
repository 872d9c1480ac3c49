package frontend

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

func lowerGemm(c *nodeCtx) error {
	if err := c.arity(2, 3, 1, 1); err != nil {
		return err
	}
	ins := make([]*ir.Value, 0, 3)
	for i := 0; i < 3; i++ {
		v, err := c.optInput(i)
		if err != nil {
			return err
		}
		if v == nil && i < 2 {
			return fmt.Errorf("required input %d is missing", i)
		}
		if v != nil {
			ins = append(ins, v)
		}
	}
	alpha, err := c.attrFloat("alpha", 1)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 1)
	if err != nil {
		return err
	}
	ta, err := c.attrInt("transA", 0)
	if err != nil {
		return err
	}
	tb, err := c.attrInt("transB", 0)
	if err != nil {
		return err
	}
	// The "broadcast" attribute of Gemm < 7 only allowed what NumPy
	// broadcasting of C allows anyway.
	_, err = c.emit1(ir.OpGemm, ins, ir.Attrs{
		"alpha": ir.FloatAttr(alpha), "beta": ir.FloatAttr(beta),
		"trans_a": ir.IntAttr(boolInt(ta != 0)), "trans_b": ir.IntAttr(boolInt(tb != 0)),
	})
	return err
}

func lowerMatMul(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpMatMul, ins, nil)
	return err
}

// lowerBinary lowers Add/Sub/Mul/Div. Before opset 7 broadcasting was
// opt-in (broadcast=1) and B's dims could align with A's at "axis" instead of
// at the end; that case is rewritten to NumPy broadcasting by reshaping B to
// B's dims followed by trailing 1s.
func lowerBinary(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		if err := c.arity(2, 2, 1, 1); err != nil {
			return err
		}
		a, err := c.input(0)
		if err != nil {
			return err
		}
		b, err := c.input(1)
		if err != nil {
			return err
		}
		if c.opset < 7 {
			bc, err := c.attrInt("broadcast", 0)
			if err != nil {
				return err
			}
			axis, err := c.attrInt("axis", math.MinInt64)
			if err != nil {
				return err
			}
			ra, rb := len(a.Type.Shape), len(b.Type.Shape)
			if bc != 0 && axis != math.MinInt64 {
				ax, err := normAxis(int(axis), ra, "attribute \"axis\"")
				if err != nil {
					return err
				}
				if ax+rb > ra {
					return fmt.Errorf("attribute \"axis\" %d: B %v does not fit A %v there", axis, b.Type.Shape, a.Type.Shape)
				}
				if trailing := ra - ax - rb; trailing > 0 {
					shape := append([]int{}, b.Type.Shape...)
					for i := 0; i < trailing; i++ {
						shape = append(shape, 1)
					}
					if b, err = c.emitTemp(ir.OpReshape, []*ir.Value{b}, ir.Attrs{"shape": ir.IntsFromInts(shape)}); err != nil {
						return err
					}
				}
			}
		}
		_, err = c.emit1(op, []*ir.Value{a, b}, nil)
		return err
	}
}

func lowerLeakyRelu(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	alpha, err := c.attrFloat("alpha", 0.01)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpLeakyRelu, []*ir.Value{x}, ir.Attrs{"alpha": ir.FloatAttr(alpha)})
	return err
}

func lowerHardSigmoid(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	alpha, err := c.attrFloat("alpha", 0.2)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 0.5)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpHardSigmoid, []*ir.Value{x}, ir.Attrs{"alpha": ir.FloatAttr(alpha), "beta": ir.FloatAttr(beta)})
	return err
}

// lowerPRelu: from opset 7 the slope broadcasts to X NumPy-style. Before,
// a 1-D slope of C values was per channel (PyTorch 0.3 exports rely on it);
// it is reshaped to [C, 1, ...] so NumPy broadcasting applies it to axis 1.
func lowerPRelu(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	s, err := c.input(1)
	if err != nil {
		return err
	}
	xs, ss := x.Type.Shape, s.Type.Shape
	if c.opset < 7 && len(ss) == 1 && len(xs) >= 3 && ss[0] == xs[1] && ss[0] != 1 {
		shape := []int{ss[0]}
		for range xs[2:] {
			shape = append(shape, 1)
		}
		if s, err = c.emitTemp(ir.OpReshape, []*ir.Value{s}, ir.Attrs{"shape": ir.IntsFromInts(shape)}); err != nil {
			return err
		}
	}
	_, err = c.emit1(ir.OpPRelu, []*ir.Value{x, s}, nil)
	return err
}

// lowerClip: bounds are attributes before opset 11 and optional constant
// inputs from 11 on (also for integer tensors). Absent bounds stay absent.
func lowerClip(c *nodeCtx) error {
	attrs := ir.Attrs{}
	if c.opset < 11 {
		if err := c.arity(1, 1, 1, 1); err != nil {
			return err
		}
		for _, name := range []string{"min", "max"} {
			v, err := c.attrFloat(name, 0)
			if err != nil {
				return err
			}
			if c.hasAttr(name) && !math.IsInf(float64(v), 0) {
				attrs[name] = ir.FloatAttr(v)
			}
		}
	} else {
		if err := c.arity(1, 3, 1, 1); err != nil {
			return err
		}
		for i, name := range []string{"", "min", "max"} {
			if i == 0 || !c.has(i) {
				continue
			}
			t, err := c.constInput(i, name)
			if err != nil {
				return err
			}
			if t.Len() != 1 {
				return fmt.Errorf("input %d (%s) has %d elements, want a scalar", i, name, t.Len())
			}
			attrs[name] = ir.FloatAttr(float32(t.Float64At(0)))
		}
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpClip, []*ir.Value{x}, attrs)
	return err
}

// lowerSoftmax (Softmax, LogSoftmax, Hardmax): from opset 13 the op works
// along one axis (default -1).
// Before, it coerced the input to 2-D at axis (default 1) and normalized
// over everything from axis on; unless axis is the last one that is lowered
// to reshape -> softmax(axis 1) -> reshape.
func lowerSoftmax(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		x, err := c.soleInput()
		if err != nil {
			return err
		}
		r := len(x.Type.Shape)
		def := int64(-1)
		if c.opset < 13 {
			def = 1
		}
		axis, err := c.axisAttr(def, r)
		if err != nil {
			return err
		}
		if c.opset >= 13 || axis == r-1 {
			_, err = c.emit1(op, []*ir.Value{x}, ir.Attrs{"axis": ir.IntAttr(int64(axis))})
			return err
		}
		flat := []int{tensor.NumElems(x.Type.Shape[:axis]), tensor.NumElems(x.Type.Shape[axis:])}
		v, err := c.emitTemp(ir.OpReshape, []*ir.Value{x}, ir.Attrs{"shape": ir.IntsFromInts(flat)})
		if err != nil {
			return err
		}
		if v, err = c.emitTemp(op, []*ir.Value{v}, ir.Attrs{"axis": ir.IntAttr(1)}); err != nil {
			return err
		}
		_, err = c.emit1(ir.OpReshape, []*ir.Value{v}, ir.Attrs{"shape": ir.IntsFromInts(x.Type.Shape)})
		return err
	}
}
