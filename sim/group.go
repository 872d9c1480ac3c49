package sim

import (
	"math/bits"

	"github.com/pimc-dev/pimc/target"
)

// Group instructions (ISA v1.5, docs/ISA.md §3.3, docs/PARALLEL.md §2 and
// §5). One instruction drives the n consecutive sub-arrays
// [r[a], r[a]+n) of one bank, each doing what the single instruction does
// on its own cells, so every sub-array is charged exactly the single
// instruction's operations (staticOps counts n of them). Timing: the
// instruction dispatches when every addressed sub-array could dispatch
// the single instruction (d = the latest of their unit free times), and
// each sub-array then runs the single instruction's unit sequence from d.
// Every check is made before any state changes, so a fault leaves the
// machine as it was before the instruction.

// group resolves the group [r[ra], r[ra]+n) of instruction pc: it faults
// when the group leaves the sub-arrays or crosses a bank boundary, and
// returns its first sub-array.
func (m *Machine) group(pc int, steps int64, ra, n int32) (int, *Fault) {
	a := &m.exe.Arch
	base := int64(m.regs[ra])
	last := base + int64(n) - 1
	if base < 0 || last >= int64(a.Subarrays) {
		return 0, m.fault(pc, steps, "group of %d sub-arrays from %d leaves the sub-arrays (target has %d)", n, base, a.Subarrays)
	}
	if per := int64(a.SubarraysPerBank()); base/per != last/per {
		return 0, m.fault(pc, steps, "group [%d, %d] crosses the bank boundary at %d (%d sub-arrays per bank)", base, last, (last/per)*per, per)
	}
	return int(base), nil
}

// groupSA returns sub-array s of a group, creating its state on first use.
func (m *Machine) groupSA(s int) *subarray {
	if sa := m.sas[s]; sa != nil {
		return sa
	}
	return m.touch(s)
}

// gwrp: ra, n, rb, row, p, bit. Row r[b]+row of every sub-array of the
// group = bit `bit` of patch register p; the write takes row_write plus the
// row_broadcast latency. It returns the dispatch time and the latest end.
func (m *Machine) gwrp(pc int, steps int64, x *[8]int32, d int64) (int64, int64, *Fault) {
	base, f := m.group(pc, steps, x[0], x[1])
	if f != nil {
		return 0, 0, f
	}
	rows := int32(m.exe.Arch.Rows)
	row := m.regs[x[2]] + x[3]
	if uint32(row) >= uint32(rows) {
		return 0, 0, m.fault(pc, steps, "row %d out of range (target has %d rows)", row, rows)
	}
	tm := &m.tm
	d = max(d, tm.regReady[x[0]], tm.regReady[x[2]], tm.pReady[x[4]])
	n := int(x[1])
	for j := range n {
		d = max(d, m.groupSA(base+j).arrayFree)
	}
	e := m.exe
	words := e.words
	o := int(row) * words
	end := d + e.cost.lat[target.OpRowWrite] + e.cost.lat[target.OpRowBroadcast]
	src := e.src[pc] + 1
	und := &m.stats.Undriven[src]
	for j := range n {
		sa := m.sas[base+j]
		sa.occupy(d, end)
		m.chargeSA(sa, int32(base+j), src, saUnits{end - d, 0, 0})
		sa.own(e, row)
		m.writePlane(sa.bits[o:o+words], int(x[4]), uint(x[5]))
		if m.flt != nil {
			m.flt.written(sa.bits[o:o+words], base+j, int(row))
		}
		sa.defined[row>>6] |= 1 << (uint(row) & 63)
		u := m.writeRow(sa, row, x[4])
		und[undWrite] += u
		if j > 0 { // the broadcast reaches the others with the driven columns
			und[undBroadcast] += u
		}
		sa.arrayFree = end
	}
	return d, end, nil
}

// gbmac: ra, n, rowa, rb, rowb, acc, shift, sign. A bmac on every
// sub-array of the group, each through its sense -> count -> shadd
// pipeline from the common dispatch time.
func (m *Machine) gbmac(pc int, steps int64, x *[8]int32, d int64) (int64, int64, *Fault) {
	base, f := m.group(pc, steps, x[0], x[1])
	if f != nil {
		return 0, 0, f
	}
	d = max(d, m.tm.regReady[x[0]], m.tm.regReady[x[3]])
	return m.bmacs(pc, steps, base, int(x[1]), x, d, true)
}

// bmacs runs the bmac of instruction pc (operands x in bmac or gbmac
// order from rowa on: x[2] rowa, x[3]/x[4] rowb, x[5] acc, x[6] shift,
// x[7] sign) on sub-arrays [base, base+n), dispatching no earlier than d;
// charge says whether to charge the sub-arrays' work at run time (a
// group, or a register-addressed bmac; resources.go charges the others).
// It returns the dispatch time and the latest end.
func (m *Machine) bmacs(pc int, steps int64, base, n int, x *[8]int32, d int64, charge bool) (int64, int64, *Fault) {
	rows := int32(m.exe.Arch.Rows)
	ra, rb := x[2], m.regs[x[3]]+x[4]
	for _, row := range [2]int32{ra, rb} {
		if uint32(row) >= uint32(rows) {
			return 0, 0, m.fault(pc, steps, "row %d out of range (target has %d rows)", row, rows)
		}
	}
	// Checks first (a fault changes nothing), and the dispatch time.
	sas := m.sas[base : base+n : base+n]
	for j, sa := range sas {
		if sa == nil {
			sa = m.touch(base + j) // sets sas[j]
		}
		def := &sa.defined // ra, rb < rows <= 1024: the masks only drop bounds checks
		if def[(ra>>6)&15]>>(uint(ra)&63)&1 == 0 || def[(rb>>6)&15]>>(uint(rb)&63)&1 == 0 {
			row := ra
			if sa.isDefined(int(ra)) {
				row = rb
			}
			return 0, 0, m.fault(pc, steps, "reads row %d of sub-array %d, which holds undefined data (never written by the weight image or wrp)", row, base+j)
		}
		d = max(d, sa.arrayFree)
	}
	if m.exe.multiAcc { // after the checks: a fault changes nothing
		for _, sa := range sas {
			sa.toAcc(x[5])
		}
	}
	c := &m.exe.cost
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	words := m.exe.words
	acc := x[5] & (maxAccs - 1) // < acc_per_subarray <= 16 (Validate)
	neg := -int64(x[7])         // 0 or -1: branch-free conditional negation
	shift := uint(x[6])
	accLo, accHi := m.accLo, m.accHi
	pc1 := int32(pc) + 1
	e1 := d + latS // every member senses from d
	lastEnd := int64(0)
	src := m.exe.src[pc] + 1
	oa, ob := int(ra)*words, int(rb)*words
	cols, und := int32(m.exe.Arch.Cols), &m.stats.Undriven[src]
	for j, sa := range sas {
		und[undSense] += int64(cols - min(sa.rowK[ra], sa.rowK[rb])) // columns not sensed (columns.go)
		if charge {
			m.chargeSA(sa, int32(base+j), src, saUnits{latS, latC, latA})
		}
		var cnt int
		if words == 4 {
			// 256 columns, the default geometry: unrolled, no bounds checks.
			a := (*[4]uint64)(sa.bits[oa:])
			b := (*[4]uint64)(sa.bits[ob:])
			l := (*[4]uint64)(sa.latch[:4])
			l0, l1, l2, l3 := a[0]&b[0], a[1]&b[1], a[2]&b[2], a[3]&b[3]
			l[0], l[1], l[2], l[3] = l0, l1, l2, l3
			cnt = bits.OnesCount64(l0) + bits.OnesCount64(l1) + bits.OnesCount64(l2) + bits.OnesCount64(l3)
		} else {
			a := sa.bits[oa : oa+words]
			b := sa.bits[ob : ob+words]
			l := sa.latch[:len(a)]
			for i := range a {
				w := a[i] & b[i]
				l[i] = w
				cnt += bits.OnesCount64(w)
			}
		}
		if m.senseOn {
			cnt += m.flt.misread(sa.latch[:words], sa.bits[oa:oa+words], sa.bits[ob:ob+words], false, int(shift))
		}
		sa.count = uint32(cnt)
		v := (int64(cnt)<<shift ^ neg) - neg
		sa.acc[acc] = min(max(sa.acc[acc]+v, accLo), accHi)
		sa.pendPC[acc] = pc1
		e2 := max(e1, sa.countFree) + latC
		e3 := max(e2, sa.shaddFree) + latA
		sa.occupy(d, e3) // [d, e3) is busy: see occupy
		sa.arrayFree, sa.latchReady = e1, e1
		sa.countFree, sa.shaddFree = e2, e3
		lastEnd = max(lastEnd, e3)
	}
	return d, lastEnd, nil
}

// gvacc: vd, ra, lane, rb, n, lstride, acc, clr. For j = 0..n-1 in order:
// lane r[a]+lane+j*lstride of vd += A[r[b]+j][acc] (saturating), cleared
// if clr. The DPU takes ceil(n / buffer_port_words) accumulator
// transfers.
func (m *Machine) gvacc(pc int, steps int64, x *[8]int32, d int64) (int64, int64, *Fault) {
	base, f := m.group(pc, steps, x[3], x[4])
	if f != nil {
		return 0, 0, f
	}
	lanes := int64(m.exe.Arch.DPULanes)
	n := int(x[4])
	first := int64(m.regs[x[1]]) + int64(x[2])
	lastLane := first + int64(n-1)*int64(x[5])
	if first < 0 || lastLane >= lanes {
		return 0, 0, m.fault(pc, steps, "lanes %d..%d (stride %d) out of range (target has %d lanes)", first, lastLane, x[5], lanes)
	}
	tm := &m.tm
	d = max(d, tm.dpuFree, tm.vReady[x[0]], tm.regReady[x[1]], tm.regReady[x[3]])
	acc := x[6]
	multiAcc := m.exe.multiAcc
	for j := range n {
		sa := m.groupSA(base + j)
		if multiAcc {
			d = max(d, sa.drainReady(acc))
		} else {
			d = max(d, sa.shaddFree)
		}
	}
	c := &m.exe.cost
	end := d + c.transfer(int64(n), c.lat[target.OpAccTransfer])
	m.chargeDPU(pc, m.exe.shared.id(ResDPU, m.cur), end-d)
	v := m.vregs[x[0]]
	src := m.exe.src[pc] + 1
	for j := range n {
		sa := m.sas[base+j]
		sa.occupy(d, end)
		m.chargeSA(sa, int32(base+j), src, saUnits{0, 0, c.lat[target.OpAccTransfer]})
		lane := first + int64(j)*int64(x[5])
		v[lane] = sat32(int64(v[lane]) + sa.acc[acc])
		if x[7] != 0 {
			m.flushMACs(sa, int(acc))
			sa.acc[acc] = 0
		}
		if multiAcc {
			sa.drained(end)
		} else {
			sa.shaddFree = end
		}
	}
	tm.dpuFree, tm.vReady[x[0]] = end, end
	return d, end, nil
}
