package sim

import (
	"math"

	"github.com/pimc-dev/pimc/target"
)

// The timing of an interleaved gbmac run (gbmacmulti.go), memoised per
// head pc as gbmacTiming memoises a single group's run: it is a function
// of the issue time t0 and of each group's timers relative to t0, each of
// which only matters above a bound (a group's first dispatch is at >=
// t0 + cycle, whichever instruction of the run it is, since the issue
// clock only advances), so the clamped relative timers are the key. The
// latest of a group's three timers decides whether its first instruction
// opens a covered stretch (dispatch > latest): every value below t0 +
// cycle gives the same answer, t0 + cycle itself may not, so that key is
// clamped one below. Issue times are clock edges (nextIssue) only when t0
// is one, so t0 modulo the cycle is a key too. A run whose registers are
// not ready by t0 + cycle is not memoised.

// multiMemo: memoise interleaved runs' timing (tests turn it off to compare).
var multiMemo = true

// gbGroupTimers are one group's representative timers through an
// interleaved run and the busy time and covered stretch it adds.
type gbGroupTimers struct{ arrayFree, latchReady, countFree, shaddFree, busy, stretch int64 }

// gbMultiTiming is the memo of one gbMultiDec: its key, the distinct
// registers the run reads, the controller time charged to each gbmac and
// the result with every time relative to t0.
type gbMultiTiming struct {
	valid          bool
	regsDone       bool
	key            [4*gbMaxGroups + 1]int64
	regs           []int32
	deltas         []int64
	issue, lastEnd int64
	tms            [gbMaxGroups]gbGroupTimers
	hits, rekeys   int64 // memo hits, and entries replaced under a new key (for tests)
}

// multiTiming times the interleaved run md at pc from issue time t0, in
// program order on each group's representative (reps), charges each
// instruction's count and controller time to st.PC, and returns the issue
// time after the run, its latest end and each group's timers.
func (m *Machine) multiTiming(st *RunStats, md *gbMultiDec, pc int, t0 int64, reps *[gbMaxGroups]*subarray) (int64, int64, [gbMaxGroups]gbGroupTimers) {
	e := m.exe
	c := &e.cost
	cyc := c.cycle
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	regReady := &m.tm.regReady
	code := e.code
	var tms [gbMaxGroups]gbGroupTimers
	var mt *gbMultiTiming
	if multiMemo {
		mt = &md.timing
		if !mt.regsDone {
			mt.regs, mt.regsDone = gbmacRegs(code, pc, md.k, nil), true // gbmacregs.go
		}
		if !regsReady(regReady[:], mt.regs, t0+cyc) {
			mt = nil
		}
	}
	var key [4*gbMaxGroups + 1]int64
	for g := range md.ng {
		r := reps[g]
		tms[g] = gbGroupTimers{r.arrayFree, r.latchReady, r.countFree, r.shaddFree, 0, noStretch}
		be := max(r.arrayFree, r.countFree, r.shaddFree)
		key[4*g], key[4*g+1], key[4*g+2], key[4*g+3] = max(r.arrayFree-t0, cyc), max(r.countFree-t0, cyc+latS), max(r.shaddFree-t0, cyc+latS+latC), max(be-t0, cyc-1)
	}
	key[4*gbMaxGroups] = t0 % cyc
	if mt != nil && mt.valid && mt.key == key {
		mt.hits++
		for i, dt := range mt.deltas {
			ps := &st.PC[pc+i]
			ps.Count++
			ps.TimePS += dt
		}
		for g := range md.ng {
			o := &mt.tms[g]
			tms[g] = gbGroupTimers{o.arrayFree + t0, o.latchReady + t0, o.countFree + t0, o.shaddFree + t0, o.busy, o.stretch + t0}
		}
		return mt.issue + t0, mt.lastEnd + t0, tms
	}
	if mt != nil {
		if mt.valid {
			mt.rekeys++
		}
		mt.deltas = mt.deltas[:0]
	}
	issue, lastEnd := t0, int64(math.MinInt64)
	for i := range md.k {
		x := &code[pc+i].arg
		tm := &tms[md.grp[i]]
		ps := &st.PC[pc+i]
		ps.Count++
		t := issue
		d := max(t+cyc, regReady[x[0]], regReady[x[3]], tm.arrayFree)
		e1 := d + latS
		e2 := max(e1, tm.countFree) + latC
		e3 := max(e2, tm.shaddFree) + latA
		be := max(tm.arrayFree, tm.countFree, tm.shaddFree)
		tm.busy += max(e3, be) - max(d, be)
		if d > be {
			tm.stretch = d
		}
		tm.arrayFree, tm.latchReady, tm.countFree, tm.shaddFree = e1, e1, e2, e3
		lastEnd = max(lastEnd, e3)
		ni := nextIssue(t, d, cyc) // timing.go
		ps.TimePS += ni - t
		if mt != nil {
			mt.deltas = append(mt.deltas, ni-t)
		}
		issue = ni
	}
	if mt != nil {
		mt.valid, mt.key, mt.issue, mt.lastEnd = true, key, issue-t0, lastEnd-t0
		for g := range md.ng {
			o := &tms[g]
			mt.tms[g] = gbGroupTimers{o.arrayFree - t0, o.latchReady - t0, o.countFree - t0, o.shaddFree - t0, o.busy, o.stretch - t0}
		}
	}
	return issue, lastEnd, tms
}
