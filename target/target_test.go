package target

import (
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultPreset(t *testing.T) {
	tg := Default()
	if got := tg.Subarrays(); got != 1024 {
		t.Errorf("Subarrays = %d, want 1024", got)
	}
	a := tg.Arch()
	if a.Rows != 256 || a.Cols != 256 || a.AccBits != 24 || a.SubarraysPerMat != 4 || a.Subarrays != 1024 {
		t.Errorf("Arch = %+v", a)
	}
	for _, c := range []struct {
		k       OpKind
		lat, fj float64
	}{
		{OpIssue, 1, 100},
		{OpRowRead, 1, 5 * 256},
		{OpAndSense, 1.2, 8 * 256},
		{OpRowWrite, 2, 150 * 256},
		{OpBitcount, 0.5, 500},
		{OpShiftAdd, 0.3, 100},
		{OpDPU, 1, 1000},
	} {
		got := tg.Cost(c.k)
		if got.LatencyNS != c.lat || got.EnergyFJ != c.fj {
			t.Errorf("Cost(%v) = %+v, want %v ns %v fJ", c.k, got, c.lat, c.fj)
		}
	}
	if cell := tg.AreaBreakdown()[0].UM2; cell < 8.15e6 || cell > 8.16e6 {
		t.Errorf("cell area = %v um2, want 2^26 cells x 60 x 0.045^2 = 8.154e6", cell)
	}
}

// TestFingerprintStable pins the fingerprint of the default preset: programs
// store it, so an accidental change of its canonical encoding would make every
// compiled program unloadable. Update the constant only with a deliberate
// change of the preset geometry (s8: the plane sequencer, plane_sequencer=1).
// The default before it lives on as GbmacPreset with its fingerprint, which
// programs of that time name.
func TestFingerprintStable(t *testing.T) {
	const want = "d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13"
	fp := Default().Fingerprint()
	if got := hex.EncodeToString(fp[:]); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	old, err := Preset(GbmacPreset)
	if err != nil {
		t.Fatal(err)
	}
	ofp := old.Fingerprint()
	if got, want := hex.EncodeToString(ofp[:]), "38f8fc9ae98f69cd0519de434084bc8a46b4c91fde5d605e23da1d70021de24c"; got != want || old.HasPlaneSequencer() {
		t.Errorf("%s: fingerprint %s (plane sequencer %v), want %s (none)", GbmacPreset, got, old.HasPlaneSequencer(), want)
	}
	if Default().Fingerprint() != fp || Default().CostFingerprint() != Default().CostFingerprint() {
		t.Error("fingerprints not deterministic")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tg := Default()
	b, err := tg.MarshalJSONIndent()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("t.json", b)
	if err != nil {
		t.Fatalf("Parse(JSON of default): %v", err)
	}
	if !reflect.DeepEqual(tg, back) {
		t.Errorf("JSON round trip changed the target")
	}
	if back.CostFingerprint() != tg.CostFingerprint() {
		t.Error("cost fingerprint changed")
	}
}

func TestBaseOverride(t *testing.T) {
	src := `
name: sweep-write-60
base: sot-mram-45nm
ops:
  row_write:
    energy: {value: 60, unit: fJ/bit, provenance: "PAPER.md §3 survey low end"}
`
	tg, err := Parse("sweep.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.Cost(OpRowWrite).EnergyFJ; got != 60*256 {
		t.Errorf("row_write energy = %v fJ/row, want %v", got, 60*256)
	}
	if got := tg.Cost(OpRowWrite).LatencyNS; got != 2 {
		t.Errorf("row_write latency = %v, want the base's 2 ns", got)
	}
	if tg.Ops.RowWrite.Latency.Provenance != Default().Ops.RowWrite.Latency.Provenance {
		t.Error("latency provenance not inherited from base")
	}
	d := Default()
	if tg.Fingerprint() != d.Fingerprint() {
		t.Error("a cost change must not change the architectural fingerprint")
	}
	if tg.CostFingerprint() == d.CostFingerprint() {
		t.Error("a cost change must change the cost fingerprint")
	}
	geo := strings.Replace(src, "ops:\n  row_write:\n    energy: {value: 60, unit: fJ/bit, provenance: \"PAPER.md §3 survey low end\"}",
		"geometry:\n  rows: {value: 512, provenance: test}", 1)
	tg2, err := Parse("geo.yaml", []byte(geo))
	if err != nil {
		t.Fatal(err)
	}
	if tg2.Fingerprint() == d.Fingerprint() {
		t.Error("a geometry change must change the fingerprint")
	}
}

func TestLoadErrors(t *testing.T) {
	base := "name: x\nbase: sot-mram-45nm\n"
	cases := []struct {
		name, file, src, want string
	}{
		{"unknown top key", "a.yaml", base + "colour: red\n", "field colour not found"},
		{"unknown geometry key", "a.yaml", base + "geometry:\n  rowz: {value: 3, provenance: p}\n", "field rowz not found"},
		{"unknown quantity key", "a.yaml", base + "clock: {value: 1, unit: GHz, provenance: p, note: x}\n", `unknown key "note"`},
		{"negative latency", "a.yaml", base + "ops:\n  bitcount:\n    latency: {value: -1, unit: ns, provenance: p}\n", "ops.bitcount.latency: -1 ns must be > 0"},
		{"zero latency", "a.yaml", base + "ops:\n  and_sense:\n    latency: {value: 0, unit: ns, provenance: p}\n", "ops.and_sense.latency: 0 ns must be > 0"},
		{"missing unit", "a.yaml", base + "clock: {value: 1, provenance: p}\n", "clock: missing unit"},
		{"missing provenance", "a.yaml", base + "clock: {value: 1, unit: GHz}\n", "clock: missing provenance"},
		{"missing value", "a.yaml", base + "geometry:\n  rows: {provenance: p}\n", "geometry.rows: missing value"},
		{"rows too few", "a.yaml", base + "geometry:\n  rows: {value: 1, provenance: p}\n", "geometry.rows: 1 outside [2, 1024]"},
		{"rows too many", "a.yaml", base + "geometry:\n  rows: {value: 4096, provenance: p}\n", "geometry.rows: 4096 outside"},
		{"cols not multiple of 8", "a.yaml", base + "geometry:\n  cols: {value: 100, provenance: p}\n", "not a multiple of 8"},
		{"accumulator too narrow", "a.yaml", base + "geometry:\n  acc_bits: {value: 8, provenance: p}\n", "cannot hold one popcount"},
		{"energy without basis", "a.yaml", base + "ops:\n  bitcount:\n    energy: {value: 1, unit: pJ, provenance: p}\n", `unit "pJ" has no basis`},
		{"energy wrong basis", "a.yaml", base + "ops:\n  bitcount:\n    energy: {value: 1, unit: pJ/bit, provenance: p}\n", `basis "bit" not allowed for bitcount`},
		{"energy negative", "a.yaml", base + "ops:\n  bitcount:\n    energy: {value: -1, unit: pJ/op, provenance: p}\n", "must be >= 0"},
		{"latency not time", "a.yaml", base + "ops:\n  bitcount:\n    latency: {value: 1, unit: pJ, provenance: p}\n", "not a time unit"},
		{"area unit", "a.yaml", base + "area:\n  controller: {value: 1, unit: acres, provenance: p}\n", "not an area unit"},
		{"clock zero", "a.yaml", base + "clock: {value: 0, unit: GHz, provenance: p}\n", "clock: 0 GHz must be > 0"},
		{"obsolete leakage fraction with static power", "a.yaml", base + "leakage:\n  periphery_fraction: {value: 0.05, unit: fraction, provenance: p}\n  dpu_lane: {value: 1, unit: uW, provenance: p}\n", "leakage.periphery_fraction: obsolete"},
		{"leakage not a power", "a.yaml", base + "leakage:\n  dpu_lane: {value: 1, unit: pJ, provenance: p}\n", "leakage.dpu_lane: unit \"pJ\" is not a power unit"},
		{"leakage negative", "a.yaml", base + "leakage:\n  sram_bit: {value: -1, unit: pW, provenance: p}\n", "leakage.sram_bit: -1 pW must be >= 0"},
		{"power gating switch", "a.yaml", base + "leakage:\n  subarray_power_gating: {value: 2, provenance: p}\n", "leakage.subarray_power_gating: 2 must be 0 (off) or 1 (on)"},
		{"unknown base", "a.yaml", "name: x\nbase: nope\n", `no preset "nope"`},
		{"no name", "a.yaml", "base: sot-mram-45nm\n", "name: missing"},
		{"missing leaves", "a.yaml", "name: x\nclock: {value: 1, unit: GHz, provenance: p}\n", "geometry.rows: missing"},
		{"empty", "a.yaml", "", "empty file"},
		{"bad yaml", "a.yaml", "name: [\n", "decode YAML"},
		{"json unknown field", "a.json", `{"name": "x", "base": "sot-mram-45nm", "bogus": 1}`, `unknown field "bogus"`},
		{"json quantity unknown field", "a.json", `{"name": "x", "base": "sot-mram-45nm", "clock": {"value": 1, "unit": "GHz", "provenance": "p", "x": 1}}`, `unknown field "x"`},
		{"json negative latency", "a.json", `{"name": "x", "base": "sot-mram-45nm", "ops": {"row_write": {"latency": {"value": -2, "unit": "ns", "provenance": "p"}}}}`, "ops.row_write.latency: -2 ns must be > 0"},
		{"too many sub-arrays", "a.yaml", base + "geometry:\n  banks: {value: 16777216, provenance: p}\n  mats_per_bank: {value: 16777216, provenance: p}\n  subarrays_per_mat: {value: 16777216, provenance: p}\n", "sub-arrays, at most 16777216"},
		{"port wider than buffer", "a.yaml", base + "geometry:\n  act_buffer_words: {value: 16, provenance: p}\n", "wider than the activation buffer"},
		{"json duplicate key", "a.json", `{"name": "x", "base": "sot-mram-45nm", "clock": {"value": 1, "unit": "GHz", "provenance": "p", "value": 2}}`, `key "value" given twice in clock`},
		{"json duplicate top key", "a.json", `{"name": "x", "name": "y", "base": "sot-mram-45nm"}`, `key "name" given twice in the top-level object`},
		{"yaml duplicate key", "a.yaml", base + "clock: {value: 1, unit: GHz, provenance: p}\nclock: {value: 2, unit: GHz, provenance: p}\n", "already defined"},
		{"fractional count", "a.yaml", base + "geometry:\n  banks: {value: 1.5, provenance: p}\n", `line 4: value "1.5" is not a whole number`},
		{"count beyond int64", "a.yaml", base + "geometry:\n  banks: {value: 1e300, provenance: p}\n", `value "1e300" is not a whole number`},
		{"count as text", "a.yaml", base + "geometry:\n  banks: {value: many, provenance: p}\n", `value "many" is not a whole number`},
		{"count overflows", "a.yaml", base + "geometry:\n  banks: {value: 99999999999999999999, provenance: p}\n", "does not fit in 64 bits"},
		{"json fractional count", "a.json", `{"name": "x", "base": "sot-mram-45nm", "geometry": {"banks": {"value": 1.5, "provenance": "p"}}}`, "banks"},
		{"technology unit", "a.yaml", base + "technology: {value: 45, unit: um, provenance: p}\n", `technology: unit "um", want nm`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.file, []byte(c.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			if !strings.Contains(err.Error(), c.file) {
				t.Errorf("error %q does not name the file %q", err, c.file)
			}
		})
	}
}

func TestPresets(t *testing.T) {
	for _, n := range Presets() {
		if _, err := Preset(n); err != nil {
			t.Errorf("preset %s: %v", n, err)
		}
	}
	if _, err := LoadOrPreset(""); err != nil {
		t.Error(err)
	}
	if _, err := LoadOrPreset("sot-mram-45nm"); err != nil {
		t.Error(err)
	}
	if _, err := LoadOrPreset("no/such/file.yaml"); err == nil {
		t.Error("LoadOrPreset of a missing file succeeded")
	}
}

// FuzzParse: Parse never panics; whatever it accepts is a valid description
// whose JSON form loads back to the same costs and fingerprint.
func FuzzParse(f *testing.F) {
	preset, _ := presetFS.ReadFile("presets/sot-mram-45nm.yaml")
	f.Add([]byte(preset), false)
	js, _ := Default().MarshalJSONIndent()
	f.Add(js, true)
	f.Add([]byte("name: x\nbase: sot-mram-45nm\nclock: {value: 2, unit: GHz, provenance: p}\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		name := "f.yaml"
		if isJSON {
			name = "f.json"
		}
		tg, err := Parse(name, data)
		if err != nil {
			return
		}
		b, err := tg.MarshalJSONIndent()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("back.json", b)
		if err != nil {
			t.Fatalf("accepted description does not load back from JSON: %v", err)
		}
		if back.Fingerprint() != tg.Fingerprint() || back.CostFingerprint() != tg.CostFingerprint() {
			t.Fatal("JSON round trip changed the description")
		}
	})
}

func TestExampleOverrideFile(t *testing.T) {
	tg, err := Load("testdata/write-energy-low.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.Cost(OpRowWrite).EnergyFJ; got != 60*256 {
		t.Errorf("row_write = %v fJ/row, want %v", got, 60*256)
	}
	if tg.Fingerprint() != Default().Fingerprint() {
		t.Error("a cost-only override changed the architectural fingerprint")
	}
	if tg.Name != "sot-mram-45nm-write60" || tg.Ops.RowWrite.Energy.Provenance == Default().Ops.RowWrite.Energy.Provenance {
		t.Errorf("override not applied: %s %q", tg.Name, tg.Ops.RowWrite.Energy.Provenance)
	}
}
