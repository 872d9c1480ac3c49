package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestGbmacTimingMemoStretchEdge: a one-group gbmac run whose
// representative's latest timer is exactly one cycle after the issue time
// opens no covered stretch (its first gbmac dispatches at that timer),
// while one whose timers are all earlier opens one at t0 + cycle. The
// memo must not give the second's stretch to the first (the fourth key is
// clamped below one cycle, not at it).
func TestGbmacTimingMemoStretchEdge(t *testing.T) {
	tgt := target.Default()
	prog := multiMemoProgram(rand.New(rand.NewPCG(3, 4)), tgt)
	m, err := Load(prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	pc := -1
	for i, in := range m.exe.code {
		if in.op == isa.OpGbmac {
			pc = i
			break
		}
	}
	if pc < 0 {
		t.Fatal("no gbmac in the program")
	}
	cyc := m.exe.cost.cycle
	const t0 = 1_000_000
	timing := func(latest int64) gbTiming {
		st := &RunStats{PC: make([]PCStat, len(m.exe.code))}
		rep := &subarray{arrayFree: t0 - 5*cyc, countFree: t0 - 5*cyc, shaddFree: latest}
		return m.gbmacTiming(st, pc, 1, t0, rep)
	}
	fresh := func(latest int64) gbTiming {
		m.gbCache = nil
		return timing(latest)
	}
	for _, c := range []struct{ first, second int64 }{
		{t0 + cyc/2, t0 + cyc}, // cached below one cycle, asked at one cycle
		{t0 + cyc, t0 + cyc/2},
		{t0 - 3*cyc, t0 + cyc},
	} {
		want := fresh(c.second)
		m.gbCache = nil
		timing(c.first)
		if got := timing(c.second); got != want {
			t.Errorf("latest timer t0%+d ps after t0%+d ps: memo gives %+v, computed %+v", c.second-t0, c.first-t0, got, want)
		}
	}
	if a, b := fresh(t0+cyc/2).stretch, fresh(t0+cyc).stretch; a == b {
		t.Errorf("the two cases open the same stretch (%d): the test does not exercise the edge", a)
	}
}
