package sim

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestSteadyStateFPS: pipeSrc's two stages each write four rows of their
// own sub-array per frame (4 x 10 ns with slowWrites), so once the
// pipeline is full a frame leaves every 40 ns: T_n = T_1 + (n - 1) x 40 ns
// and the steady state is exactly 25,000,000 FPS, where the run's n / T_n
// (fill and drain included) is lower. A batch of 6 on this 4-frame program
// runs 4 + 2 frames plus image 0 alone (T_1); one image has no steady
// state; the report is the same whatever the parallelism.
func TestSteadyStateFPS(t *testing.T) {
	e, err := Prepare(asm(t, pipeSrc), slowWrites())
	if err != nil {
		t.Fatal(err)
	}
	lat := map[int]int64{}
	for _, n := range []int{1, 2, 4} {
		_, st := runFrames(t, pipeSrc, n)
		lat[n] = st.LatencyPS
		// The steady period measured inside the run: frames enter the
		// last stage one period apart, timed from frame 1 (frame 0 with
		// two frames) to frame n-1.
		if want := int64(n - 1 - min(1, n-2)); n >= 2 && (st.FramePeriods != want || st.FramePeriodsPS != want*4*10000) {
			t.Errorf("%d frames: %d measured periods in %d ps, want %d in %d", n, st.FramePeriods, st.FramePeriodsPS, want, want*4*10000)
		}
	}
	const period = 4 * 10000 // ps: four row writes per frame on each stage
	if lat[2]-lat[1] != period || lat[4]-lat[1] != 3*period {
		t.Fatalf("T_1 %d, T_2 %d, T_4 %d ps: want a frame per %d ps once full", lat[1], lat[2], lat[4], period)
	}
	var reps []*Report
	for _, par := range []int{1, 2} {
		_, rep, err := e.RunBatch(make([][]*tensor.Tensor, 6), BatchOptions{Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	if !reflect.DeepEqual(reps[0], reps[1]) {
		t.Error("the steady state depends on the parallelism")
	}
	r := reps[0]
	if r.Images != 6 || r.Runs != 2 {
		t.Errorf("images %d, runs %d; want 6 in 2 (the single run is not the batch's)", r.Images, r.Runs)
	}
	if r.SingleImageNS != float64(lat[1])/1000 || r.PipelinedRuns != 2 || r.PipelinedFrames != 6 || r.PipelinedNS != float64(lat[4]+lat[2])/1000 {
		t.Errorf("single %g ns, %d runs of %d frames in %g ns; want %g ns, 2 runs of 6 frames in %g ns",
			r.SingleImageNS, r.PipelinedRuns, r.PipelinedFrames, r.PipelinedNS, float64(lat[1])/1000, float64(lat[4]+lat[2])/1000)
	}
	if want := 1e12 / period; r.SteadyStateFPS != want {
		t.Errorf("steady state %g FPS, want %g", r.SteadyStateFPS, want)
	}
	if want := 6e12 / float64(lat[4]+lat[2]); r.PipelinedFPS != want || r.PipelinedFPS >= r.SteadyStateFPS {
		t.Errorf("with fill and drain %g FPS, want %g (below the steady state)", r.PipelinedFPS, want)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  single image             77 ns (latency of image 0 alone: a one-frame run)\n",
		"  steady state             25000000 FPS (6 frames in 314 ns over 2 runs; 19108280 FPS with fill and drain)\n",
		"  throughput ", "  sub-arrays ",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
	_, one, err := e.RunBatch(make([][]*tensor.Tensor, 1), BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if one.SingleImageNS != 0 || one.SteadyStateFPS != 0 || one.PipelinedRuns != 0 {
		t.Errorf("one image: single %g ns, steady %g FPS, %d pipelined runs; want none", one.SingleImageNS, one.SteadyStateFPS, one.PipelinedRuns)
	}
	buf.Reset()
	if err := one.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "steady state  ") || strings.Contains(s, "single image") {
		t.Errorf("one image prints a steady state:\n%s", s)
	}
}

// windowLikeSrc is pipeSrc with a last stage shaped like a window stage
// (docs/PARALLEL.md §8.2): its frame loop (2 rows per frame, faster than
// stage 0's 4) is followed by a second loop over the frames with a twait of
// its own (a window's later op).
const windowLikeSrc = pipeStage0 + `
s1:
    ld r1, [r0+100]
    pzero p0
    tsig 1
    tsig 1
f1:
    twait 0
    wrp [r0+64], [r0+0], p0, 0
    wrp [r0+64], [r0+1], p0, 0
    tsig 1
    dbnz r1, f1
    ld r1, [r0+100]
f2:
    tsig 2
    twait 2
    wrp [r0+65], [r0+0], p0, 0
    dbnz r1, f2
    halt
`

// TestSteadyStateWindowLike: the steady period of windowLikeSrc's run of 4
// frames is stage 0's 40 ns, timed at the last stage's frame loop twait.
// Its stream passes 8 twaits, 4 in the frame loop and 4 in the later loop,
// so taking every twait as one of 2 per frame (before s10) timed a later
// loop's twait as frame 3's.
func TestSteadyStateWindowLike(t *testing.T) {
	m, st := runFrames(t, windowLikeSrc, 4)
	if n := len(m.win.entries[m.win.opener]); n != 8 {
		t.Fatalf("the last stage passed %d twaits, want 8 (the test's premise)", n)
	}
	if st.FramePeriods != 2 || st.FramePeriodsPS != 2*4*10000 {
		t.Errorf("%d measured periods in %d ps, want 2 in %d (stage 0's 40 ns)", st.FramePeriods, st.FramePeriodsPS, 2*4*10000)
	}
}

// catchUpSrc: pipeStage0 for 8 frames (stage 0 writes 4 rows per frame,
// 40 ns); the
// last stage grants it 4 ring slots, writes 12 rows of one-time work on
// its first frame (as a window stage writes its first op's weights), then
// 2 rows per frame (20 ns). So it takes frame 1 late and catches up at 20
// ns a frame: its frames 1 to 7 enter less than 6 periods apart, while
// stage 0 runs a frame every 40 ns throughout.
var catchUpSrc = strings.Replace(pipeStage0, ".frames 4", ".frames 8", 1) + `s1:
    ld r1, [r0+100]
    ld r2, [r0+100]
    pzero p0
    tsig 1
    tsig 1
    tsig 1
    tsig 1
f1:
    twait 0
    bne r1, r2, late
` + strings.Repeat("    wrp [r0+65], [r0+0], p0, 0\n", 12) + `late:
    wrp [r0+64], [r0+0], p0, 0
    wrp [r0+64], [r0+1], p0, 0
    tsig 1
    dbnz r1, f1
    halt
`

// TestSteadyStateCatchUp: the steady period of catchUpSrc's run of 8
// frames is stage 0's 40 ns: the slowest stage's span from frame 1 to 7,
// not the last stage's, which the one-time work at frame 0 shortened
// (until s12 the last stage's alone was timed: VGG-11-BN's window stage,
// docs/PARALLEL.md §8.12).
func TestSteadyStateCatchUp(t *testing.T) {
	m, st := runFrames(t, catchUpSrc, 8)
	last, first := m.win.entries[m.win.opener], m.win.entries[0]
	if m.win.opener != 1 || len(last) != 8 || len(first) != 8 {
		t.Fatalf("opener %d, %d and %d frame entries: want stream 1 the last stage, 8 each (the test's premise)", m.win.opener, len(first), len(last))
	}
	if span := last[7].at - last[1].at; span >= 6*4*10000 {
		t.Fatalf("the last stage's frames 1 to 7 span %d ps: it does not catch up (the test's premise)", span)
	}
	if st.FramePeriods != 6 || st.FramePeriodsPS != 6*4*10000 {
		t.Errorf("%d measured periods in %d ps, want 6 in %d (stage 0's 40 ns)", st.FramePeriods, st.FramePeriodsPS, 6*4*10000)
	}
}

// lateWindowSrc is pipeSrc with a last stage that writes 14 rows before
// its frame loop (as a window stage writes its first layer's weights) and
// grants stage 0 four slots, a ring as deep as the run: stage 0 streams
// its 4 frames (40 ns each) and halts at about 160 ns, after frame 0 has
// entered the last stage (140 ns) and before frame 1 does (180 ns: 4 rows
// per frame).
const lateWindowSrc = pipeStage0 + `
s1:
    ld r1, [r0+100]
    pzero p0
    tsig 1
    tsig 1
    tsig 1
    tsig 1
` + "    wrp [r0+66], [r0+0], p0, 0\n    wrp [r0+66], [r0+1], p0, 0\n    wrp [r0+66], [r0+2], p0, 0\n    wrp [r0+66], [r0+3], p0, 0\n    wrp [r0+66], [r0+4], p0, 0\n    wrp [r0+66], [r0+5], p0, 0\n    wrp [r0+66], [r0+6], p0, 0\n" +
	"    wrp [r0+66], [r0+7], p0, 0\n    wrp [r0+66], [r0+8], p0, 0\n    wrp [r0+66], [r0+9], p0, 0\n    wrp [r0+66], [r0+10], p0, 0\n    wrp [r0+66], [r0+11], p0, 0\n    wrp [r0+66], [r0+12], p0, 0\n    wrp [r0+66], [r0+13], p0, 0\n" + `
f1:
    twait 0
    wrp [r0+64], [r0+0], p0, 0
    wrp [r0+64], [r0+1], p0, 0
    wrp [r0+64], [r0+2], p0, 0
    wrp [r0+64], [r0+3], p0, 0
    dbnz r1, f1
    halt
`

// TestSteadyStateDegenerate: lateWindowSrc's run of 4 frames has a
// measured period (frames enter the last stage 40 ns apart) but no steady
// state to integrate busy over: stream 0 halts before frame 1 enters the
// last stage, so the run records no window (the report falls back to the
// whole run's busy), where it recorded the few ns between frame 0's entry
// and stream 0's halt before.
func TestSteadyStateDegenerate(t *testing.T) {
	m, st := runFrames(t, lateWindowSrc, 4)
	last := m.win.entries[m.win.opener]
	if len(last) != 4 || m.win.start < 0 || m.win.end <= m.win.start {
		t.Fatalf("window [%d, %d] ps with %d frame entries: want stream 0 to halt after frame 0 entered the last stage (the test's premise)", m.win.start, m.win.end, len(last))
	}
	if at1 := last[1].at; m.win.end > at1 {
		t.Fatalf("stream 0 halted at %d ps, after frame 1 entered the last stage at %d: the test no longer covers a degenerate window", m.win.end, at1)
	}
	if st.FramePeriods != 2 || st.FramePeriodsPS != 2*4*10000 {
		t.Errorf("%d measured periods in %d ps, want 2 in %d", st.FramePeriods, st.FramePeriodsPS, 2*4*10000)
	}
	if st.WindowPS != 0 || st.WindowBusyPS != 0 {
		t.Errorf("a steady-state window of %d ps (busy %d): want none", st.WindowPS, st.WindowBusyPS)
	}
}
