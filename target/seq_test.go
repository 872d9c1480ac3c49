package target

import (
	"strings"
	"testing"
)

// TestPlaneSequencer: the plane sequencer (ISA v1.7) is architectural
// only when present (a description without it keeps its fingerprint), it
// needs ops.plane_step and a positive number of sequences, and its area is
// banks x sequences x area.
func TestPlaneSequencer(t *testing.T) {
	seq, err := Load("testdata/plane-sequencer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The default has the sequencer since s8, with plane-sequencer.yaml's
	// values; GbmacPreset is the default before it.
	if Default().Fingerprint() != seq.Fingerprint() || Default().CostFingerprint() != seq.CostFingerprint() {
		t.Error("the default is not plane-sequencer.yaml's description")
	}
	def, err := Preset(GbmacPreset)
	if err != nil {
		t.Fatal(err)
	}
	if !seq.HasPlaneSequencer() || !seq.Arch().PlaneSequencer || def.HasPlaneSequencer() || def.Arch().PlaneSequencer {
		t.Fatal("HasPlaneSequencer / Arch.PlaneSequencer wrong")
	}
	if seq.Fingerprint() == def.Fingerprint() || !strings.Contains(seq.archText(), "plane_sequencer=1\n") || strings.Contains(def.archText(), "plane_sequencer") {
		t.Error("the sequencer is not (only) in the sequencer's fingerprint")
	}
	if seq.PlaneSequences() != 16 || def.PlaneSequences() != 0 || seq.Cost(OpPlaneStep).LatencyNS != 1 || seq.Cost(OpPlaneStep).EnergyFJ != 100 || def.HasOp(OpPlaneStep) {
		t.Errorf("sequences %d, plane_step %+v", seq.PlaneSequences(), seq.Cost(OpPlaneStep))
	}
	var area float64
	for _, it := range seq.AreaBreakdown() {
		if it.Name == "plane sequencers" {
			area = it.UM2
		}
	}
	if area != 16*16*400 {
		t.Errorf("plane sequencers' area %v um2, want 16 banks x 16 x 400", area)
	}
	for _, c := range []struct{ yaml, want string }{
		{"parallel:\n  plane_sequencer:\n    sequences: {value: 1, provenance: x}\n    area: {value: 1, unit: um2, provenance: x}\n", "ops.plane_step: missing (required with parallel.plane_sequencer"},
		{"parallel:\n  plane_sequencer:\n    sequences: {value: 0, provenance: x}\n    area: {value: 1, unit: um2, provenance: x}\nops:\n  plane_step:\n    latency: {value: 1, unit: ns, provenance: x}\n    energy: {value: 1, unit: fJ/op, provenance: x}\n", "parallel.plane_sequencer.sequences: 0 outside [1, 4096]"},
	} {
		_, err := Parse("t.yaml", []byte("name: t\nbase: "+GbmacPreset+"\n"+c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
