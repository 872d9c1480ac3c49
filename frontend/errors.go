package frontend

import (
	"fmt"
	"sort"
	"strings"
)

// UnsupportedNode describes one ONNX node the frontend cannot lower.
type UnsupportedNode struct {
	OpType string // ONNX op type, with its domain prefixed when not ai.onnx
	Name   string // ONNX node name ("" when the model left it empty)
	Opset  int64  // opset version of the node's domain
	Reason string // why, when the op type itself is known (e.g. `mode "reflect"`)
}

func (u UnsupportedNode) String() string {
	s := u.OpType
	if u.Name != "" {
		s += fmt.Sprintf(" %q", u.Name)
	}
	s += fmt.Sprintf(" (opset %d)", u.Opset)
	if u.Reason != "" {
		s += ": " + u.Reason
	}
	return s
}

// UnsupportedError lists every node of a model that the frontend cannot
// lower, so a user sees all of them at once instead of one per attempt.
type UnsupportedError struct {
	File  string
	Nodes []UnsupportedNode
}

// Error lists every node; with several op types a per-type count comes
// first, so the message of a model with a hundred QLinearConv nodes still
// starts with the overview.
func (e *UnsupportedError) Error() string {
	parts := make([]string, len(e.Nodes))
	count := map[string]int{}
	var types []string
	for i, n := range e.Nodes {
		parts[i] = n.String()
		if count[n.OpType] == 0 {
			types = append(types, n.OpType)
		}
		count[n.OpType]++
	}
	summary := ""
	if len(e.Nodes) > len(types) && len(types) > 1 {
		sort.Strings(types)
		for i, t := range types {
			types[i] = fmt.Sprintf("%s x%d", t, count[t])
		}
		summary = " (" + strings.Join(types, ", ") + ")"
	}
	return fmt.Sprintf("frontend: %s: %d unsupported node(s)%s: %s", e.File, len(e.Nodes), summary, strings.Join(parts, "; "))
}

// NeedsConstantError reports that a graph input feeds an operand that must be
// constant (a Reshape shape, Squeeze axes, Pad pads, ...). Shapes are static
// in pimc, so the caller must bind the input with Options.Bind and retry.
type NeedsConstantError struct {
	Input string // the graph input to bind
	Node  string // the ONNX node (name, or op type when unnamed) that needs it
}

func (e *NeedsConstantError) Error() string {
	return fmt.Sprintf("frontend: node %q needs graph input %q to be a constant (shapes are static in pimc): bind it to a value (pimc: -bind %s=FILE.pb; API: Options.Bind)", e.Node, e.Input, e.Input)
}

// unsupportedErr marks a lowering failure that means "valid ONNX we do not
// handle" (collected into UnsupportedError), as opposed to a broken model.
type unsupportedErr struct{ reason string }

func (e *unsupportedErr) Error() string { return "unsupported: " + e.reason }

func unsupported(format string, args ...any) error {
	return &unsupportedErr{reason: fmt.Sprintf(format, args...)}
}
