package sim

import "github.com/pimc-dev/pimc/isa"

// Row-register bmac runs: the register-addressed runs a compiled layer
// actually emits. In its filter loop every bmac has an immediate sub-array
// ([r0+s]) and reads its weight row through one loop register ([rK+row]),
// the same register for the whole run (BACKEND.md's filter loop: rowb =
// r5 + imm, r5 += rows per filter). For such a run the operand records
// differ from the immediate ones only by the register's value, so instead of
// resolving every bmac on every entry (bmacReg's loop: two register reads,
// three range checks and a 16-byte record per bmac, a fifth of a ResNet's
// simulation time) the run uses the predecoded records of prepareRow as they
// are, with the register added to rowb inside the bit pass, and one range
// check per run on the smallest and largest rowb immediate. The results,
// timing and profile are bmacReg's (and so bmacRun's) for the same bmacs.

// rowRun is the predecoded form of a row-register run suffix starting at a
// pc: the row register and the range of the rowb immediates of the whole
// suffix (a bound for every prefix of it, which is what a budget-limited
// entry executes).
type rowRun struct {
	reg    int8   // register of every rowb in the suffix; -1: not a row-register suffix
	lo, hi uint16 // smallest and largest rowb immediate
}

// prepareRow fills e.rowRun (after prepareReg) and, for the bmacs of
// row-register suffixes, stores the rowb immediate in e.sbm[pc].b. A suffix
// qualifies when every bmac of it has base register r0 for the sub-array,
// an immediate sub-array below the target's count, rowa below the row count
// (Validate does not check those for register-addressed bmacs: bmacReg
// does, and a run that fails them takes bmacReg), and a non-zero rowb
// register, the same for all, with an immediate in [0, 65535].
func (e *Executable) prepareRow() {
	n := len(e.code)
	e.rowRun = make([]rowRun, n)
	nsa, rows := int32(e.Arch.Subarrays), int32(e.Arch.Rows)
	for pc := n - 1; pc >= 0; pc-- {
		r := &e.rowRun[pc]
		r.reg = -1
		if e.regRun[pc] == 0 {
			continue
		}
		x := &e.code[pc].arg // ra, sa, rowa, rb, rowb, acc, shift, sign
		if x[0] != 0 || x[1] < 0 || x[1] >= nsa || x[2] < 0 || x[2] >= rows || x[3] == 0 || x[4] < 0 || x[4] > 0xffff {
			continue
		}
		imm := uint16(x[4])
		*r = rowRun{reg: int8(x[3]), lo: imm, hi: imm}
		if e.regRun[pc] > 1 {
			next := &e.rowRun[pc+1]
			if next.reg != r.reg {
				r.reg = -1
				continue
			}
			r.lo, r.hi = min(imm, next.lo), max(imm, next.hi)
		}
		e.sbm[pc].sa, e.sbm[pc].b = uint32(x[1]), imm
	}
}

// rowOffset returns the value of the row register of the row-register run
// at pc and true when every rowb of the suffix is inside the sub-array with
// it (the run can then take bmacRow), false otherwise.
func (m *Machine) rowOffset(rr *rowRun) (int, bool) {
	if rr.reg < 0 {
		return 0, false
	}
	off := int64(m.regs[rr.reg&(isa.NumRegs-1)])
	rows := int64(m.exe.Arch.Rows)
	return int(off), off+int64(rr.lo) >= 0 && off+int64(rr.hi) < rows
}

// bmacRow executes the row-register bmacs [pc, pc+n) whose row register
// holds off (rowOffset said every rowb is in range) and returns what bmacReg
// returns: their records are e.sbm's as prepared, and the ready time of
// their address registers (r0 and the row register) is one for the run.
func (m *Machine) bmacRow(st *RunStats, pc, n, off int, issue, lastEnd int64) (int, int64, int64) {
	e := m.exe
	rr := &e.rowRun[pc]
	ops := e.sbm[pc : pc+n]
	rdy := max(m.tm.regReady[0], m.tm.regReady[rr.reg&(isa.NumRegs-1)])
	ready := m.regReady[:n]
	for i := range ready {
		ready[i] = rdy
	}
	// Always bmacBits, also for a run on one sub-array: bmacBits1 with a
	// row offset spills on amd64 and slowed static runs by 6% (BENCHMARKS.md).
	done := m.bmacBits(ops, off)
	m.undRun(ops[:done], off, true)
	return m.regFinish(st, pc, done, ops, ready, issue, lastEnd)
}
