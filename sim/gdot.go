package sim

import (
	"math/bits"

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
// one, taken when the members' unit timers agree and nothing senses with
// errors or traces, times the steps once on a representative member and
// does the bit work member by member as a uniform gbmac run
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
// dispatching no earlier than d, when the members' timers agree and no
// member has a covered stretch after d (the reference's intervals then
// arrive in order on every member). It returns the dispatch of the first
// and of the last step and the latest end; ok false: nothing changed.
func (m *Machine) gdotFast(pc int, sas []*subarray, base int32, x *[8]int32, pl isa.Planes, d int64) (first, last, end int64, ok bool) {
	rep := sas[0]
	for _, sa := range sas {
		if sa.arrayFree != rep.arrayFree || sa.countFree != rep.countFree || sa.shaddFree != rep.shaddFree || sa.latchReady != rep.latchReady || sa.runStart > d {
			return 0, 0, 0, false
		}
	}
	e := m.exe
	c := &e.cost
	latS, latC, latA, step := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd], c.lat[target.OpPlaneStep]
	// Timing on the representative, step by step as bmacs and occupy do.
	af, cf, sf := rep.arrayFree, rep.countFree, rep.shaddFree
	var busy int64
	stretch, fill := int64(noStretch), int64(0)
	dk := max(d, af)
	first = dk
	for k := range pl.M * pl.N {
		if k > 0 {
			dk = max(dk+step, af)
		}
		e1 := dk + latS
		e2 := max(e1, cf) + latC
		e3 := max(e2, sf) + latA
		be := max(af, cf, sf)
		if dk > be {
			stretch, fill = dk, be
		}
		busy += max(e3, be) - max(dk, be)
		af, cf, sf = e1, e2, e3
	}
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
	oa, ob := int(lastOp.oa), int(lastOp.ob)+delta
	for _, sa := range sas {
		l := sa.latch[:words]
		var cnt int
		for w := range l {
			l[w] = sa.bits[oa+w] & sa.bits[ob+w]
			cnt += bits.OnesCount64(l[w])
		}
		sa.count = uint32(cnt)
		sa.busy += busy
		if stretch != noStretch {
			sa.runStart, sa.fillEnd = stretch, fill
		}
		sa.arrayFree, sa.latchReady, sa.countFree, sa.shaddFree = af, af, cf, sf
	}
	return first, dk, sf, true
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
