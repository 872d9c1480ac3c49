package sim

// The steady-state window of a pipelined run (docs/PARALLEL.md §7.1): a run
// of n >= 2 frames of a program with several streams fills its pipeline,
// streams frames through it and drains it. The busy figure of such a run is
// integrated over the steady state only: from the time the last stream
// (the last stage) first passes a twait (frame 0 has reached it: the
// pipeline is full) to the time stream 0 (the first stage) halts (no new
// frame enters). At each end the machine takes the busy time of every
// touched sub-array up to that instant: its union busy time less the part
// of its last covered stretch that lies beyond the instant (exact when the
// instant falls in that stretch or the gap before it, which a stage's
// sub-arrays working frame after frame make the rule).

// window is the state of the steady-state window of one run.
type window struct {
	start, end int64           // -1: not reached
	at0        map[int32]int64 // busy time of each sub-array up to start
	busy       int64           // sum over sub-arrays of busy time in [start, end)
}

func (w *window) reset() { *w = window{start: -1, end: -1} }

// windowed reports whether the running program's runs have a window.
func (m *Machine) windowed() bool { return m.multi && m.frames >= 2 }

// busyUpTo is the busy time of sa before t.
func (sa *subarray) busyUpTo(t int64) int64 {
	be := max(sa.arrayFree, sa.countFree, sa.shaddFree)
	return sa.busy - max(be-max(t, sa.runStart), 0)
}

// twaitPassed notes that the running stream passed a twait at d.
func (m *Machine) twaitPassed(d int64) {
	w := &m.win
	if !m.windowed() || w.start >= 0 || m.cur != len(m.exe.Prog.Streams)-1 {
		return
	}
	w.start = d
	w.at0 = map[int32]int64{}
	for _, s := range m.touched {
		w.at0[int32(s)] = m.sas[s].busyUpTo(d)
	}
}

// haltPassed notes that the running stream halted at d.
func (m *Machine) haltPassed(d int64) {
	w := &m.win
	if !m.windowed() || w.start < 0 || w.end >= 0 || m.cur != 0 || d <= w.start {
		return
	}
	w.end = d
	for _, s := range m.touched {
		w.busy += m.sas[s].busyUpTo(d) - w.at0[int32(s)]
	}
}

// finishWindow records the window of the run in st (nothing when the run
// had none: one frame, one stream, or a stream 0 that halted first).
func (m *Machine) finishWindow(st *RunStats) {
	if w := &m.win; w.end > w.start && w.start >= 0 {
		st.WindowPS, st.WindowBusyPS = w.end-w.start, w.busy
	}
}
