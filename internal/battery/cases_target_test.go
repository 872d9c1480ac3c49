//go:build unix

package battery

import (
	"strings"
	"testing"
)

// targetOverride is a valid description built on the default preset; the
// cases bend it.
const targetOverride = `name: battery-target
description: the default engine with cheaper writes
base: sot-mram-45nm
ops:
  row_write:
    energy: {value: 60, unit: fJ/bit, provenance: "PAPER.md §3 low end"}
geometry:
  banks: {value: 16, provenance: "as the preset"}
`

// targetEdit returns a Setup writing targetOverride with old replaced by new
// as t.yaml.
func targetEdit(old, new string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if !strings.Contains(targetOverride, old) {
			t.Fatalf("BUG: targetOverride has no %q", old)
		}
		writeText(t, dir, "t.yaml", strings.Replace(targetOverride, old, new, 1))
	}
}

// TestBatteryTarget: hardware descriptions that are malformed, physically
// meaningless or beyond what the ISA can address. `target show` lists every
// problem; compile refuses the file before any work.
func TestBatteryTarget(t *testing.T) {
	show := strs("target", "show", "t.yaml")
	runCases(t, []Case{
		{Name: "ok/show", Setup: targetEdit("", ""), Args: show, Code: 0, Stdout: strs("battery-target", "60")},
		{Name: "ok/compile", Setup: steps(targetEdit("", ""), withLeNet), Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-target", "t.yaml"), Code: 0, Keep: strs("m.pimb")},

		{Name: "yaml/empty", Setup: func(t *testing.T, dir string) { writeText(t, dir, "t.yaml", "") }, Args: show, Code: 1, Stderr: strs("t.yaml")},
		{Name: "yaml/syntax", Setup: targetEdit("ops:\n", "ops: [\n"), Args: show, Code: 1, Stderr: strs("t.yaml")},
		{Name: "yaml/tabs", Setup: targetEdit("  row_write:", "\trow_write:"), Args: show, Code: 1, Stderr: strs("t.yaml")},
		{Name: "yaml/unknown-key", Setup: targetEdit("  row_write:", "  row_wirte:"), Args: show, Code: 1, Stderr: strs("t.yaml", "row_wirte")},
		{Name: "yaml/unknown-top-key", Setup: targetEdit("ops:", "opz:"), Args: show, Code: 1, Stderr: strs("t.yaml", "opz")},
		{Name: "yaml/duplicate-key", Setup: targetEdit("geometry:\n", "geometry:\n  banks: {value: 8, provenance: x}\n"), Args: show, Code: 1, Stderr: strs("t.yaml", "banks")},
		{Name: "yaml/unknown-base", Setup: targetEdit("base: sot-mram-45nm", "base: no-such-preset"), Args: show, Code: 1, Stderr: strs("t.yaml", "no-such-preset")},
		{Name: "yaml/anchor-bomb", Setup: func(t *testing.T, dir string) {
			// The "billion laughs" of YAML: aliases that expand
			// exponentially. The loader must refuse or stay small.
			var b strings.Builder
			b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
			for i := 1; i <= 9; i++ {
				b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
				for j := 0; j < 10; j++ {
					if j > 0 {
						b.WriteString(", ")
					}
					b.WriteString("*a" + string(rune('0'+i-1)))
				}
				b.WriteString("]\n")
			}
			writeText(t, dir, "t.yaml", b.String())
		}, Args: show, Code: 1, Stderr: strs("t.yaml"), MaxRSSMiB: 200, MaxSeconds: 10},
		{Name: "json/malformed", Setup: func(t *testing.T, dir string) { writeText(t, dir, "t.json", `{"name": "x", "geometry": {`) },
			Args: strs("target", "show", "t.json"), Code: 1, Stderr: strs("t.json")},

		{Name: "value/negative-energy", Setup: targetEdit("value: 60,", "value: -60,"), Args: show, Code: 1, Stderr: strs("t.yaml", "row_write")},
		{Name: "value/nan-energy", Setup: targetEdit("value: 60,", "value: .nan,"), Args: show, Code: 1, Stderr: strs("t.yaml", "row_write")},
		{Name: "value/inf-energy", Setup: targetEdit("value: 60,", "value: .inf,"), Args: show, Code: 1, Stderr: strs("t.yaml", "row_write")},
		{Name: "value/text-energy", Setup: targetEdit("value: 60,", "value: sixty,"), Args: show, Code: 1, Stderr: strs("t.yaml")},
		{Name: "value/wrong-unit", Setup: targetEdit("unit: fJ/bit", "unit: furlong"), Args: show, Code: 1, Stderr: strs("t.yaml", "furlong")},
		{Name: "value/unit-of-other-kind", Setup: targetEdit("unit: fJ/bit", "unit: ns"), Args: show, Code: 1, Stderr: strs("t.yaml", "row_write")},
		{Name: "value/no-provenance", Setup: targetEdit(`, provenance: "PAPER.md §3 low end"`, ""), Args: show, Code: 1, Stderr: strs("t.yaml", "provenance")},
		{Name: "geometry/zero-banks", Setup: targetEdit("banks: {value: 16,", "banks: {value: 0,"), Args: show, Code: 1, Stderr: strs("t.yaml", "banks")},
		{Name: "geometry/fractional-banks", Setup: targetEdit("banks: {value: 16,", "banks: {value: 1.5,"), Args: show, Code: 1, Stderr: strs("t.yaml", "line 8", `"1.5" is not a whole number`)},
		{Name: "geometry/banks-beyond-isa", Setup: targetEdit("banks: {value: 16,", "banks: {value: 100000000,"), Args: show, Code: 1, Stderr: strs("t.yaml", "banks")},
		{Name: "geometry/banks-overflow-int", Setup: targetEdit("banks: {value: 16,", "banks: {value: 1e300,"), Args: show, Code: 1, Stderr: strs("t.yaml", "line 8", "1e300")},
		{Name: "geometry/cols-not-multiple-of-8", Setup: targetEdit("geometry:\n", "geometry:\n  cols: {value: 250, provenance: x}\n"), Args: show, Code: 1, Stderr: strs("t.yaml", "cols")},
		{Name: "geometry/huge-buffer", Setup: targetEdit("geometry:\n", "geometry:\n  act_buffer_words: {value: 1099511627776, provenance: x}\n"), Args: show, Code: 1, Stderr: strs("t.yaml", "act_buffer_words")},
		{Name: "compile-refuses-bad-target", Setup: steps(targetEdit("banks: {value: 16,", "banks: {value: 0,"), withLeNet),
			Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-target", "t.yaml"), Code: 1, Stderr: strs("t.yaml", "banks")},
		{Name: "target-is-a-model", Setup: withLeNet, Args: strs("target", "show", "lenet5.onnx"), Code: 1, Stderr: strs("lenet5.onnx")},
	})
}
