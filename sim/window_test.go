package sim

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// pipeSrc is a two-stage pipeline over up to 4 frames (count word 100):
// stage 0 (stream 0) writes four rows of sub-array 0 per frame, stage 1
// (stream 1, bank 1) four rows of sub-array 64, after stage 0 has finished
// that frame (token 0: full, token 1: free, two slots).
const pipeSrc = pipeStage0 + `s1:
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

// pipeStage0 is pipeSrc up to its stage 1: two streams, 4 frames, and
// stage 0 (4 row writes per frame on sub-array 0, paced by token 1).
const pipeStage0 = `
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

// TestSteadyStateGbmacRuns: the gbmac run fast path keeps the covered
// stretches the window needs: a pipeline of gbmac runs ends with the same
// stretches and steady-state busy time with it as on the general path (a
// traced run).
func TestSteadyStateGbmacRuns(t *testing.T) {
	var b strings.Builder
	for _, s := range []int{0, 1, 2, 3, 64, 65, 66, 67} {
		for row := range 2 {
			fmt.Fprintf(&b, ".weights sa=%d row=%d src=-1 hex=%s\n", s, row, strings.Repeat("5a", 32))
		}
	}
	run := strings.Repeat("    gbmac [r0], 4, 0, [r0+1], a0, 0, pos\n", 6)
	b.WriteString(`.stream 0 entry=s0
.stream 1 entry=s1
.frames 4 count_addr=100
s0:
    ld r1, [r0+100]
f0:
    twait 1
` + run + `    tsig 0
    dbnz r1, f0
    halt
s1:
    ld r1, [r0+100]
    li r6, 64
    tsig 1
    tsig 1
f1:
    twait 0
` + strings.ReplaceAll(run, "[r0], 4", "[r6], 4") + `    tsig 1
    dbnz r1, f1
    halt
`)
	e, err := Prepare(asm(t, b.String()), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	var got [2]*RunStats
	var ms [2]*Machine
	for i := range got {
		m := e.NewMachine()
		ms[i] = m
		if i == 1 {
			m.Trace = io.Discard
		}
		if err := m.SetFrames(4); err != nil {
			t.Fatal(err)
		}
		if got[i], err = m.Run(); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].WindowPS == 0 || got[0].WindowPS != got[1].WindowPS || got[0].WindowBusyPS != got[1].WindowBusyPS {
		t.Errorf("window %d ps busy %d ps (fast path), %d ps busy %d ps (general)", got[0].WindowPS, got[0].WindowBusyPS, got[1].WindowPS, got[1].WindowBusyPS)
	}
	for _, s := range ms[1].touched {
		if a, b := ms[0].sas[s].runStart, ms[1].sas[s].runStart; a != b {
			t.Errorf("sub-array %d: last covered stretch from %d ps (fast path), %d ps (general)", s, a, b)
		}
	}
}

// runFrames assembles src, prepares it for slowWrites and runs it as one
// run of n frames.
func runFrames(t *testing.T, src string, n int) (*Machine, *RunStats) {
	t.Helper()
	e, err := Prepare(asm(t, src), slowWrites())
	if err != nil {
		t.Fatal(err)
	}
	m := e.NewMachine()
	if err := m.SetFrames(n); err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	return m, st
}

// TestWindowAllStreams: the steady state opens when every stream that
// waits has passed a twait, not when the highest-numbered one has: a third
// stream that passes its only twait at once (as a stage of pool ops
// numbered after the last stage would, long before frame 0 reaches the
// last stage) leaves the window of pipeSrc as it was.
func TestWindowAllStreams(t *testing.T) {
	window := func(src string) int64 {
		t.Helper()
		_, st := runFrames(t, src, 4)
		return st.WindowPS
	}
	two := window(pipeSrc)
	three := window(strings.Replace(pipeSrc, ".stream 1 entry=s1\n", ".stream 1 entry=s1\n.stream 2 entry=s2\n", 1) + "s2:\n    tsig 7\n    twait 7\n    halt\n")
	if two <= 0 || three != two {
		t.Errorf("window with an early third stream %d ps, without %d ps", three, two)
	}
}
