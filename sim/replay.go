package sim

import (
	"math/bits"

	"github.com/pimc-dev/pimc/isa"
)

// Replay of a tape (tape.go) on the lanes of a lockstep batch: the data
// semantics of docs/ISA.md §3, as exec and the bmac paths compute them, on
// operands the tape resolved. Only the data state of a lane machine
// changes (buffer, DRAM, patch and vector registers, sub-array rows,
// latches, bit counts, accumulators); registers, unit timers, statistics,
// ABUF writers and row extents are the recording's business, and a lane
// machine's are left as Reset made them.

// replay applies every entry of t to each lane, entry by entry (each
// entry's decoding is done once for all the lanes).
func (t *tape) replay(lanes []*Machine) {
	for i := range t.entries {
		en := &t.entries[i]
		if en.op == opRun {
			// Member by member, every lane: a member's shared rows stay
			// in the cache for all of them.
			run := &t.runs[en.a[0]]
			for s := run.base; s < run.base+run.n; s++ {
				img := t.exe.wbits[int(s)]
				rest := lanes
				if run.uniform && run.sharedB && t.words == 4 {
					for len(rest) >= 4 {
						replayRun4(rest[:4], run, s, img)
						rest = rest[4:]
					}
				}
				for _, m := range rest {
					m.replayRun(run, s, img)
				}
			}
			continue
		}
		for _, m := range lanes {
			m.replayOp(en)
		}
	}
}

// replayOp applies one data operation (not a run) to m.
func (m *Machine) replayOp(en *tapeEntry) {
	a := &en.a
	e := m.exe
	words := e.words
	abuf := m.abuf
	switch en.op {
	case isa.OpSt:
		abuf[a[0]] = a[1]
		m.markDirty(int(a[0]), 1)
	case isa.OpBcopy:
		dst, src, n := a[0], a[1], a[2]
		copy(abuf[dst:dst+n], abuf[src:src+n])
		m.markDirty(int(dst), int(n))
	case isa.OpBfill:
		dst, n, v := a[0], a[1], a[2]
		fill := abuf[dst : dst+n]
		for i := range fill {
			fill[i] = v
		}
		m.markDirty(int(dst), int(n))
	case isa.OpDload, isa.OpDstore:
		m.replayDRAM(en.op == isa.OpDload, a)
	case isa.OpPzero:
		p := a[0]
		clear(m.patch[p])
		m.pext[p] = 0
		m.planes[p].valid = false
	case isa.OpPld: // p, off, addr, n
		p, off, addr, n := a[0], a[1], a[2], a[3]
		copy(m.patch[p][off:off+n], abuf[addr:addr+n])
		m.pext[p] = max(m.pext[p], off+n)
		m.planes[p].valid = false
	case isa.OpWrp: // sa, row, p, bit
		sa := m.laneSA(a[0])
		sa.own(e, a[1])
		o := int(a[1]) * words
		m.writePlane(sa.bits[o:o+words], int(a[2]), uint(a[3]))
	case isa.OpGwrp: // base, n, row, p, bit
		o := int(a[2]) * words
		for s := a[0]; s < a[0]+a[1]; s++ {
			sa := m.laneSA(s)
			sa.own(e, a[2])
			m.writePlane(sa.bits[o:o+words], int(a[3]), uint(a[4]))
		}
	case isa.OpRdrow: // sa, row
		sa := m.laneSA(a[0])
		o := int(a[1]) * words
		copy(sa.latch[:words], sa.bits[o:o+words])
	case isa.OpAnd, isa.OpOr: // sa, rowa, rowb
		sa := m.laneSA(a[0])
		x := sa.bits[int(a[1])*words : int(a[1])*words+words]
		y := sa.bits[int(a[2])*words : int(a[2])*words+words]
		l := sa.latch[:words]
		if en.op == isa.OpAnd {
			for i := range l {
				l[i] = x[i] & y[i]
			}
		} else {
			for i := range l {
				l[i] = x[i] | y[i]
			}
		}
	case isa.OpPopc:
		sa := m.laneSA(a[0])
		n := 0
		for _, w := range sa.latch[:words] {
			n += bits.OnesCount64(w)
		}
		sa.count = uint32(n)
	case isa.OpShadd: // sa, acc, shift, sign
		sa := m.laneSA(a[0])
		v := int64(sa.count) << uint(a[2])
		if a[3] != 0 {
			v = -v
		}
		sa.acc[a[1]] = min(max(sa.acc[a[1]]+v, m.accLo), m.accHi)
	case isa.OpAccclr:
		m.laneSA(a[0]).acc[a[1]] = 0
	case isa.OpAccadd: // sa, acc, sa2, acc2
		sa, sb := m.laneSA(a[0]), m.laneSA(a[2])
		sa.acc[a[1]] = min(max(sa.acc[a[1]]+sb.acc[a[3]], m.accLo), m.accHi)
	case isa.OpVld, isa.OpVst: // v, base, stride, vl
		v := m.vregs[a[0]][:a[3]]
		base, stride := int64(a[1]), int64(a[2])
		if en.op == isa.OpVld {
			for i := range v {
				v[i] = abuf[base+int64(i)*stride]
			}
			return
		}
		for i, w := range v {
			abuf[base+int64(i)*stride] = int32(min(max(int64(w), m.wordLo), m.wordHi))
		}
		lo, hi := base, base+int64(len(v)-1)*stride
		m.markDirty(int(min(lo, hi)), int(max(lo, hi)-min(lo, hi)+1))
	case isa.OpVldc: // v, base, vl
		copy(m.vregs[a[0]][:a[2]], e.cmem[a[1]:a[1]+a[2]])
	case isa.OpVbcast: // v, value, vl
		dst := m.vregs[a[0]][:a[2]]
		for i := range dst {
			dst[i] = a[1]
		}
	case isa.OpVmov: // vd, va, vl
		copy(m.vregs[a[0]][:a[2]], m.vregs[a[1]][:a[2]])
	case isa.OpVclip: // vd, va, lo, hi, vl
		vectorClip(m.vregs[a[0]][:a[4]], m.vregs[a[1]][:a[4]], a[2], a[3])
	case isa.OpVrq: // vd, va, vb, vm, shift, mode, type, vl
		vl := a[7]
		vectorRQ(m.vregs[a[0]][:vl], m.vregs[a[1]][:vl], m.vregs[a[2]][:vl], m.vregs[a[3]][:vl], uint(a[4]), isa.RoundMode(a[5]), isa.IntType(a[6]))
	case isa.OpVadd, isa.OpVsub, isa.OpVmax, isa.OpVmin, isa.OpVmul: // vd, va, vb, vl
		vl := a[3]
		vectorBinary(en.op, m.vregs[a[0]][:vl], m.vregs[a[1]][:vl], m.vregs[a[2]][:vl])
	case isa.OpVacc: // v, lane, sa, acc, clr
		sa := m.laneSA(a[2])
		v := m.vregs[a[0]]
		v[a[1]] = sat32(int64(v[a[1]]) + sa.acc[a[3]])
		if a[4] != 0 {
			sa.acc[a[3]] = 0
		}
	case isa.OpGvacc: // v, first, lstride, base, n, acc, clr
		v := m.vregs[a[0]]
		for j := range a[4] {
			sa := m.laneSA(a[3] + j)
			lane := a[1] + j*a[2]
			v[lane] = sat32(int64(v[lane]) + sa.acc[a[5]])
			if a[6] != 0 {
				sa.acc[a[5]] = 0
			}
		}
	default:
		panic("BUG: sim: replay of " + en.op.String())
	}
}

// laneSA returns sub-array s of the lane, creating its state on first use.
func (m *Machine) laneSA(s int32) *subarray {
	if sa := m.sas[s]; sa != nil {
		return sa
	}
	return m.touch(int(s))
}

// replayDRAM is the data of dload (load) or dstore: operands dst, src, n,
// type as dramTransfer reads them.
func (m *Machine) replayDRAM(load bool, a *[8]int32) {
	dst, src, n := int64(a[0]), int64(a[1]), int64(a[2])
	typ := isa.IntType(a[3])
	ab, dr := dst, src
	if !load {
		ab, dr = src, dst
	}
	if load {
		dramSpan(dr, n, func(p, off, i, k int) {
			out := m.abuf[int(ab)+i : int(ab)+i+k]
			if data := m.dram.data[p]; data != nil {
				copy(out, data[off:off+k])
			} else {
				clear(out)
			}
		})
		m.markDirty(int(ab), int(n))
		return
	}
	dramSpan(dr, n, func(p, off, i, k int) {
		data, _ := m.dram.page(p, false)
		for j, v := range m.abuf[int(ab)+i : int(ab)+i+k] {
			data[off+j] = int32(typ.Clamp(int64(v)))
		}
	})
}

// replayRun applies a bmac run to member s of the run's group on m: every
// op in order (latch = row a AND row b, bit count, saturating shift-add),
// as bmacRun and gbmacRun compute them; the latch and bit count keep the
// last op's. img is the member's weight image, which the run's shared rows
// are read from (tapeRun).
func (m *Machine) replayRun(run *tapeRun, s int32, img []uint64) {
	words := m.exe.words
	ops := run.ops
	last := ops[len(ops)-1]
	sa := m.laneSA(s)
	a, b := sa.bits, sa.bits
	if run.sharedA {
		a = img
	}
	if run.sharedB {
		b = img
	}
	if run.uniform {
		sa.acc[ops[0].acc], sa.count = m.accumulate(a, b, ops, sa.acc[ops[0].acc])
	} else {
		accs := sa.acc
		var cnt int
		for _, o := range ops {
			cnt = andCount(a[o.oa:int(o.oa)+words], b[o.ob:int(o.ob)+words])
			accs[o.acc] = o.add(accs[o.acc], cnt, m.accLo, m.accHi)
		}
		sa.acc = accs
		sa.count = uint32(cnt)
	}
	l := sa.latch[:words]
	for w := range l {
		l[w] = a[int(last.oa)+w] & b[int(last.ob)+w]
	}
}

// replayRun4 is replayRun of a uniform run with shared rowb rows (the
// weight image img) on member s of four lanes at once: one vector pass
// over the run for the four (andSumsLanes4), then each lane's saturation
// check (sumRun's), its bit count and latch; a lane whose partial sums
// might saturate takes replayRun.
func replayRun4(lanes []*Machine, run *tapeRun, s int32, img []uint64) {
	var rows [4][]uint64
	var sums [8]int64
	for l, m := range lanes {
		rows[l] = m.laneSA(s).bits
	}
	ops := run.ops
	andSumsLanes4(&rows, img, ops, &sums)
	acc := ops[0].acc
	o := ops[len(ops)-1]
	q := (*[4]uint64)(img[o.ob:])
	for l, m := range lanes {
		sa := m.sas[s]
		a := sa.acc[acc]
		if a+sums[l] > m.accHi || a-sums[4+l] < m.accLo {
			m.replayRun(run, s, img)
			continue
		}
		p := (*[4]uint64)(rows[l][o.oa:])
		l0, l1, l2, l3 := p[0]&q[0], p[1]&q[1], p[2]&q[2], p[3]&q[3]
		sa.latch[0], sa.latch[1], sa.latch[2], sa.latch[3] = l0, l1, l2, l3
		sa.count = uint32(bits.OnesCount64(l0) + bits.OnesCount64(l1) + bits.OnesCount64(l2) + bits.OnesCount64(l3))
		sa.acc[acc] = a + sums[l] - sums[4+l]
	}
}

// accumulate is the bit work of a run with one accumulator on rows a and
// b of one sub-array (a and b hold the same rows, or the weight image's
// for shared ones): it returns the accumulator after adding every op's
// shifted count (saturating after each, as the hardware does) and the last
// count.
func (m *Machine) accumulate(a, b []uint64, ops []gbOp, acc int64) (int64, uint32) {
	words := m.exe.words
	accLo, accHi := m.accLo, m.accHi
	if words == 4 { // the tape's rows are inside the sub-array (rowsFit4)
		if v, last, ok := sumRun(a, b, ops, acc, accLo, accHi); ok {
			return v, last
		}
	}
	var cnt int
	for _, o := range ops {
		cnt = andCount(a[o.oa:int(o.oa)+words], b[o.ob:int(o.ob)+words])
		acc = o.add(acc, cnt, accLo, accHi)
	}
	return acc, uint32(cnt)
}
