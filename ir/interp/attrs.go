package interp

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
)

// Attribute readers that turn a missing or mistyped attribute into an error
// naming it. Optional attributes use the ir.Node accessors with defaults.

func reqInts(n *ir.Node, name string) ([]int, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return nil, fmt.Errorf("attribute %q is required", name)
	}
	if a.Kind != ir.AttrInts {
		return nil, fmt.Errorf("attribute %q: want ints, got %v", name, a.Kind)
	}
	out := make([]int, len(a.Ints))
	for i, v := range a.Ints {
		if v > math.MaxInt32 || v < math.MinInt32 {
			return nil, fmt.Errorf("attribute %q: value %d out of range", name, v)
		}
		out[i] = int(v)
	}
	return out, nil
}

func reqInt(n *ir.Node, name string) (int, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return 0, fmt.Errorf("attribute %q is required", name)
	}
	if a.Kind != ir.AttrInt {
		return 0, fmt.Errorf("attribute %q: want int, got %v", name, a.Kind)
	}
	if a.Int > math.MaxInt32 || a.Int < math.MinInt32 {
		return 0, fmt.Errorf("attribute %q: value %d out of range", name, a.Int)
	}
	return int(a.Int), nil
}

// optFloat returns a float attribute, or def when it is absent.
func optFloat(n *ir.Node, name string, def float32) (float32, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != ir.AttrFloat {
		return 0, fmt.Errorf("attribute %q: want float, got %v", name, a.Kind)
	}
	return a.Float, nil
}

// optInt returns an int attribute, or def when it is absent.
func optInt(n *ir.Node, name string, def int64) (int64, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != ir.AttrInt {
		return 0, fmt.Errorf("attribute %q: want int, got %v", name, a.Kind)
	}
	return a.Int, nil
}
