package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// The element-wise math, comparison and selection ops of ONNX beyond the
// activations the quantizer knows (op.go). They are float ops of the
// import and canonical stages; in a quantized graph they stay host ops.
// Each op's name is the name of its tensor-level function, so the table
// below is the one link between the IR and the kernels.

// MathSpec is one unary math op: its tensor function and its attributes
// with their ONNX defaults.
type MathSpec struct {
	Op       Op
	Fn       tensor.MathOp
	Summary  string
	Attrs    []string  // float attributes, read into Alpha, Beta, Gamma in order
	Defaults []float32 // their defaults
}

// Default values of the SELU constants (ONNX's float32 values).
const (
	SeluAlpha = 1.67326319217681884765625
	SeluGamma = 1.05070102214813232421875
)

var mathSpecs = []MathSpec{
	{Fn: tensor.Exp, Summary: "exp(x)"},
	{Fn: tensor.Log, Summary: "natural logarithm"},
	{Fn: tensor.Sqrt, Summary: "square root"},
	{Fn: tensor.Reciprocal, Summary: "1/x"},
	{Fn: tensor.Erf, Summary: "error function"},
	{Fn: tensor.Floor, Summary: "round down"},
	{Fn: tensor.Ceil, Summary: "round up"},
	{Fn: tensor.Round, Summary: "round half to even"},
	{Fn: tensor.Sin, Summary: "sine"}, {Fn: tensor.Cos, Summary: "cosine"}, {Fn: tensor.Tan, Summary: "tangent"},
	{Fn: tensor.Asin, Summary: "arcsine"}, {Fn: tensor.Acos, Summary: "arccosine"}, {Fn: tensor.Atan, Summary: "arctangent"},
	{Fn: tensor.Sinh, Summary: "hyperbolic sine"}, {Fn: tensor.Cosh, Summary: "hyperbolic cosine"},
	{Fn: tensor.Asinh, Summary: "inverse hyperbolic sine"}, {Fn: tensor.Acosh, Summary: "inverse hyperbolic cosine"},
	{Fn: tensor.Atanh, Summary: "inverse hyperbolic tangent"},
	{Fn: tensor.Softplus, Summary: "log(1+exp(x))"},
	{Fn: tensor.Softsign, Summary: "x/(1+|x|)"},
	{Fn: tensor.Mish, Summary: "x*tanh(softplus(x))"},
	{Fn: tensor.Gelu, Summary: "x/2*(1+erf(x/sqrt 2))"},
	{Fn: tensor.GeluTanh, Summary: "GELU, tanh approximation"},
	{Fn: tensor.Elu, Summary: "x if x>0 else alpha*(exp(x)-1)", Attrs: []string{"alpha"}, Defaults: []float32{1}},
	{Fn: tensor.Selu, Summary: "gamma*(x if x>0 else alpha*(exp(x)-1))", Attrs: []string{"alpha", "", "gamma"}, Defaults: []float32{SeluAlpha, 0, SeluGamma}},
	{Fn: tensor.Celu, Summary: "max(0,x)+min(0,alpha*(exp(x/alpha)-1))", Attrs: []string{"alpha"}, Defaults: []float32{1}},
	{Fn: tensor.ThresholdedRelu, Summary: "x if x>alpha else 0", Attrs: []string{"alpha"}, Defaults: []float32{1}},
	{Fn: tensor.Shrink, Summary: "x+bias if x<-lambd, x-bias if x>lambd, else 0", Attrs: []string{"lambd", "bias"}, Defaults: []float32{0.5, 0}},
	{Fn: tensor.Abs, Summary: "|x| (integers too)"},
	{Fn: tensor.Neg, Summary: "-x (integers too)"},
	{Fn: tensor.Sign, Summary: "-1, 0 or 1 (integers too)"},
	{Fn: tensor.IsNaN, Summary: "x is NaN (bool)"},
	{Fn: tensor.IsInf, Summary: "x is an infinity of a detected sign (bool)", Attrs: []string{"detect_negative", "detect_positive"}, Defaults: []float32{1, 1}},
	{Fn: tensor.Not, Summary: "logical not (bool)"},
}

// MathSpecOf returns the spec of a unary math op, or nil.
func MathSpecOf(op Op) *MathSpec {
	for i := range mathSpecs {
		if mathSpecs[i].Op == op {
			return &mathSpecs[i]
		}
	}
	return nil
}

// Params reads the node's attributes into the tensor parameters.
func (s *MathSpec) Params(n *Node) tensor.MathParams {
	p := tensor.MathParams{Op: s.Fn}
	dst := []*float64{&p.Alpha, &p.Beta, &p.Gamma}
	for i, name := range s.Attrs {
		if name != "" {
			*dst[i] = float64(n.Float(name, s.Defaults[i]))
		}
	}
	return p
}

// FuncSpec is one op of a table-driven family whose ops differ only by the
// tensor function they apply (comparisons, reductions): its IR name (set at
// registration from the function's name), the function and a summary.
type FuncSpec[F any] struct {
	Op      Op
	Fn      F
	Summary string
}

// specOf returns the spec of op in specs, or nil.
func specOf[F any](specs []FuncSpec[F], op Op) *FuncSpec[F] {
	for i := range specs {
		if specs[i].Op == op {
			return &specs[i]
		}
	}
	return nil
}

// CompareSpec is one comparison or logical op.
type CompareSpec = FuncSpec[tensor.CompareOp]

var compareSpecs = []CompareSpec{
	{Fn: tensor.CmpEqual, Summary: "a == b (bool)"},
	{Fn: tensor.CmpLess, Summary: "a < b (bool)"},
	{Fn: tensor.CmpLessOrEqual, Summary: "a <= b (bool)"},
	{Fn: tensor.CmpGreater, Summary: "a > b (bool)"},
	{Fn: tensor.CmpGreaterOrEqual, Summary: "a >= b (bool)"},
	{Fn: tensor.And, Summary: "logical and of bools"},
	{Fn: tensor.Or, Summary: "logical or of bools"},
	{Fn: tensor.Xor, Summary: "logical xor of bools"},
}

// CompareSpecOf returns the spec of a comparison or logical op, or nil.
func CompareSpecOf(op Op) *CompareSpec { return specOf(compareSpecs, op) }

// Ops with a fixed name beyond the tables.
const (
	OpPow   Op = "pow"   // (x, y): x^y, y of any numeric type; result has x's type
	OpWhere Op = "where" // (cond, x, y): x where cond else y, all broadcast
)

func registerMathOps() {
	for i := range mathSpecs {
		s := &mathSpecs[i]
		s.Op = Op(s.Fn.String())
		var attrs []AttrSpec
		for k, name := range s.Attrs {
			if name != "" {
				attrs = append(attrs, AttrSpec{Name: name, Kind: AttrFloat, Doc: fmt.Sprintf("default %g", s.Defaults[k])})
			}
		}
		Register(&OpInfo{Op: s.Op, Summary: s.Summary, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: attrs, Infer: inferMath, LastStage: StageCanonical})
	}
	for i := range compareSpecs {
		s := &compareSpecs[i]
		s.Op = Op(s.Fn.String())
		Register(&OpInfo{Op: s.Op, Summary: s.Summary, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferCompare, LastStage: StageCanonical})
	}
	Register(&OpInfo{Op: OpPow, Summary: "x^y with broadcasting (y of any numeric type)", MinInputs: 2, MaxInputs: 2,
		MinOutputs: 1, MaxOutputs: 1, Infer: inferPow, LastStage: StageCanonical})
	Register(&OpInfo{Op: OpWhere, Summary: "x where cond else y, broadcasting all three", MinInputs: 3, MaxInputs: 3,
		MinOutputs: 1, MaxOutputs: 1, Infer: inferWhere, LastStage: StageCanonical})
}

func inferMath(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	s := MathSpecOf(n.Op)
	switch {
	case s.Fn == tensor.Not:
		if x.DType != tensor.Bool {
			return nil, fmt.Errorf("input has element type %s, want bool", x.DType)
		}
	case x.DType == tensor.Bool || (!x.DType.IsFloat() && !s.Fn.IntegerOK()):
		if err := wantFloat("input", x); err != nil {
			return nil, err
		}
	}
	return one(typ(tensor.MathResultType(s.Fn, x.DType), slices.Clone(x.Shape))), nil
}

func inferCompare(n *Node) ([]Type, error) {
	a, b, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if err := sameDType(a, b, "input 1"); err != nil {
		return nil, err
	}
	s := CompareSpecOf(n.Op)
	switch {
	case s.Fn.Logical() && a.DType != tensor.Bool:
		return nil, fmt.Errorf("inputs have element type %s, want bool", a.DType)
	case !s.Fn.Logical() && s.Fn != tensor.CmpEqual && a.DType == tensor.Bool:
		return nil, fmt.Errorf("inputs are bool, want numbers")
	}
	shape, err := BroadcastShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return one(typ(tensor.Bool, shape)), nil
}

func inferPow(n *Node) ([]Type, error) {
	a, b, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if a.DType == tensor.Bool || b.DType == tensor.Bool {
		return nil, fmt.Errorf("pow is not defined on bool")
	}
	shape, err := BroadcastShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return one(typ(a.DType, shape)), nil
}

func inferWhere(n *Node) ([]Type, error) {
	c, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if c.DType != tensor.Bool {
		return nil, fmt.Errorf("condition has element type %s, want bool", c.DType)
	}
	x, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	y, err := in(n, 2)
	if err != nil {
		return nil, err
	}
	if err := sameDType(x, y, "input 2"); err != nil {
		return nil, err
	}
	shape, err := tensor.BroadcastShape(c.Shape, x.Shape, y.Shape)
	if err != nil {
		return nil, err
	}
	return one(typ(x.DType, shape)), nil
}
