package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Type is the static type of a value: element type and fully known shape.
// Dynamic dimensions are pinned at import time (batch 1 unless the user says
// otherwise), so every shape in the IR is concrete.
type Type struct {
	DType tensor.DType
	Shape []int
}

func (t Type) String() string { return t.DType.String() + tensor.ShapeString(t.Shape) }

// Equal reports whether two types are identical.
func (t Type) Equal(u Type) bool { return t.DType == u.DType && tensor.SameShape(t.Shape, u.Shape) }

// NumElems is the number of elements of a value of this type.
func (t Type) NumElems() int { return tensor.NumElems(t.Shape) }

// Value is an SSA value: a graph input, a constant, or the output of one node.
type Value struct {
	// Name is the ONNX tensor name, or "" for values made by passes; the
	// printer numbers anonymous values.
	Name string
	Type Type
	// Const is the payload of a constant value (ONNX initializer, Constant
	// node or folded subgraph); nil otherwise. Passes that change weights
	// create new constant values rather than mutating a shared payload.
	Const *tensor.Tensor
	// Def is the node producing the value; nil for graph inputs and constants.
	Def *Node
	// Quant describes how the integers of a quantized value map to reals;
	// nil for float values. Set by the quantize pass.
	Quant *QuantParams
	// DynamicBatch marks a graph input whose dimension 0 was symbolic or
	// unknown in the ONNX model and got pinned (to Type.Shape[0], 1 unless
	// the user gave a shape): the model takes any multiple of it, so
	// commands may split a larger input into a batch of inferences. It is
	// printed as "batch=dynamic" on the input line and kept through passes
	// and in a compiled program's host graph. False for every other value.
	DynamicBatch bool
}

// IsConst reports whether v is a constant.
func (v *Value) IsConst() bool { return v != nil && v.Const != nil }

// QuantParams records the affine map real = Scale * (q - ZeroPoint) of a
// quantized value, per tensor or per channel along Axis.
type QuantParams struct {
	Bits      int
	Signed    bool
	Axis      int       // -1 for per-tensor
	Scale     []float32 // one per channel, or one
	ZeroPoint []int32
}

// Node is one operation. Inputs may contain nil for an omitted optional input.
type Node struct {
	Op      Op
	Inputs  []*Value
	Outputs []*Value
	Attrs   Attrs
	// Name is the ONNX node name this node comes from (kept through passes,
	// so costs can be reported per ONNX node); OnnxOp is its ONNX op type.
	Name   string
	OnnxOp string
}

// Input returns input i, or nil if it is absent.
func (n *Node) Input(i int) *Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// Origin names the node for diagnostics: `conv "Conv_4"`.
func (n *Node) Origin() string {
	if n.Name != "" {
		return fmt.Sprintf("%s %q", n.Op, n.Name)
	}
	return string(n.Op)
}

// Int returns integer attribute name, or def when absent.
func (n *Node) Int(name string, def int64) int64 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrInt {
		return a.Int
	}
	return def
}

// Ints returns an ints attribute as []int, or def when absent.
func (n *Node) Ints(name string, def []int) []int {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrInts {
		out := make([]int, len(a.Ints))
		for i, v := range a.Ints {
			out[i] = int(v)
		}
		return out
	}
	return def
}

// Float returns a float attribute, or def when absent.
func (n *Node) Float(name string, def float32) float32 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrFloat {
		return a.Float
	}
	return def
}

// Floats returns a floats attribute, or def when absent.
func (n *Node) Floats(name string, def []float32) []float32 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrFloats {
		return a.Floats
	}
	return def
}

// Str returns a string attribute, or def when absent.
func (n *Node) Str(name string, def string) string {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrString {
		return a.Str
	}
	return def
}

// SetAttr sets an attribute, creating the map if needed.
func (n *Node) SetAttr(name string, a Attr) {
	if n.Attrs == nil {
		n.Attrs = Attrs{}
	}
	n.Attrs[name] = a
}

// Stage is how far lowering has gone; each stage narrows the legal ops.
type Stage uint8

// Stages, in pipeline order.
const (
	StageImport    Stage = iota // straight from ONNX
	StageCanonical              // float, canonicalized (BN folded, fc ops, no identity)
	StageQuantized              // integer arithmetic with QuantParams
	StageMapped                 // matrix ops assigned to sub-arrays
)

var stageNames = [...]string{"import", "canonical", "quantized", "mapped"}

func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("stage(%d)", uint8(s))
}

// ParseStage is the inverse of Stage.String.
func ParseStage(s string) (Stage, error) {
	for i, n := range stageNames {
		if n == s {
			return Stage(i), nil
		}
	}
	return 0, fmt.Errorf("unknown stage %q (want import, canonical, quantized or mapped)", s)
}

// Graph is a whole model: a CNN has no control flow, so one node list in
// topological order is enough.
type Graph struct {
	Name    string
	Stage   Stage
	Inputs  []*Value // runtime inputs, in ONNX order
	Outputs []*Value // in ONNX order
	Consts  []*Value // constants, in first-use order
	Nodes   []*Node  // topological order
	// Producer and Opset record where the model came from (informational).
	Producer string
	Opset    int64
	// Metadata holds the ONNX model's metadata_props (key -> value); pimc
	// records compression facts here, e.g. "pimc.quant" (docs/ADMM.md),
	// which the quantize pass honours. nil when there are none.
	Metadata map[string]string
}

// AddConst appends a new constant value holding t and returns it.
func (g *Graph) AddConst(name string, t *tensor.Tensor) *Value {
	v := &Value{Name: name, Type: Type{DType: t.DType, Shape: append([]int{}, t.Shape...)}, Const: t}
	g.Consts = append(g.Consts, v)
	return v
}

// Uses returns, for every value, the nodes that read it (in node order, a
// node listed once per operand position it uses the value in).
func (g *Graph) Uses() map[*Value][]*Node {
	uses := make(map[*Value][]*Node)
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil {
				uses[in] = append(uses[in], n)
			}
		}
	}
	return uses
}

// ReplaceAllUses makes every node input and graph output that refers to old
// refer to new instead.
func (g *Graph) ReplaceAllUses(old, new *Value) {
	for _, n := range g.Nodes {
		for i, in := range n.Inputs {
			if in == old {
				n.Inputs[i] = new
			}
		}
	}
	for i, out := range g.Outputs {
		if out == old {
			g.Outputs[i] = new
		}
	}
}

// IsOutput reports whether v is a graph output.
func (g *Graph) IsOutput(v *Value) bool {
	for _, o := range g.Outputs {
		if o == v {
			return true
		}
	}
	return false
}
