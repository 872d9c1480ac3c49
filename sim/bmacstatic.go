package sim

import (
	"math"
	"math/bits"
	"slices"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Static bmac runs. Compiled layers are long runs of bmacs whose sub-array
// and rows are all immediates (base register r0): the compiler puts input
// planes at fixed rows and unrolls the weight rows. Prepare records, for
// every such bmac, a compact operand record (sbmac) and the length of the
// run of static bmacs starting at it (staticRun). The run then executes
// without the per-instruction work a general instruction needs: no opcode
// dispatch, no register reads or ready times, no range checks (Validate
// checked the immediates), no budget check (done once for the run), and no
// definedness check for rows of the weight image (they stay defined for the
// whole run: only Reset makes rows undefined, and it restores the weight
// image). Everything it computes is what bmacRun computes for the same
// instructions, in the same order; runs that could fault or exhaust the
// budget, and traced runs, take bmacRun.

// sbmac is the predecoded operand record of a static bmac.
type sbmac struct {
	sa    uint32 // sub-array
	a, b  uint16 // rows (rowa, rowb)
	acc   uint8
	shift uint8
	neg   uint8 // 1: subtract
	chk   uint8 // chkA / chkB: the row is not in the weight image, test it
	pc1   int32 // pc+1 (the MAC group mark, see subarray.pendPC)
}

const (
	chkA = 1 << iota
	chkB
)

// prepareStatic fills e.sbm and e.staticRun (after loadWeights).
func (e *Executable) prepareStatic() {
	n := len(e.code)
	e.sbm = make([]sbmac, n)
	e.staticRun = make([]int32, n)
	inImage := func(s, row int32) bool {
		d := e.wdefined[int(s)]
		return d != nil && d[row>>6]>>(uint(row)&63)&1 != 0
	}
	for pc := n - 1; pc >= 0; pc-- {
		in := &e.code[pc]
		if in.op != isa.OpBmac || in.regBased {
			continue
		}
		x := &in.arg // ra(=r0), sa, rowa, rb(=r0), rowb, acc, shift, sign
		o := sbmac{sa: uint32(x[1]), a: uint16(x[2]), b: uint16(x[4]), acc: uint8(x[5]), shift: uint8(x[6]), neg: uint8(x[7]), pc1: int32(pc) + 1}
		if !inImage(x[1], x[2]) {
			o.chk |= chkA
		}
		if !inImage(x[1], x[4]) {
			o.chk |= chkB
		}
		e.sbm[pc] = o
		e.staticRun[pc] = 1
		if pc+1 < n {
			e.staticRun[pc] += e.staticRun[pc+1]
		}
	}
	// Runs (from each pc) on a single sub-array.
	e.oneSA = make([]bool, n)
	for pc := n - 1; pc >= 0; pc-- {
		if r := e.staticRun[pc]; r == 1 || r > 1 && e.oneSA[pc+1] && e.sbm[pc+1].sa == e.sbm[pc].sa {
			e.oneSA[pc] = true
		}
	}
	// Run heads (first bmac of a run) and the sub-arrays each run uses.
	e.runHead = make([]int32, n)
	for pc := range n {
		e.runHead[pc] = -1
		r := int(e.staticRun[pc])
		e.maxRun = max(e.maxRun, r)
		if r == 0 || pc > 0 && e.staticRun[pc-1] > 0 {
			continue
		}
		e.runHead[pc] = int32(len(e.headSAs))
		var sas []uint32
		for _, o := range e.sbm[pc : pc+r] {
			if !slices.Contains(sas, o.sa) {
				sas = append(sas, o.sa)
			}
		}
		e.headSAs = append(e.headSAs, sas)
	}
}

// bmacConsts are the loop constants of the static passes, read through one
// pointer: held in registers they would crowd out the per-bmac values (amd64
// has too few for both) and force spills on the hot path.
type bmacConsts struct {
	cyc, latS, latC, latA int64
	accLo, accHi          int64
	countSlow             bool // bitcount slower than the sense: the count stage may stall
	words                 int
}

func (m *Machine) initBmacConsts() {
	c := &m.exe.cost
	m.bk = bmacConsts{
		cyc: c.cycle, latS: c.lat[target.OpAndSense], latC: c.lat[target.OpBitcount], latA: c.lat[target.OpShiftAdd],
		accLo: m.accLo, accHi: m.accHi, words: m.exe.words,
	}
	m.bk.countSlow = m.bk.latC > m.bk.latS
}

// bmacStatic executes the static bmacs [pc, pc+n) (n <= e.staticRun[pc],
// within the budget) and returns how many it executed and the issue clock
// and latest completion after them: fewer than n when the next one reads a
// row that may be undefined (the caller runs that one through bmacRun, which
// faults). Results, timing and profile are bmacRun's for the same bmacs.
//
// It makes three passes over the run. They are independent: the first
// (bmacBits) reads rows and writes latches, bit-count registers,
// accumulators and MAC marks; the second (timing) reads and writes only the
// unit timers of the sub-arrays and the issue clock; the third only the
// profile. The second is data-independent, so for a run entered at its
// first instruction it is memoised (runCache).
func (m *Machine) bmacStatic(st *RunStats, pc, n int, issue, lastEnd int64) (int, int64, int64) {
	e := m.exe
	ops := e.sbm[pc : pc+n]
	var done int
	if e.oneSA[pc] && e.words == 4 {
		done = m.bmacBits1(ops)
	} else {
		done = m.bmacBits(ops, 0)
	}
	ops = ops[:done]
	m.undRun(ops, 0, true)
	var deltas []int64
	if h := e.runHead[pc]; h >= 0 && done == int(e.staticRun[pc]) {
		var t1, end int64
		deltas, t1, end = m.cachedTiming(&m.rcache[h], e.headSAs[h], ops, nil, issue)
		issue, lastEnd = t1, max(lastEnd, end)
	} else {
		deltas = m.scratch[:done]
		var end int64
		issue, end = m.timing(ops, issue, deltas)
		lastEnd = max(lastEnd, end)
	}
	pcs := st.PC[pc : pc+done]
	deltas = deltas[:len(pcs)]
	for i := range pcs {
		pcs[i].Count++
		pcs[i].TimePS += deltas[i]
	}
	return done, issue, lastEnd
}

// bmacBits is the functional pass of bmacStatic: for each bmac, latch = row
// a AND row b, bit count, shift-add into the accumulator, MAC mark. It stops
// before a bmac that reads an undefined row and returns how many it did.
// boff is added to every rowb: 0 for static runs, the row register's value
// for a row-register run (bmacrow.go), whose rowb fields are immediates; the
// caller has checked that every rowb + boff is a row of the sub-array.
func (m *Machine) bmacBits(ops []sbmac, boff int) int {
	sas := m.sas
	k := &m.bk
	for i := range ops {
		o := &ops[i]
		sa := sas[o.sa]
		if sa == nil {
			sa = m.touch(int(o.sa))
		}
		if o.chk != 0 {
			def := &sa.defined
			ra, rb := uint(o.a), uint(int(o.b)+boff)
			if def[(ra>>6)&15]>>(ra&63)&1 == 0 || def[(rb>>6)&15]>>(rb&63)&1 == 0 {
				return i
			}
		}
		var c int
		if k.words == 4 {
			ra, rb := int(o.a)*4, (int(o.b)+boff)*4
			a := (*[4]uint64)(sa.bits[ra : ra+4])
			b := (*[4]uint64)(sa.bits[rb : rb+4])
			l0, l1, l2, l3 := a[0]&b[0], a[1]&b[1], a[2]&b[2], a[3]&b[3]
			sa.latch[0], sa.latch[1], sa.latch[2], sa.latch[3] = l0, l1, l2, l3
			c = bits.OnesCount64(l0) + bits.OnesCount64(l1) + bits.OnesCount64(l2) + bits.OnesCount64(l3)
		} else {
			c = andRow(sa, int(o.a), int(o.b)+boff, k.words)
		}
		sa.count = uint32(c)
		acc := o.acc & (maxAccs - 1)
		neg := -int64(o.neg)
		v := (int64(c)<<o.shift ^ neg) - neg
		sa.acc[acc] = min(max(sa.acc[acc]+v, k.accLo), k.accHi)
		sa.pendPC[acc] = o.pc1
	}
	return len(ops)
}

// bmacBits1 is bmacBits for a run on one sub-array with 256-column rows
// (a compiled layer's inner loop). Only the last bmac's latch and bit count
// survive the run, so they are written once at the end, and the
// accumulator being added to stays in a register until the run moves to
// another one.
func (m *Machine) bmacBits1(ops []sbmac) int {
	s := ops[0].sa
	sa := m.sas[s]
	if sa == nil {
		sa = m.touch(int(s))
	}
	k := &m.bk
	rows := sa.bits
	def := &sa.defined
	accs := &sa.acc
	cur := ops[0].acc & (maxAccs - 1)
	val, mark := accs[cur], sa.pendPC[cur]
	done := len(ops)
	for i := range ops {
		o := &ops[i]
		if o.chk != 0 {
			ra, rb := uint(o.a), uint(o.b)
			if def[(ra>>6)&15]>>(ra&63)&1 == 0 || def[(rb>>6)&15]>>(rb&63)&1 == 0 {
				done = i
				break
			}
		}
		ra, rb := int(o.a)*4, int(o.b)*4
		a := (*[4]uint64)(rows[ra : ra+4])
		b := (*[4]uint64)(rows[rb : rb+4])
		c := bits.OnesCount64(a[0]&b[0]) + bits.OnesCount64(a[1]&b[1]) + bits.OnesCount64(a[2]&b[2]) + bits.OnesCount64(a[3]&b[3])
		if acc := o.acc & (maxAccs - 1); acc != cur {
			accs[cur], sa.pendPC[cur] = val, mark
			cur = acc
			val, mark = accs[cur], sa.pendPC[cur]
		}
		neg := -int64(o.neg)
		v := (int64(c)<<o.shift ^ neg) - neg
		val = min(max(val+v, k.accLo), k.accHi)
		mark = o.pc1
	}
	accs[cur], sa.pendPC[cur] = val, mark
	if done > 0 {
		o := &ops[done-1]
		sa.count = uint32(andRow(sa, int(o.a), int(o.b), 4))
	}
	return done
}

// timing is the timing pass of bmacStatic (the model of bmacRun; a static
// bmac reads no register): it advances the sub-arrays' unit timers, stores
// in deltas[i] the controller time charged to bmac i, and returns the issue
// time after the run and its latest completion (MinInt64 for no bmac).
// Every sub-array of ops has been touched (bmacBits).
func (m *Machine) timing(ops []sbmac, issue int64, deltas []int64) (int64, int64) {
	sas := m.sas
	k := &m.bk
	deltas = deltas[:len(ops)]
	lastEnd := int64(math.MinInt64)
	for i := range ops {
		sa := sas[ops[i].sa]
		t := issue
		d := max(t+k.cyc, sa.arrayFree)
		e1 := d + k.latS
		e2 := e1 + k.latC
		if k.countSlow {
			e2 = max(e1, sa.countFree) + k.latC
		}
		e3 := max(e2, sa.shaddFree) + k.latA
		sa.occupy(d, e3)
		sa.arrayFree, sa.latchReady = e1, e1
		sa.countFree = e2
		sa.shaddFree = e3
		lastEnd = max(lastEnd, e3)
		issue = nextIssue(t, d, k.cyc)
		deltas[i] = issue - t
	}
	return issue, lastEnd
}

// nextIssueSlot is the issue time of the instruction after one issued at t
// that dispatches at d, on a controller with an issue slot every slot ps
// (cycle / issue_width, timing.go): the first slot >= d - cycle, at least
// t + slot. With slot == cyc it is nextIssue.
func nextIssueSlot(t, d, cyc, slot int64) int64 {
	ni := t + slot
	if d-ni > 8*cyc {
		ni = max(ni, (d-cyc+slot-1)/slot*slot)
	}
	for ni < d-cyc {
		ni += slot
	}
	return ni
}

// nextIssue is the issue time of the instruction after one issued at t that
// dispatches at d (timing.go): the first clock edge >= d - cycle, at least
// t + cycle.
func nextIssue(t, d, cyc int64) int64 {
	ni := t + cyc
	if d-ni > 8*cyc {
		ni = max(ni, (d+cyc-1)/cyc*cyc-cyc)
	}
	for ni < d-cyc {
		ni += cyc
	}
	return ni
}

// andRow is the bit work of a bmac on a row of any width: latch = row a AND
// row b of sa, and its popcount.
func andRow(sa *subarray, a, b, words int) int {
	ra, rb := a*words, b*words
	x := sa.bits[ra : ra+words]
	y := sa.bits[rb : rb+words]
	l := sa.latch[:len(x)]
	c := 0
	for j := range x {
		w := x[j] & y[j]
		l[j] = w
		c += bits.OnesCount64(w)
	}
	return c
}
