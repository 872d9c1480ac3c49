package sim

import (
	"math/bits"

	"github.com/pimc-dev/pimc/backend/isa"
	"github.com/pimc-dev/pimc/backend/target"
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
		o := sbmac{sa: uint32(x[1]), a: uint16(x[2]), b: uint16(x[4]), acc: uint8(x[5]), shift: uint8(x[6]), neg: uint8(x[7])}
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
}

// bmacStatic executes the static bmacs [pc, pc+n) (n <= e.staticRun[pc],
// within the budget) and returns the issue clock and latest completion after
// them, and how many it executed: fewer than n when the next one reads a row
// that may be undefined (the caller runs that one through bmacRun, which
// faults).
func (m *Machine) bmacStatic(st *RunStats, pc, n int, issue, lastEnd int64) (int, int64, int64) {
	e := m.exe
	ops := e.sbm[pc : pc+n]
	pcs := st.PC[pc : pc+n]
	sas := m.sas
	cyc := e.cost.cycle
	latS, latC, latA := e.cost.lat[target.OpAndSense], e.cost.lat[target.OpBitcount], e.cost.lat[target.OpShiftAdd]
	accLo, accHi := m.accLo, m.accHi
	words := e.words
	countFits := latC <= latS
	for i := range ops {
		o := &ops[i]
		sa := sas[o.sa]
		if sa == nil {
			sa = m.touch(int(o.sa))
		}
		if o.chk != 0 {
			def := &sa.defined
			ra, rb := uint(o.a), uint(o.b)
			if def[(ra>>6)&15]>>(ra&63)&1 == 0 || def[(rb>>6)&15]>>(rb&63)&1 == 0 {
				return i, issue, lastEnd
			}
		}
		var c int
		if words == 4 {
			ra, rb := int(o.a)*4, int(o.b)*4
			a := (*[4]uint64)(sa.bits[ra : ra+4])
			b := (*[4]uint64)(sa.bits[rb : rb+4])
			l0, l1, l2, l3 := a[0]&b[0], a[1]&b[1], a[2]&b[2], a[3]&b[3]
			sa.latch[0], sa.latch[1], sa.latch[2], sa.latch[3] = l0, l1, l2, l3
			c = bits.OnesCount64(l0) + bits.OnesCount64(l1) + bits.OnesCount64(l2) + bits.OnesCount64(l3)
		} else {
			ra, rb := int(o.a)*words, int(o.b)*words
			a := sa.bits[ra : ra+words]
			b := sa.bits[rb : rb+words]
			l := sa.latch[:len(a)]
			for j := range a {
				w := a[j] & b[j]
				l[j] = w
				c += bits.OnesCount64(w)
			}
		}
		sa.count = uint32(c)
		acc := o.acc & (maxAccs - 1)
		neg := -int64(o.neg)
		v := (int64(c)<<o.shift ^ neg) - neg
		sa.acc[acc] = min(max(sa.acc[acc]+v, accLo), accHi)
		sa.pendPC[acc] = int32(pc+i) + 1
		// timing: as bmacRun (a static bmac reads no register)
		t := issue
		d := max(t+cyc, sa.arrayFree)
		e1 := d + latS
		e2 := e1 + latC
		if !countFits {
			e2 = max(e1, sa.countFree) + latC
		}
		e3 := max(e2, sa.shaddFree) + latA
		sa.arrayFree, sa.latchReady = e1, e1
		sa.countFree = e2
		sa.shaddFree = e3
		lastEnd = max(lastEnd, e3)
		ni := t + cyc
		if d-ni > 8*cyc {
			ni = max(ni, (d+cyc-1)/cyc*cyc-cyc)
		}
		for ni < d-cyc {
			ni += cyc
		}
		p := &pcs[i]
		p.Count++
		p.TimePS += ni - t
		issue = ni
	}
	return n, issue, lastEnd
}
