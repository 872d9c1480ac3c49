package sim

import (
	"errors"
	"strings"
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
		// A declared source needs an instruction that can multiply
		// (isa.Validate): a copy of a conv bmac after the last halt.
		p.Sources = append(p.Sources, isa.Source{Layer: "idle", MACs: 999})
		p.Code = append(p.Code, firstOp(t, p, isa.OpBmac))
		p.Code[len(p.Code)-1].Src = int32(len(p.Sources) - 1)
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

// firstOp returns a copy of the first instruction of p with opcode op.
func firstOp(t *testing.T, p *isa.Program, op isa.Opcode) isa.Instr {
	t.Helper()
	for _, in := range p.Code {
		if in.Op == op {
			return in
		}
	}
	t.Fatalf("no %v in the program", op)
	return isa.Instr{}
}

// TestDeclaredMACsBound: a source may declare at most what its executed row
// ANDs can do (cols MACs per bmac, gbmac member or and, per image): the
// bound itself runs, one more is refused at the end of the run with a
// *MACBoundError naming the source, and a declaring source without any
// instruction that can multiply is refused by the loader (isa.Validate).
func TestDeclaredMACsBound(t *testing.T) {
	prog, ins, _ := isaProgram(t, "block.pasm")
	conv := -1
	for i, s := range prog.Sources {
		if s.Layer == "conv" {
			conv = i
		}
	}
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
	var ands int64
	for pc, in := range prog.Code {
		switch {
		case in.Src != int32(conv):
		case in.Op == isa.OpBmac || in.Op == isa.OpAnd:
			ands += st.PC[pc].Count
		case in.Op == isa.OpGbmac:
			ands += st.PC[pc].Count * in.Args[1]
		}
	}
	bound := ands * int64(target.Default().Arch().Cols)
	if ands == 0 {
		t.Fatal("block.pasm: the conv source executed no row AND")
	}
	run := func(declared int64) error {
		p := *prog
		p.Sources = append([]isa.Source(nil), prog.Sources...)
		p.Sources[conv].MACs = declared
		m, err := Load(&p, target.Default())
		if err != nil {
			return err
		}
		for n, v := range ins {
			if err := m.WriteInputRaw(n, v); err != nil {
				t.Fatal(err)
			}
		}
		_, err = m.Run()
		return err
	}
	if err := run(bound); err != nil {
		t.Fatalf("declared = bound %d: %v", bound, err)
	}
	err = run(bound + 1)
	var be *MACBoundError
	if !errors.As(err, &be) || be.Source != conv || be.ANDs != ands || !strings.Contains(err.Error(), "sources[1] (conv") {
		t.Fatalf("declared = bound+1: got %v, want a MACBoundError naming sources[%d] (conv) with %d ANDs", err, conv, ands)
	}
	// No instruction that can multiply: refused when loading.
	p := *prog
	p.Sources = append(append([]isa.Source(nil), prog.Sources...), isa.Source{Layer: "fake", MACs: 1})
	_, err = Load(&p, target.Default())
	if err == nil || !strings.Contains(err.Error(), "(fake): declares 1 MACs per inference but has no bmac, gbmac, gdot or and instruction") {
		t.Fatalf("a declaring source without a multiplying instruction: got %v", err)
	}
}
