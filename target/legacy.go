package target

import (
	"fmt"
	"reflect"
)

// legacyLeakage reads the leakage section of a description written before
// issue 12, whose CMOS leakage was a fraction of dynamic energy
// (leakage.periphery_fraction) and which gives no static powers: programs
// embed such descriptions, and they must keep loading. The fraction is
// dropped (leakage is static power x time now) and every static power the
// description lacks is the default preset's, with a provenance that says
// so. A description that gives both models is refused.
func legacyLeakage(t *Target) error {
	l := &t.Leakage
	if l.PeripheryFraction == nil {
		return nil
	}
	l.PeripheryFraction = nil
	def := Default()
	var given []string
	walk(reflect.ValueOf(l).Elem(), "leakage", func(p string, v reflect.Value) {
		if p == "leakage.array" {
			return // the one figure both models share
		}
		if v.FieldByName("set").Bool() {
			given = append(given, p)
			return
		}
		d := lookup(reflect.ValueOf(&def.Leakage).Elem(), p[len("leakage."):])
		v.Set(d)
		prov := v.FieldByName("Provenance")
		prov.SetString("not in this description, which predates static leakage (issue 12): the " + DefaultPreset + " preset's figure; " + prov.String())
	})
	if len(given) > 0 {
		return fmt.Errorf("leakage.periphery_fraction: obsolete (leakage is static power x time since issue 12) and given together with %s: remove it", given[0])
	}
	return nil
}
