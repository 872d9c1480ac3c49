package target

import (
	"fmt"
	"math"
)

// SenseMargin is the optional sense-margin model of the two-row AND/OR
// sense (docs/FAULTS.md): the numbers from which the simulator's sense
// error rates follow when a fault spec asks for them (pimc sim|eval
// -faults sense=target). It changes no cost and no program, so it is not
// in either fingerprint.
//
// Physics. A cell is an MTJ of resistance R_P (parallel) or
// R_AP = R_P (1 + TMR) (antiparallel); logic 1 is the antiparallel
// (high-resistance) state. Sensing two rows at once puts the two cells of a
// column in parallel on the bit line, so the read current at a fixed read
// voltage is proportional to the sum of their conductances: three levels,
// in units of G_P = 1/R_P,
//
//	both 1:  2 g            (g = 1/(1+TMR) = G_AP/G_P)
//	one 1:   1 + g
//	both 0:  2
//
// Each cell's conductance spreads from cell to cell with relative standard
// deviation sigma (ResistanceSigma: a relative spread of R is, to first
// order, the same relative spread of G = 1/R), independently, so the
// levels have standard deviations s2 = sqrt(2) sigma g,
// s1 = sigma sqrt(1 + g^2) and s0 = sqrt(2) sigma. The sense amplifier
// compares the current with a reference: AND puts it between "both 1" and
// "one 1", OR between "one 1" and "both 0", each where the two neighbouring
// levels are misread equally often (the reference that minimises the larger
// error: ref = (L_a s_b + L_b s_a) / (s_a + s_b)). A column is misread when
// its level falls on the wrong side of the reference: probability
// Q((|L - ref|) / s), Q the normal upper tail. The far level (AND: both 0;
// OR: both 1) is two gaps away and practically never misread.
//
// Not modelled: the spread of the reference itself, sense-amplifier offset
// and noise as separate terms (fold them into sigma), bias dependence of the
// TMR, read disturb.
type SenseMargin struct {
	TMR             Quantity `json:"tmr" yaml:"tmr"`                           // (R_AP - R_P) / R_P, a fraction
	ResistanceSigma Quantity `json:"resistance_sigma" yaml:"resistance_sigma"` // relative standard deviation of a cell's resistance
}

// SenseRates are misread probabilities of one column of a two-row sense,
// indexed by the number of the column's two cells that hold 1 (0, 1, 2).
type SenseRates [3]float64

// Rates returns the misread probabilities of a two-row AND and OR sense
// with resistance spread sigma (a fraction; pass the description's own with
// sm.Sigma()).
func (sm *SenseMargin) Rates(sigma float64) (and, or SenseRates) {
	tmr, _ := fraction(sm.TMR)
	g := 1 / (1 + tmr)
	lvl := [3]float64{2, 1 + g, 2 * g} // by number of ones
	// The float64 conversions keep the compiler from fusing a multiply
	// and an add (the Go spec allows it on some CPUs): the same rates on
	// every machine, up to math.Erfc's last bit.
	s := [3]float64{math.Sqrt2 * sigma, sigma * math.Sqrt(1+float64(g*g)), math.Sqrt2 * sigma * g}
	ref := func(a, b int) float64 { return (float64(lvl[a]*s[b]) + float64(lvl[b]*s[a])) / (s[a] + s[b]) }
	miss := func(ref float64) SenseRates {
		var r SenseRates
		for k := range r {
			if s[k] == 0 {
				continue // no spread: every level is read right
			}
			r[k] = 0.5 * math.Erfc(math.Abs(lvl[k]-ref)/s[k]/math.Sqrt2)
		}
		return r
	}
	// The far level lies beyond the other one, so the tail beyond the
	// reference is its misread probability as well.
	return miss(ref(2, 1)), miss(ref(1, 0))
}

// Sigma is the description's relative resistance spread.
func (sm *SenseMargin) Sigma() float64 { f, _ := fraction(sm.ResistanceSigma); return f }

// validate checks the section's values.
func (sm *SenseMargin) validate() []string {
	var probs []string
	for _, f := range []struct {
		path string
		q    Quantity
		hi   float64
	}{{"sense_margin.tmr", sm.TMR, 100}, {"sense_margin.resistance_sigma", sm.ResistanceSigma, 1}} {
		v, err := fraction(f.q)
		switch {
		case err != nil:
			probs = append(probs, fmt.Sprintf("%s: %v", f.path, err))
		case math.IsNaN(v) || v <= 0 || v > f.hi:
			probs = append(probs, fmt.Sprintf("%s: %v must be in (0, %g]", f.path, v, f.hi))
		}
	}
	return probs
}
