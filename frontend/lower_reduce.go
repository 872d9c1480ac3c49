package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Lowerings of the ONNX Reduce* family and of ArgMax/ArgMin.

var onnxReduce = map[string]tensor.ReduceOp{
	"ReduceSum": tensor.ReduceSum, "ReduceMax": tensor.ReduceMax, "ReduceMin": tensor.ReduceMin,
	"ReduceProd": tensor.ReduceProd, "ReduceL1": tensor.ReduceL1, "ReduceL2": tensor.ReduceL2,
	"ReduceLogSum": tensor.ReduceLogSum, "ReduceLogSumExp": tensor.ReduceLogSumExp,
	"ReduceSumSquare": tensor.ReduceSumSquare,
}

func addReduceLowerers(m map[string]lowerFunc) {
	for name, fn := range onnxReduce {
		m[name] = lowerReduce(ir.Op(fn.String()))
	}
	m["ArgMax"] = lowerArg(ir.OpArgMax)
	m["ArgMin"] = lowerArg(ir.OpArgMin)
}

// lowerReduce: axes are an attribute until ReduceSum-13 and the others' 18,
// then an optional constant input; no axes means all of them, or with
// noop_with_empty_axes (from the same opsets) an identity.
func lowerReduce(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		if err := c.arity(1, 2, 1, 1); err != nil {
			return err
		}
		x, err := c.input(0)
		if err != nil {
			return err
		}
		axesInput := int64(18)
		if c.opType == "ReduceSum" {
			axesInput = 13
		}
		var axes []int
		if c.opset < axesInput {
			if c.numInputs() > 1 {
				return fmt.Errorf("has %d inputs, want 1 before opset %d", c.numInputs(), axesInput)
			}
			if axes, _, err = c.attrInts("axes"); err != nil {
				return err
			}
		} else if c.has(1) {
			if axes, err = c.constInts(1, "axes"); err != nil {
				return err
			}
		}
		keep, err := c.attrInt("keepdims", 1)
		if err != nil {
			return err
		}
		noop, err := c.attrInt("noop_with_empty_axes", 0)
		if err != nil {
			return err
		}
		if len(axes) == 0 && noop != 0 {
			_, err = c.emit1(ir.OpIdentity, []*ir.Value{x}, nil)
			return err
		}
		if axes, err = normAxes(axes, len(x.Type.Shape), "axes"); err != nil {
			return err
		}
		attrs := ir.Attrs{"keepdims": ir.IntAttr(boolInt(keep != 0))}
		if len(axes) > 0 {
			attrs["axes"] = ir.IntsFromInts(axes)
		}
		_, err = c.emit1(op, []*ir.Value{x}, attrs)
		return err
	}
}

func lowerArg(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		x, err := c.soleInput()
		if err != nil {
			return err
		}
		axis, err := c.axisAttr(0, len(x.Type.Shape))
		if err != nil {
			return err
		}
		keep, err := c.attrInt("keepdims", 1)
		if err != nil {
			return err
		}
		last, err := c.attrInt("select_last_index", 0)
		if err != nil {
			return err
		}
		_, err = c.emit1(op, []*ir.Value{x}, ir.Attrs{"axis": ir.IntAttr(int64(axis)),
			"keepdims": ir.IntAttr(boolInt(keep != 0)), "select_last_index": ir.IntAttr(boolInt(last != 0))})
		return err
	}
}
