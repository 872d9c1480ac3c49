package admm

import (
	"errors"
	"fmt"

	"github.com/pimc-dev/pimc/ir"
)

// CheckGraph verifies that every layer of g that specs constrains lies
// exactly in its constraint sets: at most KeepCount non-zero groups per
// pruning constraint, and for quantized layers every output channel exactly
// alpha_c times integer codes of the layer's width. Layers whose tensors
// RemoveUnusedPaths shrank are checked against the group counts of their
// original shape (orig, may be nil: the current shapes). All violations are
// reported.
func CheckGraph(g *ir.Graph, specs map[string]Spec, orig map[string]Shape) error {
	layers, _ := Layers(g)
	var errs []error
	for _, l := range layers {
		sp, ok := specs[l.Name]
		if !ok {
			continue
		}
		w := l.Weight.Const.F32
		for _, p := range sp.Prunes {
			kept, _, err := GroupsKept(w, l.Shape, p)
			if err != nil {
				errs = append(errs, fmt.Errorf("layer %q: %v", l.Name, err))
				continue
			}
			s := l.Shape
			if o, ok := orig[l.Name]; ok {
				s = o
			}
			total, _ := GroupCount(s, p)
			if want := KeepCount(total, p.Ratio); kept > want {
				errs = append(errs, fmt.Errorf("layer %q: %s: %d of %d groups non-zero, want at most %d", l.Name, p, kept, total, want))
			}
		}
		if sp.Bits > 0 {
			if _, err := layerCodes(l, sp.Bits); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
