package backend

import "github.com/pimc-dev/pimc/isa"

// Binary weights on one plane (mapping.Layer.PlusMinus, docs/BACKEND.md §2).
// A binary code w in {-1, +1} is stored as the bit b = (w+1)/2, and with
// x's planes x_n (weight s_n 2^n, s_n = -1 for a signed input's top plane)
//
//	w.x = sum_n s_n 2^n (2 popcount(b AND x_n) - popcount(x_n)).
//
// The first term is one bmac per plane with shift n+1: half the ANDs of the
// two-plane form (2-bit two's complement, plane 0 all ones), whose plane-0
// ANDs recompute popcount(x_n) for every filter. Here the second term is
// counted once per tile and pixel from the input rows themselves: a bmac
// of row x_n with itself (AND of a row with itself is the row) into the
// tile's accumulator, then drained without clearing into the lane of every
// filter of the tile (emitCorrection), before the filters' own rounds use
// the accumulator. The patch register is zeroed before each segment's
// gather, so an input row holds that segment's columns only.

// weightBit is the bit of code on weight plane p: the two's complement
// plane, or b = (w+1)/2 in the one-plane form.
func (m *matrix) weightBit(code int64, p int) bool {
	if m.pm {
		return code == 1
	}
	return uint64(code)>>p&1 != 0
}

// planePair is the shift and sign (1 = neg) of the bmac of weight plane p
// and input plane n (docs/ISA.md §3.3): shift p+n, negative when exactly
// one of the two is a negative top plane; in the one-plane form shift n+1
// (the factor 2 of 2 b.x), negative for a signed input's top plane. The
// pairs are those of a gdot's plane sequence (isa.Planes.Pair), so a round
// is one gdot per run where the target has a plane sequencer.
func (m *matrix) planePair(p, n int) (shift, sign int64) { return m.planes().Pair(p, n) }

// planes is the layer's plane-pair sequence: M weight planes by N input
// planes, binary one-plane weights, signed inputs.
func (m *matrix) planes() isa.Planes {
	return isa.Planes{M: m.M, N: m.N, PlusMinus: m.pm, XSigned: m.xSigned}
}

// sequenced reports whether e's target runs the layer's rounds as gdots
// (ISA v1.7): its banks have a plane sequencer and the layer's planes fit a
// gdot's fields; else its rounds stay gbmacs.
func (m *matrix) sequenced(e *emitter) bool {
	return e.arch.PlaneSequencer && m.M <= isa.MaxPlanes && m.N <= isa.MaxPlanes
}

// emitCorrection adds -sum_n s_n 2^n popcount(x_n) of each tile to the
// lanes of the tile's filters in the rounds all of one lane chunk: in the
// round of a tile's first job, one bmac of each input row with itself
// (shift n, sign opposite to planePair's) into the tile's accumulator;
// in every round, a drain (gvacc/vacc) into the jobs' lanes that keeps the
// accumulator, except in the tile's last round, whose drain clears it for
// the next tile of the sub-array and for the filters' rounds. A sub-array's
// jobs are its tiles one after another, so its tiles never share the
// accumulator at once. Rounds between a stepping range's first and last
// (stepsFrom: no tile starts or ends inside) are one counted loop with
// register-relative lanes, as emitMatrix does for the filters.
func (c *compiler) emitCorrection(m *matrix, tiles []tile, all [][]job, rs int64, saBase int, bases *groupBases) {
	e := c.e
	first, last := map[int]int{}, map[int]int{}
	for r, act := range all {
		for _, j := range act {
			if _, ok := first[j.tile]; !ok {
				first[j.tile] = r
			}
			last[j.tile] = r
		}
	}
	sa := func(act []job) func(k int) int { return func(k int) int { return tiles[act[k].tile].sa } }
	// sums emits the popcount(x) sums of the tiles whose first job is in
	// round r.
	sums := func(r int) {
		var starts []job
		for _, j := range all[r] {
			if first[j.tile] == r {
				starts = append(starts, j)
			}
		}
		runs := e.groupRuns(len(starts), sa(starts), func(i, k int) bool {
			return tiles[starts[k].tile].inRow == tiles[starts[i].tile].inRow
		})
		for n := 0; n < m.N; n++ {
			_, s := m.planePair(0, n)
			sign := 1 - s
			for _, run := range runs {
				t := &tiles[starts[run[0]].tile]
				row := int64(c.inRowOf(t) + n)
				if k := run[1] - run[0]; k > 1 {
					ra, done := bases.reg(t.sa)
					e.emit(isa.OpGbmac, ra, int64(k), row, 0, row, 0, int64(n), sign)
					done()
					continue
				}
				e.emit(isa.OpBmac, rs, int64(t.sa-saBase), row, 0, row, 0, int64(n), sign)
			}
		}
	}
	// drain emits round r's drains, lanes offset by register rl (0: r0).
	drain := func(r int, rl int64) {
		act := all[r]
		clr := func(k int) int64 {
			if last[act[k].tile] == r {
				return 1
			}
			return 0
		}
		runs := e.groupRuns(len(act), sa(act), func(i, k int) bool {
			d := act[i+1].lane - act[i].lane
			return clr(k) == clr(i) && act[k].acc == act[i].acc && d >= 0 && d <= maxLaneStride && act[k].lane-act[k-1].lane == d
		})
		for _, run := range runs {
			j := act[run[0]]
			if k := run[1] - run[0]; k > 1 {
				ra, done := bases.reg(tiles[j.tile].sa)
				e.emit(isa.OpGvacc, j.acc, rl, int64(j.lane), ra, int64(k), int64(act[run[0]+1].lane-j.lane), 0, clr(run[0]))
				done()
				continue
			}
			e.emit(isa.OpVacc, j.acc, rl, int64(j.lane), rs, int64(tiles[j.tile].sa-saBase), 0, clr(run[0]))
		}
	}
	for r := 0; r < len(all); {
		q := r + 1
		for q < len(all) && stepsFrom(all[r], all[q], q-r) {
			q++
		}
		sums(r)
		drain(r, 0)
		if mid := q - r - 2; mid >= 2 {
			rln, rc := e.reg(), e.reg()
			e.emit(isa.OpLi, rln, 1)
			e.emit(isa.OpLi, rc, int64(mid))
			top := e.b.NewLabel("C")
			e.b.Label(top)
			drain(r, rln) // round r's jobs, lanes moved on by rln
			e.emit(isa.OpAddi, rln, rln, 1)
			e.b.Branch(isa.OpDbnz, top, rc)
			e.free(rln, rc)
		} else {
			for k := r + 1; k < q-1; k++ {
				drain(k, 0)
			}
		}
		if q-1 > r {
			drain(q-1, 0)
		}
		r = q
	}
}
