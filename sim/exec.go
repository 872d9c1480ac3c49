package sim

import (
	"errors"
	"math"
	"math/bits"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// errRanTwice is returned by Run when the machine was not Reset after a run.
var errRanTwice = errors.New("sim: Run called twice without Reset (write the next inputs after Reset)")

// Run executes the program from the current state (normally the post-load
// state plus the inputs written by the host) until halt, and returns the
// accounting of this inference. A run-time fault returns a *Fault; the
// machine state is then left as it was at the fault, for inspection.
func (m *Machine) Run() (*RunStats, error) {
	if m.ran {
		return nil, errRanTwice
	}
	m.ran = true
	st := newRunStats(m.exe)
	st.Frames = m.frames
	m.stats = st
	if m.flt != nil {
		m.flt.beginRun()
	}
	m.startTimeline() // timeline.go
	var err error
	if m.multi {
		err = m.runStreams(st) // several streams (streams.go)
	} else {
		err = m.exec(st)
	}
	if f, ok := err.(*Fault); ok {
		st.Steps = f.Step
	}
	if err == errYield || err == errParked {
		panic("BUG: sim: a stream's slice leaked out of runStreams")
	}
	st.SubarraysUsed = len(m.touched)
	m.finishCharges(st)
	m.finishTimeline(st)
	m.finishWindow(st)
	m.measureBuffer(st)
	// Work accumulated but never consumed still happened: count it.
	for _, s := range m.touched {
		sa := m.sas[s]
		for a := range sa.pendPC {
			m.flushMACs(sa, a)
		}
	}
	if err == nil {
		err = m.exe.checkDeclaredMACs(st)
	}
	return st, err
}

// flushMACs closes the MAC group of accumulator a of sa (see Report.MACs).
func (m *Machine) flushMACs(sa *subarray, a int) {
	if sa.pendPC[a] == 0 {
		return
	}
	pc := sa.pendPC[a] - 1
	sa.pendPC[a] = 0
	k := int64(m.exe.Arch.Cols)
	switch in := &m.exe.code[pc]; in.op {
	case isa.OpBmac, isa.OpAnd, isa.OpOr, isa.OpGbmac, isa.OpGdot: // rowa is arg 2 of each (gdot: its first input row)
		k = int64(sa.rowK[in.arg[2]])
	}
	m.stats.MACs[m.exe.src[pc]+1] += k
}

func sat32(x int64) int32 {
	if x > math.MaxInt32 {
		return math.MaxInt32
	}
	if x < math.MinInt32 {
		return math.MinInt32
	}
	return int32(x)
}

// exec is the interpreter loop: one switch over predecoded instructions, no
// allocation and no interface call per instruction. Functional semantics are
// docs/ISA.md §3, timing is timing.go.
func (m *Machine) exec(st *RunStats) error {
	e := m.exe
	code := e.code
	srcOf := e.src
	c := &e.cost
	cyc := c.cycle
	r := &m.regs
	tm := &m.tm
	words := e.words
	rows := int32(e.Arch.Rows)
	spm := int32(e.Arch.SubarraysPerMat)
	lanes := int32(e.Arch.DPULanes)
	abuf := m.abuf
	cmem := e.cmem
	accLo, accHi := m.accLo, m.accHi
	wordLo, wordHi := m.wordLo, m.wordHi
	pcs := st.PC
	budget := m.MaxSteps
	if budget <= 0 {
		budget = DefaultMaxSteps
	}
	steps, lim := m.steps, m.lim
	// The loop stops at stop = min(lim, the running controller's next
	// mark of a windowed run, window.go) and tells them apart there.
	mk := m.nextStop() // timeline.go
	stop := min(lim, mk)
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	port, dpu := e.shared.id(ResPort, m.port), e.shared.id(ResDPU, m.cur)

	pc := m.pc
	// The issue clock and the latest unit completion live in locals
	// (registers) in the loop; nothing reads them after the run (Reset
	// zeroes the timing state).
	issue, lastEnd := tm.issue, tm.lastEnd
	satAcc := func(x int64) int64 { return min(max(x, accLo), accHi) }
	satWord := func(x int32) int32 { return int32(min(max(int64(x), wordLo), wordHi)) }
	// The fast bmac and gbmac paths sense without errors: a traced machine
	// or one on a chip that misreads takes the per-instruction ones.
	// Their timing assumes single issue (slot == cycle) and one
	// accumulator in use (accumulators.go).
	fast := m.Trace == nil && !m.senseOn && c.slot == cyc && !e.multiAcc
	slot := c.slot

	for {
		if uint(pc) >= uint(len(code)) {
			st.Steps = steps
			return m.fault(pc, steps, "ran off the end of the code (%d instructions) without halt", len(code))
		}
		if steps >= budget {
			st.Steps = steps
			return m.fault(pc, steps, "instruction budget of %d exhausted (infinite loop? raise MaxSteps / -max-steps)", budget)
		}
		if issue > stop {
			if issue > lim { // another stream's turn (streams.go)
				m.pc, m.steps, tm.issue, tm.lastEnd = pc, steps, issue, lastEnd
				return errYield
			}
			mk = m.markStop(issue, steps) // window.go, timeline.go
			stop = min(lim, mk)
		}
		if code[pc].op == isa.OpBmac && !m.multi {
			if n := int(e.staticRun[pc]); n > 0 && fast {
				n = int(min(int64(n), budget-steps))
				done, is, le := m.bmacStatic(st, pc, n, issue, lastEnd)
				pc, steps, issue, lastEnd = pc+done, steps+int64(done), is, le
				if done == n {
					continue
				}
				// the next one may read an undefined row: bmacRun faults
			} else if n := int(e.regRun[pc]); n > 0 && fast {
				n = int(min(int64(n), budget-steps))
				done, is, le := m.bmacReg(st, pc, n, issue, lastEnd)
				pc, steps, issue, lastEnd = pc+done, steps+int64(done), is, le
				if done == n {
					continue
				}
				// the next one faults: bmacRun reports it
			}
			var f *Fault
			pc, steps, issue, lastEnd, f = m.bmacRun(st, pc, steps, budget, issue, lastEnd)
			if f != nil {
				return f
			}
			continue
		}
		if code[pc].op == isa.OpGbmac && fast { // gbmacrun.go
			if multiRuns && !m.multi && m.gbSeqLen(pc) > int(e.gbRun[pc]) { // gbmacmulti.go
				if done, is, le := m.gbmacMulti(st, pc, int(min(int64(m.gbSeqLen(pc)), budget-steps)), issue, lastEnd); done > 0 {
					pc, steps, issue, lastEnd = pc+done, steps+int64(done), is, le
					continue
				}
			}
			n := int(min(int64(e.gbRun[pc]), budget-steps))
			if m.multi {
				n = m.gbmacRunStreams(pc, n, issue, lim)
			}
			if done, is, le := m.gbmacRun(st, pc, n, issue, lastEnd); done > 0 {
				pc, steps, issue, lastEnd = pc+done, steps+int64(done), is, le
				continue
			}
		}
		steps++
		in := &code[pc]
		x := &in.arg
		ps := &pcs[pc]
		ps.Count++
		t := issue
		d := t + cyc // dispatch time
		next := pc + 1
		if m.multi {
			d = m.link(pc, st, d) // a non-local bank or port, its link contended (streams.go)
			if e.ctlOf[pc] == sharedCode {
				m.chargeIssue(pc, m.cur) // controllers.go
			}
		}

		switch in.op {
		case isa.OpNop:
		case isa.OpHalt, isa.OpBarrier:
			d = max(d, lastEnd)
			if in.op == isa.OpHalt {
				ps.TimePS += d - t
				if m.Trace != nil {
					m.trace(pc, t, d)
				}
				st.LatencyPS = max(st.LatencyPS, d) // the last halt of several streams
				m.haltPassed(d, t, steps)           // window.go
				st.Steps = steps
				m.steps = steps
				return nil
			}
		case isa.OpLi:
			r[x[0]] = x[1]
			tm.regReady[x[0]] = d
		case isa.OpAdd, isa.OpSub, isa.OpMul, isa.OpMin, isa.OpMax:
			d = max(d, tm.regReady[x[1]], tm.regReady[x[2]])
			a, b := r[x[1]], r[x[2]]
			var v int32
			switch in.op {
			case isa.OpAdd:
				v = a + b
			case isa.OpSub:
				v = a - b
			case isa.OpMul:
				v = a * b
			case isa.OpMin:
				v = min(a, b)
			default:
				v = max(a, b)
			}
			r[x[0]] = v
			tm.regReady[x[0]] = d
		case isa.OpAddi, isa.OpMuli, isa.OpSlli, isa.OpSrai:
			d = max(d, tm.regReady[x[1]])
			a := r[x[1]]
			var v int32
			switch in.op {
			case isa.OpAddi:
				v = a + x[2]
			case isa.OpMuli:
				v = a * x[2]
			case isa.OpSlli:
				v = a << uint(x[2])
			default:
				v = a >> uint(x[2])
			}
			r[x[0]] = v
			tm.regReady[x[0]] = d
		case isa.OpJmp:
			next = int(x[0])
		case isa.OpBeq, isa.OpBne, isa.OpBlt, isa.OpBge:
			d = max(d, tm.regReady[x[0]], tm.regReady[x[1]])
			a, b := r[x[0]], r[x[1]]
			var taken bool
			switch in.op {
			case isa.OpBeq:
				taken = a == b
			case isa.OpBne:
				taken = a != b
			case isa.OpBlt:
				taken = a < b
			default:
				taken = a >= b
			}
			if taken {
				next = int(x[2])
			}
		case isa.OpDbnz:
			d = max(d, tm.regReady[x[0]])
			// x[0] is a source and destination. For r0 the write is
			// discarded and the test reads r0 again: 0, so dbnz r0
			// never branches ("r[a] = r[a] - 1; if r[a] != 0").
			v := r[x[0]] - 1
			if x[0] != 0 {
				r[x[0]] = v
			} else {
				v = 0
			}
			tm.regReady[x[0]] = d
			if v != 0 {
				next = int(x[1])
			}

		// Buffer instructions.
		case isa.OpLd, isa.OpLdc:
			d = max(d, tm.bufFree, tm.regReady[x[1]])
			a := r[x[1]] + x[2]
			if in.op == isa.OpLd {
				if f := m.bufRange(pc, steps, a, 1, len(abuf)); f != nil {
					return f
				}
				r[x[0]] = abuf[a]
				m.read(pc, int(a), 1)
			} else {
				if f := m.bufRange(pc, steps, a, 1, len(cmem)); f != nil {
					return f
				}
				r[x[0]] = cmem[a]
			}
			end := d + c.lat[target.OpBufferRead]
			m.chargePort(pc, port, end-d)
			tm.bufFree, tm.regReady[x[0]] = end, end
			lastEnd = max(lastEnd, end)
		case isa.OpSt:
			d = max(d, tm.bufFree, tm.regReady[x[0]], tm.regReady[x[1]])
			a := r[x[1]] + x[2]
			if f := m.bufRange(pc, steps, a, 1, len(abuf)); f != nil {
				return f
			}
			abuf[a] = satWord(r[x[0]])
			m.markDirty(int(a), int(1))
			m.wrote(pc, int(a), 1)
			m.chargePort(pc, port, c.lat[target.OpBufferWrite])
			tm.bufFree = d + c.lat[target.OpBufferWrite]
			lastEnd = max(lastEnd, tm.bufFree)
		case isa.OpBcopy, isa.OpBfill:
			d = max(d, tm.bufFree, tm.regReady[x[0]], tm.regReady[x[1]], tm.regReady[x[2]])
			dst := r[x[0]]
			var n int64
			var dur int64
			if in.op == isa.OpBcopy {
				n = int64(r[x[2]])
				if n < 0 {
					return m.fault(pc, steps, "negative length %d", n)
				}
				if f := m.bufRange(pc, steps, dst, n, len(abuf)); f != nil {
					return f
				}
				if f := m.bufRange(pc, steps, r[x[1]], n, len(abuf)); f != nil {
					return f
				}
				copy(abuf[dst:int64(dst)+n], abuf[r[x[1]]:int64(r[x[1]])+n])
				m.read(pc, int(r[x[1]]), int(n))
				m.copied(pc, int(dst), int(r[x[1]]), int(n))
				dyn := &st.Dyn[srcOf[pc]+1]
				dyn[target.OpBufferRead] += n
				dyn[target.OpBufferWrite] += n
				dur = c.transfer(n, c.lat[target.OpBufferRead]+c.lat[target.OpBufferWrite])
			} else {
				n = int64(r[x[1]])
				if n < 0 {
					return m.fault(pc, steps, "negative length %d", n)
				}
				if f := m.bufRange(pc, steps, dst, n, len(abuf)); f != nil {
					return f
				}
				v := satWord(r[x[2]])
				for i := range abuf[dst : int64(dst)+n] {
					abuf[int64(dst)+int64(i)] = v
				}
				st.Dyn[srcOf[pc]+1][target.OpBufferWrite] += n
				dur = c.transfer(n, c.lat[target.OpBufferWrite])
			}
			m.markDirty(int(dst), int(n))
			if in.op == isa.OpBfill {
				m.wrote(pc, int(dst), int(n))
			}
			m.chargePort(pc, port, dur)
			tm.bufFree = d + dur
			lastEnd = max(lastEnd, tm.bufFree)
		case isa.OpDload, isa.OpDstore: // dram.go
			d = max(d, tm.bufFree, tm.regReady[x[0]], tm.regReady[x[1]], tm.regReady[x[2]])
			end, f := m.dramTransfer(pc, steps, st, x, d)
			if f != nil {
				return f
			}
			tm.bufFree = end
			lastEnd = max(lastEnd, end)
		case isa.OpPzero:
			clear(m.patch[x[0]])
			m.pext[x[0]] = 0
			m.planes[x[0]].valid = false
			tm.pReady[x[0]] = d
		case isa.OpPld: // p, off, ra, imm, len
			d = max(d, tm.bufFree, tm.regReady[x[2]])
			a, n := r[x[2]]+x[3], int64(x[4])
			if f := m.bufRange(pc, steps, a, n, len(abuf)); f != nil {
				return f
			}
			copy(m.patch[x[0]][x[1]:int64(x[1])+n], abuf[a:int64(a)+n])
			m.read(pc, int(a), int(n))
			m.pext[x[0]] = max(m.pext[x[0]], x[1]+x[4])
			m.planes[x[0]].valid = false
			end := d + c.transfer(n, c.lat[target.OpBufferRead])
			m.chargePort(pc, port, end-d)
			tm.bufFree, tm.pReady[x[0]] = end, end
			lastEnd = max(lastEnd, end)

		// Sub-array instructions.
		case isa.OpWrp: // ra, sa, rb, row, p, bit
			sa, f := m.getSA(pc, steps, x[0], x[1])
			if f != nil {
				return f
			}
			row := r[x[2]] + x[3]
			if uint32(row) >= uint32(rows) {
				return m.fault(pc, steps, "row %d out of range (target has %d rows)", row, rows)
			}
			d = max(d, sa.arrayFree, tm.regReady[x[0]], tm.regReady[x[2]], tm.pReady[x[4]])
			sa.own(e, row)
			o := int(row) * words
			m.writePlane(sa.bits[o:o+words], int(x[4]), uint(x[5]))
			if m.flt != nil {
				m.flt.written(sa.bits[o:o+words], int(r[x[0]]+x[1]), int(row))
			}
			sa.defined[row>>6] |= 1 << (uint(row) & 63)
			st.Undriven[srcOf[pc]+1][undWrite] += m.writeRow(sa, row, x[4])
			end := d + c.lat[target.OpRowWrite]
			sa.occupy(d, end)
			sa.arrayFree = end
			lastEnd = max(lastEnd, end)
		case isa.OpRdrow, isa.OpAnd, isa.OpOr:
			sa, f := m.getSA(pc, steps, x[0], x[1])
			if f != nil {
				return f
			}
			var lat int64
			if in.op == isa.OpRdrow {
				d = max(d, sa.arrayFree, tm.regReady[x[0]], tm.regReady[x[2]])
				a, f := m.readRow(pc, steps, sa, r[x[2]]+x[3])
				if f != nil {
					return f
				}
				copy(sa.latch[:], a)
				sa.lastAndPC = 0 // a plain read is no multiply
				lat = c.lat[target.OpRowRead]
				st.Undriven[srcOf[pc]+1][undRead] += int64(e.Arch.Cols) - int64(sa.rowK[r[x[2]]+x[3]])
			} else {
				d = max(d, sa.arrayFree, tm.regReady[x[0]], tm.regReady[x[3]])
				a, f := m.readRow(pc, steps, sa, x[2])
				if f != nil {
					return f
				}
				b, f := m.readRow(pc, steps, sa, r[x[3]]+x[4])
				if f != nil {
					return f
				}
				sa.lastAndPC = 0
				ka, kb := sa.rowK[x[2]], sa.rowK[r[x[3]]+x[4]]
				drive := max(ka, kb)    // OR: beyond both extents
				if in.op == isa.OpAnd { // an AND feeding popc/shadd is a bit-level MAC
					sa.lastAndPC = int32(pc) + 1
					drive = min(ka, kb) // AND: beyond either
				}
				st.Undriven[srcOf[pc]+1][undSense] += int64(e.Arch.Cols) - int64(drive)
				l := sa.latch[:len(a)]
				if in.op == isa.OpAnd {
					for i := range a {
						l[i] = a[i] & b[i]
					}
				} else {
					for i := range a {
						l[i] = a[i] | b[i]
					}
				}
				if m.senseOn {
					m.flt.misread(l, a, b, in.op == isa.OpOr, -1)
				}
				lat = latS
			}
			end := d + lat
			sa.occupy(d, end)
			sa.arrayFree, sa.latchReady = end, end
			lastEnd = max(lastEnd, end)
		case isa.OpPopc:
			sa, f := m.getSA(pc, steps, x[0], x[1])
			if f != nil {
				return f
			}
			d = max(d, sa.countFree, sa.latchReady, tm.regReady[x[0]])
			n := 0
			for _, w := range sa.latch[:words] {
				n += bits.OnesCount64(w)
			}
			sa.count = uint32(n)
			end := d + latC
			sa.occupy(d, end)
			sa.countFree = end
			lastEnd = max(lastEnd, end)
		case isa.OpShadd, isa.OpAccclr: // ra, sa, acc[, shift, sign]
			sa, f := m.getSA(pc, steps, x[0], x[1])
			if f != nil {
				return f
			}
			acc := x[2]
			if e.multiAcc {
				sa.toAcc(acc)
			}
			d = max(d, sa.shaddFree, tm.regReady[x[0]])
			if in.op == isa.OpShadd {
				d = max(d, sa.countFree)
				v := int64(sa.count) << uint(x[3])
				if x[4] != 0 {
					v = -v
				}
				sa.acc[acc] = satAcc(sa.acc[acc] + v)
				if sa.lastAndPC > 0 { // counts as MACs only after an and
					sa.pendPC[acc] = sa.lastAndPC
				}
			} else {
				m.flushMACs(sa, int(acc))
				sa.acc[acc] = 0
			}
			end := d + latA
			sa.occupy(d, end)
			sa.shaddFree = end
			lastEnd = max(lastEnd, end)
		case isa.OpAccadd: // ra, sa, acc, rb, sa2, acc2
			sa, f := m.getSA(pc, steps, x[0], x[1])
			if f != nil {
				return f
			}
			s1 := r[x[0]] + x[1]
			s2 := r[x[3]] + x[4]
			sb, f := m.getSA(pc, steps, x[3], x[4])
			if f != nil {
				return f
			}
			if s1/spm != s2/spm {
				return m.fault(pc, steps, "sub-arrays %d and %d are in different mats (%d sub-arrays per mat)", s1, s2, spm)
			}
			if e.multiAcc {
				sa.toAcc(x[2]) // sb's register is read once its unit is free: conservative
			}
			d = max(d, sa.shaddFree, sb.shaddFree, tm.regReady[x[0]], tm.regReady[x[3]])
			m.flushMACs(sb, int(x[5]))
			sa.acc[x[2]] = satAcc(sa.acc[x[2]] + sb.acc[x[5]])
			end := d + latA
			sa.occupy(d, end)
			sa.shaddFree = end
			lastEnd = max(lastEnd, end)
		// DPU instructions.
		case isa.OpSetvl:
			d = max(d, tm.regReady[x[0]])
			v := r[x[0]] + x[1]
			if v < 1 || v > lanes {
				return m.fault(pc, steps, "vector length %d outside 1..%d", v, lanes)
			}
			m.vl = int(v)
		case isa.OpVld, isa.OpVst: // v, ra, imm, stride
			base, stride := r[x[1]]+x[2], int64(x[3])
			vl := int64(m.vl)
			lo, hi := int64(base), int64(base)+(vl-1)*stride
			if lo > hi {
				lo, hi = hi, lo
			}
			if lo < 0 || hi >= int64(len(abuf)) {
				return m.fault(pc, steps, "vector addresses %d + i*%d (i < VL=%d) outside the activation buffer of %d words", base, stride, vl, len(abuf))
			}
			v := m.vregs[x[0]][:vl]
			var lat int64
			dyn := &st.Dyn[srcOf[pc]+1]
			if in.op == isa.OpVld {
				d = max(d, tm.bufFree, tm.dpuFree, tm.regReady[x[1]])
				for i := range v {
					v[i] = abuf[int64(base)+int64(i)*stride]
				}
				m.readStrided(pc, int64(base), stride, len(v))
				dyn[target.OpBufferRead] += vl
				lat = c.lat[target.OpBufferRead]
			} else {
				d = max(d, tm.bufFree, tm.dpuFree, tm.regReady[x[1]], tm.vReady[x[0]])
				for i, w := range v {
					abuf[int64(base)+int64(i)*stride] = satWord(w)
				}
				m.markDirty(int(int32(lo)), int(hi-lo+1))
				m.wroteStrided(pc, int64(base), stride, len(v))
				dyn[target.OpBufferWrite] += vl
				lat = c.lat[target.OpBufferWrite]
			}
			end := d + c.transfer(vl, lat)
			m.chargePort(pc, port, end-d)
			m.chargeDPU(pc, dpu, end-d)
			tm.bufFree, tm.dpuFree = end, end
			if in.op == isa.OpVld {
				tm.vReady[x[0]] = end
			}
			lastEnd = max(lastEnd, end)
		case isa.OpVldc: // vd, ra, imm
			d = max(d, tm.bufFree, tm.dpuFree, tm.regReady[x[1]])
			base, vl := r[x[1]]+x[2], int64(m.vl)
			if f := m.bufRange(pc, steps, base, vl, len(cmem)); f != nil {
				return f
			}
			copy(m.vregs[x[0]][:vl], cmem[base:int64(base)+vl])
			st.Dyn[srcOf[pc]+1][target.OpBufferRead] += vl
			end := d + c.transfer(vl, c.lat[target.OpBufferRead])
			m.chargePort(pc, port, end-d)
			m.chargeDPU(pc, dpu, end-d)
			tm.bufFree, tm.dpuFree, tm.vReady[x[0]] = end, end, end
			lastEnd = max(lastEnd, end)
		case isa.OpVlut: // vd, va, ra, imm (v1.6): one CMEM word per lane
			d = max(d, tm.bufFree, tm.dpuFree, tm.regReady[x[2]], tm.vReady[x[1]])
			vl := int64(m.vl)
			base := int64(r[x[2]]) + int64(x[3])
			dst, idx := m.vregs[x[0]][:vl], m.vregs[x[1]][:vl]
			for i, k := range idx {
				a := base + int64(k)
				if a < 0 || a >= int64(len(cmem)) {
					return m.fault(pc, steps, "vlut: lane %d: table address %d (base %d + code %d) outside the %d constant words", i, a, base, k, len(cmem))
				}
				dst[i] = cmem[a]
			}
			// A gather: every lane's word is its own constant-memory access,
			// and each code goes through the DPU lane.
			dyn := &st.Dyn[srcOf[pc]+1]
			dyn[target.OpBufferRead] += vl
			dyn[target.OpDPU] += vl
			end := d + vl*c.lat[target.OpBufferRead]
			m.chargePort(pc, port, end-d)
			m.chargeDPU(pc, dpu, end-d)
			tm.bufFree, tm.dpuFree, tm.vReady[x[0]] = end, end, end
			lastEnd = max(lastEnd, end)
		case isa.OpVbcast, isa.OpVmov, isa.OpVadd, isa.OpVsub, isa.OpVmax, isa.OpVmin, isa.OpVrq, isa.OpVclip, isa.OpVmul:
			vl := m.vl
			dst := m.vregs[x[0]][:vl]
			d = max(d, tm.dpuFree)
			switch in.op {
			case isa.OpVbcast:
				d = max(d, tm.regReady[x[1]])
				s := r[x[1]]
				for i := range dst {
					dst[i] = s
				}
			case isa.OpVmov:
				d = max(d, tm.vReady[x[1]])
				copy(dst, m.vregs[x[1]][:vl])
			case isa.OpVclip:
				d = max(d, tm.vReady[x[1]])
				vectorClip(dst, m.vregs[x[1]][:vl], x[2], x[3])
			case isa.OpVrq: // vd, va, vb, vm, shift, mode, type
				d = max(d, tm.vReady[x[1]], tm.vReady[x[2]], tm.vReady[x[3]])
				vectorRQ(dst, m.vregs[x[1]][:vl], m.vregs[x[2]][:vl], m.vregs[x[3]][:vl], uint(x[4]), isa.RoundMode(x[5]), isa.IntType(x[6]))
			default: // two-operand arithmetic
				d = max(d, tm.vReady[x[1]], tm.vReady[x[2]])
				vectorBinary(in.op, dst, m.vregs[x[1]][:vl], m.vregs[x[2]][:vl])
			}
			st.Dyn[srcOf[pc]+1][target.OpDPU] += int64(vl)
			end := d + c.lat[target.OpDPU]
			m.chargeDPU(pc, dpu, end-d)
			tm.dpuFree, tm.vReady[x[0]] = end, end
			lastEnd = max(lastEnd, end)
		case isa.OpVacc: // vd, ra, lane, rb, sa, acc, clr
			lane := r[x[1]] + x[2]
			if lane < 0 || lane >= lanes {
				return m.fault(pc, steps, "lane %d out of range (target has %d lanes)", lane, lanes)
			}
			sa, f := m.getSA(pc, steps, x[3], x[4])
			if f != nil {
				return f
			}
			acc := x[5]
			ready := sa.shaddFree
			if e.multiAcc {
				ready = sa.drainReady(acc)
			}
			d = max(d, tm.dpuFree, tm.vReady[x[0]], ready, tm.regReady[x[1]], tm.regReady[x[3]])
			v := m.vregs[x[0]]
			v[lane] = sat32(int64(v[lane]) + sa.acc[acc])
			if x[6] != 0 {
				m.flushMACs(sa, int(acc))
				sa.acc[acc] = 0
			}
			end := d + c.lat[target.OpAccTransfer]
			m.chargeDPU(pc, dpu, end-d)
			sa.occupy(d, end)
			tm.dpuFree, tm.vReady[x[0]] = end, end
			if e.multiAcc {
				sa.drained(end)
			} else {
				sa.shaddFree = end
			}
			lastEnd = max(lastEnd, end)

		// ISA v1.5: group and token instructions (group.go, tokens.go).
		case isa.OpGwrp, isa.OpGbmac, isa.OpGvacc, isa.OpGdot:
			var end int64
			var f *Fault
			switch in.op {
			case isa.OpGwrp:
				d, end, f = m.gwrp(pc, steps, x, d)
			case isa.OpGbmac:
				d, end, f = m.gbmac(pc, steps, x, d)
			case isa.OpGdot: // gdot.go
				d, end, f = m.gdot(pc, steps, x, d)
			default:
				d, end, f = m.gvacc(pc, steps, x, d)
			}
			if f != nil {
				return f
			}
			lastEnd = max(lastEnd, end)
		case isa.OpBmac: // several streams: no fast path (streams.go)
			var end int64
			var f *Fault
			if d, end, f = m.bmacOne(pc, steps, x, d); f != nil {
				return f
			}
			lastEnd = max(lastEnd, end)
		case isa.OpTsig:
			m.tokens.signal(int(x[0]), d, c)
			if m.multi {
				lim, stop = math.MinInt64, math.MinInt64 // a parked stream may run now: yield after it
			}
		case isa.OpTwait:
			v, ok := m.tokens.take(int(x[0]))
			if !ok && m.multi { // park until a tsig (streams.go)
				steps--
				ps.Count--
				m.pc, m.steps, tm.issue, tm.lastEnd, m.parkTok = pc, steps, issue, lastEnd, x[0]
				return errParked
			}
			if !ok {
				return m.fault(pc, steps, "deadlock: waits for token %d, which no stream will signal (one stream: every tsig of it has been taken)", x[0])
			}
			d = max(d, v)
			m.twaitPassed(d, t, steps, pc) // window.go
		default:
			// Validate rejects undefined opcodes; reaching this is a bug.
			panic("BUG: sim: unhandled opcode " + in.op.String())
		}

		// Issue of the next instruction (timing.go).
		n := nextIssueSlot(t, d, cyc, slot)
		ps.TimePS += n - t
		if e.saDyn[pc] {
			m.chargeDyn(pc)
		}
		if m.Trace != nil {
			m.trace(pc, t, d)
		}
		issue = n
		pc = next
	}
}

// getSA resolves the sub-array operand [r[ra]+imm] of instruction pc.
func (m *Machine) getSA(pc int, steps int64, ra, imm int32) (*subarray, *Fault) {
	s := uint32(m.regs[ra] + imm)
	if s >= uint32(len(m.sas)) {
		return nil, m.fault(pc, steps, "sub-array %d out of range (target has %d)", int32(s), len(m.sas))
	}
	if sa := m.sas[s]; sa != nil {
		return sa, nil
	}
	return m.touch(int(s)), nil
}

// readRow returns row `row` of sa for instruction pc, faulting on an
// out-of-range or undefined row.
func (m *Machine) readRow(pc int, steps int64, sa *subarray, row int32) ([]uint64, *Fault) {
	rows, words := int32(m.exe.Arch.Rows), m.exe.words
	if uint32(row) >= uint32(rows) {
		return nil, m.fault(pc, steps, "row %d out of range (target has %d rows)", row, rows)
	}
	if !sa.isDefined(int(row)) {
		return nil, m.fault(pc, steps, "reads row %d, which holds undefined data (never written by the weight image or wrp)", row)
	}
	o := int(row) * words
	return sa.bits[o : o+words : o+words], nil
}

// bufRange checks buffer words [a, a+n) of a memory of size words.
func (m *Machine) bufRange(pc int, steps int64, a int32, n int64, size int) *Fault {
	if a < 0 || n < 0 || int64(a)+n > int64(size) {
		return m.fault(pc, steps, "address range [%d, %d) outside %d words", a, int64(a)+n, size)
	}
	return nil
}
