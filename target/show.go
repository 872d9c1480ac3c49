package target

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the effective description as a table: every parameter
// with its value, unit, normalised value and provenance, then derived figures.
func (t *Target) WriteTable(w io.Writer) error {
	fp, cfp := t.Fingerprint(), t.CostFingerprint()
	fmt.Fprintf(w, "target %s\n", t.Name)
	if t.Description != "" {
		fmt.Fprintf(w, "  %s\n", t.Description)
	}
	fmt.Fprintf(w, "  fingerprint      %x\n  cost fingerprint %x\n\n", fp, cfp)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "parameter\tvalue\tunit\tnormalised\tprovenance")
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	walk(reflect.ValueOf(t).Elem(), "", func(path string, v reflect.Value) {
		var val, unit, norm, prov string
		switch q := v.Interface().(type) {
		case Quantity:
			val, unit, prov = g(q.Value), q.Unit, q.Provenance
			norm = t.normalised(path, q)
		case Count:
			val, prov = strconv.FormatInt(q.Value, 10), q.Provenance
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", path, val, unit, norm, prov)
	})
	tw.Flush()
	fmt.Fprintf(w, "\nderived\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	geo := &t.Geometry
	fmt.Fprintf(tw, "  sub-arrays\t%d\t(%d banks x %d mats x %d)\n", t.Subarrays(), geo.Banks.Value, geo.MatsPerBank.Value, geo.SubarraysPerMat.Value)
	fmt.Fprintf(tw, "  array capacity\t%.4g Mibit\t\n", float64(t.Subarrays()*geo.Rows.Value*geo.Cols.Value)/(1<<20))
	fmt.Fprintf(tw, "  clock period\t%g ns\t\n", t.CycleNS())
	for _, it := range t.AreaBreakdown() {
		fmt.Fprintf(tw, "  area %s\t%.4g mm2\t(%s)\n", it.Name, it.UM2/1e6, it.Formula)
	}
	fmt.Fprintf(tw, "  area total\t%.4g mm2\t\n", t.TotalAreaUM2()/1e6)
	for _, it := range t.LeakageBreakdown() {
		fmt.Fprintf(tw, "  leakage %s\t%s\t(%s)\n", it.Name, FormatMW(it.MW), it.Formula)
	}
	gating := "every sub-array powered: leakage.subarray_power_gating 0"
	if t.PowerGating() {
		gating = "with every sub-array powered; gated: only the sub-arrays a run touches and the controllers and DPUs of its streams leak"
	}
	fmt.Fprintf(tw, "  leakage total\t%s\t(%s)\n", FormatMW(t.TotalLeakageMW()), gating)
	return tw.Flush()
}

// normalised renders a quantity in the units the simulator uses.
func (t *Target) normalised(path string, q Quantity) string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	switch {
	case strings.HasPrefix(path, "ops."):
		key, field, _ := strings.Cut(strings.TrimPrefix(path, "ops."), ".")
		for _, k := range OpKinds() {
			if k.String() == key {
				c := t.Cost(k)
				if field == "latency" {
					return g(c.LatencyNS) + " ns"
				}
				return g(c.EnergyFJ) + " fJ/" + k.Per()
			}
		}
	case strings.HasPrefix(path, "area."):
		if a, err := areaUM2(q, t.Technology.Value); err == nil {
			return g(a) + " um2"
		}
	case strings.HasPrefix(path, "dram."):
		return t.dramNormalised(path)
	case strings.HasPrefix(path, "host."):
		return t.hostNormalised(path)
	case strings.HasPrefix(path, "leakage."):
		if p, err := powerMW(q); err == nil {
			return g(p) + " mW"
		}
	case path == "clock":
		return g(t.ClockGHz()) + " GHz"
	}
	return ""
}

// MarshalJSONIndent is the effective description as indented JSON; it loads
// back with Parse (name ending in .json) to the same Target.
func (t *Target) MarshalJSONIndent() ([]byte, error) {
	c := *t
	c.Base = ""
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// FormatMW prints a power given in mW with a readable unit (uW below 1 mW).
func FormatMW(mw float64) string {
	if mw != 0 && mw < 1 {
		return fmt.Sprintf("%.4g uW", mw*1e3)
	}
	return fmt.Sprintf("%.4g mW", mw)
}
