package sim

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// TestIssueWidth: a controller of issue width 2 issues an instruction
// every half cycle, each dispatching a cycle after its slot: the bmacs on
// eight different sub-arrays go two per cycle, two on one sub-array never
// overlap on its cell array (the second waits for the first's sense), and
// every accumulator holds what single issue computes.
func TestIssueWidth(t *testing.T) {
	var b strings.Builder
	b.WriteString("    li r1, 1\n    li r2, 256\n    bfill r0, r2, r1\n    pzero p0\n    pld p0, 0, [r0+0], 256\n")
	for s := range 8 {
		fmt.Fprintf(&b, "    wrp [r0+%d], [r0+6], p0, 0\n", s)
	}
	for s := range 8 {
		fmt.Fprintf(&b, "    bmac [r0+%d], 6, [r0+6], a0, %d, pos\n", s, s)
	}
	b.WriteString("    bmac [r0+0], 6, [r0+6], a0, 8, pos\n    bmac [r0+0], 6, [r0+6], a0, 9, pos\n    halt\n")
	src := b.String()
	run := func(width int, trace *bytes.Buffer) (*Machine, *RunStats) {
		t.Helper()
		tgt, err := target.Parse("w.yaml", []byte(fmt.Sprintf("name: w%d\nbase: sot-mram-45nm\nparallel:\n  issue_width: {value: %d, provenance: test}\n", width, width)))
		if err != nil {
			t.Fatal(err)
		}
		p := asm(t, src)
		p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
		m, err := Load(p, tgt)
		if err != nil {
			t.Fatal(err)
		}
		if trace != nil {
			m.Trace = trace
		}
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return m, st
	}
	m1, st1 := run(1, nil)
	m2, st2 := run(2, nil)
	for s := range 8 {
		if m1.sas[s].acc[0] != m2.sas[s].acc[0] {
			t.Errorf("sub-array %d: width 2 %d, width 1 %d", s, m2.sas[s].acc[0], m1.sas[s].acc[0])
		}
	}
	if m1.sas[0].acc[0] != 256+256<<8+256<<9 || m1.sas[7].acc[0] != 256<<7 {
		t.Errorf("sub-array 0 %d, sub-array 7 %d; want %d, %d", m1.sas[0].acc[0], m1.sas[7].acc[0], 256+256<<8+256<<9, 256<<7)
	}
	if st2.LatencyPS >= st1.LatencyPS {
		t.Errorf("latency width 2 %d ps, width 1 %d ps", st2.LatencyPS, st1.LatencyPS)
	}
	// Traced (the per-instruction paths): pc, issue, dispatch in ns.
	var tr bytes.Buffer
	run(2, &tr)
	type ev struct{ issue, dispatch float64 }
	evs := map[int]ev{}
	for _, line := range strings.Split(strings.TrimSpace(tr.String()), "\n") {
		var pc int
		var e ev
		if _, err := fmt.Sscanf(line, "%d %f %f", &pc, &e.issue, &e.dispatch); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		evs[pc] = e
	}
	first := 5 + 8 // the bmac on sub-array 0
	for s := 1; s < 8; s++ {
		if d := evs[first+s].issue - evs[first+s-1].issue; d != 0.5 {
			t.Errorf("bmac on sub-array %d issues %.3f ns after the one before, want 0.5", s, d)
		}
		if d := evs[first+s].dispatch - evs[first+s].issue; d != 1 {
			t.Errorf("bmac on sub-array %d dispatches %.3f ns after its issue, want 1", s, d)
		}
	}
	// The two bmacs on sub-array 0 after them: 1.2 ns of sense apart.
	if d := evs[first+9].dispatch - evs[first+8].dispatch; d < 1.2-1e-9 {
		t.Errorf("two bmacs on one sub-array dispatched %.3f ns apart, want >= 1.2 (its sense)", d)
	}
	if d := evs[first+8].dispatch - evs[first].dispatch; d < 1.2-1e-9 {
		t.Errorf("bmac on sub-array 0 dispatched %.3f ns after the previous one on it, want >= 1.2", d)
	}
}
