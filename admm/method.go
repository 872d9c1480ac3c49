package admm

import (
	"fmt"
	"maps"
)

// Compression methods of pimc compress -method: the group's ADMM and the
// two baselines it is compared with at the same budget (docs/ADMM.md
// "Baselines").
const (
	MethodADMM      = "admm"      // pruning ADMM, hard prune, masked retraining
	MethodMagnitude = "magnitude" // group-magnitude (L2) hard prune of the dense weights, then masked retraining
	MethodL1        = "l1"        // as magnitude, groups ranked by their L1 norm (L1-filter pruning, Li et al. 2017)
)

// Methods lists the methods WithMethod accepts.
var Methods = []string{MethodADMM, MethodMagnitude, MethodL1}

// WithMethod returns the specs and hyperparameters that run method with
// the budget of h: the same constraint sets (ratios, widths) and the same
// number of training epochs. The baselines skip the pruning ADMM (updates
// 0: the dense model is hard-pruned at once) and spend its epochs on
// masked retraining instead (retrain_epochs + updates x
// epochs_per_update; in joint mode on quantized retraining), so every
// method trains as long; the quantization phases are the same for all, so
// only how the pruned groups are chosen and trained differs. Each baseline
// fixes its ranking whatever admm.group_norm says: magnitude by the L2
// norm, l1 by the L1 norm. admm returns specs (ranked as group_norm asks,
// Config.Resolve) and h unchanged.
func WithMethod(method string, specs map[string]Spec, h Hyper) (map[string]Spec, Hyper, error) {
	switch method {
	case MethodADMM:
		return specs, h, nil
	case MethodMagnitude, MethodL1:
	default:
		return nil, h, fmt.Errorf("method %q: want admm, magnitude or l1", method)
	}
	d, err := h.withDefaults()
	if err != nil {
		return nil, h, err
	}
	moved := d.Updates * d.EpochsPerStep
	if d.Mode == "joint" {
		d.QuantRetrain += moved
	} else {
		d.Retrain += moved
	}
	d.Updates = 0
	d.Given = maps.Clone(d.Given)
	if d.Given == nil {
		d.Given = map[string]bool{}
	}
	d.Given["updates"] = true
	l1 := method == MethodL1
	out := map[string]Spec{}
	for name, sp := range specs {
		ps := make([]Prune, len(sp.Prunes))
		for i, p := range sp.Prunes {
			p.L1 = l1
			ps[i] = p
		}
		out[name] = Spec{Prunes: ps, Bits: sp.Bits}
	}
	return out, d, nil
}
