package frontend

import (
	"errors"
	"fmt"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// nodeCtx is what a lowering function sees of the ONNX node it lowers.
type nodeCtx struct {
	im     *importer
	np     *onnx.NodeProto
	idx    int
	opType string
	name   string
	opset  int64
}

// lowerFunc lowers one ONNX node: it reads inputs and attributes through the
// context, emits IR nodes and binds the ONNX outputs. It returns an
// unsupportedErr for valid ONNX it does not handle.
type lowerFunc func(c *nodeCtx) error

// label is the node's name for messages (its index when unnamed).
func (c *nodeCtx) label() string {
	if c.name != "" {
		return c.name
	}
	return fmt.Sprintf("#%d", c.idx)
}

func (c *nodeCtx) errorf(format string, args ...any) error {
	return fmt.Errorf("frontend: %s: node %q (%s): %s", c.im.file, c.label(), c.opType, fmt.Sprintf(format, args...))
}

// ---- arity ----

// arity checks the ONNX input and output counts (max -1: unbounded).
func (c *nodeCtx) arity(minIn, maxIn, minOut, maxOut int) error {
	nin, nout := len(c.np.GetInput()), len(c.np.GetOutput())
	if nin < minIn || (maxIn >= 0 && nin > maxIn) {
		return fmt.Errorf("has %d inputs, want %s", nin, ir.ArityText(minIn, maxIn))
	}
	if nout < minOut || (maxOut >= 0 && nout > maxOut) {
		return fmt.Errorf("has %d outputs, want %s", nout, ir.ArityText(minOut, maxOut))
	}
	return nil
}

// ---- inputs ----

func (c *nodeCtx) numInputs() int { return len(c.np.GetInput()) }

// has reports whether optional input i is given (present and named).
func (c *nodeCtx) has(i int) bool { return i < len(c.np.GetInput()) && c.np.GetInput()[i] != "" }

// input returns required input i.
func (c *nodeCtx) input(i int) (*ir.Value, error) {
	if !c.has(i) {
		return nil, fmt.Errorf("required input %d is missing", i)
	}
	name := c.np.GetInput()[i]
	v, ok := c.im.vals[name]
	if !ok {
		return nil, fmt.Errorf("input %d (%q) is not defined by any earlier node, graph input or initializer", i, name)
	}
	return v, nil
}

// soleInput checks that the node has exactly one input and one output and
// returns the input: the opening of every unary lowering.
func (c *nodeCtx) soleInput() (*ir.Value, error) {
	if err := c.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	return c.input(0)
}

// optInput returns optional input i, or nil when absent.
func (c *nodeCtx) optInput(i int) (*ir.Value, error) {
	if !c.has(i) {
		return nil, nil
	}
	return c.input(i)
}

// inputs returns all inputs, which must all be given.
func (c *nodeCtx) inputs() ([]*ir.Value, error) {
	out := make([]*ir.Value, c.numInputs())
	for i := range out {
		v, err := c.input(i)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// constInput returns the payload of input i, which must be a constant. When
// it is computed from a graph input, the error is a *NeedsConstantError.
func (c *nodeCtx) constInput(i int, what string) (*tensor.Tensor, error) {
	v, err := c.input(i)
	if err != nil {
		return nil, err
	}
	if v.IsConst() {
		return v.Const, nil
	}
	if in := c.im.runtimeSource(v); in != nil {
		return nil, &NeedsConstantError{Input: in.Name, Node: c.label()}
	}
	return nil, fmt.Errorf("input %d (%s) must be a constant", i, what)
}

// runtimeSource finds a graph input that v is computed from.
func (im *importer) runtimeSource(v *ir.Value) *ir.Value {
	seen := map[*ir.Value]bool{}
	stack := []*ir.Value{v}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v == nil || seen[v] {
			continue
		}
		seen[v] = true
		if im.inputs[v] {
			return v
		}
		if v.Def != nil {
			stack = append(stack, v.Def.Inputs...)
		}
	}
	return nil
}

// constInts reads a constant integer input as ints (shapes, axes, pads).
func (c *nodeCtx) constInts(i int, what string) ([]int, error) {
	t, err := c.constInput(i, what)
	if err != nil {
		return nil, err
	}
	if !t.DType.IsInt() {
		return nil, fmt.Errorf("input %d (%s) has element type %s, want an integer type", i, what, t.DType)
	}
	if t.Rank() > 1 {
		return nil, fmt.Errorf("input %d (%s) has rank %d, want 1", i, what, t.Rank())
	}
	return t.Ints(), nil
}

// ---- outputs ----

// outName returns the ONNX name of output i ("" if absent).
func (c *nodeCtx) outName(i int) string {
	if i < len(c.np.GetOutput()) {
		return c.np.GetOutput()[i]
	}
	return ""
}

// outputUsed reports whether output i exists and something reads it.
func (c *nodeCtx) outputUsed(i int) bool {
	n := c.outName(i)
	return n != "" && c.im.used[n]
}

// bindConst makes ONNX output i the constant t.
func (c *nodeCtx) bindConst(i int, t *tensor.Tensor) {
	name := c.outName(i)
	if name == "" {
		return
	}
	c.im.vals[name] = c.im.g.AddConst(name, t)
}

// emit appends an IR node for the ONNX node, infers its output types and,
// when all its inputs are constants, folds it into constants. outNames holds
// the ONNX name of each output ("" for intermediate values of a multi-node
// lowering); named outputs are bound to the ONNX outputs.
func (c *nodeCtx) emit(op ir.Op, ins []*ir.Value, attrs ir.Attrs, outNames ...string) ([]*ir.Value, error) {
	n := &ir.Node{Op: op, Inputs: ins, Attrs: attrs, Name: c.name, OnnxOp: c.opType}
	for _, name := range outNames {
		v := &ir.Value{Name: name, Def: n}
		n.Outputs = append(n.Outputs, v)
	}
	if err := ir.InferNode(n); err != nil {
		// InferNode prefixes the IR node's origin, which repeats the ONNX
		// node name the caller adds; keep only the IR op for context.
		if inner := errors.Unwrap(err); inner != nil {
			err = fmt.Errorf("%s: %v", op, inner)
		}
		return nil, err
	}
	for i, v := range n.Outputs {
		what := "output"
		if len(n.Outputs) > 1 {
			what = fmt.Sprintf("output %d", i)
		}
		if err := c.im.total.Add(what, v.Type); err != nil {
			return nil, err
		}
	}
	folded, err := c.im.fold(n)
	if err != nil {
		return nil, err
	}
	if !folded {
		c.im.g.Nodes = append(c.im.g.Nodes, n)
	}
	for _, v := range n.Outputs {
		if v.Name != "" {
			c.im.vals[v.Name] = v
		}
	}
	return n.Outputs, nil
}

// emit1 emits a single-output node bound to ONNX output 0.
func (c *nodeCtx) emit1(op ir.Op, ins []*ir.Value, attrs ir.Attrs) (*ir.Value, error) {
	outs, err := c.emit(op, ins, attrs, c.outName(0))
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// emitTemp emits a single-output node whose output is an intermediate value.
func (c *nodeCtx) emitTemp(op ir.Op, ins []*ir.Value, attrs ir.Attrs) (*ir.Value, error) {
	outs, err := c.emit(op, ins, attrs, "")
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// ---- attributes ----

// ONNX AttributeProto.AttributeType numbers (onnx/onnx.proto).
const (
	attrFloat   = 1
	attrInt     = 2
	attrString  = 3
	attrTensor  = 4
	attrGraph   = 5
	attrFloats  = 6
	attrInts    = 7
	attrStrings = 8
)

var attrTypeNames = map[onnx.AttributeProto_AttributeType]string{
	0: "UNDEFINED", 1: "FLOAT", 2: "INT", 3: "STRING", 4: "TENSOR", 5: "GRAPH", 6: "FLOATS",
	7: "INTS", 8: "STRINGS", 9: "TENSORS", 10: "GRAPHS", 11: "SPARSE_TENSOR", 12: "SPARSE_TENSORS",
	13: "TYPE_PROTO", 14: "TYPE_PROTOS",
}

func (c *nodeCtx) attr(name string) *onnx.AttributeProto {
	for _, a := range c.np.GetAttribute() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

func (c *nodeCtx) hasAttr(name string) bool { return c.attr(name) != nil }

// attrOfType returns attribute name when present, checking its type. Old
// models sometimes leave the type UNDEFINED; then the payload field decides.
func (c *nodeCtx) attrOfType(name string, want onnx.AttributeProto_AttributeType) (*onnx.AttributeProto, error) {
	a := c.attr(name)
	if a == nil {
		return nil, nil
	}
	got := a.GetType()
	if got == 0 {
		got = guessAttrType(a)
	}
	if got != want {
		return nil, fmt.Errorf("attribute %q: want %s, got %s", name, attrTypeNames[want], attrTypeName(got))
	}
	return a, nil
}

func attrTypeName(t onnx.AttributeProto_AttributeType) string {
	if s, ok := attrTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type %d", t)
}

func guessAttrType(a *onnx.AttributeProto) onnx.AttributeProto_AttributeType {
	switch {
	case len(a.GetInts()) > 0:
		return attrInts
	case len(a.GetFloats()) > 0:
		return attrFloats
	case len(a.GetStrings()) > 0:
		return attrStrings
	case a.GetT() != nil:
		return attrTensor
	case a.GetG() != nil:
		return attrGraph
	case len(a.GetS()) > 0:
		return attrString
	case a.GetF() != 0:
		return attrFloat
	}
	return attrInt
}

func (c *nodeCtx) attrInt(name string, def int64) (int64, error) {
	a, err := c.attrOfType(name, attrInt)
	if a == nil || err != nil {
		return def, err
	}
	return a.GetI(), nil
}

// axisAttr is the node's "axis" attribute (def when absent) as an axis of
// a tensor of rank r: negative values count from the end; out of range is
// an error naming the attribute.
func (c *nodeCtx) axisAttr(def int64, r int) (int, error) {
	a, err := c.attrInt("axis", def)
	if err != nil {
		return 0, err
	}
	return normAxis(int(a), r, "attribute \"axis\"")
}

func (c *nodeCtx) attrFloat(name string, def float32) (float32, error) {
	a, err := c.attrOfType(name, attrFloat)
	if a == nil || err != nil {
		return def, err
	}
	return a.GetF(), nil
}

func (c *nodeCtx) attrString(name, def string) (string, error) {
	a, err := c.attrOfType(name, attrString)
	if a == nil || err != nil {
		return def, err
	}
	return string(a.GetS()), nil
}

// attrInts returns an ints attribute as []int (nil, false when absent).
func (c *nodeCtx) attrInts(name string) ([]int, bool, error) {
	a, err := c.attrOfType(name, attrInts)
	if a == nil || err != nil {
		return nil, false, err
	}
	out := make([]int, len(a.GetInts()))
	for i, v := range a.GetInts() {
		if v > tensorio.MaxElems || v < -tensorio.MaxElems {
			return nil, false, fmt.Errorf("attribute %q: value %d out of range", name, v)
		}
		out[i] = int(v)
	}
	return out, true, nil
}

// attrIntsLen reads an ints attribute that must have n entries when present.
func (c *nodeCtx) attrIntsLen(name string, n int, def []int) ([]int, error) {
	v, ok, err := c.attrInts(name)
	if err != nil || !ok {
		return def, err
	}
	if len(v) != n {
		return nil, fmt.Errorf("attribute %q: want %d ints, got %d", name, n, len(v))
	}
	return v, nil
}

func (c *nodeCtx) attrFloats(name string) ([]float32, bool, error) {
	a, err := c.attrOfType(name, attrFloats)
	if a == nil || err != nil {
		return nil, false, err
	}
	return a.GetFloats(), true, nil
}

func (c *nodeCtx) attrTensor(name string) (*tensor.Tensor, error) {
	a, err := c.attrOfType(name, attrTensor)
	if a == nil || err != nil {
		return nil, err
	}
	t, err := tensorio.DecodeTensorProto(a.GetT())
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", name, err)
	}
	return t, nil
}

// ---- small helpers for lowerers ----

// normAxis maps an ONNX axis in [-rank, rank) to [0, rank).
func normAxis(axis, rank int, what string) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("%s %d out of range for rank %d", what, axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

// normAxes normalizes, sorts and checks axes for uniqueness.
func normAxes(axes []int, rank int, what string) ([]int, error) {
	out := make([]int, len(axes))
	for i, a := range axes {
		n, err := normAxis(a, rank, what)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j-1] > out[j]; j-- {
			out[j-1], out[j] = out[j], out[j-1]
		}
	}
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("%s %v: axis %d repeated", what, axes, out[i])
		}
	}
	return out, nil
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
