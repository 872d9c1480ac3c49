package target

import (
	"math"
	"strings"
	"testing"
)

// The sense-margin rates against the formula of sense.go evaluated by hand
// (python: levels 2, 1+g, 2g; spreads sqrt(2)s, s sqrt(1+g^2), sqrt(2)s g;
// equal-error reference; Q = erfc(z/sqrt(2))/2).
func TestSenseMarginRates(t *testing.T) {
	sm := &SenseMargin{TMR: Q(1, "fraction", "p"), ResistanceSigma: Q(0.1, "fraction", "p")}
	and, or := sm.Rates(sm.Sigma())
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*want }
	// AND: both 1 and one 1 sit at the reference's sides, misread equally.
	if !near(and[2], 0.0030764979992308787) || !near(and[1], and[2]) {
		t.Errorf("AND rates %v, want both-1 and one-1 at 0.0030765", and)
	}
	if !near(or[0], 0.02416072697113897) || !near(or[1], or[0]) {
		t.Errorf("OR rates %v, want both-0 and one-1 at 0.0241607", or)
	}
	// The far level is two gaps away: far rarer.
	if and[0] > 1e-4*and[2] || or[2] > 1e-3*or[0] {
		t.Errorf("far levels misread too often: AND %v, OR %v", and, or)
	}
	// A wider spread misreads more.
	a2, _ := sm.Rates(0.12)
	if a2[2] <= and[2] {
		t.Errorf("sigma 0.12 gives %g, not above sigma 0.1's %g", a2[2], and[2])
	}
}

func TestSenseMarginPreset(t *testing.T) {
	tg, err := Preset("sot-mram-45nm")
	if err != nil {
		t.Fatal(err)
	}
	if tg.SenseMargin == nil {
		t.Fatal("the default preset has no sense_margin section")
	}
	and, _ := tg.SenseMargin.Rates(tg.SenseMargin.Sigma())
	// TMR 150%, sigma 5%: z = 7.30, Q = 1.387e-13.
	if math.Abs(and[2]-1.3866966165701615e-13) > 1e-3*1.3866966165701615e-13 {
		t.Errorf("default AND misread rate %g, want 1.387e-13", and[2])
	}
}

func TestSenseMarginInvalid(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"sense_margin:\n  tmr: {value: 0, unit: fraction, provenance: p}\n", "sense_margin.tmr: 0 must be in (0, 100]"},
		{"sense_margin:\n  resistance_sigma: {value: 2, unit: fraction, provenance: p}\n", "sense_margin.resistance_sigma: 2 must be in (0, 1]"},
		{"sense_margin:\n  tmr: {value: 1, unit: ns, provenance: p}\n", `sense_margin.tmr: unit "ns" is not a fraction unit`},
	} {
		_, err := Parse("s.yaml", []byte("name: s\nbase: sot-mram-45nm\n"+c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
}
