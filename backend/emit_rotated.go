package backend

import "github.com/pimc-dev/pimc/isa"

// A sequenced filter loop on sub-arrays with one accumulator each runs,
// per filter, the round's gdots and then their drains: the drains wait
// for the sequences (the controller is in order), and the loop control
// (two addi and a dbnz) issues only after the last drain, so the
// sub-arrays idle for the drains, the loop control and the next gdot's
// dispatch between two sequences (docs/PARALLEL.md §8.7). Rotated, the
// loop body is filter i's drains followed at once by filter i+1's gdots,
// and the loop control issues while filter i+1's sequences run: a
// prologue issues filter 0's gdots, an epilogue drains the last filter.
// Every sub-array still sees gdot i, its drain, gdot i+1 in that order,
// into the same cleared accumulator: the outputs are bit-identical.

// rotated says whether m's filter loops are rotated: sequenced rounds
// without popcount correction (whose drains keep the accumulator,
// emit_pm.go) on one accumulator per sub-array (with two, the rounds are
// overlapped instead, emit_seqpipe.go).
func (m *matrix) rotated(e *emitter) bool {
	return m.sequenced(e) && !m.pm && e.arch.AccPerSubarray < 2
}

// emitFilterLoopRotated emits the rotated filter loop over the rounds
// stepping from act: rw and rln (cleared) offset the weight rows and
// lanes, rc holds the filters less one (at least one).
//
// A round's gdot over many sub-arrays has several drains (one per run of
// lanes a constant stride apart, vaccRuns), and its next gdot must wait
// for all of them. When the bank's sequencer can take it (splitGdots),
// the loop issues one gdot per drain run instead and each drain is
// followed at once by its own sub-arrays' next gdot, so a sub-array idles
// only for its own drain: the same steps on every sub-array, more gdot
// issues and plane steps (each group's steps are charged).
// hook (nil: none) is emitted before the epilogue's drains, while the
// last filter's sequences run (emit_dbuf.go).
func (c *compiler) emitFilterLoopRotated(m *matrix, tiles []tile, act []job, rs int64, saBase int, bases *groupBases, rw, rln, rc int64, hook func()) {
	e := c.e
	units := [][2]int{{0, len(act)}}
	if c.splitGdots(m, tiles, act) {
		units = vaccRuns(e, tiles, act)
	}
	for _, u := range units {
		c.emitGdots(m, tiles, act[u[0]:u[1]], bases, rw, 0, 0)
	}
	top := e.b.NewLabel("F")
	e.b.Label(top)
	for _, u := range units {
		c.emitDrains(tiles, act[u[0]:u[1]], rs, saBase, bases, rln, 0, 0)
		c.emitGdots(m, tiles, act[u[0]:u[1]], bases, rw, m.M, 0)
	}
	e.emit(isa.OpAddi, rw, rw, int64(m.M))
	e.emit(isa.OpAddi, rln, rln, 1)
	e.b.Branch(isa.OpDbnz, top, rc)
	if hook != nil {
		hook()
	}
	c.emitDrains(tiles, act, rs, saBase, bases, rln, 0, 0)
}

// splitGdots says whether a rotated filter loop over act issues one gdot
// per drain run: when its gdots (bmacRuns) have fewer runs than its
// drains and the split's gdots, all in flight at once, take at most
// half of a bank's sequences (the other half left to the streams that
// share the bank: pipeline stages and split layers).
func (c *compiler) splitGdots(m *matrix, tiles []tile, act []job) bool {
	e := c.e
	n := 0
	for _, u := range vaccRuns(e, tiles, act) {
		_, runs := bmacRuns(e, m, tiles, act[u[0]:u[1]])
		n += len(runs)
	}
	_, runs := bmacRuns(e, m, tiles, act)
	return n > len(runs) && int64(2*n) <= c.tgt.PlaneSequences()
}
