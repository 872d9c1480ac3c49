package sim

import (
	"github.com/pimc-dev/pimc/isa"
)

// Interleaved gbmac runs. A compiled round whose active sub-arrays form
// several groups (a bank boundary, group_subarrays, different rows) issues
// its plane pairs group after group: gbmac [A], gbmac [B], gbmac [A], ...
// so the groups overlap. gbmacRun's runs are one group's consecutive
// gbmacs, so such a round is a run of one per instruction, each paying the
// run's set-up. gbmacMulti takes the whole stretch of consecutive gbmacs
// over up to gbMaxGroups disjoint groups at once: the timing instruction
// by instruction in program order on one representative member of each
// group (the issue clock is shared), then each group's bit work over its
// own instructions (gbmacBitsUniform, dot runs included). The members of
// different groups are different sub-arrays and each sees its own
// instructions in program order, so the results are those of the
// instructions one by one. It requires what gbmacRun does of each group
// (members with equal timers, rows defined, in range) and one accumulator
// and source per group; otherwise, or with several streams, the
// single-group path runs. With the timeline recorded a run is one stretch
// between samples, as a single-group run is (timeline.go): a sample due
// inside it is taken after it, with the work up to that instant.

// gbMaxGroups is the most groups one interleaved run takes.
const gbMaxGroups = 4

// multiRuns: take interleaved runs (tests turn it off to compare).
var multiRuns = true

// gbMultiDec is the static part of the interleaved run at a head pc: the
// group (base register and size) of each instruction, and each group's
// instructions, first and last pc.
type gbMultiDec struct {
	req   int // the k asked for
	k     int
	grp   []uint8
	key   [gbMaxGroups][2]int32 // base register, size
	ng    int
	code  [gbMaxGroups][]inst
	first [gbMaxGroups]int
	last  [gbMaxGroups]int
	dec   [gbMaxGroups]gbDecoded
	ok    bool // every group has one accumulator and one source

	timing gbMultiTiming // the timing memo (gbmacmultimemo.go)
}

// gbSeqLen is the number of consecutive gbmacs from pc.
func (m *Machine) gbSeqLen(pc int) int {
	code := m.exe.code
	if m.gbSeq == nil {
		m.gbSeq = make([]int32, len(code))
		for i := len(code) - 1; i >= 0; i-- {
			if code[i].op == isa.OpGbmac {
				m.gbSeq[i] = 1
				if i+1 < len(code) {
					m.gbSeq[i] += m.gbSeq[i+1]
				}
			}
		}
	}
	return int(m.gbSeq[pc])
}

// multiDec returns the decoded interleaved run of at most k gbmacs at pc
// (cut before a (gbMaxGroups+1)-th group), memoised per pc.
func (m *Machine) multiDec(pc, k int) *gbMultiDec {
	if m.gbMulti == nil {
		m.gbMulti = make([]*gbMultiDec, len(m.exe.code))
	}
	if d := m.gbMulti[pc]; d != nil && d.req == k {
		return d
	}
	e := m.exe
	d := &gbMultiDec{}
	for i := range k {
		x := &e.code[pc+i].arg
		key := [2]int32{x[0], x[1]}
		g := 0
		for g < d.ng && d.key[g] != key {
			g++
		}
		if g == gbMaxGroups {
			break
		}
		if g == d.ng {
			d.key[g], d.first[g] = key, pc+i
			d.ng++
		}
		d.grp = append(d.grp, uint8(g))
		d.code[g] = append(d.code[g], e.code[pc+i])
		d.last[g] = pc + i
	}
	d.k = len(d.grp)
	d.ok = true
	for g := range d.ng {
		for _, in := range d.code[g] {
			if in.arg[5] != d.code[g][0].arg[5] {
				d.ok = false
			}
		}
		for i := range d.k {
			if int(d.grp[i]) == g && e.src[pc+i] != e.src[d.first[g]] {
				d.ok = false
			}
		}
	}
	d.req = k
	m.gbMulti[pc] = d
	return d
}

// gbmacMulti executes the interleaved run of at most k gbmacs at pc as
// described above, from issue time issue. It returns how many it executed
// (0: the preconditions do not hold, nothing changed), the issue time after
// them and the latest end of their units.
func (m *Machine) gbmacMulti(st *RunStats, pc, k int, issue, lastEnd int64) (int, int64, int64) {
	md := m.multiDec(pc, k)
	if !md.ok || md.ng < 2 {
		return 0, issue, lastEnd
	}
	e := m.exe
	a := &e.Arch
	rows := int32(a.Rows)
	words := e.words
	nw := (uint32(rows) + 63) / 64
	per := int64(a.SubarraysPerBank())
	var sas [gbMaxGroups][]*subarray
	var base [gbMaxGroups]int64
	var ops [gbMaxGroups][]gbOp
	var delta [gbMaxGroups]int
	for g := range md.ng {
		b, n := int64(m.regs[md.key[g][0]]), int64(md.key[g][1])
		if b < 0 || n <= 0 || b+n > int64(a.Subarrays) || b/per != (b+n-1)/per {
			return 0, issue, lastEnd
		}
		for h := range g { // disjoint groups
			if b < base[h]+int64(len(sas[h])) && base[h] < b+n {
				return 0, issue, lastEnd
			}
		}
		base[g] = b
		s := m.sas[b : b+n : b+n]
		for j, sa := range s {
			if sa == nil {
				s[j] = m.touch(int(b) + j)
			}
		}
		rep := s[0]
		for _, sa := range s[1:] {
			if sa.arrayFree != rep.arrayFree || sa.countFree != rep.countFree || sa.shaddFree != rep.shaddFree || sa.latchReady != rep.latchReady {
				return 0, issue, lastEnd
			}
		}
		sas[g] = s
		d := &md.dec[g]
		var need [maxRows / 64]uint64
		if d.k != len(md.code[g]) || d.reg < 0 {
			if !d.decode(md.code[g], rows, int32(words), &m.regs) {
				return 0, issue, lastEnd
			}
		}
		if d.reg < 0 {
			for w := range need {
				need[w] = d.needA[w] | d.needB[w]
			}
		} else {
			r := m.regs[d.reg]
			if r < 0 || r+d.hi >= rows {
				return 0, issue, lastEnd
			}
			need = d.needA
			orShifted(&need, &d.needB, uint(r))
			delta[g] = int(r) * words
		}
		ops[g] = d.ops
		for _, sa := range s {
			for w, nd := range need[:nw] {
				if sa.defined[w]&nd != nd {
					return 0, issue, lastEnd
				}
			}
		}
	}

	// Timing, in program order, on each group's first member (memoised:
	// gbmacmultimemo.go).
	var reps [gbMaxGroups]*subarray
	for g := range md.ng {
		reps[g] = sas[g][0]
	}
	issue, runEnd, tms := m.multiTiming(st, md, pc, issue, &reps)
	lastEnd = max(lastEnd, runEnd)

	// Bit work, group by group; latches and timers.
	for g := range md.ng {
		var prod *gbProduct
		if dotRuns {
			prod = md.dec[g].productOf()
		}
		o := ops[g]
		m.gbmacBitsUniform(sas[g], int32(base[g]), md.first[g], md.last[g], o, delta[g], prod)
		last := o[len(o)-1]
		tm := &tms[g]
		for _, sa := range sas[g] {
			sa.latchAnd(int(last.oa), int(last.ob)+delta[g], words)
			sa.busy += tm.busy
			if tm.stretch > noStretch/2 {
				sa.runStart, sa.fillEnd = tm.stretch, tm.stretch
			}
			sa.arrayFree, sa.latchReady, sa.countFree, sa.shaddFree = tm.arrayFree, tm.latchReady, tm.countFree, tm.shaddFree
		}
	}
	return md.k, issue, lastEnd
}
