package target

import (
	"fmt"
	"reflect"
	"strings"
)

// legacyLeakage reads a description written before issue 12, whose CMOS
// leakage was a fraction of dynamic energy (leakage.periphery_fraction) and
// which gives none of the parameters issue 12 added (the static powers,
// leakage.subarray_power_gating, ops.column_gating): programs embed such
// descriptions, and they must keep loading. The fraction is dropped
// (leakage is static power x time now) and every added parameter is the
// default preset's, with a provenance that says so. A description that
// gives the fraction with any added parameter is refused.
func legacyLeakage(t *Target) error {
	if t.Leakage.PeripheryFraction == nil {
		return nil
	}
	t.Leakage.PeripheryFraction = nil
	def := Default()
	var given []string
	walk(reflect.ValueOf(t).Elem(), "", func(p string, v reflect.Value) {
		if !addedByIssue12(p) {
			return
		}
		if v.FieldByName("set").Bool() {
			given = append(given, p)
			return
		}
		v.Set(lookup(reflect.ValueOf(def).Elem(), p))
		prov := v.FieldByName("Provenance")
		prov.SetString("not in this description, which predates issue 12: the " + DefaultPreset + " preset's figure; " + prov.String())
	})
	if len(given) > 0 {
		return fmt.Errorf("leakage.periphery_fraction: obsolete (leakage is static power x time since issue 12) and given together with %s: remove it", given[0])
	}
	return nil
}

// addedByIssue12 reports whether the parameter at path p was added by
// issue 12 (every leakage entry but array, and ops.column_gating).
func addedByIssue12(p string) bool {
	return p == "ops.column_gating" || strings.HasPrefix(p, "leakage.") && p != "leakage.array"
}
