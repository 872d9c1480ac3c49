package target

import (
	"math"
	"strings"
	"testing"
)

// TestDefaultHost pins the default's host model in normalised units; the
// serial preset keeps the old default's cost fingerprint, so it has none.
func TestDefaultHost(t *testing.T) {
	c, ok := Default().HostCost()
	want := HostCost{OpNS: 1, OpPJ: 70, FunctionOps: 20, BitNS: 1.0 / 64, TransferNS: 100, BitPJ: 1}
	if !ok || c != want {
		t.Errorf("%+v (%v), want %+v", c, ok, want)
	}
	if s, _ := Preset(SerialPreset); s.Host != nil {
		t.Error("the serial preset has a host section")
	}
}

// TestHostFingerprint: the host section is a cost: not architectural, in
// the cost fingerprint; a partial section inherits the base's other keys;
// units convert.
func TestHostFingerprint(t *testing.T) {
	d := Default()
	for _, y := range []string{"op_latency: {value: 2, unit: ns, provenance: p}", "op_energy: {value: 4, unit: nJ/op, provenance: p}",
		"function_ops: {value: 30, provenance: p}", "interface_bandwidth: {value: 500, unit: MB/s, provenance: p}",
		"interface_latency: {value: 1, unit: us, provenance: p}", "interface_energy: {value: 500, unit: fJ/bit, provenance: p}"} {
		tg, err := Parse("o.yaml", []byte("name: o\nbase: sot-mram-45nm\nhost:\n  "+y+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if tg.Fingerprint() != d.Fingerprint() || tg.CostFingerprint() == d.CostFingerprint() {
			t.Errorf("%q: want the same fingerprint and another cost fingerprint", y)
		}
		if tg.Host.OpLatency.Value == 0 || tg.Host.InterfaceEnergy.Value == 0 {
			t.Errorf("%q: the other keys are not inherited from the base", y)
		}
	}
	tg, err := Parse("o.yaml", []byte("name: o\nbase: sot-mram-45nm\nhost:\n  op_energy: {value: 4, unit: nJ/op, provenance: p}\n  interface_bandwidth: {value: 500, unit: MB/s, provenance: p}\n  interface_energy: {value: 500, unit: fJ/bit, provenance: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tg.HostCost()
	if c.OpPJ != 4000 || math.Abs(c.BitNS-0.25) > 1e-15 || c.BitPJ != 0.5 {
		t.Errorf("4 nJ/op, 500 MB/s, 500 fJ/bit: %+v; want 4000 pJ/op, 0.25 ns/bit, 0.5 pJ/bit", c)
	}
	if got := tg.hostNormalised("host.op_energy"); got != "4000 pJ/op" {
		t.Errorf("normalised op energy %q", got)
	}
}

func TestHostErrors(t *testing.T) {
	base := "name: x\nbase: sot-mram-45nm\nhost:\n  "
	cases := []struct{ name, src, want string }{
		{"op latency unit", base + "op_latency: {value: 2, unit: pJ, provenance: p}\n", `host.op_latency: unit "pJ" is not a time unit`},
		{"op energy basis", base + "op_energy: {value: 2, unit: pJ/bit, provenance: p}\n", `host.op_energy: unit "pJ/bit" is not an energy per op`},
		{"interface energy basis", base + "interface_energy: {value: 2, unit: pJ/op, provenance: p}\n", `host.interface_energy: unit "pJ/op" is not an energy per bit`},
		{"bandwidth unit", base + "interface_bandwidth: {value: 2, unit: GHz, provenance: p}\n", `host.interface_bandwidth: unit "GHz" is not a bandwidth unit`},
		{"bandwidth zero", base + "interface_bandwidth: {value: 0, unit: GB/s, provenance: p}\n", "host.interface_bandwidth: 0 GB/s must be > 0"},
		{"negative latency", base + "interface_latency: {value: -1, unit: ns, provenance: p}\n", "host.interface_latency: -1 ns must be >= 0"},
		{"negative energy", base + "op_energy: {value: -1, unit: pJ/op, provenance: p}\n", "host.op_energy: -1 pJ/op must be >= 0"},
		{"function ops", base + "function_ops: {value: 0, provenance: p}\n", "host.function_ops: 0 must be >= 1"},
		{"no provenance", base + "op_energy: {value: 2, unit: pJ/op}\n", "host.op_energy: missing provenance"},
		{"not finite", base + "op_energy: {value: .inf, unit: pJ/op, provenance: p}\n", "host.op_energy: value +Inf is not finite"},
		{"unknown key", base + "cores: {value: 2, provenance: p}\n", "field cores not found"},
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
