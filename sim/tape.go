package sim

import (
	"fmt"

	"github.com/pimc-dev/pimc/isa"
)

// The tape of a lockstep batch (lockstep.go): the data operations of one
// run in execution order, with every operand resolved to the value it had
// (sub-arrays, rows, addresses, lengths, VL, scalar values written to the
// buffer). A program whose registers never hold data (no ld, lockstep.go)
// computes every such operand, its control flow and its timing from the
// program alone, so the tape of one image's run is the tape of every
// image's run: replaying it on another image's state (replay.go) does that
// image's arithmetic without decoding, dispatching or timing anything.
//
// The tape is recorded by a machine run on the per-instruction paths: the
// recorder sits where a Trace line is written (Machine.trace), after the
// instruction executed. No data instruction writes a register it reads, so
// the registers it read still hold their values there.

// tapeEntry is one data operation: an opcode and its resolved operands
// (see record), or a run of bmacs and gbmacs over one group (op opRun,
// a[0] the index into tape.runs).
type tapeEntry struct {
	op isa.Opcode
	a  [8]int32
}

// opRun marks a tapeEntry that is a bmac run (tape.runs); it is no opcode
// of the ISA (Validate refuses undefined opcodes, so none reaches a tape).
const opRun isa.Opcode = 255

// tapeRun is a run of consecutive bmacs and gbmacs on one group of n
// sub-arrays from base (a bmac is a group of one), decoded once as gbmac
// runs are (gbOp, rows absolute); uniform: every op adds into one
// accumulator. sharedA (sharedB): every rowa (rowb) the run reads, on
// every member, holds the weight image (no write reached it since the
// run's start), the same on every lane: the lanes read it there, one copy
// for all of them (the weight rows a compiled layer ANDs with each image's
// activation rows).
type tapeRun struct {
	base, n          int32
	ops              []gbOp
	uniform          bool
	sharedA, sharedB bool
}

// tape is a recorded run: its entries and the runs they refer to, and
// while recording, the rows written so far (by sub-array).
type tape struct {
	entries []tapeEntry
	runs    []tapeRun
	words   int
	exe     *Executable
	written map[int32]*[maxRows / 64]uint64
}

// write notes that row `row` of sub-array s was written.
func (t *tape) write(s, row int32) {
	w := t.written[s]
	if w == nil {
		w = &[maxRows / 64]uint64{}
		t.written[s] = w
	}
	w[row>>6] |= 1 << (uint(row) & 63)
}

// imageRow reports whether row `row` of sub-array s still holds the
// weight image: the image defines it and no write reached it.
func (t *tape) imageRow(s, row int32) bool {
	if w := t.written[s]; w != nil && w[row>>6]>>(uint(row)&63)&1 != 0 {
		return false
	}
	d := t.exe.wdefined[int(s)]
	return d != nil && d[row>>6]>>(uint(row)&63)&1 != 0
}

// record appends the data operation of instruction pc, which m just
// executed, to t. Control instructions (scalar ALU, branches, setvl,
// barriers, tokens, halt, nop) have none.
func (t *tape) record(m *Machine, pc int) {
	in := &m.exe.code[pc]
	x := &in.arg
	r := &m.regs
	en := tapeEntry{op: in.op}
	a := &en.a
	vl := int32(m.vl)
	switch in.op {
	case isa.OpSt:
		addr := r[x[1]] + x[2]
		*a = [8]int32{addr, m.abuf[addr]} // the value as stored (saturated)
	case isa.OpBcopy:
		*a = [8]int32{r[x[0]], r[x[1]], r[x[2]]}
	case isa.OpBfill:
		n := r[x[1]]
		if n == 0 {
			return
		}
		*a = [8]int32{r[x[0]], n, m.abuf[r[x[0]]]}
	case isa.OpDload, isa.OpDstore:
		*a = [8]int32{r[x[0]], r[x[1]], r[x[2]], x[3]}
	case isa.OpPzero:
		*a = [8]int32{x[0]}
	case isa.OpPld: // p, off, ra, imm, len
		*a = [8]int32{x[0], x[1], r[x[2]] + x[3], x[4]}
	case isa.OpWrp: // ra, sa, rb, row, p, bit
		*a = [8]int32{r[x[0]] + x[1], r[x[2]] + x[3], x[4], x[5]}
		t.write(a[0], a[1])
	case isa.OpGwrp: // ra, n, rb, row, p, bit
		*a = [8]int32{r[x[0]], x[1], r[x[2]] + x[3], x[4], x[5]}
		for s := a[0]; s < a[0]+a[1]; s++ {
			t.write(s, a[2])
		}
	case isa.OpRdrow:
		*a = [8]int32{r[x[0]] + x[1], r[x[2]] + x[3]}
	case isa.OpAnd, isa.OpOr:
		*a = [8]int32{r[x[0]] + x[1], x[2], r[x[3]] + x[4]}
	case isa.OpPopc:
		*a = [8]int32{r[x[0]] + x[1]}
	case isa.OpShadd, isa.OpAccclr: // ra, sa, acc[, shift, sign]
		*a = [8]int32{r[x[0]] + x[1], x[2], x[3], x[4]}
	case isa.OpAccadd: // ra, sa, acc, rb, sa2, acc2
		*a = [8]int32{r[x[0]] + x[1], x[2], r[x[3]] + x[4], x[5]}
	case isa.OpVld, isa.OpVst: // v, ra, imm, stride
		*a = [8]int32{x[0], r[x[1]] + x[2], x[3], vl}
	case isa.OpVldc: // vd, ra, imm
		*a = [8]int32{x[0], r[x[1]] + x[2], vl}
	case isa.OpVbcast:
		*a = [8]int32{x[0], r[x[1]], vl}
	case isa.OpVmov:
		*a = [8]int32{x[0], x[1], vl}
	case isa.OpVclip:
		*a = [8]int32{x[0], x[1], x[2], x[3], vl}
	case isa.OpVrq: // vd, va, vb, vm, shift, mode, type
		*a = [8]int32{x[0], x[1], x[2], x[3], x[4], x[5], x[6], vl}
	case isa.OpVadd, isa.OpVsub, isa.OpVmax, isa.OpVmin, isa.OpVmul:
		*a = [8]int32{x[0], x[1], x[2], vl}
	case isa.OpVacc: // vd, ra, lane, rb, sa, acc, clr
		*a = [8]int32{x[0], r[x[1]] + x[2], r[x[3]] + x[4], x[5], x[6]}
	case isa.OpGvacc: // vd, ra, lane, rb, n, lstride, acc, clr
		*a = [8]int32{x[0], r[x[1]] + x[2], x[5], r[x[3]], x[4], x[6], x[7]}
	case isa.OpBmac: // ra, sa, rowa, rb, rowb, acc, shift, sign
		t.addBmac(r[x[0]]+x[1], 1, x[2], r[x[3]]+x[4], x[5], x[6], x[7])
		return
	case isa.OpGbmac: // ra, n, rowa, rb, rowb, acc, shift, sign
		t.addBmac(r[x[0]], x[1], x[2], r[x[3]]+x[4], x[5], x[6], x[7])
		return
	case isa.OpGdot: // ra, n, rowa, rb, rowb, acc, planes: its M x N bmacs in order
		pl := isa.UnpackPlanes(int64(x[6]))
		for p := range pl.M {
			for q := range pl.N {
				shift, sign := pl.Pair(p, q)
				t.addBmac(r[x[0]], x[1], x[2]+int32(q), r[x[3]]+x[4]+int32(p), x[5], int32(shift), int32(sign))
			}
		}
		return
	case isa.OpLd, isa.OpVlut:
		// Lockstep refuses such programs (lockstepRefusal).
		panic(fmt.Sprintf("BUG: sim: %s on a lockstep tape", in.op))
	default:
		return
	}
	t.entries = append(t.entries, en)
}

// addBmac appends the bmac of rows ra, rb on the group of n sub-arrays from
// base to the run the tape ends with when it is on the same group, or
// starts a run.
func (t *tape) addBmac(base, n, ra, rb, acc, shift, sign int32) {
	w := int32(t.words)
	op := gbOp{oa: ra * w, ob: rb * w, ra: uint16(ra), rb: uint16(rb), shift: uint8(shift), neg: -int8(sign), acc: uint8(acc & (maxAccs - 1))}
	sharedA, sharedB := true, true
	for s := base; s < base+n; s++ {
		sharedA = sharedA && t.imageRow(s, ra)
		sharedB = sharedB && t.imageRow(s, rb)
	}
	if k := len(t.entries) - 1; k >= 0 && t.entries[k].op == opRun {
		run := &t.runs[t.entries[k].a[0]]
		if run.base == base && run.n == n {
			run.uniform = run.uniform && op.acc == run.ops[0].acc
			run.sharedA, run.sharedB = run.sharedA && sharedA, run.sharedB && sharedB
			run.ops = append(run.ops, op)
			return
		}
	}
	t.entries = append(t.entries, tapeEntry{op: opRun, a: [8]int32{int32(len(t.runs))}})
	t.runs = append(t.runs, tapeRun{base: base, n: n, ops: []gbOp{op}, uniform: true, sharedA: sharedA, sharedB: sharedB})
}

// finish ends the recording: a run whose rowa rows are shared and whose
// rowb rows are not has its operands swapped (AND commutes), so the shared
// rows of a run are always its rowb rows (replay reads them once for
// several lanes).
func (t *tape) finish() {
	t.written = nil
	for i := range t.runs {
		run := &t.runs[i]
		if !run.sharedA || run.sharedB {
			continue
		}
		for j := range run.ops {
			o := &run.ops[j]
			o.oa, o.ob, o.ra, o.rb = o.ob, o.oa, o.rb, o.ra
		}
		run.sharedA, run.sharedB = false, true
	}
}

// recorder is the Trace writer of a recording machine: Machine.trace sees
// it and records instead of writing (the per-instruction paths, which a
// machine with a Trace takes, are the ones that call trace).
type recorder struct{ t *tape }

func (recorder) Write(p []byte) (int, error) { return len(p), nil }
