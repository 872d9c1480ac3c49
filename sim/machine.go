package sim

import (
	"github.com/pimc-dev/pimc/backend/isa"
	"github.com/pimc-dev/pimc/backend/target"
)

// DefaultMaxSteps is the default instruction budget of one Run: generous for
// any real network (ResNet-18 needs well under 1e9 instructions), small enough
// that an infinite loop stops within a minute.
const DefaultMaxSteps = 10_000_000_000

// Machine is the mutable state of one engine running an Executable. A Machine
// is not safe for concurrent use; make one per goroutine (Executable.NewMachine
// or Clone), they share the read-only program and weight image.
type Machine struct {
	exe *Executable

	// MaxSteps bounds the instructions one Run executes; exceeding it is a
	// fault. 0 means DefaultMaxSteps.
	MaxSteps int64

	regs  [isa.NumRegs + 1]int32 // +1: scratch destination for r0 writes
	vl    int
	vregs [isa.NumVRegs][]int32
	patch [isa.NumPatchRegs][]int32
	pext  [isa.NumPatchRegs]int32 // columns loaded into each patch register since its pzero
	abuf  []int32
	// abuf words [dirtyLo, dirtyHi) may be non-zero: Reset clears only them.
	dirtyLo, dirtyHi int

	sas     []*subarray // by global index, nil until touched
	touched []int       // indices of non-nil sas, in first-touch order

	// saturation bounds
	accLo, accHi   int64
	wordLo, wordHi int64

	tm    timing
	stats *RunStats
	ran   bool
}

// subarray is the state of one computational sub-array: its cells (rows
// packed in 64-bit words, copy-on-write over the shared weight image), the
// bitmap of rows holding defined data, its sense latch, bit-count register,
// accumulators and unit timers.
type subarray struct {
	bits    []uint64 // rows*words
	defined []uint64 // one bit per row
	shared  bool     // bits/defined alias the Executable's weight image
	spare   []uint64 // owned buffers kept across Reset for reuse
	spareD  []uint64

	latch []uint64
	count uint32
	acc   []int64

	// MAC accounting: bit-level multiply-accumulates pending in each
	// accumulator since it was last consumed (see RunStats.MACs).
	pend     []int32
	pendSrc  []int32
	pendRow  []int32 // input row (rowa) of the group's last bit-op
	rowK     []int32 // columns in use of each row: the patch extent that wrote it, cols for weight rows
	lastRowA int32   // rowa of the last and/or, for a following popc/shadd

	// timing, ps: the cell array does one row operation (write or sense) at a
	// time; count and shadd are separate pipeline stages.
	arrayFree, countFree, shaddFree int64
	latchReady, countReady, accRdy  int64
}

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
	m.Reset()
	return m
}

// Clone returns a fresh machine for the same executable (post-load state),
// for running independent images in parallel.
func (m *Machine) Clone() *Machine {
	c := m.exe.NewMachine()
	c.MaxSteps = m.MaxSteps
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
	if m.dirtyHi > m.dirtyLo {
		clear(m.abuf[m.dirtyLo:m.dirtyHi])
	}
	m.dirtyLo, m.dirtyHi = len(m.abuf), 0
	for _, s := range m.touched {
		m.sas[s].reset(m.exe, s)
	}
	m.tm = timing{}
	m.stats = nil
	m.ran = false
}

// touch returns sub-array s, creating its state on first use.
func (m *Machine) touch(s int) *subarray {
	if sa := m.sas[s]; sa != nil {
		return sa
	}
	e := m.exe
	sa := &subarray{
		latch:   make([]uint64, e.words),
		acc:     make([]int64, e.Arch.AccPerSubarray),
		pend:    make([]int32, e.Arch.AccPerSubarray),
		pendSrc: make([]int32, e.Arch.AccPerSubarray),
		pendRow: make([]int32, e.Arch.AccPerSubarray),
		rowK:    make([]int32, e.Arch.Rows),
	}
	sa.reset(e, s)
	m.sas[s] = sa
	m.touched = append(m.touched, s)
	return sa
}

func (sa *subarray) reset(e *Executable, s int) {
	if !sa.shared && sa.bits != nil {
		sa.spare, sa.spareD = sa.bits, sa.defined
	}
	if b := e.wbits[s]; b != nil {
		sa.bits, sa.defined, sa.shared = b, e.wdefined[s], true
	} else {
		sa.bits, sa.defined, sa.shared = nil, nil, false
	}
	clear(sa.latch)
	sa.count = 0
	clear(sa.acc)
	clear(sa.pend)
	for i := range sa.pendSrc {
		sa.pendSrc[i] = -1
	}
	clear(sa.pendRow)
	for i := range sa.rowK {
		sa.rowK[i] = int32(e.Arch.Cols)
	}
	sa.lastRowA = 0
	sa.arrayFree, sa.countFree, sa.shaddFree = 0, 0, 0
	sa.latchReady, sa.countReady, sa.accRdy = 0, 0, 0
}

// own makes the rows of sa private to this machine before a write
// (copy-on-write over the shared weight image).
func (sa *subarray) own(e *Executable) {
	if sa.bits != nil && !sa.shared {
		return
	}
	n, nd := e.Arch.Rows*e.words, (e.Arch.Rows+63)/64
	bits, def := sa.spare, sa.spareD
	if bits == nil {
		bits, def = make([]uint64, n), make([]uint64, nd)
	}
	sa.spare, sa.spareD = nil, nil
	if sa.shared {
		copy(bits, sa.bits)
		copy(def, sa.defined)
	} else {
		clear(def)
	}
	sa.bits, sa.defined, sa.shared = bits, def, false
}

// isDefined reports whether row r of sa holds defined data.
func (sa *subarray) isDefined(r int) bool {
	return sa.defined != nil && sa.defined[r>>6]>>(uint(r)&63)&1 != 0
}
