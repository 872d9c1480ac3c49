package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Lowerings of the element-wise ONNX ops of ir/op_math.go: math functions,
// comparisons and logic, Pow, Where, Mean and CastLike.

// onnxMath maps ONNX op types to the IR math op of the same function.
var onnxMath = map[string]tensor.MathOp{
	"Exp": tensor.Exp, "Log": tensor.Log, "Sqrt": tensor.Sqrt, "Reciprocal": tensor.Reciprocal, "Erf": tensor.Erf,
	"Floor": tensor.Floor, "Ceil": tensor.Ceil, "Round": tensor.Round,
	"Sin": tensor.Sin, "Cos": tensor.Cos, "Tan": tensor.Tan, "Asin": tensor.Asin, "Acos": tensor.Acos, "Atan": tensor.Atan,
	"Sinh": tensor.Sinh, "Cosh": tensor.Cosh, "Asinh": tensor.Asinh, "Acosh": tensor.Acosh, "Atanh": tensor.Atanh,
	"Softplus": tensor.Softplus, "Softsign": tensor.Softsign, "Mish": tensor.Mish,
	"Elu": tensor.Elu, "Selu": tensor.Selu, "Celu": tensor.Celu, "ThresholdedRelu": tensor.ThresholdedRelu,
	"Shrink": tensor.Shrink, "Abs": tensor.Abs, "Neg": tensor.Neg, "Sign": tensor.Sign,
	"IsNaN": tensor.IsNaN, "IsInf": tensor.IsInf, "Not": tensor.Not,
}

// onnxCompare maps ONNX comparison and logical op types to IR ops.
var onnxCompare = map[string]tensor.CompareOp{
	"Equal": tensor.CmpEqual, "Less": tensor.CmpLess, "LessOrEqual": tensor.CmpLessOrEqual,
	"Greater": tensor.CmpGreater, "GreaterOrEqual": tensor.CmpGreaterOrEqual,
	"And": tensor.And, "Or": tensor.Or, "Xor": tensor.Xor,
}

// addElementwiseLowerers adds the lowerings of this file to m.
func addElementwiseLowerers(m map[string]lowerFunc) {
	for name, fn := range onnxMath {
		m[name] = lowerMath(ir.Op(fn.String()))
	}
	m["Gelu"] = lowerGelu
	for name, fn := range onnxCompare {
		// Before opset 7 these had Add's opt-in broadcast attributes.
		m[name] = lowerBinary(ir.Op(fn.String()))
	}
	m["Pow"] = lowerBinary(ir.OpPow)
	m["Where"] = lowerWhere
	m["Mean"] = lowerMean
	m["CastLike"] = lowerCastLike
}

// lowerMath lowers a one-input op, copying the attributes the IR op knows
// (with ONNX's defaults; IsInf's are ints in ONNX, floats in the IR).
func lowerMath(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		x, err := c.soleInput()
		if err != nil {
			return err
		}
		s := ir.MathSpecOf(op)
		attrs := ir.Attrs{}
		for i, name := range s.Attrs {
			if name == "" {
				continue
			}
			var v float32
			if s.Fn == tensor.IsInf {
				iv, err := c.attrInt(name, int64(s.Defaults[i]))
				if err != nil {
					return err
				}
				v = float32(iv)
			} else if v, err = c.attrFloat(name, s.Defaults[i]); err != nil {
				return err
			}
			attrs[name] = ir.FloatAttr(v)
		}
		_, err = c.emit1(op, []*ir.Value{x}, attrs)
		return err
	}
}

// lowerGelu: Gelu (opset 20) is exact (erf) or, with approximate="tanh",
// the tanh approximation.
func lowerGelu(c *nodeCtx) error {
	approx, err := c.attrString("approximate", "none")
	if err != nil {
		return err
	}
	switch approx {
	case "none":
		return lowerMath(ir.Op(tensor.Gelu.String()))(c)
	case "tanh":
		return lowerMath(ir.Op(tensor.GeluTanh.String()))(c)
	}
	return fmt.Errorf("attribute \"approximate\" is %q, want \"none\" or \"tanh\"", approx)
}

func lowerWhere(c *nodeCtx) error {
	if err := c.arity(3, 3, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpWhere, ins, nil)
	return err
}

// lowerMean lowers Mean as sum / n (float inputs, as ONNX requires).
func lowerMean(c *nodeCtx) error {
	if err := c.arity(1, -1, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	dt := ins[0].Type.DType
	if !dt.IsFloat() {
		return fmt.Errorf("input 0 has element type %s, want a float type", dt)
	}
	if len(ins) == 1 {
		_, err = c.emit1(ir.OpIdentity, ins, nil)
		return err
	}
	sum, err := c.emitTemp(ir.OpSum, ins, nil)
	if err != nil {
		return err
	}
	n := tensor.New(dt)
	if dt == tensor.Float64 {
		n.F64[0] = float64(len(ins))
	} else {
		n.F32[0] = float32(len(ins))
	}
	_, err = c.emit1(ir.OpDiv, []*ir.Value{sum, c.im.g.AddConst(c.outName(0)+"/count", n)}, nil)
	return err
}

// lowerCastLike casts input 0 to the element type of input 1, as Cast does.
func lowerCastLike(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	like, err := c.input(1)
	if err != nil {
		return err
	}
	return c.emitCast(x, like.Type.DType)
}
