package tensor

import (
	"fmt"
	"math"
)

// MathOp selects an element-wise function of Math: the ONNX math and
// activation functions beyond the activations of Unary (which the
// quantizer and the device know).
type MathOp uint8

// Math functions. Abs, Neg, Sign and Shrink are defined on integers too;
// IsNaN and IsInf give bool; Not takes and gives bool; the others are float
// only. Alpha, Beta and Gamma are the ONNX attributes named in the comment.
const (
	Exp MathOp = iota
	Log
	Sqrt
	Reciprocal
	Erf
	Floor
	Ceil
	Round // half to even
	Sin
	Cos
	Tan
	Asin
	Acos
	Atan
	Sinh
	Cosh
	Asinh
	Acosh
	Atanh
	Softplus        // log(1+exp(x))
	Softsign        // x/(1+|x|)
	Mish            // x*tanh(softplus(x))
	Gelu            // x/2*(1+erf(x/sqrt(2)))
	GeluTanh        // x/2*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3)))
	Elu             // x if x > 0 else Alpha*(exp(x)-1)
	Selu            // Gamma*x if x > 0 else Gamma*Alpha*(exp(x)-1)
	Celu            // max(0,x) + min(0, Alpha*(exp(x/Alpha)-1))
	ThresholdedRelu // x if x > Alpha else 0
	Shrink          // x+Beta if x < -Alpha, x-Beta if x > Alpha, else 0 (Alpha = lambd, Beta = bias)
	Abs
	Neg
	Sign
	IsNaN
	IsInf // Alpha != 0: detect -Inf, Beta != 0: detect +Inf
	Not
	numMathOps
)

var mathNames = [...]string{"exp", "log", "sqrt", "reciprocal", "erf", "floor", "ceil", "round",
	"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
	"softplus", "softsign", "mish", "gelu", "gelu_tanh", "elu", "selu", "celu", "thresholded_relu", "shrink",
	"abs", "neg", "sign", "is_nan", "is_inf", "not"}

func (op MathOp) String() string {
	if int(op) < len(mathNames) {
		return mathNames[op]
	}
	return fmt.Sprintf("mathop(%d)", uint8(op))
}

// MathParams are the function and its attributes.
type MathParams struct {
	Op                 MathOp
	Alpha, Beta, Gamma float64
}

// IntegerOK reports whether op is defined on integer inputs.
func (op MathOp) IntegerOK() bool { return op == Abs || op == Neg || op == Sign || op == Shrink }

// MathResultType is the element type of op applied to x of type dt.
func MathResultType(op MathOp, dt DType) DType {
	if op == IsNaN || op == IsInf {
		return Bool
	}
	return dt
}

// Math computes dst = f(x) element-wise. Float math is done in float64 and
// rounded once to the element type (float32, float16, bfloat16: the
// correctly rounded result whenever the float64 one is, as with NumPy's
// float32 functions up to their last-bit error). Integers: Abs, Neg and
// Sign are exact and wrap like the type (Neg of the minimum stays it);
// Shrink computes in float64 and truncates toward zero, as NumPy's cast does.
// dst may be x itself when the element types agree.
func Math(dst, x *Tensor, p MathParams) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if p.Op >= numMathOps {
		return fmt.Errorf("BUG: unknown math op %d", p.Op)
	}
	dt := x.DType
	switch {
	case p.Op == Not:
		if dt != Bool {
			return fmt.Errorf("not: want a bool input, got %v", x)
		}
	case dt == Bool:
		return fmt.Errorf("%v: not defined on bool", p.Op)
	case !dt.IsFloat() && !p.Op.IntegerOK():
		return fmt.Errorf("%v: want a float input, got %v", p.Op, x)
	}
	if err := checkDst(dst, MathResultType(p.Op, dt), x.Shape); err != nil {
		return fmt.Errorf("%v: %w", p.Op, err)
	}
	f := mathFunc(p)
	switch {
	case p.Op == IsNaN || p.Op == IsInf:
		for i := range dst.I64 {
			dst.I64[i] = boolInt64(f(x.Float64At(i)) != 0)
		}
	case p.Op == Not:
		for i, v := range x.I64 {
			dst.I64[i] = 1 - v
		}
	case dt.Storage() == StoreF32:
		for i, v := range x.F32 {
			dst.F32[i] = float32(f(float64(v)))
		}
		RoundToType(dt, dst.F32)
	case dt.Storage() == StoreF64:
		for i, v := range x.F64 {
			dst.F64[i] = f(v)
		}
	default:
		mathInt(p, dt, dst.I64, x.I64, f)
	}
	return nil
}

func mathInt(p MathParams, dt DType, d, x []int64, f func(float64) float64) {
	unsigned := dt.IsUnsigned()
	for i, v := range x {
		var r int64
		switch p.Op {
		case Abs:
			r = v
			if !unsigned && v < 0 {
				r = -v
			}
		case Neg:
			r = -v
		case Sign:
			switch {
			case v == 0:
				r = 0
			case unsigned || v > 0:
				r = 1
			default:
				r = -1
			}
		case Shrink:
			fv := float64(v)
			if unsigned {
				fv = float64(uint64(v))
			}
			r = truncToInt64(f(fv))
		}
		d[i] = dt.Wrap(r)
	}
}

// truncToInt64 truncates toward zero, saturating out-of-range values (and
// giving 0 for NaN) instead of Go's implementation-defined conversion.
func truncToInt64(v float64) int64 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return int64(v)
}

func boolInt64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// mathFunc returns the float64 function of p.
func mathFunc(p MathParams) func(float64) float64 {
	a, b, g := p.Alpha, p.Beta, p.Gamma
	switch p.Op {
	case Exp:
		return math.Exp
	case Log:
		return math.Log
	case Sqrt:
		return math.Sqrt
	case Reciprocal:
		return func(x float64) float64 { return 1 / x }
	case Erf:
		return math.Erf
	case Floor:
		return math.Floor
	case Ceil:
		return math.Ceil
	case Round:
		return math.RoundToEven
	case Sin:
		return math.Sin
	case Cos:
		return math.Cos
	case Tan:
		return math.Tan
	case Asin:
		return math.Asin
	case Acos:
		return math.Acos
	case Atan:
		return math.Atan
	case Sinh:
		return math.Sinh
	case Cosh:
		return math.Cosh
	case Asinh:
		return math.Asinh
	case Acosh:
		return math.Acosh
	case Atanh:
		return math.Atanh
	case Softplus:
		return softplus
	case Softsign:
		return func(x float64) float64 { return x / (1 + math.Abs(x)) }
	case Mish:
		return func(x float64) float64 { return x * math.Tanh(softplus(x)) }
	case Gelu:
		return func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	case GeluTanh:
		c := math.Sqrt(2 / math.Pi)
		return func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(c*(x+0.044715*x*x*x))) }
	case Elu:
		return func(x float64) float64 {
			if x > 0 {
				return x
			}
			return a * math.Expm1(x)
		}
	case Selu:
		return func(x float64) float64 {
			if x > 0 {
				return g * x
			}
			return g * a * math.Expm1(x)
		}
	case Celu:
		return func(x float64) float64 { return math.Max(0, x) + math.Min(0, a*math.Expm1(x/a)) }
	case ThresholdedRelu:
		return func(x float64) float64 {
			if x > a {
				return x
			}
			return 0
		}
	case Shrink:
		return func(x float64) float64 {
			switch {
			case x < -a:
				return x + b
			case x > a:
				return x - b
			}
			return 0
		}
	case Abs:
		return math.Abs
	case Neg:
		return func(x float64) float64 { return -x }
	case Sign:
		return func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // 0, -0 or NaN
		}
	case IsNaN:
		return func(x float64) float64 { return float64(boolInt64(x != x)) }
	case IsInf:
		return func(x float64) float64 {
			return float64(boolInt64((a != 0 && math.IsInf(x, -1)) || (b != 0 && math.IsInf(x, 1))))
		}
	}
	return func(x float64) float64 { return x } // Not: handled by Math
}

// softplus is log(1+exp(x)) without overflow for large x.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}
