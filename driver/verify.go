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

// Verification is what Verify compared.
type Verification struct {
	// Values is the number of elements of the distinct device output ports
	// compared bit for bit: the device computation checked, each value
	// once. The model outputs are compared too, but they are those ports
	// read back (dequantized) or host-op results, so they add nothing
	// (LeNet-5: the 10 logits, not 10 codes + 10 dequantized floats).
	Values int
	// DeviceSegments is the number of device segments the program ran. With
	// none, every value came from host ops on the interpreter, so the
	// comparison is the interpreter against itself and proves nothing about
	// the device: callers must not call that "bit-exact".
	DeviceSegments int
}

// Verify runs res's program on the simulator (host ops on the
// interpreter, pimrt) and g, the graph Compile compiled, on the quantized
// reference interpreter, on one inference's inputs (ReadInputs), and
// compares every device output port (in layer order) and every model
// output bit for bit. The first difference is a *MismatchError, anything
// that kept the comparison from running another error.
func Verify(g *ir.Graph, res *Result, inputs []*tensor.Tensor) (Verification, error) {
	var v Verification
	m, err := pimrt.Load(res.Prog, res.Target)
	if err != nil {
		return v, err
	}
	v.DeviceSegments = len(m.Host.Segments)
	got, err := m.Run(inputs)
	if err != nil {
		return v, err
	}
	// The oracle with every device port as an extra output.
	og := *g
	og.Outputs = append([]*ir.Value{}, g.Outputs...)
	var names []string
	compared := map[*ir.Value]bool{}
	for _, s := range m.Host.Segments {
		for _, name := range s.Out {
			if pv := res.PortValues[name]; pv != nil {
				og.Outputs = append(og.Outputs, pv)
				names = append(names, name)
			}
		}
	}
	want, err := interp.Run(&og, inputs)
	if err != nil {
		return v, fmt.Errorf("quantized interpreter: %w", err)
	}
	// check compares one value; a device port's val is counted once
	// however often it is compared, a model output (val nil) not at all.
	check := func(what string, val *ir.Value, w, gt *tensor.Tensor) error {
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
		if val != nil && !compared[val] {
			compared[val] = true
			v.Values += w.Len()
		}
		return nil
	}
	for i, name := range names {
		pv := og.Outputs[len(g.Outputs)+i]
		layer := name
		if pv.Def != nil && pv.Def.Name != "" {
			layer = fmt.Sprintf("%s (node %q)", name, pv.Def.Name)
		}
		if err := check("layer "+layer, pv, want[len(g.Outputs)+i], got.Ports[name]); err != nil {
			return v, err
		}
	}
	for i := range g.Outputs {
		if err := check(fmt.Sprintf("output %d", i), nil, want[i], got.Outputs[i]); err != nil {
			return v, err
		}
	}
	return v, nil
}
