package target

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The fingerprints of the default description of ISA v1.0-v1.4, which
// every program compiled before the parallel engine stores. The cost
// fingerprint is that of its costs since issue 12 (static leakage, column
// gating); it was
// c3f544cee776... with leakage as 5% of dynamic energy.
const (
	serialFP     = "6fb0e2a7b7d3b807c8ad975b40f13e3e9047824c01bebaaa4cf3c7caa0a8f3e4"
	serialCostFP = "479ea0dbb998cdd47861619d22ddc210815c413f8c31e04eb1f1061907b57bc7"
)

// TestSerialPresetIsOldDefault: sot-mram-45nm-serial is the old default
// exactly: the same fingerprint and cost fingerprint, no parallel section.
func TestSerialPresetIsOldDefault(t *testing.T) {
	s, err := Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	fp, cfp := s.Fingerprint(), s.CostFingerprint()
	if hex.EncodeToString(fp[:]) != serialFP || hex.EncodeToString(cfp[:]) != serialCostFP {
		t.Errorf("serial preset fingerprints %x / %x, want the old default's %s / %s", fp, cfp, serialFP, serialCostFP)
	}
	if s.Parallel != nil || s.Ops.RowBroadcast != nil || s.Arch().Controllers != 0 || s.Controllers() != 1 {
		t.Errorf("serial preset has parallel parts: %+v", s.Arch())
	}
	for _, k := range []OpKind{OpRowBroadcast, OpLink, OpSync} {
		if s.HasOp(k) || s.Cost(k) != (Cost{}) {
			t.Errorf("serial preset: %v = %+v, want absent and free", k, s.Cost(k))
		}
	}
}

// TestV14DescriptionUnchanged: a description written by pimc before the
// parallel engine (the v1.4 default, as pimc target show -json printed it
// and programs embed it) loads with its old fingerprint, so every embedded
// v1.4 description still matches its program, and costs what the serial
// preset costs: its obsolete leakage.periphery_fraction is dropped and the
// static powers it lacks are the default preset's, saying so (legacy.go).
// Apart from that it prints back byte for byte.
func TestV14DescriptionUnchanged(t *testing.T) {
	js, err := os.ReadFile("testdata/v1.4-default.json")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := Parse("v1.4-default.json", js)
	if err != nil {
		t.Fatal(err)
	}
	fp, cfp := tg.Fingerprint(), tg.CostFingerprint()
	if hex.EncodeToString(fp[:]) != serialFP || hex.EncodeToString(cfp[:]) != serialCostFP {
		t.Errorf("v1.4 description fingerprints %x / %x, want %s / %s", fp, cfp, serialFP, serialCostFP)
	}
	if !strings.Contains(tg.Leakage.DPULane.Provenance, "predates issue 12") || tg.Leakage.PeripheryFraction != nil {
		t.Errorf("legacy leakage: dpu_lane %+v, periphery_fraction %v", tg.Leakage.DPULane, tg.Leakage.PeripheryFraction)
	}
	back, err := tg.MarshalJSONIndent()
	if err != nil {
		t.Fatal(err)
	}
	// everything before the ops section (which gains column_gating)
	// prints back byte for byte
	cut := func(b []byte) []byte { return b[:bytes.Index(b, []byte(`"ops"`))] }
	if !bytes.Equal(cut(back), cut(js)) || bytes.Contains(back, []byte("periphery_fraction")) {
		t.Errorf("v1.4 description does not print back as it was, with static leakage")
	}
}

func TestDefaultParallel(t *testing.T) {
	d := Default()
	a := d.Arch()
	if a.Controllers != 16 || a.GroupSubarrays != 64 || a.Tokens != 256 || a.Banks != 16 || a.SubarraysPerBank() != 64 {
		t.Errorf("Arch = %+v", a)
	}
	if p := d.Parallel; p.IssueWidth.Value != 1 || p.BufferPorts.Value != 16 {
		t.Errorf("parallel = %+v", p)
	}
	for _, c := range []struct {
		k       OpKind
		lat, fj float64
	}{
		{OpRowBroadcast, 0.5, 5 * 256},
		{OpLink, 1, 50},
		{OpSync, 2, 500},
	} {
		if got := d.Cost(c.k); got.LatencyNS != c.lat || got.EnergyFJ != c.fj {
			t.Errorf("Cost(%v) = %+v, want %v ns %v fJ", c.k, got, c.lat, c.fj)
		}
	}
	// Area: 16 x (controller + 64 DPU lanes) instead of one of each, and
	// (s8) 16 banks x 16 plane sequences x 400 um2.
	s, _ := Preset("sot-mram-45nm-serial")
	want := float64(15*(10000+64*3000) + 16*16*400)
	if diff := d.TotalAreaUM2() - s.TotalAreaUM2(); diff < want-1 || diff > want+1 {
		t.Errorf("parallel area adds %v um2, want 15 x (controller + 64 lanes) + 16 x 16 x 400 = %v", diff, want)
	}
	var b strings.Builder
	if err := d.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"parallel.controllers", "parallel.group_subarrays", "parallel.tokens", "parallel.buffer_ports", "parallel.issue_width",
		"ops.row_broadcast.energy", "ops.link.latency", "ops.sync.energy", "16 controllers x 64 lanes"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("target show lacks %q", want)
		}
	}
}

// TestParallelFingerprint: the architectural parameters of the parallel
// section are in the fingerprint, its costs only in the cost fingerprint.
func TestParallelFingerprint(t *testing.T) {
	d := Default()
	over := func(yaml string) *Target {
		t.Helper()
		tg, err := Parse("o.yaml", []byte("name: o\nbase: sot-mram-45nm\n"+yaml))
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	for _, key := range []string{"controllers", "group_subarrays", "tokens"} {
		tg := over("parallel:\n  " + key + ": {value: 8, provenance: p}\n")
		if tg.Fingerprint() == d.Fingerprint() {
			t.Errorf("parallel.%s does not change the fingerprint", key)
		}
	}
	for _, y := range []string{"parallel:\n  issue_width: {value: 2, provenance: p}\n", "parallel:\n  buffer_ports: {value: 4, provenance: p}\n",
		"ops:\n  link:\n    energy: {value: 1, unit: pJ/word, provenance: p}\n"} {
		tg := over(y)
		if tg.Fingerprint() != d.Fingerprint() || tg.CostFingerprint() == d.CostFingerprint() {
			t.Errorf("%q: want the same fingerprint and another cost fingerprint", y)
		}
		if tg.Parallel.Controllers.Value != 16 {
			t.Errorf("%q: the other parallel keys are not inherited from the base", y)
		}
	}
	// A group lies in one bank: a smaller bank caps group_subarrays.
	if a := over("geometry:\n  mats_per_bank: {value: 2, provenance: p}\n").Arch(); a.GroupSubarrays != 8 {
		t.Errorf("8 sub-arrays per bank: GroupSubarrays = %d, want 8", a.GroupSubarrays)
	}
	// A file based on the default inherits its parallel section whole.
	if tg := over(""); tg.Fingerprint() != d.Fingerprint() || tg.Parallel == nil {
		t.Error("the parallel section is not inherited from the base")
	}
}

func TestParallelErrors(t *testing.T) {
	serial := "name: x\nbase: sot-mram-45nm-serial\n"
	par := "name: x\nbase: sot-mram-45nm\n"
	cases := []struct{ name, src, want string }{
		{"section without its costs", serial + "parallel:\n  controllers: {value: 2, provenance: p}\n  issue_width: {value: 1, provenance: p}\n  group_subarrays: {value: 4, provenance: p}\n  buffer_ports: {value: 2, provenance: p}\n  tokens: {value: 4, provenance: p}\n",
			"ops.row_broadcast: missing (required with a parallel section"},
		{"partial section on a serial base", serial + "parallel:\n  controllers: {value: 2, provenance: p}\n", "parallel.tokens: missing"},
		{"no controllers", par + "parallel:\n  controllers: {value: 0, provenance: p}\n", "parallel.controllers: 0 outside [1, 4096]"},
		{"group beyond the field", par + "parallel:\n  group_subarrays: {value: 4096, provenance: p}\n", "parallel.group_subarrays: 4096 outside [1, 4095] (its size is a 12-bit field)"},
		{"tokens", par + "parallel:\n  tokens: {value: 70000, provenance: p}\n", "parallel.tokens: 70000 outside [1, 65536]"},
		{"issue width", par + "parallel:\n  issue_width: {value: 0, provenance: p}\n", "parallel.issue_width: 0 outside"},
		{"buffer ports", par + "parallel:\n  buffer_ports: {value: 0, provenance: p}\n", "parallel.buffer_ports: 0 outside"},
		{"unknown key", par + "parallel:\n  lanes: {value: 2, provenance: p}\n", "field lanes not found"},
		{"broadcast basis", par + "ops:\n  row_broadcast:\n    energy: {value: 1, unit: fJ/word, provenance: p}\n", `basis "word" not allowed for row_broadcast`},
		{"sync latency", par + "ops:\n  sync:\n    latency: {value: 0, unit: ns, provenance: p}\n", "ops.sync.latency: 0 ns must be > 0"},
		{"cost without provenance", par + "ops:\n  link:\n    latency: {value: 1, unit: ns}\n", "ops.link.latency: missing provenance"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	// The serial machine may give the costs without the section (a sweep
	// file prepared for both); they change nothing architectural.
	tg, err := Parse("s.yaml", []byte(serial+"ops:\n  sync:\n    latency: {value: 3, unit: ns, provenance: p}\n    energy: {value: 1, unit: pJ/op, provenance: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if fp := tg.Fingerprint(); hex.EncodeToString(fp[:]) != serialFP || tg.Cost(OpSync).LatencyNS != 3 {
		t.Errorf("serial with a sync cost: fingerprint %x, sync %+v", fp, tg.Cost(OpSync))
	}
}
