package backend

import "github.com/pimc-dev/pimc/isa"

// A gdot's drains (vacc, gvacc) wait for its sequence's last shift-add,
// and the controller's stream is in order: with a round's drains before
// the next round's gdot, the sub-arrays idle while the controller drains
// (docs/PARALLEL.md §9). With two accumulators per sub-array the next
// round's gdot goes first, into the other accumulator, so the sequencer
// starts it as soon as the round's steps are done while the controller
// drains the round. Each filter's sum is the same adds in the same order
// into a cleared accumulator: the outputs are bit-identical.

// overlapped says whether m's rounds keep a gdot sequence in flight while
// draining the previous one: sequenced rounds, at least two accumulators
// per sub-array, and no popcount correction (whose drains keep the
// accumulator, emit_pm.go).
func (m *matrix) overlapped(e *emitter) bool {
	return m.sequenced(e) && e.arch.AccPerSubarray >= 2 && !m.pm
}

// chunkBatched says whether m's lane chunks whose rounds use disjoint
// sub-arrays run as one batch (disjointChunks): sequenced rounds without
// popcount correction. Each chunk keeps its sub-arrays' accumulators and
// drains into its own DPU registers (chunkAccs), so one accumulator per
// sub-array suffices: a merged round issues every chunk's gdots, whose
// sequences then run at once on their sub-arrays, before the drains. With
// two accumulators the merged rounds are also overlapped.
func (m *matrix) chunkBatched(e *emitter) bool {
	return m.sequenced(e) && !m.pm
}

// batchWantsAccs says whether m's two lane chunks run as one batch
// (chunkBatched) at the price of their hoisted bias and multiplier
// vectors: unpacked, with two replicas per controller, the batch drains
// into v0, v6, v4 and v5 (chunkAccs), and hoisting puts the second
// chunk's vectors in v4 and v5, so the chunks' rounds would run one
// after the other. Unhoisted, each pixel reloads the vectors (two vldc
// per chunk) and the two chunks' sequences run at once on their disjoint
// sub-arrays (MobileNetV2's 96-channel 1x1 expansion, features.2: 24
// rounds per pixel instead of 48). Not for a layer split by chunks
// (kc > 1), whose pieces hold one chunk each.
func (m *matrix) batchWantsAccs(e *emitter, tiles []tile, rounds [][][]job, repTile [][]int, reps, packF, kc int) bool {
	if len(rounds) != 2 || kc > 1 || !m.chunkBatched(e) {
		return false
	}
	regs := reps
	if packF > 0 {
		regs = 1
	}
	if 2*regs <= len(chunkAccs(true, false)) || 2*regs > len(chunkAccs(false, false)) {
		return false
	}
	rl := make([]int, reps)
	for i := range rl {
		rl[i] = i
	}
	return disjointChunks(tiles, 0, 2, func(ci int) [][]job { return withReplicas(rounds[ci], repTile, rl, packF) }) == 2
}

// emitRoundsOverlapped emits a lane chunk's sequenced rounds all with each
// round's gdots before the previous round's drains, the rounds alternating
// between the sub-arrays' accumulators 0 and 1. A counted filter loop
// (consecutive rounds stepping every tile to its next filter) is unrolled
// by two, since the accumulator is an immediate: a prologue gdot, then per
// iteration filter i+1's gdots, filter i's drains, filter i+2's gdots,
// filter i+1's drains, and an epilogue for the last one or two filters.
func (c *compiler) emitRoundsOverlapped(m *matrix, tiles []tile, all [][]job, rs int64, saBase int, bases *groupBases) {
	e := c.e
	acc := int64(0) // the next round's accumulator
	var pending func()
	flush := func() {
		if pending != nil {
			pending()
			pending = nil
		}
	}
	for r := 0; r < len(all); {
		q := r + 1
		for q < len(all) && stepsFrom(all[r], all[q], q-r) {
			q++
		}
		act := all[r]
		if q-r < 2 {
			a := acc
			c.emitGdots(m, tiles, act, bases, 0, 0, a)
			flush()
			pending = func() { c.emitDrains(tiles, act, rs, saBase, bases, 0, 0, a) }
			acc ^= 1
			r = q
			continue
		}
		n, a, b := q-r, acc, acc^1
		rw, rln := e.reg(), e.reg()
		e.emit(isa.OpLi, rw, 0)
		e.emit(isa.OpLi, rln, 0)
		unhold := bases.hold(roundBases(e, m, tiles, act))
		gdots := func(k int, acc int64) { c.emitGdots(m, tiles, act, bases, rw, k*m.M, acc) }
		drains := func(k int, acc int64) { c.emitDrains(tiles, act, rs, saBase, bases, rln, k, acc) }
		gdots(0, a)
		flush()
		// filters 2i and 2i+1 per iteration while filter 2i+2 exists
		if pairs := (n - 1) / 2; pairs > 0 {
			rc := e.reg()
			e.emit(isa.OpLi, rc, int64(pairs))
			top := e.b.NewLabel("F")
			e.b.Label(top)
			gdots(1, b)
			drains(0, a)
			gdots(2, a)
			drains(1, b)
			e.emit(isa.OpAddi, rw, rw, int64(2*m.M))
			e.emit(isa.OpAddi, rln, rln, 2)
			e.b.Branch(isa.OpDbnz, top, rc)
			e.free(rc)
		}
		if n%2 == 0 {
			gdots(1, b)
			drains(0, a)
			drains(1, b)
		} else {
			drains(0, a)
		}
		unhold()
		e.free(rw, rln)
		acc = 0 // every round drained
		r = q
	}
	flush()
}
