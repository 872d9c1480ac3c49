package sim

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// inst is a predecoded instruction: the opcode and its operands in assembly
// order (docs/ISA.md §3) narrowed to int32, so the hot loop reads one small
// struct and never touches isa.Instr or its operand table. Destination scalar
// registers r0 are remapped to the scratch register 32, which nothing reads:
// writes to r0 are discarded without a branch.
type inst struct {
	op isa.Opcode
	// regBased is set when a bmac addresses its sub-array or rowb through a
	// register other than r0, so the timing must wait for that register.
	regBased bool
	arg      [isa.MaxArgs]int32
}

// scratchReg receives writes to r0 (see inst).
const scratchReg = isa.NumRegs

// Executable is a program prepared for simulation on one target: predecoded
// code, the packed weight image and the cost table in integer units. It is
// read-only after Prepare and may be shared by any number of Machines running
// on different goroutines.
type Executable struct {
	Prog   *isa.Program
	Target *target.Target
	Arch   isa.Arch

	code []inst
	src  []int32 // Src of each instruction, -1 unattributed
	// dramImg is the program's DRAM image by page (dram.go), shared
	// read-only by every machine; nil without one.
	dramImg [][]int32
	// srcRun[pc]: how many instructions from pc on share pc's source
	// (bmacBits attributes a run's undriven columns at once, columns.go)
	srcRun []int32
	words  int // 64-bit words per row = cols/64 rounded up

	// weight image: per sub-array, the packed rows and the bitmap of rows it
	// defines; nil when the image does not touch the sub-array.
	wbits    map[int][]uint64
	wdefined map[int][]uint64
	// load-time accounting
	loadRowsBySrc []int64 // weight rows per source (+1: index 0 = unattributed)
	loadMaxRows   int64   // most rows written into one sub-array
	loadSubarrays int     // sub-arrays the weight image writes

	cmem []int32 // constant memory image

	// sharedPorts names two ports of different device segments that share
	// buffer words (isa.Port.Segment), "" if none: Infer, which writes and
	// reads every port, refuses such a program.
	sharedPorts string

	// static bmac runs (bmacstatic.go), by pc
	sbm       []sbmac
	staticRun []int32    // length of the static run from pc (0: not a static bmac)
	runHead   []int32    // index of the run starting at pc in headSAs, -1 if none
	headSAs   [][]uint32 // sub-arrays of each run, in order of first use
	oneSA     []bool     // the static run from pc uses a single sub-array
	regRun    []int32    // length of the register-addressed bmac run from pc (bmacreg.go)
	regHead   []int32    // index of the register-addressed run starting at pc, -1 if none
	regHeads  int
	rowRun    []rowRun // the row-register run suffix from pc (bmacrow.go)
	gbRun     []int32  // length of the run of gbmacs over one group from pc (gbmacrun.go)
	gbUniform []bool   // the run from pc has one accumulator and one source
	maxRun    int      // longest run
	// multiAcc: some instruction adds into or drains an accumulator other
	// than 0 (accumulators.go): the machine then tracks each register and
	// takes the per-instruction bmac and gbmac paths.
	multiAcc bool

	cost costTable
	seqs int // gdot sequences per bank at once (plane_sequencer.sequences; gdot.go)

	// resource accounting (resources.go)
	shared  sharedRes
	saChg   []saCharge // static sub-array charges, those of pc at [saChgAt[pc], saChgAt[pc+1])
	saChgAt []int32
	saDyn   []bool // pc is a register-addressed sub-array instruction: charged at run time
	pairs   []srcSA
	pairIdx map[srcSA]int32
	// declared-MACs bound (macbound.go)
	macTerms []macTerm
	declares bool // some source declares MACs
	// controller of each instruction (controllers.go); waits: the
	// streams that contain a twait
	ctlOf      []int32
	sharedCode bool
	waits      []bool
	// timeline: machines record a utilisation timeline (timeline.go)
	timeline bool
}

// Prepare validates prog for tgt (isa.Validate: every problem at once) and
// predecodes it. The result does not alias prog's mutable slices except
// read-only (Code, Sources, Ports are only read).
func Prepare(prog *isa.Program, tgt *target.Target) (*Executable, error) {
	if prog == nil || tgt == nil {
		return nil, fmt.Errorf("sim: nil program or target")
	}
	arch := tgt.Arch()
	if err := isa.Validate(prog, arch); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if err := notSimulated(tgt); err != nil {
		return nil, err
	}
	e := &Executable{Prog: prog, Target: tgt, Arch: arch}
	e.words = (arch.Cols + 63) / 64
	e.code = make([]inst, len(prog.Code))
	e.src = make([]int32, len(prog.Code))
	for pc, in := range prog.Code {
		e.code[pc] = predecode(in)
		e.src[pc] = in.Src
	}
	e.srcRun = make([]int32, len(prog.Code))
	for pc := len(prog.Code) - 1; pc >= 0; pc-- {
		e.srcRun[pc] = 1
		if pc+1 < len(prog.Code) && e.src[pc+1] == e.src[pc] {
			e.srcRun[pc] += e.srcRun[pc+1]
		}
	}
	e.loadWeights()
	e.prepareStatic()
	e.prepareReg()
	e.prepareRow()
	e.prepareGbmacRuns()
	e.prepareAccs()
	e.prepareMACBound()
	e.cmem = make([]int32, arch.ConstWords)
	for _, c := range prog.Consts {
		copy(e.cmem[c.Addr:], c.Data)
	}
	e.dramImg = dramImage(prog)
	e.cost = newCostTable(tgt)
	e.seqs = int(max(1, tgt.PlaneSequences()))
	e.prepareCharges()
	e.sharedPorts = sharedPorts(prog.Ports)
	return e, nil
}

// notSimulated refuses what this simulator does not model: an issue width
// that does not divide the clock period into whole picoseconds (a
// controller of issue width W issues an instruction every cycle / W,
// timing.go).
func notSimulated(t *target.Target) error {
	if w := issueWidth(t); max(ps(t.CycleNS()), 1)%w != 0 {
		return fmt.Errorf("sim: target %s: parallel.issue_width %d does not divide the clock period (%g ns) into whole picoseconds", t.Name, w, t.CycleNS())
	}
	return nil
}

// writesReg reports which operand of op (if any) is a destination scalar
// register, for the r0 remapping.
func writesReg(op isa.Opcode) bool {
	switch op {
	case isa.OpLi, isa.OpAdd, isa.OpSub, isa.OpMul, isa.OpAddi, isa.OpMuli,
		isa.OpSlli, isa.OpSrai, isa.OpMin, isa.OpMax, isa.OpLd, isa.OpLdc:
		return true
	}
	return false
}

func predecode(in isa.Instr) inst {
	p := inst{op: in.Op}
	for i, v := range in.Args {
		// Validate checked every field, so each value fits its field and an
		// int32 (the 32-bit branch target is < len(code)).
		p.arg[i] = int32(v)
	}
	if writesReg(in.Op) && p.arg[0] == 0 {
		p.arg[0] = scratchReg
	}
	p.regBased = in.Op == isa.OpBmac && (p.arg[0] != 0 || p.arg[3] != 0)
	return p
}

// loadWeights packs the weight image: column c of a row is bit c%64 of word
// c/64 (the byte layout of docs/ISA.md §1 read little-endian).
func (e *Executable) loadWeights() {
	a := e.Arch
	e.wbits = map[int][]uint64{}
	e.wdefined = map[int][]uint64{}
	e.loadRowsBySrc = make([]int64, len(e.Prog.Sources)+1)
	perSA := map[int]int64{}
	for _, w := range e.Prog.Weights {
		s := int(w.Subarray)
		bits := e.wbits[s]
		if bits == nil {
			bits = make([]uint64, a.Rows*e.words)
			e.wbits[s] = bits
			e.wdefined[s] = make([]uint64, (a.Rows+63)/64)
		}
		row := bits[int(w.Row)*e.words:]
		for i, b := range w.Bits {
			row[i/8] |= uint64(b) << (8 * (i % 8))
		}
		e.wdefined[s][w.Row/64] |= 1 << (w.Row % 64)
		e.loadRowsBySrc[w.Src+1]++
		perSA[s]++
		e.loadMaxRows = max(e.loadMaxRows, perSA[s])
	}
	e.loadSubarrays = len(perSA)
}

// costTable is the target's cost table in the simulator's integer time unit
// (picoseconds) and its energies in fJ per docs/ISA.md §4 granularity.
type costTable struct {
	cycle int64 // controller clock period, ps
	// slot is the time between two issue slots of a controller: cycle /
	// issue_width (timing.go); cycle for single-issue controllers.
	slot int64
	lat  [numKinds]int64
	fj   [numKinds]float64
	port int64 // buffer port width, words per access
	// dramKbitFS is the time of 1024 bits at the DRAM's bandwidth, in
	// femtoseconds (12.8 GB/s: 10 ns = 10^7 fs); 0 without DRAM.
	dramKbitFS int64
	// gating: row operations are charged for the columns they drive
	// (columns.go); cols is the row width
	gating bool
	cols   float64
}

// kind indexes the cost table in the simulator; the order is target.OpKinds.
type kind = target.OpKind

const numKinds = target.NumOpKinds

// ps converts ns to integer picoseconds (the costs are given to at most
// picosecond precision in practice; rounding makes the clock exact).
func ps(ns float64) int64 { return int64(math.Round(ns * 1000)) }

func newCostTable(t *target.Target) costTable {
	var c costTable
	for _, k := range target.OpKinds() {
		co := t.Cost(k)
		c.lat[k] = ps(co.LatencyNS)
		c.fj[k] = co.EnergyFJ
	}
	c.cycle = max(ps(t.CycleNS()), 1)
	c.slot = max(c.cycle/issueWidth(t), 1)
	c.port = max(t.Geometry.BufferPortWords.Value, 1)
	c.dramKbitFS = int64(math.Round(t.DRAMBitNS() * 1024 * 1e6))
	c.gating, c.cols = t.ColumnGating(), float64(t.Geometry.Cols.Value)
	return c
}
