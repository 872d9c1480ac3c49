package driver

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/pimrt"
)

// MismatchError is the first value where the simulator and the quantized
// interpreter disagree.
type MismatchError struct {
	// What names the value: "layer PORT (node "NAME")" for a device output
	// port, "output I" for a model output.
	What string
	// Index is the first differing element, with the interpreter's value
	// Want and the simulator's Got; Index is -1 when the shapes differ
	// (WantShape from the interpreter, GotShape from the simulator, nil
	// when it produced nothing).
	Index               int
	Want, Got           float64
	WantShape, GotShape []int
}

func (e *MismatchError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s: shape %v from the interpreter, %v from the simulator", e.What, e.WantShape, e.GotShape)
	}
	return fmt.Sprintf("%s: first difference at index %d: expected %v, got %v", e.What, e.Index, e.Want, e.Got)
}

// Verify runs res's program on the simulator (host ops on the
// interpreter, pimrt) and g, the graph Compile compiled, on the quantized
// reference interpreter, on one inference's inputs (ReadInputs), and
// compares every device output port (in layer order) and every model
// output bit for bit. It returns the number of values compared; the first
// difference is a *MismatchError, anything that kept the comparison from
// running another error.
func Verify(g *ir.Graph, res *Result, inputs []*tensor.Tensor) (int, error) {
	m, err := pimrt.Load(res.Prog, res.Target)
	if err != nil {
		return 0, err
	}
	got, err := m.Run(inputs)
	if err != nil {
		return 0, err
	}
	// The oracle with every device port as an extra output.
	og := *g
	og.Outputs = append([]*ir.Value{}, g.Outputs...)
	var names []string
	for _, s := range m.Host.Segments {
		for _, name := range s.Out {
			if v := res.PortValues[name]; v != nil {
				og.Outputs = append(og.Outputs, v)
				names = append(names, name)
			}
		}
	}
	want, err := interp.Run(&og, inputs)
	if err != nil {
		return 0, fmt.Errorf("quantized interpreter: %w", err)
	}
	total := 0
	check := func(what string, w, gt *tensor.Tensor) error {
		if gt == nil || w.Len() != gt.Len() {
			var gs []int
			if gt != nil {
				gs = gt.Shape
			}
			return &MismatchError{What: what, Index: -1, WantShape: w.Shape, GotShape: gs}
		}
		for i := 0; i < w.Len(); i++ {
			if a, b := w.Float64At(i), gt.Float64At(i); a != b {
				return &MismatchError{What: what, Index: i, Want: a, Got: b}
			}
		}
		total += w.Len()
		return nil
	}
	for i, name := range names {
		v := og.Outputs[len(g.Outputs)+i]
		layer := name
		if v.Def != nil && v.Def.Name != "" {
			layer = fmt.Sprintf("%s (node %q)", name, v.Def.Name)
		}
		if err := check("layer "+layer, want[len(g.Outputs)+i], got.Ports[name]); err != nil {
			return 0, err
		}
	}
	for i := range g.Outputs {
		if err := check(fmt.Sprintf("output %d", i), want[i], got.Outputs[i]); err != nil {
			return 0, err
		}
	}
	return total, nil
}
