package sim

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// busySrc is a two-stage pipeline of up to 8 frames (count word 100): per
// frame each stage waits for its token, writes four rows of its own
// sub-array (4 x 10 ns with slowWrites: the period), adds on its DPU
// (1 ns), stores a word through its buffer port (1 ns), signals and loops:
// nine instructions (9 ns of issue slots) per 40 ns. Stage 0 first writes
// eight rows (80 ns of fill) and stage 1 last writes eight (80 ns of
// drain), outside the steady state.
const busySrc = `
.stream 0 entry=s0
.stream 1 entry=s1
.frames 8 count_addr=100
s0:
    ld r1, [r0+100]
    pzero p0
    wrp [r0+0], [r0+8], p0, 0
    wrp [r0+0], [r0+9], p0, 0
    wrp [r0+0], [r0+10], p0, 0
    wrp [r0+0], [r0+11], p0, 0
    wrp [r0+0], [r0+12], p0, 0
    wrp [r0+0], [r0+13], p0, 0
    wrp [r0+0], [r0+14], p0, 0
    wrp [r0+0], [r0+15], p0, 0
f0:
    twait 1
    wrp [r0+0], [r0+0], p0, 0
    wrp [r0+0], [r0+1], p0, 0
    wrp [r0+0], [r0+2], p0, 0
    wrp [r0+0], [r0+3], p0, 0
    vadd v0, v0, v0
    st r1, [r0+200]
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
    vadd v0, v0, v0
    st r1, [r0+201]
    tsig 1
    dbnz r1, f1
    wrp [r0+64], [r0+8], p0, 0
    wrp [r0+64], [r0+9], p0, 0
    wrp [r0+64], [r0+10], p0, 0
    wrp [r0+64], [r0+11], p0, 0
    wrp [r0+64], [r0+12], p0, 0
    wrp [r0+64], [r0+13], p0, 0
    wrp [r0+64], [r0+14], p0, 0
    wrp [r0+64], [r0+15], p0, 0
    halt
`

// TestSteadyStateResources: in a pipelined batch the controllers' issue
// slots, DPUs and buffer ports are measured over the steady-state window,
// as the sub-arrays are. The window (286 ns) runs from stage 1 taking
// frame 0 to stage 0's halt: each stage does 7 of its 8 frames inside it
// (stage 0 frames 1-7, stage 1 frames 0-6), so each DPU and port works
// exactly 7 ns there; stage 0 issues 63 instructions inside (frames 1-7,
// 7 x 9, less frame 1's twait, issued 1 ns before stage 1 sees frame 0's
// signal, plus the halt), stage 1 63 (frames 0-6 less frame 0's twait,
// issued during the fill, plus frame 7's twait). The whole run (fill and drain) gives at most 80% of those
// fractions; the text lines say which; a batch of one frame per run stays
// over the whole run.
func TestSteadyStateResources(t *testing.T) {
	e, err := Prepare(asm(t, busySrc), slowWrites())
	if err != nil {
		t.Fatal(err)
	}
	_, rep, err := e.RunBatch(make([][]*tensor.Tensor, 8), BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{ // ns of work inside the window
		"controller 0 issue": 63, "controller 1 issue": 63,
		"DPU 0": 7, "DPU 1": 7, "buffer port 0": 7, "buffer port 1": 7,
	}
	if rep.SteadyStateNS != 286 {
		t.Fatalf("steady state %g ns, want 286", rep.SteadyStateNS)
	}
	seen := 0
	for _, u := range rep.Resources {
		w, ok := want[u.Resource]
		if !ok {
			continue
		}
		seen++
		w /= rep.SteadyStateNS
		whole := u.BusyNS * float64(rep.Images) / rep.Batch.LatencyNS
		if !u.SteadyState || math.Abs(u.Utilisation-w) > 1e-9 || whole > 0.8*w {
			t.Errorf("%s: %.4f over the steady state (%v), %.4f over the run; want %.4f over the steady state and at most 80%% of it over the run",
				u.Resource, u.Utilisation, u.SteadyState, whole, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d resources reported: %+v", seen, len(want), rep.Resources)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"controllers", "DPUs", "buffer ports"} {
		if !strings.Contains(buf.String(), "  "+l) || !strings.Contains(buf.String(), "%) over the steady state\n") {
			t.Errorf("the %s line is not over the steady state:\n%s", l, buf.String())
		}
	}
	_, one, err := e.RunBatch(make([][]*tensor.Tensor, 1), BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range one.Resources {
		if u.SteadyState {
			t.Errorf("one frame: %s over a steady state", u.Resource)
		}
	}
}

// issueSrc is a three-stage pipeline of up to 8 frames bound by issue:
// per frame each stage runs 2000 trips of a nop loop (4004 instructions
// with its twait, li, tsig and dbnz; stage 1, with two of each token
// instruction, 4006: the period), so in the steady state every controller
// issues (nearly) every cycle. Tokens: 0 and 1 full and free between
// stages 0 and 1, 2 and 3 between 1 and 2.
const issueSrc = `
.stream 0 entry=s0
.stream 1 entry=s1
.stream 2 entry=s2
.frames 8 count_addr=100
s0:
    ld r1, [r0+100]
f0:
    twait 1
    li r2, 2000
l0:
    nop
    dbnz r2, l0
    tsig 0
    dbnz r1, f0
    halt
s1:
    ld r1, [r0+100]
    tsig 1
    tsig 1
f1:
    twait 0
    twait 3
    li r2, 2000
l1:
    nop
    dbnz r2, l1
    tsig 2
    tsig 1
    dbnz r1, f1
    halt
s2:
    ld r1, [r0+100]
    tsig 3
    tsig 3
f2:
    twait 2
    li r2, 2000
l2:
    nop
    dbnz r2, l2
    tsig 3
    dbnz r1, f2
    halt
`

// TestSteadyStateMarks: stage 0 runs frames ahead of stage 2, so when the
// window opens (stage 2 takes frame 0) it has issued past the instant; its
// work up to the instant comes from its marks, which are thinned (never
// maxMarks of them, further apart) over the 32,000 instructions of each
// stream: every controller still measures its share of the 4006 ns period
// (4004 or 4006 ns of issue) over the steady state, within the spacing of
// the marks at the window's two ends (counting stage 0's work past the
// instant would give far less), against under 90% over the whole run.
func TestSteadyStateMarks(t *testing.T) {
	m, st := runFrames(t, issueSrc, 8)
	for c, l := range m.win.marks {
		if len(l) >= maxMarks || m.win.every[c] <= markEvery {
			t.Errorf("controller %d: %d marks %d ps apart; want fewer than %d, thinned", c, len(l), m.win.every[c], maxMarks)
		}
	}
	rep := m.exe.BuildReport([]*RunStats{st})
	seen := 0
	for _, u := range rep.Resources {
		if u.Kind != "issue" {
			continue
		}
		seen++
		want := 4004.0 / 4006
		if u.Index == 1 {
			want = 1
		}
		// a mark at either end misses at most its spacing of issue time
		tol := 2*float64(m.win.every[u.Index])/float64(st.WindowPS) + 1e-4
		whole := u.BusyNS * float64(rep.Images) / rep.Batch.LatencyNS
		if !u.SteadyState || math.Abs(u.Utilisation-want) > tol || whole > 0.9 {
			t.Errorf("%s: %.5f over the steady state (want %.5f within %.5f), %.3f over the run", u.Resource, u.Utilisation, want, tol, whole)
		}
	}
	if seen != 3 {
		t.Errorf("%d controllers issued, want 3", seen)
	}
}

// TestSteadyStateLinks: a bank's link is measured over the steady-state
// window as the other shared resources are. In busySrc with stage 1
// writing sub-array 1 (bank 0, not its own) each of its row writes holds
// bank 0's link for the link latency; inside the window stage 1 does its
// frames 0-6 (as in TestSteadyStateResources): exactly 7 x 4 holds there,
// while its fill (none) and drain rows (8 of them, on the link too) fall
// outside.
func TestSteadyStateLinks(t *testing.T) {
	src := strings.ReplaceAll(busySrc, "wrp [r0+64]", "wrp [r0+1]")
	tgt := slowWrites()
	e, err := Prepare(asm(t, src), tgt)
	if err != nil {
		t.Fatal(err)
	}
	_, rep, err := e.RunBatch(make([][]*tensor.Tensor, 8), BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hold := tgt.Ops.Link.Latency.Value
	if rep.SteadyStateNS <= 0 {
		t.Fatal("no steady state")
	}
	found := false
	for _, u := range rep.Resources {
		if u.Resource != "link 0" {
			continue
		}
		found = true
		want := 7 * 4 * hold / rep.SteadyStateNS
		whole := u.BusyNS * float64(rep.Images) / rep.Batch.LatencyNS
		if !u.SteadyState || math.Abs(u.Utilisation-want) > 1e-9 || whole >= want {
			t.Errorf("link 0: %.4f over the steady state (%v), %.4f over the run; want %.4f (7 x 4 holds of %g ns in %g ns) over the steady state, more than over the run",
				u.Utilisation, u.SteadyState, whole, want, hold, rep.SteadyStateNS)
		}
	}
	if !found {
		t.Fatalf("no link 0 in %+v", rep.Resources)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "  links") || strings.Contains(buf.String(), "busiest link 0: 0.0%") {
		t.Errorf("links line:\n%s", buf.String())
	}
}
