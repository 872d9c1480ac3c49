package ir

import "fmt"

// checkArity checks n against its op's entry in the op table: the number of
// inputs and outputs, the required inputs present, and every declared
// attribute present when required, of its declared kind and, for integers,
// inside int.
func checkArity(n *Node, info *OpInfo) error {
	if len(n.Inputs) < info.MinInputs || (info.MaxInputs >= 0 && len(n.Inputs) > info.MaxInputs) {
		return fmt.Errorf("has %d inputs, want %s", len(n.Inputs), ArityText(info.MinInputs, info.MaxInputs))
	}
	for i := 0; i < info.MinInputs; i++ {
		if n.Inputs[i] == nil {
			return fmt.Errorf("required input %d is absent", i)
		}
	}
	if len(n.Outputs) < info.MinOutputs || (info.MaxOutputs >= 0 && len(n.Outputs) > info.MaxOutputs) {
		return fmt.Errorf("has %d outputs, want %s", len(n.Outputs), ArityText(info.MinOutputs, info.MaxOutputs))
	}
	for _, spec := range info.Attrs {
		a, ok := n.Attrs[spec.Name]
		if !ok {
			if spec.Required {
				return fmt.Errorf("missing attribute %q (%s)", spec.Name, spec.Kind)
			}
			continue
		}
		if a.Kind != spec.Kind {
			return fmt.Errorf("attribute %q: want %s, got %s", spec.Name, spec.Kind, a.Kind)
		}
		if err := a.fitsInt(); err != nil {
			return fmt.Errorf("attribute %q: %v", spec.Name, err)
		}
	}
	return nil
}

// ArityText says how many operands an op takes, from the bounds of its
// OpInfo: "2", "1 to 3" or "at least 1" (hi < 0: no upper bound). Shape
// inference, the verifier, the interpreter and the frontend (for ONNX
// nodes) word arity errors with it.
func ArityText(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}
