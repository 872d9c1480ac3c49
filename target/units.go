package target

import "fmt"

// Unit conversion factors to the normalised units: ns, fJ, um2, GHz, mW.
var (
	timeUnits   = map[string]float64{"ps": 1e-3, "ns": 1, "us": 1e3}
	energyUnits = map[string]float64{"aJ": 1e-3, "fJ": 1, "pJ": 1e3, "nJ": 1e6, "uJ": 1e9}
	areaUnits   = map[string]float64{"nm2": 1e-6, "um2": 1, "mm2": 1e6}
	freqUnits   = map[string]float64{"MHz": 1e-3, "GHz": 1}
	powerUnits  = map[string]float64{"pW": 1e-9, "nW": 1e-6, "uW": 1e-3, "mW": 1, "W": 1e3}
)

func unitErr(q Quantity, kind string, table map[string]float64) error {
	return fmt.Errorf("unit %q is not a %s unit (want one of %s)", q.Unit, kind, keys(table))
}

func keys(m map[string]float64) string {
	// fixed order for stable messages
	order := []string{"ps", "ns", "us", "aJ", "fJ", "pJ", "nJ", "uJ", "nm2", "um2", "mm2", "MHz", "GHz", "pW", "nW", "uW", "mW", "W"}
	s := ""
	for _, k := range order {
		if _, ok := m[k]; ok {
			if s != "" {
				s += ", "
			}
			s += k
		}
	}
	return s
}

func timeNS(q Quantity) (float64, error) {
	f, ok := timeUnits[q.Unit]
	if !ok {
		return 0, unitErr(q, "time", timeUnits)
	}
	return q.Value * f, nil
}

func freqGHz(q Quantity) (float64, error) {
	f, ok := freqUnits[q.Unit]
	if !ok {
		return 0, unitErr(q, "frequency", freqUnits)
	}
	return q.Value * f, nil
}

func powerMW(q Quantity) (float64, error) {
	f, ok := powerUnits[q.Unit]
	if !ok {
		return 0, unitErr(q, "power", powerUnits)
	}
	return q.Value * f, nil
}

// areaUM2 converts an area; "F2" is in units of the squared feature size.
func areaUM2(q Quantity, techNM float64) (float64, error) {
	if q.Unit == "F2" {
		f := techNM * 1e-3
		return q.Value * f * f, nil
	}
	f, ok := areaUnits[q.Unit]
	if !ok {
		return 0, fmt.Errorf("unit %q is not an area unit (want F2, nm2, um2 or mm2)", q.Unit)
	}
	return q.Value * f, nil
}

// energyFJ converts "<energy>/<basis>" to fJ per spec.per; per-bit and
// per-column row energies are multiplied by cols.
func energyFJ(q Quantity, spec opSpec, cols int64) (float64, error) {
	e, basis := splitUnit(q.Unit)
	f, ok := energyUnits[e]
	if !ok {
		return 0, fmt.Errorf("unit %q: %q is not an energy unit (want fJ, pJ, nJ, ...)", q.Unit, e)
	}
	if basis == "" {
		return 0, fmt.Errorf("unit %q has no basis: write it as %s/<basis>, basis one of %s", q.Unit, e, bases(spec))
	}
	if !spec.bases[basis] {
		return 0, fmt.Errorf("unit %q: basis %q not allowed for %s (want one of %s)", q.Unit, basis, spec.key, bases(spec))
	}
	v := q.Value * f
	if basis == "bit" || basis == "column" {
		v *= float64(cols)
	}
	return v, nil
}

func bases(spec opSpec) string {
	s := ""
	for _, b := range []string{"bit", "column", "row", "op", "instr", "lane", "word"} {
		if spec.bases[b] {
			if s != "" {
				s += ", "
			}
			s += b
		}
	}
	return s
}

func fraction(q Quantity) (float64, error) {
	switch q.Unit {
	case "1", "fraction":
		return q.Value, nil
	case "%":
		return q.Value / 100, nil
	}
	return 0, fmt.Errorf("unit %q is not a fraction unit (want 1, fraction or %%)", q.Unit)
}
