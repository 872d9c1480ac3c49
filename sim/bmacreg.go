package sim

import (
	"math"

	"github.com/pimc-dev/pimc/isa"
)

// Register-addressed bmac runs. A compiled layer's filter loop walks the
// weight rows (and often the sub-arrays) through registers: runs of bmacs
// whose sub-array or rowb is register-relative. No bmac writes a register,
// so within such a run every register and its ready time are constant: the
// operands are resolved (and range-checked) once per run entry into the
// same records static runs use, then the run goes through the same bit and
// profile passes, with a timing pass that also waits for the registers.
// Results, timing and profile are bmacRun's for the same bmacs.

// prepareReg fills e.regRun: the length of the run of consecutive
// register-addressed bmacs starting at pc (0 if code[pc] is not one), and
// e.sbm[pc] for them with the fields that do not depend on registers.
func (e *Executable) prepareReg() {
	n := len(e.code)
	e.regRun = make([]int32, n)
	for pc := n - 1; pc >= 0; pc-- {
		if in := &e.code[pc]; in.op == isa.OpBmac && in.regBased {
			x := &in.arg
			e.sbm[pc] = sbmac{a: uint16(x[2]), acc: uint8(x[5]), shift: uint8(x[6]), neg: uint8(x[7]), chk: chkA | chkB, pc1: int32(pc) + 1}
			e.regRun[pc] = 1
			if pc+1 < n {
				e.regRun[pc] += e.regRun[pc+1]
			}
			e.maxRun = max(e.maxRun, int(e.regRun[pc]))
		}
	}
	e.regHead = make([]int32, n)
	heads := 0
	for pc := range n {
		e.regHead[pc] = -1
		if e.regRun[pc] > 0 && (pc == 0 || e.regRun[pc-1] == 0) {
			e.regHead[pc] = int32(heads)
			heads++
		}
	}
	e.regHeads = heads
}

// bmacReg executes the register-addressed bmacs [pc, pc+n) (n <=
// e.regRun[pc], within the budget) and returns how many it executed and the
// issue clock and latest completion after them: fewer than n when the next
// one has an operand out of range or reads a row that may be undefined (the
// caller runs that one through bmacRun, which faults).
func (m *Machine) bmacReg(st *RunStats, pc, n int, issue, lastEnd int64) (int, int64, int64) {
	e := m.exe
	if off, ok := m.rowOffset(&e.rowRun[pc]); ok {
		return m.bmacRow(st, pc, n, off, issue, lastEnd)
	}
	code := e.code[pc : pc+n]
	tmpl := e.sbm[pc : pc+n]
	ops := m.regOps[:n]
	ready := m.regReady[:n]
	r, rr := &m.regs, &m.tm.regReady
	nsa, rows := uint32(len(m.sas)), uint32(e.Arch.Rows)
	one := true
	for i := range code {
		x := &code[i].arg // ra, sa, rowa, rb, rowb, acc, shift, sign
		s := uint32(r[x[0]] + x[1])
		ra, rb := x[2], r[x[3]]+x[4]
		if s >= nsa || uint32(ra) >= rows || uint32(rb) >= rows {
			n = i
			break
		}
		// The immediate fields come from prepareReg. (Stores field by field:
		// patching a copy would read it back whole after narrow writes.)
		o := &ops[i]
		*o = tmpl[i]
		o.sa, o.b = s, uint16(rb)
		ready[i] = max(rr[x[0]], rr[x[3]])
		one = one && s == ops[0].sa
	}
	if n == 0 {
		return 0, issue, lastEnd
	}
	ops = ops[:n]
	var done int
	if one && e.words == 4 {
		done = m.bmacBits1(ops)
	} else {
		done = m.bmacBits(ops, 0)
	}
	m.chargeRegRun(pc, ops[:done])
	m.undRun(ops[:done], 0, false)
	return m.regFinish(st, pc, done, ops, ready, issue, lastEnd)
}

// regFinish is the timing and profile pass of the register-addressed bmacs
// [pc, pc+done) (operand records ops, of which only the sub-arrays are read
// here, and register ready times ready), after their bit pass.
func (m *Machine) regFinish(st *RunStats, pc, done int, ops []sbmac, ready []int64, issue, lastEnd int64) (int, int64, int64) {
	e := m.exe
	var deltas []int64
	var t1, end int64
	if h := e.regHead[pc]; h >= 0 && done == int(e.regRun[pc]) {
		deltas, t1, end = m.regTiming(&m.regCache[h], ops, ready[:done], issue)
	} else {
		deltas = m.scratch[:done]
		t1, end = m.timingReg(ops[:done], ready[:done], issue, deltas)
	}
	pcs := st.PC[pc : pc+done]
	for i := range pcs {
		pcs[i].Count++
		pcs[i].TimePS += deltas[i]
	}
	return done, t1, max(lastEnd, end)
}

// timingReg is timing for register-addressed bmacs: bmac i also waits until
// ready[i], the ready time of its address registers.
func (m *Machine) timingReg(ops []sbmac, ready []int64, issue int64, deltas []int64) (int64, int64) {
	sas := m.sas
	k := &m.bk
	deltas = deltas[:len(ops)]
	ready = ready[:len(ops)]
	lastEnd := int64(math.MinInt64)
	for i := range ops {
		sa := sas[ops[i].sa]
		t := issue
		d := max(t+k.cyc, sa.arrayFree, ready[i])
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
