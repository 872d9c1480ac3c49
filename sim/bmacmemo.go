package sim

import "slices"

// Memoised timing of bmac runs. The timing pass of a run (bmacstatic.go,
// bmacreg.go) depends on no data, only on when the run starts and on the
// state of the units it uses, so a run entered again in the same relative
// state (every iteration of a layer's pixel loop, every image of a batch)
// replays the recorded result instead of recomputing it.

// runCache memoises the timing pass of one static run entered at its head.
// The pass is a function of the issue time t0 and of the unit timers of the
// run's sub-arrays, and it commutes with shifting all of them by the same
// multiple of the clock (t0 is always on a clock edge). A timer only matters
// through max(timer, x) with x >= a bound relative to t0 (the array of a
// sub-array is first used at d >= t0 + cycle, its counter at
// >= t0 + cycle + and_sense, its shift-add at >= t0 + cycle + and_sense +
// bitcount), so the key is each timer relative to t0 clamped to that bound:
// equal keys give equal relative results. The busy time a run adds to a
// sub-array (subarray.occupy) also depends on the latest of its timers
// when that is later than t0 + cycle, so the key holds that too.
type runCache struct {
	valid  bool
	key    []int64 // per sub-array of the run: clamped relative arrayFree, countFree, shaddFree, latest timer
	out    []int64 // per sub-array: relative arrayFree (= latchReady), countFree, shaddFree after the run, busy time added
	issue  int64   // relative issue time after the run
	end    int64   // relative latest completion
	deltas []int64 // controller time charged to each bmac
}

// ckey is the number of key (and out) values per sub-array of a runCache.
const ckey = 4

// cachedTiming runs (or replays) the timing pass of the full static run ops
// over sub-arrays sas entered at t0; it returns the per-bmac charges, the
// issue time after the run and its latest completion.
//
// For a register-addressed run, ready holds each bmac's register ready time
// (timingReg); the caller has checked that those of the cached entry bind
// the same way.
func (m *Machine) cachedTiming(rc *runCache, sas []uint32, ops []sbmac, ready []int64, t0 int64) ([]int64, int64, int64) {
	k := &m.bk
	if rc.key == nil {
		rc.key = make([]int64, ckey*len(sas))
		rc.out = make([]int64, ckey*len(sas))
		rc.deltas = make([]int64, len(ops))
	}
	hit := rc.valid
	for j, s := range sas {
		sa := m.sas[s]
		key := rc.key[ckey*j : ckey*j+ckey]
		aF := max(sa.arrayFree-t0, k.cyc)
		cF := max(sa.countFree-t0, k.cyc+k.latS)
		sF := max(sa.shaddFree-t0, k.cyc+k.latS+k.latC)
		bF := max(sa.arrayFree-t0, sa.countFree-t0, sa.shaddFree-t0, k.cyc)
		if hit && (key[0] != aF || key[1] != cF || key[2] != sF || key[3] != bF) {
			hit = false
		}
		if !hit {
			key[0], key[1], key[2], key[3] = aF, cF, sF, bF
		}
	}
	if hit {
		for j, s := range sas {
			sa := m.sas[s]
			out := rc.out[ckey*j : ckey*j+ckey]
			sa.arrayFree, sa.latchReady = t0+out[0], t0+out[0]
			sa.countFree, sa.shaddFree = t0+out[1], t0+out[2]
			sa.busy += out[3]
		}
		return rc.deltas, t0 + rc.issue, t0 + rc.end
	}
	// A partial key update above may have left the key half new: recompute
	// it whole before the run changes the timers.
	for j, s := range sas {
		sa := m.sas[s]
		key := rc.key[ckey*j : ckey*j+ckey]
		key[0] = max(sa.arrayFree-t0, k.cyc)
		key[1] = max(sa.countFree-t0, k.cyc+k.latS)
		key[2] = max(sa.shaddFree-t0, k.cyc+k.latS+k.latC)
		key[3] = max(sa.arrayFree-t0, sa.countFree-t0, sa.shaddFree-t0, k.cyc)
		rc.out[ckey*j+3] = -sa.busy
	}
	var t1, end int64
	if ready != nil {
		t1, end = m.timingReg(ops, ready, t0, rc.deltas)
	} else {
		t1, end = m.timing(ops, t0, rc.deltas)
	}
	for j, s := range sas {
		sa := m.sas[s]
		if sa.latchReady != sa.arrayFree {
			panic("BUG: sim: static run left latchReady != arrayFree")
		}
		out := rc.out[ckey*j : ckey*j+ckey]
		out[0], out[1], out[2] = sa.arrayFree-t0, sa.countFree-t0, sa.shaddFree-t0
		out[3] += sa.busy
	}
	rc.issue, rc.end, rc.valid = t1-t0, end-t0, true
	return rc.deltas, t1, end
}

// regCache memoises the timing pass of a register-addressed run entered at
// its head (runCache), for the sub-arrays its registers selected and the
// register ready times it saw: it applies while every bmac addresses the
// same sub-array as then and its registers bind the same way (a ready time
// only matters above t0 + cycle, so it is kept relative to the issue time
// t0 and clamped there).
type regCache struct {
	rc  runCache
	seq []uint32 // sub-array of each bmac
	rdy []int64  // clamped relative register ready time of each bmac
	sas []uint32 // distinct sub-arrays, in order of first use
}

// regTiming is the memoised timing pass of the full register-addressed run
// ops entered at t0 (see cachedTiming).
func (m *Machine) regTiming(c *regCache, ops []sbmac, ready []int64, t0 int64) ([]int64, int64, int64) {
	cyc := m.bk.cyc
	same := len(c.seq) == len(ops)
	if same {
		seq, rdy := c.seq[:len(ops)], c.rdy[:len(ops)]
		for i := range ops {
			if seq[i] != ops[i].sa || rdy[i] != max(ready[i]-t0, cyc) {
				same = false
				break
			}
		}
	}
	if !same {
		c.seq, c.rdy, c.sas = c.seq[:0], c.rdy[:0], c.sas[:0]
		for i := range ops {
			c.seq = append(c.seq, ops[i].sa)
			c.rdy = append(c.rdy, max(ready[i]-t0, cyc))
			if !slices.Contains(c.sas, ops[i].sa) {
				c.sas = append(c.sas, ops[i].sa)
			}
		}
		c.rc = runCache{} // the timer key has another shape: start over
	}
	return m.cachedTiming(&c.rc, c.sas, ops, ready, t0)
}
