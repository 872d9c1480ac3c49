package sim

import (
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// blockReport runs testdata/isa/block.pasm after modify changes its program.
func blockReport(t *testing.T, modify func(p *isa.Program)) *Report {
	t.Helper()
	prog, ins, _ := isaProgram(t, "block.pasm")
	modify(prog)
	m, err := Load(prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	for n, v := range ins {
		if err := m.WriteInputRaw(n, v); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	return m.Executable().BuildReport([]*RunStats{st, st})
}

// TestDeclaredMACs: a source with declared MACs reports them for every run
// that executes it ("declared"), others keep the bit-serial count
// ("counted"), a declared source that never runs reports 0, and GOPS and
// TOPS/W follow; a program declaring nothing omits macs_source.
func TestDeclaredMACs(t *testing.T) {
	base := blockReport(t, func(*isa.Program) {})
	conv := -1
	counted := map[string]float64{}
	for i, s := range base.Sources {
		counted[s.Layer] = s.MACs
		if s.MACsSource != "" {
			t.Errorf("source %s: macs_source %q in a program that declares nothing", s.Layer, s.MACsSource)
		}
		if s.Layer == "conv" {
			conv = i
		}
	}
	if conv < 0 || base.Sources[conv].MACs == 0 {
		t.Fatalf("block.pasm: no counted conv MACs in %+v", base.Sources)
	}
	rep := blockReport(t, func(p *isa.Program) {
		p.Sources[1].MACs = 12345 // "conv"
		p.Sources = append(p.Sources, isa.Source{Layer: "idle", MACs: 999})
	})
	want := base.MACs - base.Sources[conv].MACs + 12345
	checkNear(t, "MACs", rep.MACs, want)
	checkNear(t, "GOPS", rep.GOPS, 2*want/rep.PerInference.LatencyNS)
	checkNear(t, "TOPS/W", rep.TOPSPerW, 2*want/rep.PerInference.Energy.Total)
	checkNear(t, "latency", rep.PerInference.LatencyNS, base.PerInference.LatencyNS)
	for _, s := range rep.Sources {
		switch s.Layer {
		case "conv":
			if s.MACs != 12345 || s.MACsSource != "declared" {
				t.Errorf("conv: %g MACs (%s), want 12345 declared", s.MACs, s.MACsSource)
			}
		case "idle":
			if s.MACs != 0 || s.MACsSource != "declared" {
				t.Errorf("idle: %g MACs (%s), want 0 declared (never executed)", s.MACs, s.MACsSource)
			}
		default:
			if w, ok := counted[s.Layer]; !ok || s.MACs != w || s.MACsSource != "counted" {
				t.Errorf("%s: %g MACs (%s), want %g counted", s.Layer, s.MACs, s.MACsSource, w)
			}
		}
	}
}
