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
// drains and the split's gdots, all in flight at once, take at most half
// of a bank's sequences (the other half left to the streams that share
// the bank: pipeline stages and split layers), or, for a layer whose
// pieces share a bank (bankPieces: pixel pieces, and their chunk pieces),
// when those pieces' split gdots together take at most all of them.
// Pieces that would ask for more wait for one another's sequences and,
// reaching the bank over a link, pay a link latency per gdot (VGG-11-BN's
// features.4 in 4 pieces on bank 3, docs/PARALLEL.md §8.11).
func (c *compiler) splitGdots(m *matrix, tiles []tile, act []job) bool {
	e := c.e
	n := 0
	for _, u := range vaccRuns(e, tiles, act) {
		_, runs := bmacRuns(e, m, tiles, act[u[0]:u[1]])
		n += len(runs)
	}
	_, runs := bmacRuns(e, m, tiles, act)
	need := 2 * n
	if k := c.bankPieces(m, tiles); k > 1 {
		need = k * n // the pieces are the streams sharing the bank
	}
	return n > len(runs) && int64(need) <= c.tgt.PlaneSequences()
}

// bankPieces is the most pieces of m's layer (split.go, chunks.go: each
// on its own controller) that hold sub-arrays in one bank: 1 for a layer
// that is not split by pixels. A layer split by pixels and by chunks has a
// piece per pixel piece and chunk range, and each runs its own gdots: until
// s12 only the pixel pieces were counted, so VGG-11-BN's features.4, in 4 x
// 2 pieces on a 32-controller target, split its gdots as if half as many
// streams shared the bank, and ran at 227 us per frame against its 129 us
// estimate (docs/PARALLEL.md §8.12).
func (c *compiler) bankPieces(m *matrix, tiles []tile) int {
	per, k := c.e.arch.SubarraysPerBank(), c.splitOf(m.node)
	if per <= 0 || k <= 1 {
		return 1
	}
	nrep := 0
	for _, t := range tiles {
		nrep = max(nrep, t.rep+1)
	}
	reps := max(1, nrep/k)
	// rangeOf: the chunk range (chunk piece) of every tile; all 0 for a
	// layer not split by chunks.
	rangeOf := make([]int, len(tiles))
	if kc := c.chunkSplitOf(m.node); kc > 1 {
		chunks, tileChunk := layerChunks(m.lay, c.e.arch.DPULanes)
		cuts, ok := chunkRanges(m.lay, c.e.arch.DPULanes, kc)
		if !ok || len(tileChunk) != len(tiles) {
			panic("BUG: backend: a layer split by chunks without its chunk ranges")
		}
		cutOf := make([]int, len(chunks)) // chunk -> its range
		for j, cr := range cuts {
			for ch := cr[0]; ch < cr[1]; ch++ {
				cutOf[ch] = j
			}
		}
		for i, ch := range tileChunk {
			if ch >= 0 {
				rangeOf[i] = cutOf[ch]
			}
		}
	}
	in := map[int]map[[2]int]bool{} // bank -> pieces (pixel piece, chunk range)
	most := 1
	for i, t := range tiles {
		b := t.sa / per
		if in[b] == nil {
			in[b] = map[[2]int]bool{}
		}
		in[b][[2]int{t.rep / reps, rangeOf[i]}] = true
		most = max(most, len(in[b]))
	}
	return most
}
