package sim

import (
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// gdot (ISA v1.7, docs/ISA.md §3.3, docs/PARALLEL.md §9): the bank's plane
// sequencer replays one row command over the M x N plane pairs of a
// filter slot on every sub-array of a group, weight plane p outer, input
// plane q inner: on each member exactly the bmac of rows rowa+q and
// r[b]+rowb+p with the pair's shift and sign (isa.Planes.Pair), in that
// order, so the accumulators saturate as M x N gbmacs would. The
// controller issues it once; it dispatches when one of its bank's
// sequences is free (plane_sequencer.sequences per bank, each free
// plane_step after its last sequence's last step) and the members' units
// are free; step k+1 dispatches when the members' arrays are free
// from step k's sense and no earlier than plane_step after step k (the
// sequencer's rate), so each member runs the M x N sense -> count ->
// shift-add sequence of back-to-back bmacs from the dispatch, and the
// controller goes on issuing. Energy: the M x N bmacs' ANDs, counts and
// shift-adds on every member, one issue, M x N plane_steps (staticOps).
//
// Two implementations with the same results: the reference executes the
// M x N steps as bmacs (group.go's bmacs, with sense errors); the fast
// one, taken when nothing senses with errors or traces, computes the
// steps' common dispatch times in closed form and each member's unit
// chain, and does the bit work member by member as a uniform gbmac run
// (gbmacBitsUniform: the VNNI dot products of dotrun.go where the sweep
// is a full product, which it always is). TestGdotFastMatchesReference
// compares them.

// gdot: ra, n, rowa, rb, rowb, acc, planes. It returns the dispatch time
// of the first step and the latest end.
func (m *Machine) gdot(pc int, steps int64, x *[8]int32, d int64) (int64, int64, *Fault) {
	base, f := m.group(pc, steps, x[0], x[1])
	if f != nil {
		return 0, 0, f
	}
	// The bank's sequencer runs plane_sequencer.sequences sequences at
	// once: the gdot takes the one free first.
	k := m.exe.seqs
	if m.seqFree == nil {
		m.seqFree = make([]int64, max(1, m.exe.Arch.Banks)*k)
	}
	slots := m.seqFree[base/m.exe.Arch.SubarraysPerBank()*k:][:k]
	seq := &slots[0]
	for i := range slots {
		if slots[i] < *seq {
			seq = &slots[i]
		}
	}
	d = max(d, m.tm.regReady[x[0]], m.tm.regReady[x[3]], *seq)
	pl := isa.UnpackPlanes(int64(x[6]))
	rows := int32(m.exe.Arch.Rows)
	ra, rb := x[2], m.regs[x[3]]+x[4]
	M, N := int32(pl.M), int32(pl.N)
	if ra+N > rows {
		return 0, 0, m.fault(pc, steps, "input rows %d..%d out of range (target has %d rows)", ra, ra+N-1, rows)
	}
	if rb < 0 || rb+M > rows {
		return 0, 0, m.fault(pc, steps, "weight rows %d..%d out of range (target has %d rows)", rb, rb+M-1, rows)
	}
	n := int(x[1])
	sas := m.sas[base : base+n : base+n]
	for j := range sas {
		sa := m.groupSA(base + j)
		for _, r := range [2][2]int32{{ra, N}, {rb, M}} {
			for row := r[0]; row < r[0]+r[1]; row++ {
				if !sa.isDefined(int(row)) {
					return 0, 0, m.fault(pc, steps, "reads row %d of sub-array %d, which holds undefined data (never written by the weight image or wrp)", row, base+j)
				}
			}
		}
	}
	if m.exe.multiAcc { // after the checks: a fault changes nothing
		for j := range sas {
			m.groupSA(base + j).toAcc(x[5])
		}
	}
	if m.Trace == nil && !m.senseOn {
		if first, last, end, ok := m.gdotFast(pc, sas, int32(base), x, pl, d); ok {
			*seq = last + m.exe.cost.lat[target.OpPlaneStep]
			return first, end, nil
		}
	}
	// The reference: M x N bmacs from d, each step no earlier than the
	// sequencer's step after the last.
	step := m.exe.cost.lat[target.OpPlaneStep]
	xs := [8]int32{3: x[3], 5: x[5]}
	first, lastEnd := int64(-1), int64(0)
	for p := range M {
		for q := range N {
			shift, sign := pl.Pair(int(p), int(q))
			xs[2], xs[4], xs[6], xs[7] = ra+q, x[4]+p, int32(shift), int32(sign)
			dk, end, f := m.bmacs(pc, steps, base, n, &xs, d, true)
			if f != nil {
				panic("BUG: sim: gdot step faulted after its checks: " + f.Error())
			}
			if first < 0 {
				first = dk
			}
			d, lastEnd = dk+step, max(lastEnd, end)
		}
	}
	*seq = d // the last step's dispatch + plane_step
	return first, lastEnd, nil
}

// gdotFast executes the checked gdot at pc on the group sas from base,
// dispatching no earlier than d, when no member has a covered stretch
// after the first step's dispatch (the reference's intervals then arrive
// in order on every member). Step k dispatches at d0 + k x max(and_sense,
// plane_step) on every member (the reference's common dispatch: after the
// first step every member's array is free at the same time); each
// member's counter and shift-add chain and busy time follow from its own
// timers. It returns the dispatch of the first and of the last step and
// the latest end; ok false: nothing changed.
func (m *Machine) gdotFast(pc int, sas []*subarray, base int32, x *[8]int32, pl isa.Planes, d int64) (first, last, end int64, ok bool) {
	d0 := d
	for _, sa := range sas {
		d0 = max(d0, sa.arrayFree)
	}
	for _, sa := range sas {
		if sa.runStart > d0 {
			return 0, 0, 0, false
		}
	}
	e := m.exe
	c := &e.cost
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	stepT := max(latS, c.lat[target.OpPlaneStep])
	steps := int64(pl.M * pl.N)
	last = d0 + (steps-1)*stepT
	// Bit work, member by member.
	dec := m.gdotDecoded(pc, x, pl)
	var prod *gbProduct
	if dotRuns {
		prod = dec.productOf()
	}
	words := e.words
	delta := int(m.regs[x[3]]) * words
	m.gbmacBitsUniform(sas, base, pc, pc, dec.ops, delta, prod)
	lastOp := dec.ops[len(dec.ops)-1]
	var memoIn gdotTimers
	var memoOut gdotOut
	memo := false
	for _, sa := range sas {
		sa.latchAnd(int(lastOp.oa), int(lastOp.ob)+delta, words)
		// Timing, step by step as bmacs and occupy do (the same for
		// members with the same timers: memoised across them).
		in := gdotTimers{sa.arrayFree, sa.countFree, sa.shaddFree, sa.runStart, sa.fillEnd}
		if !memo || in != memoIn {
			memoIn, memoOut, memo = in, gdotSteps(in, d0, steps, stepT, latS, latC, latA), true
		}
		o := &memoOut
		sa.busy += o.busy
		sa.runStart, sa.fillEnd = o.t.runStart, o.t.fillEnd
		sa.arrayFree, sa.latchReady, sa.countFree, sa.shaddFree = o.t.arrayFree, o.t.arrayFree, o.t.countFree, o.t.shaddFree
		end = max(end, o.t.shaddFree)
	}
	return d0, last, end, true
}

// gdotTimers are a member's unit timers and covered stretch.
type gdotTimers struct{ arrayFree, countFree, shaddFree, runStart, fillEnd int64 }

// gdotOut is a member's timers after a gdot's steps and the busy time
// they add.
type gdotOut struct {
	t    gdotTimers
	busy int64
}

// gdotSteps runs the timing of steps bmac steps dispatched at d0, d0 +
// stepT, ... on a member with timers in, as bmacs and occupy do: once the
// counter and shift-add follow each sense without queueing and the steps
// leave no gap, every further step adds stepT of busy time, so the rest
// is computed at once.
func gdotSteps(in gdotTimers, d0, steps, stepT, latS, latC, latA int64) gdotOut {
	t := in
	var busy int64
	steady := stepT >= latC && stepT >= latA && stepT <= latS+latC+latA
	for k := int64(0); k < steps; k++ {
		dk := d0 + k*stepT
		e1 := dk + latS
		e2 := max(e1, t.countFree) + latC
		e3 := max(e2, t.shaddFree) + latA
		be := max(t.arrayFree, t.countFree, t.shaddFree)
		if dk > be {
			t.runStart, t.fillEnd = dk, be
		}
		busy += max(e3, be) - max(dk, be)
		t.arrayFree, t.countFree, t.shaddFree = e1, e2, e3
		if steady && k > 0 && e2 == e1+latC && e3 == e2+latA && dk <= be {
			r := steps - 1 - k // the rest: no queue, no gap
			busy += r * stepT
			t.arrayFree, t.countFree, t.shaddFree = e1+r*stepT, e2+r*stepT, e3+r*stepT
			break
		}
	}
	return gdotOut{t, busy}
}

// gdotDecoded is the gdot at pc as the uniform gbmac run it sequences
// (rowb rows relative to r[b]), decoded once per pc and machine.
func (m *Machine) gdotDecoded(pc int, x *[8]int32, pl isa.Planes) *gbDecoded {
	if m.gbDec == nil {
		m.gbDec = make([]*gbDecoded, len(m.exe.code))
	}
	if d := m.gbDec[pc]; d != nil {
		return d
	}
	words := int32(m.exe.words)
	d := &gbDecoded{k: pl.M * pl.N, reg: x[3], hi: x[4] + int32(pl.M) - 1}
	for p := range int32(pl.M) {
		for q := range int32(pl.N) {
			shift, sign := pl.Pair(int(p), int(q))
			ra, rb := x[2]+q, x[4]+p
			d.ops = append(d.ops, gbOp{oa: ra * words, ob: rb * words, ra: uint16(ra), rb: uint16(rb),
				shift: uint8(shift), neg: -int8(sign), acc: uint8(x[5] & (maxAccs - 1))})
		}
	}
	m.gbDec[pc] = d
	return d
}
