package sim

import (
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// DefaultMaxSteps is the default instruction budget of one Run: generous for
// any real network (ResNet-18 needs well under 1e9 instructions), small enough
// that an infinite loop stops within a minute.
const DefaultMaxSteps int64 = 10_000_000_000

// Machine is the mutable state of one engine running an Executable. A Machine
// is not safe for concurrent use; make one per goroutine (Executable.NewMachine
// or Clone), they share the read-only program and weight image.
type Machine struct {
	exe *Executable

	// MaxSteps bounds the instructions one Run executes; exceeding it is a
	// fault. 0 means DefaultMaxSteps.
	MaxSteps int64

	// Trace, if set, receives one line per executed instruction (at most
	// TraceLimit lines per run, 0 = no limit): pc, issue and dispatch times
	// in ns, the instruction and its source. For checking the timing model
	// by hand; it slows the simulation down.
	Trace      io.Writer
	TraceLimit int64
	traced     int64
	// TraceControllers adds the controller (stream) that issued each
	// traced instruction after its pc: a program of several streams
	// interleaves them in the trace (pimc sim -trace sets it then).
	TraceControllers bool

	regs  [isa.NumRegs + 1]int32 // +1: scratch destination for r0 writes
	vl    int
	vregs [isa.NumVRegs][]int32
	patch [isa.NumPatchRegs][]int32
	pext  [isa.NumPatchRegs]int32 // columns loaded into each patch register since its pzero
	// planes caches the low 8 bit-planes of each patch register (planes.go).
	planes [isa.NumPatchRegs]patchPlanes
	abuf   []int32
	writer []uint16 // per ABUF word: source index + 2 of its last writer, 0 none (dataflow.go)
	// abuf words [dirtyLo, dirtyHi) may be non-zero: Reset clears only them.
	dirtyLo, dirtyHi int

	sas     []*subarray // by global index, nil until touched
	touched []int       // indices of non-nil sas, in first-touch order

	// saturation bounds
	accLo, accHi   int64
	andCnt         []int32       // gbmacBitsUniform's popcounts of one member (andcount.go)
	dotRuns        int64         // members' runs summed by dot products (dotrun.go), for the tests
	gbSeq          []int32       // consecutive gbmacs from each pc (gbmacmulti.go)
	gbMulti        []*gbMultiDec // interleaved runs decoded, by head pc (gbmacmulti.go)
	wordLo, wordHi int64

	tm     timing
	tokens tokenState // token counters (tokens.go)
	win    window     // steady-state window of a pipelined run (window.go)

	// Streams (streams.go): where exec starts or resumes (pc, steps so
	// far), the issue time it may not pass (lim: another stream's turn),
	// the running controller and its buffer port; with several streams
	// (multi) the other controllers' state, the ports' free times, the
	// controller whose state the machine's fields hold (loaded, -1 after
	// Reset) and the token a parking twait waits for.
	pc, cur, port int
	steps, lim    int64
	slice0        int64 // steps when the running stream's slice began (window.go)
	multi         bool
	ctls          []ctlState
	ports         []int64
	links         []bankLink // per bank, its link's reservations so far (streams.go)
	loaded        int
	parkTok       int32
	bk            bmacConsts
	// rcache memoises the timing of static runs (bmacstatic.go), by run;
	// it depends only on the program, so it survives Reset.
	rcache  []runCache
	scratch []int64 // timing deltas of a run entered past its head
	// operands and register ready times of a register-addressed run (bmacreg.go)
	regOps   []sbmac
	regReady []int64
	regCache []regCache   // timing memo by register-addressed run
	gbCache  []*gbCache   // timing memo by gbmac run head (gbmacrun.go), nil until used
	gbDec    []*gbDecoded // decoded gbmac runs by head pc (gbmacrun.go), nil until used
	stats    *RunStats
	// row extents (columns.go): kver changes whenever one does; undC
	// memoises the undriven columns of bmac runs by first pc
	kver   uint64
	undC   []undCache
	undG   []undGroupCache
	ran    bool
	frames int // frames of the next run (frames.go)
	// the off-chip memory (dram.go): nil when the target has none;
	// dramFree is when its channel is free (shared by every controller)
	dram     *dramMem
	dramFree int64
	// seqFree is when each bank's plane sequencer can take the next gdot
	// (gdot.go; shared by every controller), nil until one runs
	seqFree []int64
	// flt is the machine's state on a chip with faults (chip.go), nil on
	// the ideal device; senseOn: that chip misreads senses.
	flt     *faultRun
	senseOn bool
	tl      timelineRec // the utilisation timeline's log (timeline.go)
}

// subarray is the state of one computational sub-array: its cells (rows
// packed in 64-bit words, copy-on-write over the shared weight image), the
// bitmap of rows holding defined data, its sense latch, bit-count register,
// accumulators and unit timers.
type subarray struct {
	// Hot fields first; the fixed-size arrays keep bmac free of pointer
	// chasing (ISA v1 limits: rows <= 1024, cols <= 2048, 16 accumulators).
	bits                            []uint64 // rows*words
	arrayFree, countFree, shaddFree int64    // unit timers, ps (shaddFree is also when the accumulators are ready)
	latchReady                      int64
	acc                             [maxAccs]int64
	// MAC accounting: pendPC[acc]-1 is the instruction (bmac, or the and/or
	// feeding a shadd) whose input row gives the pending group's K; 0 when
	// nothing is pending (see Report.MACs).
	pendPC    [maxAccs]int32
	count     uint32
	lastAndPC int32 // pc+1 of the and that produced the latch (0: rdrow/or), for a following shadd
	defined   [maxRows / 64]uint64
	latch     [maxCols / 64]uint64

	shared bool     // bits aliases the Executable's weight image
	spare  []uint64 // owned buffer kept across Reset for reuse
	// base: the image the owned rows (bits, or spare) were copied from;
	// wrote: the rows written since (own)
	base  []uint64
	wrote [maxRows / 64]uint64
	// rowK: columns in use of each row: the patch extent that wrote it,
	// cols for weight rows and rows not written in the run (columns.go);
	// an array, so the hot loops index it without a bounds check (& (maxRows-1))
	rowK [maxRows]int32
	// narrow: the rows whose extent is below cols (a bitmap of rowK < cols)
	narrow [maxRows / 64]uint64
	// planes: byte-transposed plane sets of the rows (planebytes.go), nil
	// until a dot run reads one; own drops those of a row written
	planes *planeSets

	// accounting (resources.go): busy time (union of unit intervals) and
	// the running charge of source chSrc (RunStats index) of register-
	// addressed instructions
	busy     int64
	runStart int64 // start of the last covered stretch (window.go; exact with several streams)
	fillEnd  int64 // where the gap before it is known idle from (outOfOrder)
	unsure   int64 // busy time possibly missed by out-of-order intervals (outOfOrder)
	chSrc    int32
	chUsed   bool
	chWork   saUnits

	// Several accumulator registers (accumulators.go; programs with
	// Executable.multiAcc only): the register the shift-add unit adds
	// into, and per register the end of its last add once the unit moved
	// on.
	curAcc int32
	accEnd [maxAccs]int64
}

// ISA v1 limits (docs/ISA.md §1) that size the sub-array state.
const (
	maxRows = 1024
	maxCols = 2048
	maxAccs = 16
)

// Load validates prog for tgt, predecodes it and returns a Machine in the
// post-load state: the weight image is programmed (that one-time phase is
// accounted in Report.Load), registers and buffers are zero, CMEM holds the
// program's constants. The host then writes inputs and calls Run.
func Load(prog *isa.Program, tgt *target.Target) (*Machine, error) {
	exe, err := Prepare(prog, tgt)
	if err != nil {
		return nil, err
	}
	return exe.NewMachine(), nil
}

// NewMachine returns a fresh machine in the post-load state.
func (e *Executable) NewMachine() *Machine {
	a := e.Arch
	m := &Machine{exe: e}
	m.abuf = make([]int32, a.ActBufferWords)
	if len(e.Prog.Sources)+1 <= maxTracked {
		m.writer = make([]uint16, a.ActBufferWords)
	}
	for i := range m.vregs {
		m.vregs[i] = make([]int32, a.DPULanes)
	}
	for i := range m.patch {
		m.patch[i] = make([]int32, a.Cols)
	}
	m.sas = make([]*subarray, a.Subarrays)
	m.accHi = int64(1)<<(a.AccBits-1) - 1
	m.accLo = -m.accHi - 1
	m.wordHi = int64(1)<<(a.ActWordBits-1) - 1
	m.wordLo = -m.wordHi - 1
	m.initBmacConsts()
	m.rcache = make([]runCache, len(e.headSAs))
	m.scratch = make([]int64, e.maxRun)
	m.regOps = make([]sbmac, e.maxRun)
	m.regReady = make([]int64, e.maxRun)
	m.regCache = make([]regCache, e.regHeads)
	if n := int64(a.DRAMWords); n > 0 {
		pages := int((n + 1<<dramPageBits - 1) >> dramPageBits)
		m.dram = newDRAM(pages, e.dramImg)
	}
	m.streamSetup()
	m.Reset()
	return m
}

// Clone returns a fresh machine for the same executable (post-load state),
// for running independent images in parallel.
func (m *Machine) Clone() *Machine {
	c := m.exe.NewMachine()
	c.MaxSteps = m.MaxSteps
	if m.flt != nil {
		_ = c.SetChip(m.flt.chip) // same executable: no error
	}
	return c
}

// Executable returns the shared, read-only program the machine runs.
func (m *Machine) Executable() *Executable { return m.exe }

// Reset returns the machine to the post-load state: every register, latch,
// counter and accumulator zero, VL = dpu_lanes, ABUF zero, rows written by
// wrp undefined again (the weight image is intact). Every inference starts
// from this state, which is what makes sequential and parallel batches equal.
func (m *Machine) Reset() {
	a := m.exe.Arch
	m.regs = [isa.NumRegs + 1]int32{}
	m.vl = a.DPULanes
	for _, v := range m.vregs {
		clear(v)
	}
	for _, p := range m.patch {
		clear(p)
	}
	m.pext = [isa.NumPatchRegs]int32{}
	for i := range m.planes {
		m.planes[i].valid = false
	}
	if m.dirtyHi > m.dirtyLo {
		clear(m.abuf[m.dirtyLo:m.dirtyHi])
		if m.writer != nil {
			clear(m.writer[m.dirtyLo:m.dirtyHi])
		}
	}
	m.dirtyLo, m.dirtyHi = len(m.abuf), 0
	for _, s := range m.touched {
		m.sas[s].reset(m.exe, s, m.weightImage(s))
	}
	m.kver++ // the extents are back to cols: every undCache entry is stale
	m.tm = timing{}
	if m.dram != nil {
		m.dram.reset()
	}
	m.dramFree = 0
	clear(m.seqFree)
	m.win.reset()
	m.tokens.reset(a.Tokens)
	m.streamReset()
	m.stats = nil
	m.ran = false
	m.traced = 0
	m.SetFrames(1) // a pipelined program's count word: one frame unless told
}

// trace writes the trace line of instruction pc (see Machine.Trace).
func (m *Machine) trace(pc int, issue, dispatch int64) {
	if r, ok := m.Trace.(recorder); ok { // a lockstep tape (tape.go)
		r.t.record(m, pc)
		return
	}
	if m.TraceLimit > 0 && m.traced >= m.TraceLimit {
		return
	}
	m.traced++
	in := m.exe.Prog.Code[pc]
	var line string
	if m.TraceControllers {
		line = fmt.Sprintf("%6d %3d %10.3f %10.3f  %-44s", pc, m.cur, float64(issue)/1000, float64(dispatch)/1000, strings.TrimSpace(isa.FormatInstr(in)))
	} else {
		line = fmt.Sprintf("%6d %10.3f %10.3f  %-44s", pc, float64(issue)/1000, float64(dispatch)/1000, strings.TrimSpace(isa.FormatInstr(in)))
	}
	if src := sourceName(m.exe.Prog, in.Src); src != "" {
		line += " # " + src
	}
	fmt.Fprintln(m.Trace, strings.TrimRight(line, " "))
}

// touch returns sub-array s, creating its state on first use.
func (m *Machine) touch(s int) *subarray {
	if sa := m.sas[s]; sa != nil {
		return sa
	}
	e := m.exe
	sa := &subarray{}
	sa.reset(e, s, m.weightImage(s))
	m.sas[s] = sa
	m.touched = append(m.touched, s)
	return sa
}

// reset returns sa (sub-array s) to the post-load state, its cells holding
// img (the weight image as programmed: Machine.weightImage).
func (sa *subarray) reset(e *Executable, s int, img []uint64) {
	if !sa.shared && sa.bits != nil {
		sa.spare = sa.bits
	}
	sa.defined = [maxRows / 64]uint64{}
	if sa.planes != nil {
		sa.planes.dropAll()
	}
	if b := img; b != nil {
		sa.bits, sa.shared = b, true
		copy(sa.defined[:], e.wdefined[s])
	} else {
		sa.bits, sa.shared = nil, false
	}
	sa.latch = [maxCols / 64]uint64{}
	sa.count = 0
	sa.acc = [maxAccs]int64{}
	sa.pendPC = [maxAccs]int32{}
	sa.narrow = [maxRows / 64]uint64{}
	for i := range sa.rowK[:e.Arch.Rows] {
		sa.rowK[i] = int32(e.Arch.Cols)
	}
	sa.lastAndPC = 0
	sa.arrayFree, sa.countFree, sa.shaddFree, sa.latchReady = 0, 0, 0, 0
	sa.curAcc, sa.accEnd = 0, [maxAccs]int64{}
	sa.busy, sa.runStart, sa.fillEnd, sa.unsure, sa.chSrc, sa.chUsed, sa.chWork = 0, 0, 0, 0, 0, false, saUnits{}
}

// own makes the rows of sa private to this machine before row `row` is
// written (copy-on-write over the shared weight image). The private rows
// survive Reset (spare) and differ from the image they were copied from
// (base) only in the rows written since (wrote): reused on the same image,
// only those are copied back, not the whole sub-array.
func (sa *subarray) own(e *Executable, row int32) {
	if sa.bits == nil || sa.shared {
		img := sa.bits // the image, or nil: the image has no rows here
		rows := sa.spare
		sa.spare = nil
		if rows != nil && len(sa.base) == len(img) && (len(img) == 0 || &sa.base[0] == &img[0]) {
			w := e.words
			for i, m := range sa.wrote {
				for ; m != 0; m &= m - 1 {
					r := (i*64 + bits.TrailingZeros64(m)) * w
					if img != nil {
						copy(rows[r:r+w], img[r:r+w])
					} else {
						clear(rows[r : r+w])
					}
				}
			}
		} else {
			if rows == nil {
				rows = make([]uint64, e.Arch.Rows*e.words)
			}
			if img != nil {
				copy(rows, img)
			}
		}
		sa.wrote = [maxRows / 64]uint64{}
		sa.bits, sa.shared, sa.base = rows, false, img
	}
	sa.wrote[row>>6] |= 1 << (uint(row) & 63)
	if sa.planes != nil {
		sa.planes.drop(row)
	}
}

// isDefined reports whether row r of sa holds defined data.
func (sa *subarray) isDefined(r int) bool {
	return sa.defined[r>>6]>>(uint(r)&63)&1 != 0
}
