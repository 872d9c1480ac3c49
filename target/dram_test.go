package target

import (
	"math"
	"strings"
	"testing"
)

// TestDefaultDRAM pins the default's off-chip memory in the simulator's
// units: LPDDR4-3200 x32 (docs/ISA.md §4.1).
func TestDefaultDRAM(t *testing.T) {
	d := Default()
	if !d.HasDRAM() || d.DRAMWords() != 1<<29 || d.Arch().DRAMWords != 1<<29 {
		t.Fatalf("DRAM words %d, arch %d; want 2 GiB of 32-bit words = 2^29", d.DRAMWords(), d.Arch().DRAMWords)
	}
	if b := d.DRAMBitNS(); math.Abs(b-1.0/102.4) > 1e-15 {
		t.Errorf("bit time %v ns, want 1 / (12.8 GB/s x 8) = 1/102.4", b)
	}
	for _, k := range []OpKind{OpDRAMRead, OpDRAMWrite} {
		if c := d.Cost(k); c.LatencyNS != 53.5 || c.EnergyFJ != 20e3 || k.Per() != "bit" || !k.IsDRAM() {
			t.Errorf("%v: %+v per %s, want 53.5 ns and 20 pJ per bit", k, c, k.Per())
		}
	}
	if s, _ := Preset(SerialPreset); s.HasDRAM() || s.Cost(OpDRAMRead) != (Cost{}) || s.Arch().DRAMWords != 0 {
		t.Error("the serial preset has a DRAM")
	}
}

// TestDRAMFingerprint: the dram section is not architectural (a program
// that moves no words runs on any DRAM); it is in the cost fingerprint.
func TestDRAMFingerprint(t *testing.T) {
	d := Default()
	for _, y := range []string{"capacity: {value: 64, unit: MiB, provenance: p}", "bandwidth: {value: 25.6, unit: GB/s, provenance: p}",
		"latency: {value: 40, unit: ns, provenance: p}", "energy: {value: 4, unit: pJ/bit, provenance: p}"} {
		tg, err := Parse("o.yaml", []byte("name: o\nbase: sot-mram-45nm\ndram:\n  "+y+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if tg.Fingerprint() != d.Fingerprint() || tg.CostFingerprint() == d.CostFingerprint() {
			t.Errorf("%q: want the same fingerprint and another cost fingerprint", y)
		}
		if tg.DRAM.Latency.Value == 0 || tg.DRAM.Capacity.Value == 0 {
			t.Errorf("%q: the other keys are not inherited from the base", y)
		}
	}
	serial, _ := Preset(SerialPreset)
	if serial.CostFingerprint() == d.CostFingerprint() {
		t.Error("cost fingerprints equal")
	}
	tg, err := Parse("m.yaml", []byte("name: o\nbase: sot-mram-45nm\ndram:\n  capacity: {value: 8, unit: Gibit, provenance: p}\n  bandwidth: {value: 800, unit: MB/s, provenance: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tg.DRAMWords() != 1<<28 || math.Abs(tg.DRAMBitNS()-0.15625) > 1e-12 {
		t.Errorf("8 Gibit at 800 MB/s: %d words, %v ns/bit; want 2^28 and 0.15625", tg.DRAMWords(), tg.DRAMBitNS())
	}
}

func TestDRAMErrors(t *testing.T) {
	base := "name: x\nbase: sot-mram-45nm\ndram:\n  "
	serial := "name: x\nbase: sot-mram-45nm-serial\ndram:\n  "
	cases := []struct{ name, src, want string }{
		{"capacity unit", base + "capacity: {value: 2, unit: GB, provenance: p}\n", `dram.capacity: unit "GB" is not a capacity unit`},
		{"no word", base + "capacity: {value: 2, unit: B, provenance: p}\n", "dram.capacity: 2 B holds no 32-bit word"},
		{"bandwidth unit", base + "bandwidth: {value: 2, unit: GHz, provenance: p}\n", `dram.bandwidth: unit "GHz" is not a bandwidth unit`},
		{"bandwidth zero", base + "bandwidth: {value: 0, unit: GB/s, provenance: p}\n", "dram.bandwidth: 0 GB/s must be > 0"},
		{"latency unit", base + "latency: {value: 2, unit: GB/s, provenance: p}\n", `dram.latency: unit "GB/s" is not a time unit`},
		{"negative latency", base + "latency: {value: -1, unit: ns, provenance: p}\n", "dram.latency: -1 ns must be >= 0"},
		{"energy basis", base + "energy: {value: 2, unit: pJ/word, provenance: p}\n", `basis "word" not allowed for dram_read`},
		{"no provenance", base + "energy: {value: 2, unit: pJ/bit}\n", "dram.energy: missing provenance"},
		{"partial section on a serial base", serial + "latency: {value: 2, unit: ns, provenance: p}\n", "dram.capacity: missing"},
		{"unknown key", base + "channels: {value: 2, provenance: p}\n", "field channels not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}
