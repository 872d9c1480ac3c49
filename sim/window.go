package sim

import (
	"math"
	"sort"
)

// The steady-state window of a pipelined run (docs/PARALLEL.md §7.1): a run
// of n >= 2 frames of a program with several streams fills its pipeline,
// streams frames through it and drains it. The busy figure of such a run is
// integrated over the steady state only: from the time the last of the
// streams that wait at all first passes a twait (frame 0 has reached every
// stage: the pipeline is full; the last stage, or a helper of it) to the
// time stream 0 (the first stage) halts (no new frame enters). Until
// 2026-12-05 (s4) the window waited for the highest-numbered stream, which
// was the last stage's while controllers were given out in stage order;
// numbered by banks (docs/BACKEND.md §8) a stage of pool ops alone may
// have the highest number and pass its first twait before the last stage. At each end the machine takes the busy time of every
// touched sub-array up to that instant: its union busy time less the part
// of its last covered stretch that lies beyond the instant (exact when the
// instant falls in that stretch or the gap before it, which a stage's
// sub-arrays working frame after frame make the rule).

//
// The controllers' issue slots, DPUs and buffer ports are windowed too. A
// controller's work up to an instant is what the instructions it issued
// before the instant charged: its issued instructions (one issue slot
// each), its DPU work and its port work (timing.dpuWork, portWork). The
// stream that finds an instant is not where the others are: they may be
// behind it (a halt dispatches when its units finish, the others issue
// meanwhile) or a little past it. So every controller of a windowed run
// logs marks of its totals as its issue clock advances, at least markEvery
// apart, plus one where it passes a twait or halts, and the window's work
// is computed when the run ends: each controller's last mark at or before
// each end. That misses at most the work issued between a mark and the
// instant: less than the mark spacing of issue time, which starts at
// markEvery and doubles whenever a controller's log reaches maxMarks
// (every other mark is dropped), so the logs stay small and the error at
// each end stays below 2 / maxMarks of the run's time. Links are per bank,
// not per controller: each keeps its busy time and last covered stretch
// (bankLink), read at the two instants as the sub-arrays are.

// markEvery is the initial spacing of a controller's marks (ps of issue
// time), maxMarks the longest log before it is thinned.
const (
	markEvery = 1000
	maxMarks  = 4096
)

// ctlMark is a controller's work up to issue time at: instructions issued,
// DPU and port work (ps).
type ctlMark struct{ at, issued, dpu, port int64 }

// twaitEntry is a twait the window's opener passed: when, and its pc.
type twaitEntry struct {
	at int64
	pc int32
}

// window is the state of the steady-state window of one run.
type window struct {
	start, end int64           // -1: not reached
	at0        map[int32]int64 // busy time of each sub-array up to start
	busy       int64           // sum over sub-arrays of busy time in [start, end)
	links      []int64         // per bank link, its busy time up to start, then in [start, end)

	marks [][]ctlMark // per controller, its logged marks, in issue order
	every []int64     // per controller, the spacing of its marks

	// entries are the twaits each stream passed, in order (by
	// controller). The twait of a stream's frame loop, passed once per
	// frame, times the frames entering its stage (finishWindow); the
	// stream that opened the window (opener) is the last stage's.
	// passed: the streams that passed a twait, left how many of those
	// that wait have not yet.
	entries [][]twaitEntry
	opener  int
	passed  []bool
	left    int
}

func (w *window) reset() {
	marks, every, entries, links, passed := w.marks, w.every, w.entries, w.links[:0], w.passed
	*w = window{start: -1, end: -1, marks: marks, every: every, entries: entries, links: links, passed: passed, left: -1}
	clear(w.passed)
	for c := range w.entries {
		w.entries[c] = w.entries[c][:0]
	}
	for c := range w.marks {
		w.marks[c] = w.marks[c][:0]
		w.every[c] = markEvery
	}
}

// nextMark is the issue time at which the running controller logs its next
// mark (exec checks it with the stream limit): never outside a windowed
// run.
func (m *Machine) nextMark() int64 {
	w := &m.win
	if !m.windowed() {
		return math.MaxInt64
	}
	if w.marks == nil {
		w.marks, w.every = make([][]ctlMark, len(m.ctls)), make([]int64, len(m.ctls))
		for c := range w.every {
			w.every[c] = markEvery
		}
	}
	l := w.marks[m.cur]
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1].at + w.every[m.cur]
}

// ctlNow is the running controller's work so far, at issue time issue with
// steps instructions issued by the machine (exec's count).
func (m *Machine) ctlNow(issue, steps int64) ctlMark {
	return ctlMark{issue, m.ctls[m.cur].issued + steps - m.slice0, m.tm.dpuWork, m.tm.portWork}
}

// mark logs the running controller's work at issue time issue and returns
// the time of its next mark.
func (m *Machine) mark(issue, steps int64) int64 {
	w := &m.win
	c := m.cur
	l := append(w.marks[c], m.ctlNow(issue, steps))
	if len(l) >= maxMarks { // thin: keep every other mark, twice as far apart
		k := 0
		for i := 0; i < len(l); i += 2 {
			l[k] = l[i]
			k++
		}
		l = l[:k]
		w.every[c] *= 2
	}
	w.marks[c] = l
	return m.nextMark()
}

// ctlUpTo is controller c's work up to instant t: its last mark at or
// before t (see above).
func (w *window) ctlUpTo(c int, t int64) ctlMark {
	l := w.marks[c]
	i := sort.Search(len(l), func(i int) bool { return l[i].at > t })
	if i == 0 {
		return ctlMark{}
	}
	return l[i-1]
}

// twaitPassed notes that the running stream, at issue time issue with
// steps issued by the machine, passed the twait at pc at d.
func (m *Machine) twaitPassed(d, issue, steps int64, pc int) {
	if !m.windowed() {
		return
	}
	m.mark(issue, steps)
	w := &m.win
	if w.entries == nil {
		w.entries = make([][]twaitEntry, len(m.ctls))
	}
	w.entries[m.cur] = append(w.entries[m.cur], twaitEntry{d, int32(pc)})
	if w.start >= 0 {
		return
	}
	if w.left < 0 { // the first twait of the run
		w.passed = make([]bool, len(m.exe.waits))
		w.left = 0
		for _, x := range m.exe.waits {
			if x {
				w.left++
			}
		}
	}
	if !w.passed[m.cur] {
		w.passed[m.cur] = true
		if m.exe.waits[m.cur] {
			w.left--
		}
	}
	if w.left > 0 {
		return
	}
	w.opener = m.cur
	w.start = d
	w.at0 = map[int32]int64{}
	for _, s := range m.touched {
		w.at0[int32(s)] = m.sas[s].busyUpTo(d)
	}
	for i := range m.links {
		w.links = append(w.links, m.links[i].busyUpTo(d))
	}
}

// haltPassed notes that the running stream, at issue time issue with steps
// issued by the machine, halted at d.
func (m *Machine) haltPassed(d, issue, steps int64) {
	if !m.windowed() {
		return
	}
	m.mark(issue, steps)
	w := &m.win
	if w.start < 0 || w.end >= 0 || m.cur != 0 || d <= w.start {
		return
	}
	w.end = d
	for _, s := range m.touched {
		w.busy += m.sas[s].busyUpTo(d) - w.at0[int32(s)]
	}
	for i := range w.links {
		w.links[i] = max(m.links[i].busyUpTo(d)-w.links[i], 0)
	}
}

// finishWindow records the window of the run in st (nothing when the run
// had none: one frame, one stream, or a stream 0 that halted first): its
// length, the sub-arrays' busy time and every controller's issue slots,
// DPU and buffer port work inside it (RunStats.WindowWork).
func (m *Machine) finishWindow(st *RunStats) {
	w := &m.win
	// The steady period, measured: from frame 1 entering a stage to frame
	// n-1 entering it, n-2 periods (frame 0 to 1 with two frames), at the
	// stage where that takes longest. Frame 0's entry is the end of the
	// fill, and may carry the stage's one-time work besides: a window
	// stage writes its first layer's weights at frame 0, and frame 1 waits
	// while they are written. The stage then catches up, a frame at a time,
	// faster than the pipeline's period (VGG-11-BN: the window stage takes
	// frames 1 to 4 at 131 us, then every 185 us). So at that stage, frame 1
	// to n-1 spans less than n-2 periods. Until s12 only the last stage
	// was timed, and VGG-11-BN's steady state read 5,757 FPS where every
	// stream before the window ran a frame every 185 us (5,400 FPS). Every
	// stage streams at the pipeline's rate once it is full, so the slowest
	// measured span is the period. A stage catching up, or one filling a
	// ring ahead of a slower one, only shortens its own span.
	// A window that closes (stream 0 halting) before frame 1 has entered
	// the last stage holds no steady state: the first stage streamed the
	// whole run into a ring as deep as the run while the last stage was
	// still at its first frame (a window stage writing its weights,
	// docs/PARALLEL.md §8.2). Its busy figure would be of that stretch
	// alone (MobileNetV2 -window auto: 36 us of a 4.2 ms run); the report
	// then gives the whole run's.
	degenerate := false
	if n := m.frames; n >= 2 && w.entries != nil {
		from := min(1, n-2)
		for c, l := range w.entries {
			at, ok := frameEntries(l, n)
			if !ok {
				continue
			}
			if d := at[n-1] - at[from]; d > st.FramePeriodsPS {
				st.FramePeriodsPS, st.FramePeriods = d, int64(n-1-from)
			}
			if c == w.opener && w.start >= 0 {
				degenerate = n >= 3 && w.end >= 0 && w.end <= at[1]
			}
		}
	}
	if w.end <= w.start || w.start < 0 || degenerate {
		return
	}
	st.WindowPS, st.WindowBusyPS = w.end-w.start, w.busy
	e := m.exe
	st.WindowWork = make([]int64, e.shared.total)
	slot := e.cost.cycle / issueWidth(e.Target)
	for c := range w.marks {
		a, b := w.ctlUpTo(c, w.start), w.ctlUpTo(c, w.end)
		st.WindowWork[e.shared.id(ResIssue, c)] += max(b.issued-a.issued, 0) * slot
		st.WindowWork[e.shared.id(ResDPU, c)] += max(b.dpu-a.dpu, 0)
		st.WindowWork[e.shared.id(ResPort, m.portOf(c))] += max(b.port-a.port, 0)
	}
	if e.shared.n[ResLink] > 0 {
		for i, busy := range w.links {
			st.WindowWork[e.shared.id(ResLink, i)] += busy
		}
	}
}

// frameEntries are the n times a stream passed its frame loop's twait
// (its entries l), one per frame: of the twaits it passed exactly n times,
// the one it passed first. Counting every twait instead (until 2026-12-06,
// s10: the entries divided by n, taken as the twaits per frame) mistimed a
// window stage (docs/PARALLEL.md §8.2), whose stream passes its first op's
// twaits once per frame, then its later ops' (weights, late pieces): the
// (n-1)p-th entry was not frame n-1's. A stream that passes no twait
// exactly n times has no measured period (ok false).
func frameEntries(l []twaitEntry, n int) ([]int64, bool) {
	count := map[int32]int{}
	for _, en := range l {
		count[en.pc]++
	}
	for _, frame := range l {
		if count[frame.pc] != n {
			continue
		}
		at := make([]int64, 0, n)
		for _, en := range l {
			if en.pc == frame.pc {
				at = append(at, en.at)
			}
		}
		return at, true
	}
	return nil, false
}

// windowed reports whether the running program's runs have a window.
func (m *Machine) windowed() bool { return m.multi && m.frames >= 2 }

// busyUpTo is the busy time of sa before t.
func (sa *subarray) busyUpTo(t int64) int64 {
	be := max(sa.arrayFree, sa.countFree, sa.shaddFree)
	return sa.busy - max(be-max(t, sa.runStart), 0)
}
