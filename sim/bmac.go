package sim

import (
	"math/bits"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// bmacRun executes the bmac at pc and the bmacs that directly follow it (a
// compiled layer is long runs of them), in a function of its own so that
// its few live values stay in registers. It returns the machine's loop
// state after the run: the next pc, steps, issue clock and latest unit
// completion, or a fault. Semantics: docs/ISA.md §3.3; timing: timing.go.
func (m *Machine) bmacRun(st *RunStats, pc int, steps, budget, issue, lastEnd int64) (int, int64, int64, int64, *Fault) {
	e := m.exe
	code, pcs, sas := e.code, st.PC, m.sas
	r, regReady := &m.regs, &m.tm.regReady
	cyc, slot := e.cost.cycle, e.cost.slot
	latS, latC, latA := e.cost.lat[target.OpAndSense], e.cost.lat[target.OpBitcount], e.cost.lat[target.OpShiftAdd]
	accLo, accHi := m.accLo, m.accHi
	words := e.words
	rows, nsa := uint32(e.Arch.Rows), uint32(len(sas))
	countFits := latC <= latS
	cols, und := int32(e.Arch.Cols), st.Undriven
	multiAcc := e.multiAcc
	for {
		steps++
		in := &code[pc]
		x := &in.arg // ra, sa, rowa, rb, rowb, acc, shift, sign
		ps := &pcs[pc]
		ps.Count++
		t := issue
		// Every check is one compare; the fault message is built out of line.
		s := uint32(r[x[0]] + x[1])
		ra, rb := x[2], r[x[3]]+x[4]
		if s >= nsa || uint32(ra) >= rows || uint32(rb) >= rows {
			return pc, steps, issue, lastEnd, m.bmacFault(pc, steps, x)
		}
		sa := sas[s]
		if sa == nil {
			sa = m.touch(int(s))
		}
		def := &sa.defined // ra, rb < rows <= 1024: the masks only drop bounds checks
		if def[(ra>>6)&15]>>(uint(ra)&63)&1 == 0 || def[(rb>>6)&15]>>(uint(rb)&63)&1 == 0 {
			return pc, steps, issue, lastEnd, m.bmacFault(pc, steps, x)
		}
		var n int
		if words == 4 {
			// 256 columns, the default geometry: unrolled, no bounds checks.
			a := (*[4]uint64)(sa.bits[int(ra)*4:])
			b := (*[4]uint64)(sa.bits[int(rb)*4:])
			l := (*[4]uint64)(sa.latch[:4])
			l0, l1, l2, l3 := a[0]&b[0], a[1]&b[1], a[2]&b[2], a[3]&b[3]
			l[0], l[1], l[2], l[3] = l0, l1, l2, l3
			n = bits.OnesCount64(l0) + bits.OnesCount64(l1) + bits.OnesCount64(l2) + bits.OnesCount64(l3)
		} else {
			a := sa.bits[int(ra)*words : int(ra)*words+words]
			b := sa.bits[int(rb)*words : int(rb)*words+words]
			l := sa.latch[:len(a)]
			for i := range a {
				w := a[i] & b[i]
				l[i] = w
				n += bits.OnesCount64(w)
			}
		}
		if m.senseOn {
			n += m.flt.misread(sa.latch[:words], sa.bits[int(ra)*words:int(ra)*words+words], sa.bits[int(rb)*words:int(rb)*words+words], false, int(x[6]))
		}
		sa.count = uint32(n)
		if u := cols - min(sa.rowK[ra], sa.rowK[rb]); u != 0 { // columns not sensed (columns.go)
			und[e.src[pc]+1][undSense] += int64(u)
		}
		acc := x[5] & (maxAccs - 1) // < acc_per_subarray <= 16 (Validate)
		if multiAcc && acc != sa.curAcc {
			sa.toAcc(acc)
		}
		neg := -int64(x[7]) // 0 or -1: branch-free conditional negation
		v := (int64(n)<<uint(x[6]) ^ neg) - neg
		sa.acc[acc] = min(max(sa.acc[acc]+v, accLo), accHi)
		sa.pendPC[acc] = int32(pc) + 1
		// timing: sense -> count -> shadd pipeline
		d := max(t+cyc, sa.arrayFree)
		if in.regBased {
			d = max(d, regReady[x[0]], regReady[x[3]])
		}
		e1 := d + latS
		// The count stage is free by e1 when it is not slower than the
		// sense (a popc dispatched before d ends by d + latC <= e1).
		e2 := e1 + latC
		if !countFits {
			e2 = max(e1, sa.countFree) + latC
		}
		e3 := max(e2, sa.shaddFree) + latA
		sa.occupy(d, e3) // [d, e3) is busy: see occupy
		if x[0] != 0 {
			m.chargeDyn(pc)
		}
		sa.arrayFree, sa.latchReady = e1, e1
		sa.countFree = e2
		sa.shaddFree = e3
		lastEnd = max(lastEnd, e3)
		// issue of the next instruction (see exec)
		ni := nextIssueSlot(t, d, cyc, slot)
		ps.TimePS += ni - t
		if m.Trace != nil {
			m.trace(pc, t, d)
		}
		issue = ni
		pc++
		if pc >= len(code) || code[pc].op != isa.OpBmac || steps >= budget {
			return pc, steps, issue, lastEnd, nil
		}
	}
}

// bmacFault builds the fault of a bmac whose operands failed the fast checks.
//
//go:noinline
func (m *Machine) bmacFault(pc int, steps int64, x *[isa.MaxArgs]int32) *Fault {
	r := &m.regs
	s := uint32(r[x[0]] + x[1])
	rows := int32(m.exe.Arch.Rows)
	if s >= uint32(len(m.sas)) {
		return m.fault(pc, steps, "sub-array %d out of range (target has %d)", int32(s), len(m.sas))
	}
	sa := m.touch(int(s))
	for _, row := range []int32{x[2], r[x[3]] + x[4]} {
		if uint32(row) >= uint32(rows) {
			return m.fault(pc, steps, "row %d out of range (target has %d rows)", row, rows)
		}
		if !sa.isDefined(int(row)) {
			return m.fault(pc, steps, "reads row %d of sub-array %d, which holds undefined data (never written by the weight image or wrp)", row, s)
		}
	}
	panic("BUG: sim: bmacFault without a fault")
}
