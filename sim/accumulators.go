package sim

import "github.com/pimc-dev/pimc/isa"

// Several accumulators per sub-array (geometry.acc_per_subarray > 1,
// docs/PARALLEL.md §9 and §8.12). A sub-array has one shift-add unit and
// acc_per_subarray accumulator registers. The unit adds into one of them at
// a time, in program order: shaddFree is when it is free. A drain (vacc,
// gvacc) reads one register and moves its value to the DPU. It needs that
// register's last add to be done, not the unit's: with two registers, a
// round's sequence into accumulator 1 runs while the controller drains
// accumulator 0 (the emitter's overlapped rounds, backend/emit_seqpipe.go).
//
// A sub-array keeps the register the unit adds into (curAcc). When the
// adds move to another register, the old one's last add ends at the
// current shaddFree (accEnd). A drain of curAcc waits for shaddFree and
// holds the unit to its end, as on one register. A drain of another
// register waits only for its accEnd. It holds the unit only as far as it
// outlasts the unit's queued adds: shaddFree becomes the later of the two
// ends. So adds into the drained register (a drain with clear empties it)
// follow the drain. The busy union stays exact, because occupy covers to
// the latest unit timer. It can also delay adds into the other register
// that are issued after the unit went idle and before the drain ends. That
// is conservative, and it does not bind in overlapped rounds, whose drains
// end while the next sequence still runs.
//
// Programs that use accumulator 0 alone (every program on a target with
// one register) never move between registers. For them this changes
// nothing: they keep the fast bmac and gbmac paths, and their timing is
// byte for byte what it was. A program using several registers
// (Executable.multiAcc) takes the per-instruction paths. Those call toAcc
// before each add and drainReady / drained around each drain.

// accOf is the accumulator register in instruction in's operands that the
// sub-array's shift-add unit adds into or a drain reads, and whether in
// names one.
func accOf(in *inst) (int32, bool) {
	switch in.op {
	case isa.OpBmac, isa.OpGbmac, isa.OpGdot, isa.OpVacc:
		return in.arg[5], true
	case isa.OpGvacc:
		return in.arg[6], true
	case isa.OpShadd, isa.OpAccclr, isa.OpAccadd:
		return in.arg[2], true
	}
	return 0, false
}

// prepareAccs sets e.multiAcc: some instruction adds into or drains an
// accumulator other than 0 (accadd's source register included).
func (e *Executable) prepareAccs() {
	for i := range e.code {
		in := &e.code[i]
		if a, ok := accOf(in); ok && a != 0 || in.op == isa.OpAccadd && in.arg[5] != 0 {
			e.multiAcc = true
			return
		}
	}
}

// toAcc moves sa's shift-add unit to accumulator a before an add into it
// (see above); a no-op when the unit already adds into a.
func (sa *subarray) toAcc(a int32) {
	a &= maxAccs - 1
	if a == sa.curAcc {
		return
	}
	sa.accEnd[sa.curAcc] = sa.shaddFree
	sa.curAcc = a
}

// drainReady is when accumulator a of sa holds its last add, so that a
// drain may read it.
func (sa *subarray) drainReady(a int32) int64 {
	a &= maxAccs - 1
	if a == sa.curAcc {
		return sa.shaddFree
	}
	return sa.accEnd[a]
}

// drained records a drain of sa's accumulators ending at end (see above:
// for curAcc the drain waited for shaddFree, so it ends after it).
func (sa *subarray) drained(end int64) {
	sa.shaddFree = max(sa.shaddFree, end)
}
