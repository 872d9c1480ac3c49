package isa

// Program is a complete compiled (or hand-written) program for one target:
// what the loader needs to run it and what a report needs to attribute costs.
// The zero value is an empty program. See docs/ISA.md §5.
type Program struct {
	// TargetName is informative; TargetFingerprint is what Validate compares
	// with Arch.Fingerprint. An all-zero fingerprint means "not bound yet"
	// (hand-written assembly before `pimc asm -target`), which Validate rejects.
	TargetName        string
	TargetFingerprint [32]byte

	Code    []Instr
	Sources []Source
	Weights []WeightRow  // sorted by (Subarray, Row), unique
	Consts  []ConstBlock // sorted by Addr, non-overlapping
	Ports   []Port
	Symbols []Symbol // code labels, debug only
	// Host is the optional host side of a compiled model (the .pimb host
	// section, format v1.1; its contents are defined by docs/BACKEND.md).
	// nil for programs that run on the device alone.
	Host []byte
	// TargetDesc is the optional full hardware description the program
	// was compiled for (the .pimb targetdesc section, format v1.4): the
	// canonical JSON of target (pimc target show -json), whose
	// fingerprint is TargetFingerprint. The isa package keeps it as opaque
	// bytes; target.Embedded parses and checks it. nil in older files and
	// in hand-written assembly that does not give one.
	TargetDesc []byte
	// Streams is the optional list of instruction streams (the .pimb
	// streams section, format v1.5): stream i starts at pc Streams[i] and
	// runs on controller i (docs/PARALLEL.md §2). nil (every older file)
	// means one stream at pc 0 on controller 0.
	Streams []uint32
	// Frames is the number of frames (images) one run of a pipelined
	// program processes at most (docs/PARALLEL.md §7.1; the streams
	// section's optional frames field, format v1.5). 0 and 1 both mean one
	// frame per run, every non-pipelined program. With Frames F > 1 every
	// port holds F frames back to back (frame f of port p at p.Addr + f x
	// p.Len()), and the runtime writes the number n of frames of a run
	// (1 <= n <= F) into ABUF word CountAddr before the run starts; the
	// streams read it to bound their frame loops. CountAddr is 0 and
	// unused when Frames <= 1.
	Frames    uint32
	CountAddr uint32
	// DRAM is the optional initial contents of the off-chip memory (the
	// .pimb dram section, format v1.6), sorted by Addr, non-overlapping;
	// nil: the DRAM is all zeros at load.
	DRAM []DRAMBlock
}

// MaxFrames bounds Program.Frames (Validate): a run's frames all live in
// ABUF, whose size is at most 2^24 words.
const MaxFrames = 1 << 16

// FrameCount is the most frames one run processes: Frames, at least 1.
func (p *Program) FrameCount() int { return max(1, int(p.Frames)) }

// StreamEntries is the entry pc of every stream: Streams, or the single
// stream at pc 0 of a program without a streams section.
func (p *Program) StreamEntries() []uint32 {
	if len(p.Streams) == 0 {
		return []uint32{0}
	}
	return p.Streams
}

// Source names what an instruction or weight row implements, so costs can be
// reported per layer and per ONNX node.
type Source struct {
	Layer string // IR layer (node) name
	Node  string // ONNX node name
	Value string // IR value produced
	// MACs is the declared workload: the multiply-accumulates the layer
	// performs per inference on kept (non-pruned) weights (kept filters x
	// kept columns x output pixels for a matrix layer). 0 = not declared;
	// the simulator then infers MACs from the bit-serial work, which is
	// exact for convolutions but not for every mapping (sim/report.go).
	// Format v1.2 (docs/ISA.md §6).
	MACs int64
	// WBits and ABits are the declared widths of a matrix layer: the bits
	// of its weight codes and of the activations it produces (0 = not
	// recorded), so a program says which layers kept other widths than
	// the rest (pimc eval). Format v1.6, section srcbits (docs/ISA.md §6).
	WBits, ABits int
}

// WeightRow is one row of the weight-stationary image, written into its
// sub-array at load time. Bits has cols/8 bytes; column c is bit c%8 of
// Bits[c/8].
type WeightRow struct {
	Subarray uint32
	Row      uint32
	Bits     []byte
	Src      int32 // index into Program.Sources, -1 if unattributed
}

// Bit returns column c of the row.
func (w *WeightRow) Bit(c int) bool { return w.Bits[c/8]>>(c%8)&1 != 0 }

// ConstBlock is a run of constant-memory words starting at Addr.
type ConstBlock struct {
	Name string
	Addr uint32
	Data []int32
}

// PortDir says whether a port is read by the host before (input) or after
// (output) the run.
type PortDir uint8

const (
	PortIn  PortDir = 0
	PortOut PortDir = 1
)

func (d PortDir) String() string {
	switch d {
	case PortIn:
		return "input"
	case PortOut:
		return "output"
	}
	return "dir(?)"
}

// Port is a tensor in the activation buffer that the host fills (input) or
// reads (output). Elements are stored row-major at Addr, Addr+1, ... in the
// order of Shape (NHWC for images); each holds a value of Type, and
// real = Scale * (q - ZeroPoint).
type Port struct {
	Name      string
	Dir       PortDir
	Addr      uint32
	Shape     []uint32
	Type      IntType
	Scale     float64
	ZeroPoint int32
	// Segment is the device segment whose runs use the port (a compiled
	// model with host ops between segments, docs/BACKEND.md §5), or
	// AllSegments for a port every run uses (the segment selector). Every
	// run starts from the post-load state and values pass between segments
	// through the host, so only ports a run uses must be disjoint: ports of
	// one segment, and an AllSegments port with every port. 0 for the ports
	// of a single-segment program and of every older file, which therefore
	// keep the rule that all ports are disjoint. Format v1.3 (ISA.md §6).
	Segment int32
}

// AllSegments is the Port.Segment of a port that every run uses.
const AllSegments int32 = -1

// SharesRun reports whether two ports can be used by the same run, so they
// must not overlap.
func (p *Port) SharesRun(q *Port) bool {
	return p.Segment == q.Segment || p.Segment == AllSegments || q.Segment == AllSegments
}

// FrameAddr is the address of frame f of the port in a program of several
// frames per run (Program.Frames): the frames lie back to back.
func (p *Port) FrameAddr(f int) uint64 { return uint64(p.Addr) + uint64(f)*p.Len() }

// Len is the number of elements of the port (of one frame).
func (p *Port) Len() uint64 {
	n := uint64(1)
	for _, d := range p.Shape {
		n *= uint64(d)
	}
	return n
}

// Symbol names an instruction index (a label).
type Symbol struct {
	Name string
	PC   uint32
}

// Arch is the architectural part of a hardware description: everything that
// decides whether a program is legal and what it computes, but no costs.
// target builds it (Target.Arch); the simulator sizes its state from it.
type Arch struct {
	Name        string
	Fingerprint [32]byte

	Subarrays       int // banks * mats_per_bank * subarrays_per_mat
	SubarraysPerMat int
	Rows, Cols      int
	AccPerSubarray  int
	AccBits         int
	DPULanes        int
	ActBufferWords  int
	ActWordBits     int
	ConstWords      int

	// Banks is the number of banks (sub-arrays per bank = Subarrays /
	// Banks); a group instruction's sub-arrays lie in one bank. 0 is read
	// as 1.
	Banks int
	// The parallel engine (v1.5, the target's parallel section,
	// docs/PARALLEL.md §3): controllers (streams), the most sub-arrays of
	// one group instruction, and token counters. All 0 on a serial
	// machine (a description without the section): one controller, no
	// group instructions, no tokens.
	Controllers    int
	GroupSubarrays int
	Tokens         int
	// PlaneSequencer: every bank has a plane sequencer (v1.7, the
	// target's parallel.plane_sequencer), so gdot is legal.
	PlaneSequencer bool
	// DRAMWords is the off-chip memory in words (v1.6, the target's dram
	// section); 0: none, and dload/dstore are refused. Not part of the
	// fingerprint: a program that moves no DRAM words runs on any DRAM.
	DRAMWords int
}

// NumControllers is the number of controllers (streams) of the machine:
// Controllers, or 1 on a serial machine.
func (a *Arch) NumControllers() int { return max(a.Controllers, 1) }

// SubarraysPerBank is the number of sub-arrays of one bank.
func (a *Arch) SubarraysPerBank() int {
	if a.Banks <= 0 {
		return a.Subarrays
	}
	return a.Subarrays / a.Banks
}

// Fixed register-file sizes of ISA v1.
const (
	NumRegs      = 32
	NumVRegs     = 8
	NumPatchRegs = 4
)
