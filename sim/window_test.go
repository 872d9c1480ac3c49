package sim

import (
	"bytes"
	"strings"
	"testing"
)

// pipeSrc is a two-stage pipeline over up to 4 frames (count word 100):
// stage 0 (stream 0) writes four rows of sub-array 0 per frame, stage 1
// (stream 1, bank 1) four rows of sub-array 64, after stage 0 has finished
// that frame (token 0: full, token 1: free, two slots).
const pipeSrc = `
.stream 0 entry=s0
.stream 1 entry=s1
.frames 4 count_addr=100
s0:
    ld r1, [r0+100]
    pzero p0
f0:
    twait 1
    wrp [r0+0], [r0+0], p0, 0
    wrp [r0+0], [r0+1], p0, 0
    wrp [r0+0], [r0+2], p0, 0
    wrp [r0+0], [r0+3], p0, 0
    tsig 0
    dbnz r1, f0
    halt
s1:
    ld r1, [r0+100]
    pzero p0
    tsig 1
    tsig 1
f1:
    twait 0
    wrp [r0+64], [r0+0], p0, 0
    wrp [r0+64], [r0+1], p0, 0
    wrp [r0+64], [r0+2], p0, 0
    wrp [r0+64], [r0+3], p0, 0
    tsig 1
    dbnz r1, f1
    halt
`

// TestSteadyStateBusy: the busy figure of a pipelined run of several frames
// is integrated over its steady state (stage 1 has its first frame until
// stage 0 halts), where both stages' sub-arrays write back to back: about
// 100%, where the whole run (fill and drain included) gives n / (n+1) =
// 80% for 4 frames; a one-frame run has no steady state.
func TestSteadyStateBusy(t *testing.T) {
	e, err := Prepare(asm(t, pipeSrc), slowWrites())
	if err != nil {
		t.Fatal(err)
	}
	m := e.NewMachine()
	run := func(n int) *RunStats {
		t.Helper()
		m.Reset()
		if err := m.SetFrames(n); err != nil {
			t.Fatal(err)
		}
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := run(4)
	r := e.BuildReport([]*RunStats{st})
	var whole int64
	for _, b := range st.Busy {
		whole += b.PS
	}
	wholeFrac := float64(whole) / float64(2*st.LatencyPS)
	if st.WindowPS <= 0 || r.SteadyStateNS != float64(st.WindowPS)/1000 {
		t.Fatalf("window %d ps, report %g ns", st.WindowPS, r.SteadyStateNS)
	}
	if r.SubarrayBusyFrac < 0.95 || r.SubarrayBusyFrac > 1 || wholeFrac > 0.85 {
		t.Errorf("busy %.3f over the steady state (want 0.95..1), %.3f over the run (want <= 0.85)", r.SubarrayBusyFrac, wholeFrac)
	}
	t.Logf("4 frames: latency %d ps, window %d ps, busy %.3f (steady state), %.3f (run)", st.LatencyPS, st.WindowPS, r.SubarrayBusyFrac, wholeFrac)
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"of the latency per image of 4-image runs; one image alone", "(steady state: 128 ns of pipelined runs)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
	if r.Runs != 1 || r.Images != 4 {
		t.Errorf("runs %d, images %d; want 1, 4", r.Runs, r.Images)
	}
	if one := run(1); one.WindowPS != 0 {
		t.Errorf("one frame: window %d ps, want none", one.WindowPS)
	}
}
