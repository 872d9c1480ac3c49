package sim

import (
	"math"
	"math/bits"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Runs of gbmacs. Compiled group code is long runs of gbmacs over one
// group (the same base register and size): one per (weight plane, input
// plane) of a filter round. Done one instruction at a time, every gbmac
// walks all n sub-arrays of the group, touching each one's state, which
// costs memory traffic the serial code's runs on one sub-array never pay.
// A run whose members all have the same unit timers (the usual case: the
// group's sub-arrays work in lockstep) has the same timing on every member,
// so the run executes as two passes: the timing of one representative
// member, instruction by instruction (dispatch times, issue clock, per-pc
// profile), then the bit work member by member, every instruction of the
// run on one sub-array before the next (each member's state stays in the
// cache). The results are those of gbmac (group.go) in program order: the
// members are independent, and each sees its instructions in order. A run
// that could fault, one on members whose timers differ, a traced one and
// one of a program with several streams take the general path.

// prepareGbmacRuns fills e.gbRun: the length of the run of gbmacs over the
// same group (base register and size) starting at each pc, 0 elsewhere;
// and e.gbUniform: whether the run from pc has one accumulator and one
// source (the bit work then keeps the accumulator in a register and
// charges each member once).
func (e *Executable) prepareGbmacRuns() {
	n := len(e.code)
	e.gbRun = make([]int32, n)
	e.gbUniform = make([]bool, n)
	for pc := n - 1; pc >= 0; pc-- {
		in := &e.code[pc]
		if in.op != isa.OpGbmac {
			continue
		}
		e.gbRun[pc], e.gbUniform[pc] = 1, true
		if pc+1 < n && e.gbRun[pc+1] > 0 && e.code[pc+1].arg[0] == in.arg[0] && e.code[pc+1].arg[1] == in.arg[1] {
			e.gbRun[pc] += e.gbRun[pc+1]
			e.gbUniform[pc] = e.gbUniform[pc+1] && e.code[pc+1].arg[5] == in.arg[5] && e.src[pc+1] == e.src[pc]
		}
	}
}

// gbmacRun executes the first k gbmacs of the run at pc (k <= e.gbRun[pc])
// as described above, from issue time issue. It returns how many it
// executed (0: the preconditions do not hold, nothing changed), the issue
// time after them and the latest end of their units.
func (m *Machine) gbmacRun(st *RunStats, pc, k int, issue, lastEnd int64) (int, int64, int64) {
	if k <= 0 { // a stream's run cut before its first gbmac (streams.go)
		return 0, issue, lastEnd
	}
	e := m.exe
	code := e.code
	x0 := &code[pc].arg
	base, n := int64(m.regs[x0[0]]), int64(x0[1])
	a := &e.Arch
	if per := int64(a.SubarraysPerBank()); base < 0 || base+n > int64(a.Subarrays) || base/per != (base+n-1)/per {
		return 0, issue, lastEnd // the general path faults
	}
	rows := uint32(a.Rows)
	sas := m.sas[base : base+n : base+n]
	for j, sa := range sas {
		if sa == nil {
			sas[j] = m.touch(int(base) + j)
		}
	}
	rep := sas[0]
	for _, sa := range sas[1:] {
		if sa.arrayFree != rep.arrayFree || sa.countFree != rep.countFree || sa.shaddFree != rep.shaddFree || sa.latchReady != rep.latchReady {
			return 0, issue, lastEnd
		}
	}
	// The run decoded once for all members (gbOp), with the rows it reads;
	// every one of them must be defined on every member, which is one mask
	// test per bitmap word and member.
	var need [maxRows / 64]uint64
	ops, delta, ok := m.decodeGbmacRun(pc, k, &need)
	if !ok {
		return 0, issue, lastEnd // a row out of range: the general path faults
	}
	words := e.words
	nw := (rows + 63) / 64
	for _, sa := range sas {
		def := &sa.defined
		for w, nd := range need[:nw] {
			if def[w]&nd != nd {
				return 0, issue, lastEnd
			}
		}
	}

	// Timing, on the representative (memoised: gbmacTiming).
	tr := m.gbmacTiming(st, pc, k, issue, rep)
	issue, lastEnd = tr.issue, max(lastEnd, tr.lastEnd)
	arrayFree, latchReady, countFree, shaddFree, busy := tr.arrayFree, tr.latchReady, tr.countFree, tr.shaddFree, tr.busy

	// Bit work, member by member; the accounting of each member.
	if e.gbUniform[pc] {
		var prod *gbProduct // a full product: dot products (dotrun.go)
		if dotRuns {
			prod = m.gbDec[pc].productOf()
		}
		m.gbmacBitsUniform(sas, int32(base), pc, pc+len(ops)-1, ops, delta, prod)
	} else {
		m.gbmacBits(sas, int32(base), pc, ops, delta)
	}
	last := ops[len(ops)-1]
	for _, sa := range sas {
		// The latch holds the last AND of the run.
		sa.latchAnd(int(last.oa), int(last.ob)+delta, words)
		sa.busy += busy
		if tr.stretch > noStretch/2 {
			// the gap before the stretch is not memoised: nothing in it
			// is known idle (outOfOrder counts what falls there unsure)
			sa.runStart, sa.fillEnd = tr.stretch, tr.stretch
		}
		sa.arrayFree, sa.latchReady, sa.countFree, sa.shaddFree = arrayFree, latchReady, countFree, shaddFree
	}
	return k, issue, lastEnd
}

// gbTiming is the timing of a gbmac run on its representative member:
// the issue time after it, its latest end, the member's timers after it
// and the busy time it adds. In a gbCache entry every time is relative to
// the issue time of the run's first instruction.
type gbTiming struct {
	issue, lastEnd                              int64
	arrayFree, latchReady, countFree, shaddFree int64
	busy                                        int64
	stretch                                     int64 // a new covered stretch's start, < noStretch/2 if none
}

// noStretch marks a gbmac run that opens no new covered stretch (it stays
// far below any time after adding or subtracting a run's issue time).
const noStretch = math.MinInt64 / 2

// gbCache memoises the timing of the gbmac run starting at one pc, as
// runCache does for bmac runs (bmacmemo.go): the timing is a function of
// the issue time t0 and of the member's timers and the registers' ready
// times relative to t0, each of which only matters above a bound (the
// array is first used at >= t0 + cycle, the counter at >= t0 + cycle +
// and_sense, the shift-add at >= t0 + cycle + and_sense + bitcount, a
// register at >= t0 + cycle), so clamped relative values are the key. A
// run whose registers are not ready by t0 + cycle is not memoised. The
// latest of the three timers is a fourth key (the busy time of occupy).
type gbCache struct {
	valid  bool
	k      int
	key    [4]int64
	out    gbTiming
	deltas []int64 // controller time charged to each gbmac
	regs   []int32 // the distinct registers of the first regsK gbmacs (gbmacRegs)
	regsK  int
}

// gbmacTiming returns the timing of the first k gbmacs of the run at pc,
// entered at issue time t0 on representative member rep, and charges each
// instruction's count and controller time to st.PC.
func (m *Machine) gbmacTiming(st *RunStats, pc, k int, t0 int64, rep *subarray) gbTiming {
	e := m.exe
	code := e.code
	c := &e.cost
	cyc := c.cycle
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	regReady := &m.tm.regReady
	if m.gbCache == nil {
		m.gbCache = make([]*gbCache, len(code))
	}
	gc := m.gbCache[pc]
	if gc == nil {
		gc = &gbCache{}
		m.gbCache[pc] = gc
	}
	if gc.regsK != k {
		gc.regs, gc.regsK = gbmacRegs(code, pc, k, gc.regs), k // gbmacregs.go
	}
	if !regsReady(regReady[:], gc.regs, t0+cyc) {
		gc = nil // not memoised
	}
	// The busy time the first instruction adds, and whether it opens a
	// covered stretch, depend on the latest timer (occupy) when it is at or
	// after the earliest dispatch t0 + cycle: a fourth key, clamped one
	// below that (a timer at exactly t0 + cycle opens no stretch, an earlier
	// one does; TestGbmacTimingMemoStretchEdge).
	be := max(rep.arrayFree, rep.countFree, rep.shaddFree)
	key := [4]int64{max(rep.arrayFree-t0, cyc), max(rep.countFree-t0, cyc+latS), max(rep.shaddFree-t0, cyc+latS+latC), max(be-t0, cyc-1)}
	if gc != nil {
		if gc.valid && gc.k == k && gc.key == key {
			for i, dt := range gc.deltas {
				ps := &st.PC[pc+i]
				ps.Count++
				ps.TimePS += dt
			}
			o := gc.out
			return gbTiming{o.issue + t0, o.lastEnd + t0, o.arrayFree + t0, o.latchReady + t0, o.countFree + t0, o.shaddFree + t0, o.busy, o.stretch + t0}
		}
	}
	arrayFree, countFree, shaddFree, latchReady := rep.arrayFree, rep.countFree, rep.shaddFree, rep.latchReady
	issue, lastEnd := t0, int64(math.MinInt64)
	var busy int64
	stretch := int64(noStretch) // start of the last covered stretch the run opens (window.go)
	if gc != nil {
		gc.deltas = gc.deltas[:0]
	}
	for i := pc; i < pc+k; i++ {
		x := &code[i].arg
		ps := &st.PC[i]
		ps.Count++
		t := issue
		d := max(t+cyc, regReady[x[0]], regReady[x[3]], arrayFree)
		e1 := d + latS
		e2 := max(e1, countFree) + latC
		e3 := max(e2, shaddFree) + latA
		be := max(arrayFree, countFree, shaddFree) // occupy, on the representative
		busy += max(e3, be) - max(d, be)
		if d > be {
			stretch = d
		}
		arrayFree, latchReady, countFree, shaddFree = e1, e1, e2, e3
		lastEnd = max(lastEnd, e3)
		ni := nextIssue(t, d, cyc) // timing.go
		ps.TimePS += ni - t
		if gc != nil {
			gc.deltas = append(gc.deltas, ni-t)
		}
		issue = ni
	}
	out := gbTiming{issue, lastEnd, arrayFree, latchReady, countFree, shaddFree, busy, stretch}
	if gc != nil {
		gc.valid, gc.k, gc.key = true, k, key
		gc.out = gbTiming{issue - t0, lastEnd - t0, arrayFree - t0, latchReady - t0, countFree - t0, shaddFree - t0, busy, stretch - t0}
	}
	return out
}

// gbOp is one gbmac of a run, decoded once for all the group's members:
// the word offsets of its two rows, its shift, its sign (0 or -1) and its
// accumulator.
type gbOp struct {
	oa, ob int32
	ra, rb uint16 // the rows of oa and ob (rb relative like ob), for columns.go
	shift  uint8
	neg    int8
	acc    uint8
}

// add is the accumulator acc after op o adds the count cnt: shifted,
// negated for a negative plane pair, and saturated to [lo, hi] after every
// op, as the hardware does. Every gbmac path (one op at a time, runs,
// lockstep replay) adds through it.
func (o gbOp) add(acc int64, cnt int, lo, hi int64) int64 {
	neg := int64(o.neg)
	return min(max(acc+((int64(cnt)<<o.shift^neg)-neg), lo), hi)
}

// andCount is the number of columns where rows p and q both hold a 1: one
// AND-sense and bit count over q's first len(p) words.
func andCount(p, q []uint64) int {
	var n int
	for w := range p {
		n += bits.OnesCount64(p[w] & q[w])
	}
	return n
}

// latchAnd leaves in sa's latch the AND of its rows at word offsets oa
// and ob and in its counter that AND's bit count: the state the last bmac
// of a run (or the last step of a gdot) leaves, which the fast paths'
// bit work does not set.
func (sa *subarray) latchAnd(oa, ob, words int) {
	l := sa.latch[:words]
	var n int
	for w := range l {
		l[w] = sa.bits[oa+w] & sa.bits[ob+w]
		n += bits.OnesCount64(l[w])
	}
	sa.count = uint32(n)
}

// gbDecoded is a gbmac run decoded once for all its members and memoised
// per machine by head pc: the operand records and the rows read. Compiled
// code reads its second rows relative to one register (the filter's or
// input planes' base, stepped by a loop), so the records and the row mask
// are kept relative to it and reused for any value it holds.
type gbDecoded struct {
	k   int
	reg int32 // the one register of the run's rowb operands; -1: several
	hi  int32 // greatest rowb immediate
	// ops: ob relative to r[reg] (absolute when reg < 0).
	ops []gbOp
	// needA: the rowa rows; needB: the rowb rows, relative to r[reg]
	// (absolute when reg < 0).
	needA, needB [maxRows / 64]uint64
	// prod: the ops as a full product (dotrun.go) when prodK == k
	prod  *gbProduct
	prodK int
}

// decodeGbmacRun decodes the first k gbmacs of the run at pc. It returns
// the operand records, the rows the run reads and the word offset to add to
// every record's ob, or ok = false if a row is out of range (the general
// path faults).
func (m *Machine) decodeGbmacRun(pc, k int, need *[maxRows / 64]uint64) (ops []gbOp, delta int, ok bool) {
	e := m.exe
	code := e.code
	rows := int32(e.Arch.Rows)
	if m.gbDec == nil {
		m.gbDec = make([]*gbDecoded, len(code))
	}
	d := m.gbDec[pc]
	if d == nil || d.k != k || d.reg < 0 {
		if d == nil {
			d = &gbDecoded{}
			m.gbDec[pc] = d
		}
		if !d.decode(code[pc:pc+k], rows, int32(e.words), &m.regs) {
			return nil, 0, false
		}
	}
	if d.reg < 0 {
		for w := range need {
			need[w] = d.needA[w] | d.needB[w]
		}
		return d.ops, 0, true
	}
	r := m.regs[d.reg]
	if r < 0 || r+d.hi >= rows { // (a negative base with positive rows: the general path)
		return nil, 0, false
	}
	*need = d.needA
	orShifted(need, &d.needB, uint(r))
	return d.ops, int(r) * e.words, true
}

// decode fills d from the run's instructions (register values from regs
// when they are not all one register); false if a row is out of range.
func (d *gbDecoded) decode(run []inst, rows, words int32, regs *[isa.NumRegs + 1]int32) bool {
	d.k, d.reg, d.ops = len(run), run[0].arg[3], d.ops[:0]
	d.hi = math.MinInt32
	for i := range run {
		x := &run[i].arg
		if x[3] != d.reg {
			d.reg = -1
		}
		d.hi = max(d.hi, x[4])
	}
	d.needA, d.needB = [maxRows / 64]uint64{}, [maxRows / 64]uint64{}
	for i := range run {
		x := &run[i].arg
		ra, rb := x[2], x[4]
		if d.reg < 0 {
			rb += regs[x[3]]
			if rb < 0 || rb >= rows {
				d.k = -1
				return false
			}
		}
		if ra < 0 || ra >= rows || rb < 0 || rb >= maxRows {
			d.k = -1
			return false
		}
		d.needA[ra>>6] |= 1 << (uint(ra) & 63)
		d.needB[rb>>6] |= 1 << (uint(rb) & 63)
		d.ops = append(d.ops, gbOp{oa: ra * words, ob: rb * words, ra: uint16(ra), rb: uint16(rb),
			shift: uint8(x[6]), neg: -int8(x[7]), acc: uint8(x[5] & (maxAccs - 1))})
	}
	return true
}

// orShifted ORs src shifted left by s bits (toward higher rows) into dst;
// bits shifted past the end are dropped (the caller checked the range).
func orShifted(dst, src *[maxRows / 64]uint64, s uint) {
	ws, bs := int(s/64), s%64
	for i := len(src) - 1; i >= 0; i-- {
		if src[i] == 0 || i+ws >= len(dst) {
			continue
		}
		dst[i+ws] |= src[i] << bs
		if bs != 0 && i+ws+1 < len(dst) {
			dst[i+ws+1] |= src[i] >> (64 - bs)
		}
	}
}

// gbmacBitsUniform is the bit work of a run with one accumulator and one
// source (e.gbUniform): per member, the accumulator in a register and one
// charge for the whole run. pc and lastPC are the run's first and last
// instructions (gbmacMulti's are not adjacent); prod, if not nil, the ops
// as a full product (dotrun.go). The latches, bit counts and timers are
// set by the caller.
func (m *Machine) gbmacBitsUniform(sas []*subarray, base int32, pc, lastPC int, ops []gbOp, delta int, prod *gbProduct) {
	e := m.exe
	c := &e.cost
	w := int64(len(ops))
	units := saUnits{w * c.lat[target.OpAndSense], w * c.lat[target.OpBitcount], w * c.lat[target.OpShiftAdd]}
	words := e.words
	accLo, accHi := m.accLo, m.accHi
	acc := ops[0].acc
	src := e.src[pc] + 1
	m.stats.Undriven[src][undSense] += m.undGroup(pc, sas, base, ops, delta)
	// Every member's rows are as long, so one check of the run's ranges
	// serves them all (the kernel reads unchecked); a product run checks
	// them only for a member whose sums might saturate.
	var cnts []int32
	fit := func() {
		if n := len(sas[0].bits); words == 4 && rowsFit4(ops, n, n-delta) {
			if cap(m.andCnt) < len(ops) {
				m.andCnt = make([]int32, len(ops))
			}
			cnts = m.andCnt[:len(ops)]
		}
	}
	if prod == nil {
		fit()
	}
	for j, sa := range sas {
		m.chargeSA(sa, base+int32(j), src, units)
		a := sa.acc[acc]
		rowBits := sa.bits
		qBits := rowBits[delta:] // rowb rows are relative to delta
		var cnt int
		var summed bool
		if prod != nil {
			if pos, neg := m.dotSums(sa, prod, int32(delta/words)); a+pos <= accHi && a-neg >= accLo {
				a, summed = a+pos-neg, true // the count: the caller's, with the latch
				m.dotRuns++
			} else if cnts == nil {
				fit() // sumRun's sums are these: it would refuse too
			}
		}
		if cnts != nil && !summed && prod == nil { // no partial sum can saturate: one vector pass (andsum.go)
			a, _, summed = sumRun(rowBits, qBits, ops, a, accLo, accHi)
		}
		switch {
		case summed:
		case cnts != nil:
			andCounts4(rowBits, qBits, ops, cnts)
			for i, o := range ops {
				cnt = int(cnts[i])
				a = o.add(a, cnt, accLo, accHi)
			}
		default:
			for _, o := range ops {
				cnt = andCount(rowBits[o.oa:int(o.oa)+words], qBits[o.ob:int(o.ob)+words])
				a = o.add(a, cnt, accLo, accHi)
			}
		}
		sa.acc[acc] = a
		sa.pendPC[acc] = int32(lastPC) + 1
	}
}

// undSensed is the number of columns the bmacs ops of a gbmac run do not
// sense on sub-array sa (columns.go), rowb rows relative to db; and
// whether every rowb row had every column in use.
func (m *Machine) undSensed(sa *subarray, ops []gbOp, db int, cols int32) (int64, bool) {
	rk := &sa.rowK
	var u int64
	bFull := true
	for _, o := range ops {
		kb := rk[(int(o.rb)+db)&(maxRows-1)]
		u += int64(cols - min(rk[int(o.ra)&(maxRows-1)], kb))
		bFull = bFull && kb == cols
	}
	return u, bFull
}

// undGroup is the number of columns the gbmac run ops at pc (rowb rows
// relative to delta words) does not sense on the group sas from sub-array
// base, memoised like undRun's (undCache): the same while no row extent
// changed, and at another delta when the rowb rows read, then and now, had
// every column in use.
func (m *Machine) undGroup(pc int, sas []*subarray, base int32, ops []gbOp, delta int) int64 {
	e := m.exe
	if m.undG == nil {
		m.undG = make([]undGroupCache, len(e.code))
	}
	uc := &m.undG[pc]
	db := delta / e.words
	if uc.kver == m.kver && uc.k == int32(len(ops)) && uc.base == base && uc.n == int32(len(sas)) &&
		(uc.db == int32(db) || uc.bFull && m.groupRowsFull(sas, int(uc.lo)+db, int(uc.hi)+db)) {
		return uc.sum
	}
	cols := int32(e.Arch.Cols)
	var sum int64
	bFull := true
	for _, sa := range sas {
		u, f := m.undSensed(sa, ops, db, cols)
		sum += u
		bFull = bFull && f
	}
	lo, hi := ops[0].rb, ops[0].rb
	for _, o := range ops {
		lo, hi = min(lo, o.rb), max(hi, o.rb)
	}
	*uc = undGroupCache{kver: m.kver, k: int32(len(ops)), base: base, n: int32(len(sas)), db: int32(db), lo: lo, hi: hi, bFull: bFull, sum: sum}
	return sum
}

// undGroupCache is undGroup's memo (one per head pc).
type undGroupCache struct {
	kver           uint64
	k, base, n, db int32
	lo, hi         uint16 // the rowb rows read, relative to db
	bFull          bool
	sum            int64
}

// groupRowsFull reports whether rows [lo, hi] have every column in use on
// every sub-array of sas.
func (m *Machine) groupRowsFull(sas []*subarray, lo, hi int) bool {
	if lo < 0 || hi >= maxRows {
		return false
	}
	for _, sa := range sas {
		if !rangeFull(&sa.narrow, lo, hi) {
			return false
		}
	}
	return true
}

// gbmacBits is the bit work of any run: member by member, each member's
// accumulators in a local copy, charged per instruction.
func (m *Machine) gbmacBits(sas []*subarray, base int32, pc int, ops []gbOp, delta int) {
	e := m.exe
	c := &e.cost
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	words := e.words
	accLo, accHi := m.accLo, m.accHi
	cols := int32(e.Arch.Cols)
	for j, sa := range sas {
		accs := sa.acc // in registers / the stack, not through sa
		rowBits := sa.bits
		qBits := rowBits[delta:]
		for i, o := range ops {
			m.chargeSA(sa, base+int32(j), e.src[pc+i]+1, saUnits{latS, latC, latA})
			u, _ := m.undSensed(sa, ops[i:i+1], delta/words, cols)
			m.stats.Undriven[e.src[pc+i]+1][undSense] += u
			cnt := andCount(rowBits[o.oa:int(o.oa)+words], qBits[o.ob:int(o.ob)+words])
			accs[o.acc] = o.add(accs[o.acc], cnt, accLo, accHi)
			sa.pendPC[o.acc] = int32(pc+i) + 1
			sa.count = uint32(cnt)
		}
		sa.acc = accs
	}
}
