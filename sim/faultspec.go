package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/target"
)

// FaultSpec is a model of SOT-MRAM non-idealities (docs/FAULTS.md): the
// rates at which the cells and the sense amplifiers of a chip err. The zero
// value is the ideal device. A Chip is one instance of it (a seed).
type FaultSpec struct {
	// Write is the probability that a bit a write pulse stores is wrong:
	// the SOT pulse fails to switch the cell, which keeps its old value.
	// Every written bit counts as one that has to switch (an upper bound:
	// a cell already holding its value cannot fail). It applies when the
	// weight image is programmed (once per chip) and on every wrp/gwrp.
	Write float64
	// Stuck is the probability that a cell is stuck at 0 or at 1 (equally
	// likely) whatever is written to it: manufacturing defects, fixed for a
	// chip instance.
	Stuck float64
	// And and Or are the misread probabilities of one column of a two-row
	// sense, by the number of its two cells that hold 1 (target.SenseRates):
	// and, bmac and gbmac use And, or uses Or. A misread inverts the
	// column's bit in the latch (and so the bit count).
	And, Or target.SenseRates
	// Cells restricts Write and Stuck to the weight image's rows
	// (CellsWeights) or to the rows wrp/gwrp write (CellsInputs); "" is
	// every row.
	Cells string
	// ShiftLo..ShiftHi restricts sense errors to the bmacs and gbmacs whose
	// shift (the weight of the sensed product, 2^shift) lies in the range;
	// and/or have no shift and are misread only without a range. ShiftHi 0
	// with ShiftLo 0 is no restriction.
	ShiftLo, ShiftHi int
	shiftSet         bool
	// fromTarget: the sense rates come from the target's sense-margin
	// model (sense=target), with resistance spread sigma (NaN: the
	// target's); Executable.NewChip fills And and Or.
	fromTarget bool
	sigma      float64
}

// Values of FaultSpec.Cells.
const (
	CellsWeights = "weights"
	CellsInputs  = "inputs"
)

// Active reports whether any rate is non-zero (or comes from the target).
func (f *FaultSpec) Active() bool {
	return f != nil && (f.Write > 0 || f.Stuck > 0 || f.senses() || f.fromTarget)
}

// senses reports whether any sense rate is non-zero.
func (f *FaultSpec) senses() bool {
	for k := range f.And {
		if f.And[k] > 0 || f.Or[k] > 0 {
			return true
		}
	}
	return false
}

// String is the spec in ParseFaults syntax with the derived sense rates.
func (f *FaultSpec) String() string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
	s := fmt.Sprintf("write=%s,stuck=%s,sense-and=%s/%s/%s,sense-or=%s/%s/%s", g(f.Write), g(f.Stuck),
		g(f.And[0]), g(f.And[1]), g(f.And[2]), g(f.Or[0]), g(f.Or[1]), g(f.Or[2]))
	if f.Cells != "" {
		s += ",cells=" + f.Cells
	}
	if f.shiftSet {
		s += fmt.Sprintf(",shift=%d-%d", f.ShiftLo, f.ShiftHi)
	}
	return s
}

// FaultKeys is the syntax of ParseFaults, for usage texts.
const FaultKeys = "comma-separated key=value: write=P (per bit per write pulse), stuck=P (per cell), " +
	"sense=P (per column of a two-row sense next to the reference) or sense=target (from the target's sense_margin model), " +
	"sigma=S (sense=target with resistance spread S), cells=weights|inputs (write and stuck faults only there), " +
	"shift=LO-HI (sense errors only on bmacs of that shift)"

// ParseFaults parses a fault spec: "write=1e-4,sense=1e-5,stuck=1e-6".
// sense=P misreads the columns whose level lies next to the sense
// reference (AND: both cells 1 or one; OR: both 0 or one) with probability
// P, the far level never; sense=target takes the rates of the target's
// sense-margin model (target.SenseMargin, when the chip is made), sigma=S
// the same model with resistance spread S. Errors name the key and what
// was expected.
func ParseFaults(spec string) (FaultSpec, error) {
	var f FaultSpec
	if strings.TrimSpace(spec) == "" {
		return f, fmt.Errorf("empty spec; want %s", FaultKeys)
	}
	seen := map[string]bool{}
	sense, sigma := "", math.NaN()
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return f, fmt.Errorf("%q: want key=value (%s)", kv, FaultKeys)
		}
		if seen[k] {
			return f, fmt.Errorf("%s given twice", k)
		}
		seen[k] = true
		var err error
		switch k {
		case "write":
			f.Write, err = probability(k, v, 0.5)
		case "stuck":
			f.Stuck, err = probability(k, v, 1)
		case "sense":
			sense = v
			if v != "target" {
				var p float64
				if p, err = probability(k, v, 0.5); err == nil {
					f.And = target.SenseRates{0, p, p}
					f.Or = target.SenseRates{p, p, 0}
				}
			}
		case "sigma":
			sigma, err = strconv.ParseFloat(v, 64)
			if err != nil || !(sigma > 0 && sigma <= 1) {
				err = fmt.Errorf("sigma=%s: want the relative resistance spread, a number in (0, 1]", v)
			}
		case "cells":
			if v != CellsWeights && v != CellsInputs {
				err = fmt.Errorf("cells=%s: want %s or %s", v, CellsWeights, CellsInputs)
			}
			f.Cells = v
		case "shift":
			lo, hi, ok := strings.Cut(v, "-")
			if !ok {
				hi = lo
			}
			a, e1 := strconv.Atoi(lo)
			b, e2 := strconv.Atoi(hi)
			if e1 != nil || e2 != nil || a < 0 || b < a || b > 63 {
				err = fmt.Errorf("shift=%s: want LO-HI (or one value), 0 <= LO <= HI <= 63", v)
			}
			f.ShiftLo, f.ShiftHi, f.shiftSet = a, b, true
		default:
			err = fmt.Errorf("unknown key %q; want %s", k, FaultKeys)
		}
		if err != nil {
			return f, err
		}
	}
	if !math.IsNaN(sigma) && sense != "" && sense != "target" {
		return f, fmt.Errorf("sigma=%g with sense=%s: sigma sets the spread of sense=target's model; give one of them", sigma, sense)
	}
	f.fromTarget, f.sigma = sense == "target" || !math.IsNaN(sigma), sigma
	return f, nil
}

// resolve fills the sense rates of a sense=target spec from tgt's
// sense-margin model.
func (f *FaultSpec) resolve(tgt *target.Target) error {
	if !f.fromTarget {
		return nil
	}
	sm := tgt.SenseMargin
	if sm == nil {
		return fmt.Errorf("faults: sense=target: target %s has no sense_margin section (give sense=P, or a target with sense_margin: {tmr, resistance_sigma})", tgt.Name)
	}
	sigma := f.sigma
	if math.IsNaN(sigma) {
		sigma = sm.Sigma()
	}
	f.And, f.Or = sm.Rates(sigma)
	f.fromTarget = false
	return nil
}

// probability parses the value of key k: a probability in [0, hi].
func probability(k, v string, hi float64) (float64, error) {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || !(p >= 0 && p <= hi) {
		return 0, fmt.Errorf("%s=%s: want a probability in [0, %g]", k, v, hi)
	}
	return p, nil
}
