package ir

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Diagnostic is one problem Verify found. Node is nil for problems that
// belong to the graph (its inputs, constants or outputs).
type Diagnostic struct {
	Node *Node
	// Origin says where: `conv "Conv_4" (node 3)`, `const %w`, `graph output 0`.
	Origin string
	Msg    string
}

func (d Diagnostic) String() string { return d.Origin + ": " + d.Msg }

// VerifyError lists every problem of a graph, in graph order.
type VerifyError struct {
	Graph       string
	Diagnostics []Diagnostic
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ir: graph %q fails verification (%d problem", e.Graph, len(e.Diagnostics))
	if len(e.Diagnostics) != 1 {
		b.WriteByte('s')
	}
	b.WriteString("):")
	for _, d := range e.Diagnostics {
		b.WriteString("\n\t")
		b.WriteString(d.String())
	}
	return b.String()
}

// GraphCheck is an extra verifier rule for a later stage (the backend adds
// the mapping rules: tiles inside their matrix and sub-array, no sub-array
// used twice). It reports problems through report and must not panic.
type GraphCheck func(g *Graph, report func(n *Node, format string, args ...any))

var (
	checksMu sync.Mutex
	checks   []namedCheck
)

type namedCheck struct {
	name string
	fn   GraphCheck
}

// RegisterCheck adds a rule that Verify runs after its own checks, on graphs
// that are structurally sound. name appears in diagnostics if the rule
// panics. Call it from an init function.
func RegisterCheck(name string, fn GraphCheck) {
	checksMu.Lock()
	defer checksMu.Unlock()
	checks = append(checks, namedCheck{name, fn})
}

// Verify checks every invariant of g and returns nil or a *VerifyError
// listing all problems at once: structure (topological order, values
// defined once and before use, graph outputs defined, no nil where a value
// is required), op schema (known op, arity, attribute names, kinds and
// presence), stage legality, types (re-running shape inference and
// comparing with the recorded types), constants (payload length, storage
// field and integer range against the type) and quantization parameters.
// Verify never panics, whatever the graph.
func Verify(g *Graph) error {
	if g == nil {
		return &VerifyError{Diagnostics: []Diagnostic{{Origin: "graph", Msg: "nil graph"}}}
	}
	v := &verifier{g: g, def: map[*Value]string{}, defIndex: map[*Value]int{}, names: handles(g), badType: map[*Value]bool{}}
	v.run()
	if len(v.diags) == 0 {
		return nil
	}
	return &VerifyError{Graph: g.Name, Diagnostics: v.diags}
}

type verifier struct {
	g     *Graph
	diags []Diagnostic
	// def records where each value is defined ("graph input 0", "const 3",
	// "output 0 of conv ..."); defIndex the defining node's index, or -1
	// for graph inputs and constants.
	def      map[*Value]string
	defIndex map[*Value]int
	broken   bool // structural problems: skip the registered checks
	names    *printer
	badType  map[*Value]bool // recorded type known wrong or unchecked
}

func (v *verifier) add(n *Node, origin, format string, args ...any) {
	v.diags = append(v.diags, Diagnostic{Node: n, Origin: origin, Msg: fmt.Sprintf(format, args...)})
}

// nodeOrigin names node i: `conv "Conv_4" (node 3)`, with its ONNX op type
// when known.
func nodeOrigin(n *Node, i int) string {
	s := fmt.Sprintf("%s (node %d)", n.Origin(), i)
	if n.OnnxOp != "" {
		s = fmt.Sprintf("%s (node %d, ONNX %s)", n.Origin(), i, n.OnnxOp)
	}
	return s
}

// handles numbers the values of g exactly as Print does, so diagnostics
// name anonymous values the way a dump of the graph shows them (%3).
func handles(g *Graph) *printer {
	p := &printer{handles: map[*Value]string{}, annotate: map[*Value]bool{}, usedNames: map[string]bool{}}
	for _, v := range g.Inputs {
		p.handle(v)
	}
	for _, v := range g.Consts {
		p.handle(v)
	}
	for _, n := range g.Nodes {
		if n == nil {
			continue
		}
		for _, v := range n.Outputs {
			p.handle(v)
		}
		for _, v := range n.Inputs {
			p.handle(v)
		}
	}
	return p
}

// valueName names a value in messages as Print refers to it.
func (v *verifier) valueName(x *Value) string {
	if x == nil {
		return "<nil>"
	}
	return v.names.handle(x)
}

func (v *verifier) run() {
	g := v.g
	// Definitions: graph inputs and constants are defined before any node.
	for i, x := range g.Inputs {
		origin := fmt.Sprintf("graph input %d", i)
		if x == nil {
			v.add(nil, origin, "is nil")
			v.broken = true
			continue
		}
		origin = fmt.Sprintf("graph input %d %s", i, v.valueName(x))
		v.define(x, nil, origin, -1)
		if x.Const != nil {
			v.add(nil, origin, "has a constant payload; constants belong in Graph.Consts")
		}
		if x.Def != nil {
			v.add(nil, origin, "has a defining node (%s)", x.Def.Origin())
		}
		v.checkType(nil, origin, x)
		v.checkQuant(nil, origin, x)
	}
	for i, x := range g.Consts {
		origin := fmt.Sprintf("const %d", i)
		if x == nil {
			v.add(nil, origin, "is nil")
			v.broken = true
			continue
		}
		origin = "const " + v.valueName(x)
		v.define(x, nil, origin, -1)
		if x.Def != nil {
			v.add(nil, origin, "has a defining node (%s)", x.Def.Origin())
		}
		v.checkType(nil, origin, x)
		v.checkConst(origin, x)
		v.checkQuant(nil, origin, x)
	}
	// Node outputs are defined by their node; record them all first so a
	// use before the definition can be told from a use of a value that is
	// not in the graph at all.
	for i, n := range g.Nodes {
		if n == nil {
			continue
		}
		for j, x := range n.Outputs {
			if x == nil {
				continue
			}
			v.define(x, n, fmt.Sprintf("output %d of %s", j, nodeOrigin(n, i)), i)
		}
	}
	for i, n := range g.Nodes {
		if n == nil {
			v.add(nil, fmt.Sprintf("node %d", i), "is nil")
			v.broken = true
			continue
		}
		v.node(i, n)
	}
	for i, x := range g.Outputs {
		origin := fmt.Sprintf("graph output %d", i)
		if x == nil {
			v.add(nil, origin, "is nil")
			v.broken = true
			continue
		}
		if _, ok := v.def[x]; !ok {
			v.add(nil, origin, "%s is not defined in the graph (not an input, constant or node output)", v.valueName(x))
			v.broken = true
		}
	}
	if !v.broken {
		v.runChecks()
	}
}

// define records a definition of x, reporting a second one.
func (v *verifier) define(x *Value, n *Node, origin string, index int) {
	if prev, dup := v.def[x]; dup {
		v.add(n, origin, "%s is already defined as %s", v.valueName(x), prev)
		v.broken = true
		return
	}
	v.def[x] = origin
	v.defIndex[x] = index
}

func (v *verifier) node(i int, n *Node) {
	origin := nodeOrigin(n, i)
	report := func(format string, args ...any) { v.add(n, origin, format, args...) }

	// Structure: every input defined before this node.
	structural := true
	for j, x := range n.Inputs {
		if x == nil {
			continue
		}
		di, ok := v.defIndex[x]
		switch {
		case !ok:
			report("input %d (%s) is not defined in the graph", j, v.valueName(x))
			structural = false
		case di >= i:
			if di == i {
				report("input %d (%s) is the node's own output", j, v.valueName(x))
			} else {
				report("input %d (%s) is defined later, by node %d: nodes are not in topological order", j, v.valueName(x), di)
			}
			structural = false
		}
	}
	for j, x := range n.Outputs {
		if x == nil {
			report("output %d is nil", j)
			structural = false
			continue
		}
		if x.Def != n {
			who := "nothing"
			if x.Def != nil {
				who = x.Def.Origin()
			}
			report("output %d (%s) has Def pointing to %s, not to this node", j, v.valueName(x), who)
		}
		if x.Const != nil {
			report("output %d (%s) has a constant payload", j, v.valueName(x))
		}
		v.checkType(n, origin, x)
		v.checkQuant(n, origin, x)
	}
	if !structural {
		v.broken = true
	}

	info := Lookup(n.Op)
	if info == nil {
		report("unknown op %q", n.Op)
		v.broken = true
		return
	}
	// Arity.
	if len(n.Inputs) < info.MinInputs || (info.MaxInputs >= 0 && len(n.Inputs) > info.MaxInputs) {
		report("has %d inputs, %s takes %s", len(n.Inputs), n.Op, ArityText(info.MinInputs, info.MaxInputs))
		structural = false
	}
	for j := 0; j < info.MinInputs && j < len(n.Inputs); j++ {
		if n.Inputs[j] == nil {
			report("required input %d is absent", j)
			structural = false
		}
	}
	if len(n.Outputs) < info.MinOutputs || (info.MaxOutputs >= 0 && len(n.Outputs) > info.MaxOutputs) {
		report("has %d outputs, %s produces %s", len(n.Outputs), n.Op, ArityText(info.MinOutputs, info.MaxOutputs))
		structural = false
	}
	// Attributes.
	for _, name := range n.Attrs.Names() {
		a := n.Attrs[name]
		spec := info.Attr(name)
		if spec == nil {
			report("unknown attribute %q for %s%s", name, n.Op, knownAttrs(info))
			structural = false
			continue
		}
		if a.Kind != spec.Kind {
			report("attribute %q: want %s, got %s", name, spec.Kind, a.Kind)
			structural = false
			continue
		}
		if err := a.fitsInt(); err != nil {
			report("attribute %q: %v", name, err)
			structural = false
			continue
		}
		if a.Kind == AttrTensor && a.Tensor == nil {
			report("attribute %q: nil tensor", name)
			structural = false
		} else if a.Kind == AttrTensor {
			if msg := payloadProblem(a.Tensor, Type{DType: a.Tensor.DType, Shape: a.Tensor.Shape}); msg != "" {
				report("attribute %q: %s", name, msg)
				structural = false
			}
		}
	}
	for _, spec := range info.Attrs {
		if _, ok := n.Attrs[spec.Name]; spec.Required && !ok {
			report("missing required attribute %q (%s)", spec.Name, spec.Kind)
			structural = false
		}
	}
	// Stage legality.
	if v.g.Stage < info.FirstStage || v.g.Stage > info.LastStage {
		report("op %s is legal from stage %s to %s, graph is at stage %s", n.Op, info.FirstStage, info.LastStage, v.g.Stage)
	}
	// Types: re-run shape inference on sound nodes whose inputs are typed.
	if !structural || info.Infer == nil {
		return
	}
	for _, x := range n.Inputs {
		if x != nil && (x.Type.DType == tensor.Invalid || v.badType[x]) {
			// Already reported where the input is defined: inferring from a
			// wrong type would only repeat the problem downstream.
			v.markBad(n)
			return
		}
	}
	types, err := safeInfer(info, n)
	if err != nil {
		report("shape inference: %v", err)
		v.markBad(n)
		return
	}
	if len(types) != len(n.Outputs) {
		report("shape inference gives %d outputs, node has %d", len(types), len(n.Outputs))
		v.markBad(n)
		return
	}
	for j, t := range types {
		if x := n.Outputs[j]; x != nil && x.Type.DType != tensor.Invalid && !x.Type.Equal(t) {
			report("output %d (%s) is recorded as %s, shape inference gives %s", j, v.valueName(x), x.Type, t)
			v.badType[x] = true
		}
	}
}

// markBad records that n's output types could not be checked, so nodes
// reading them skip inference instead of reporting the same problem again.
func (v *verifier) markBad(n *Node) {
	for _, x := range n.Outputs {
		if x != nil {
			v.badType[x] = true
		}
	}
}

// safeInfer runs a shape function, turning a panic into an error: the
// verifier must survive a buggy shape function on a malformed node.
func safeInfer(info *OpInfo, n *Node) (types []Type, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("BUG: shape function of %s panicked: %v", info.Op, r)
		}
	}()
	return info.Infer(n)
}

func knownAttrs(info *OpInfo) string {
	if len(info.Attrs) == 0 {
		return " (it takes none)"
	}
	names := make([]string, len(info.Attrs))
	for i, a := range info.Attrs {
		names[i] = a.Name
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

// checkType reports a value without an element type or with a negative
// dimension.
func (v *verifier) checkType(n *Node, origin string, x *Value) {
	if x.Type.DType == tensor.Invalid || x.Type.DType.Bits() == 0 {
		v.add(n, origin, "%s has no valid element type (%s)", v.valueName(x), x.Type.DType)
	}
	for _, d := range x.Type.Shape {
		if d < 0 {
			v.add(n, origin, "%s has a negative dimension in %s", v.valueName(x), tensor.ShapeString(x.Type.Shape))
			break
		}
	}
}

func (v *verifier) checkConst(origin string, x *Value) {
	if x.Const == nil {
		v.add(nil, origin, "has no payload")
		return
	}
	if msg := payloadProblem(x.Const, x.Type); msg != "" {
		v.add(nil, origin, "%s", msg)
	}
}

// payloadProblem describes what is wrong with payload t for type ty, or "".
func payloadProblem(t *tensor.Tensor, ty Type) string {
	var probs []string
	if t.DType != ty.DType {
		probs = append(probs, fmt.Sprintf("payload element type %s differs from the value's %s", t.DType, ty.DType))
	}
	if !tensor.SameShape(t.Shape, ty.Shape) {
		probs = append(probs, fmt.Sprintf("payload shape %s differs from the value's %s", tensor.ShapeString(t.Shape), tensor.ShapeString(ty.Shape)))
	}
	want := 0
	if n, ok := checkedNumElems(ty.Shape); ok {
		want = n
	}
	var field string
	var have int
	switch {
	case ty.DType == tensor.Float64:
		field, have = "F64", len(t.F64)
		if t.F32 != nil || t.I64 != nil {
			probs = append(probs, "f64 payload must be stored in F64 only")
		}
	case ty.DType.IsFloat():
		field, have = "F32", len(t.F32)
		if t.F64 != nil || t.I64 != nil {
			probs = append(probs, fmt.Sprintf("%s payload must be stored in F32 only", ty.DType))
		}
		if ty.DType == tensor.Float16 || ty.DType == tensor.BFloat16 {
			// 16-bit floats are stored widened: each element must be a
			// value of the narrow type, or results differ from the model's.
			round := tensor.RoundF16
			if ty.DType == tensor.BFloat16 {
				round = tensor.RoundBF16
			}
			for i, x := range t.F32 {
				if r := round(x); x == x && math.Float32bits(r) != math.Float32bits(x) {
					probs = append(probs, fmt.Sprintf("element %d = %v is not a %s value (nearest %v)", i, x, ty.DType, r))
					break
				}
			}
		}
	case ty.DType.IsInt() || ty.DType == tensor.Bool:
		field, have = "I64", len(t.I64)
		if t.F32 != nil || t.F64 != nil {
			probs = append(probs, fmt.Sprintf("%s payload must be stored in I64 only", ty.DType))
		}
		if ty.DType != tensor.Uint64 && ty.DType != tensor.Int64 {
			lo, hi := ty.DType.IntRange()
			for i, x := range t.I64 {
				if x < lo || x > hi {
					probs = append(probs, fmt.Sprintf("element %d = %d is outside the %s range [%d, %d]", i, x, ty.DType, lo, hi))
					break
				}
			}
		}
	default:
		return strings.Join(append(probs, "invalid element type"), "; ")
	}
	if have != want {
		probs = append(probs, fmt.Sprintf("%s holds %d elements, %s needs %d", field, have, ty, want))
	}
	return strings.Join(probs, "; ")
}

// checkQuant checks quantization parameters against the value's type.
func (v *verifier) checkQuant(n *Node, origin string, x *Value) {
	q := x.Quant
	if q == nil {
		return
	}
	report := func(format string, args ...any) {
		v.add(n, origin, "%s quant: "+format, append([]any{v.valueName(x)}, args...)...)
	}
	if q.Bits < 1 || q.Bits > 32 {
		report("bits %d outside 1..32", q.Bits)
	}
	channels := 1
	switch {
	case q.Axis == -1:
	case q.Axis < 0 || q.Axis >= len(x.Type.Shape):
		report("axis %d outside the value's rank %d (use -1 for per-tensor)", q.Axis, len(x.Type.Shape))
		channels = -1
	default:
		channels = x.Type.Shape[q.Axis]
	}
	if channels >= 0 && len(q.Scale) != channels {
		if q.Axis == -1 {
			report("per-tensor quantization needs 1 scale, got %d", len(q.Scale))
		} else {
			report("%d scales for %d channels along axis %d", len(q.Scale), channels, q.Axis)
		}
	}
	for i, s := range q.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			report("scale %d = %v is not a positive finite number", i, s)
			break
		}
	}
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		report("%d zero points for %d scales (want none or one per scale)", len(q.ZeroPoint), len(q.Scale))
	}
	if q.Bits >= 1 && q.Bits <= 32 {
		lo, hi := int64(0), int64(1)<<q.Bits-1
		if q.Signed {
			lo, hi = -(int64(1) << (q.Bits - 1)), int64(1)<<(q.Bits-1)-1
		}
		for i, z := range q.ZeroPoint {
			if int64(z) < lo || int64(z) > hi {
				report("zero point %d = %d outside the %d-bit range [%d, %d]", i, z, q.Bits, lo, hi)
				break
			}
		}
	}
}

// runChecks runs the registered rules, each guarded against panics.
func (v *verifier) runChecks() {
	checksMu.Lock()
	cs := append([]namedCheck(nil), checks...)
	checksMu.Unlock()
	index := map[*Node]int{}
	for i, n := range v.g.Nodes {
		index[n] = i
	}
	for _, c := range cs {
		report := func(n *Node, format string, args ...any) {
			origin := "graph"
			if n != nil {
				origin = nodeOrigin(n, index[n])
			}
			v.add(n, origin, format, args...)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					v.add(nil, "graph", "BUG: verifier check %q panicked: %v", c.name, r)
				}
			}()
			c.fn(v.g, report)
		}()
	}
}
