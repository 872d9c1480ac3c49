package isa

import (
	"fmt"
	"slices"
)

// Builder emits a Program for a compiler or a test: it interns sources,
// tags every instruction with the current source, resolves symbolic branch
// labels, allocates constant memory and sorts the weight image. It does not
// run Validate (call it on the result with the target's Arch).
type Builder struct {
	p         *Program
	src       int32
	srcIndex  map[Source]int32
	labels    map[string]int
	fixups    []builderFixup
	streams   []string // entry label of each stream (Stream)
	autoLabel int
	nextConst uint32
	err       error
}

type builderFixup struct {
	pc    int
	label string
}

// NewBuilder starts a program bound to the target with the given name and
// fingerprint (target.Target.Name and Fingerprint()).
func NewBuilder(targetName string, fingerprint [32]byte) *Builder {
	return &Builder{
		p:        &Program{TargetName: targetName, TargetFingerprint: fingerprint},
		src:      -1,
		srcIndex: map[Source]int32{},
		labels:   map[string]int{},
	}
}

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("isa.Builder: "+format, args...)
	}
}

// SetSource interns s by (Layer, Node, Value) and makes it the source of
// the instructions emitted from now on. It returns its index in
// Program.Sources. A non-zero s.MACs declares the source's workload (see
// AddSourceMACs).
func (b *Builder) SetSource(s Source) int32 {
	key := s
	key.MACs, key.WBits, key.ABits = 0, 0, 0
	idx, ok := b.srcIndex[key]
	if !ok {
		idx = int32(len(b.p.Sources))
		b.p.Sources = append(b.p.Sources, key)
		b.srcIndex[key] = idx
	}
	b.src = idx
	b.AddSourceMACs(s.MACs)
	return idx
}

// AddSourceMACs adds n to the declared multiply-accumulates (Source.MACs)
// of the current source: a compiler calls it once the mapping of a layer
// is known, after SetSource. Without a current source it is an error.
func (b *Builder) AddSourceMACs(n int64) {
	switch {
	case n == 0:
	case n < 0:
		b.fail("AddSourceMACs(%d): negative count", n)
	case b.src < 0:
		b.fail("AddSourceMACs(%d): no current source", n)
	default:
		b.p.Sources[b.src].MACs += n
	}
}

// SetSourceWidths records the declared widths of the current source's layer
// (Source.WBits, ABits; format v1.6). Without a current source it is an
// error.
func (b *Builder) SetSourceWidths(wbits, abits int) {
	if b.src < 0 {
		b.fail("SetSourceWidths(%d, %d): no current source", wbits, abits)
		return
	}
	b.p.Sources[b.src].WBits, b.p.Sources[b.src].ABits = wbits, abits
}

// ClearSource makes the following instructions unattributed (Src -1).
func (b *Builder) ClearSource() { b.src = -1 }

// PC is the index the next instruction will have.
func (b *Builder) PC() int { return len(b.p.Code) }

// Emit appends an instruction with operands in assembly order and returns its
// pc. Operand values are checked when Program is called. For branches use
// Branch (a label) or pass the absolute target.
func (b *Builder) Emit(op Opcode, args ...int64) int {
	info := op.Info()
	if info == nil {
		b.fail("code[%d]: undefined opcode 0x%02x", b.PC(), uint8(op))
		return b.PC()
	}
	if len(args) != len(info.Fields) {
		b.fail("code[%d] (%s): %d operands, want %d", b.PC(), info.Mnemonic, len(args), len(info.Fields))
		return b.PC()
	}
	in := Instr{Op: op, Src: b.src}
	copy(in.Args[:], args)
	b.p.Code = append(b.p.Code, in)
	return len(b.p.Code) - 1
}

// Branch emits a branch (jmp, beq, bne, blt, bge, dbnz) to label; regs are
// its register operands (none for jmp, one for dbnz, two otherwise). The label
// may be defined before or after.
func (b *Builder) Branch(op Opcode, label string, regs ...int64) int {
	info := op.Info()
	if info == nil || len(info.Fields) == 0 || info.Fields[len(info.Fields)-1].Kind != FTarget {
		b.fail("code[%d]: %v is not a branch", b.PC(), op)
		return b.PC()
	}
	pc := b.Emit(op, append(slices.Clone(regs), 0)...)
	b.fixups = append(b.fixups, builderFixup{pc, label})
	return pc
}

// Label defines label at the current pc and records it as a symbol.
func (b *Builder) Label(label string) {
	if !identRE.MatchString(label) || isAutoLabel(label) {
		b.fail("label %q is not an identifier", label)
		return
	}
	if _, dup := b.labels[label]; dup {
		b.fail("label %q defined twice", label)
		return
	}
	b.labels[label] = b.PC()
	b.p.Symbols = append(b.p.Symbols, Symbol{Name: label, PC: uint32(b.PC())})
}

// NewLabel returns a fresh label name prefix_N (not yet defined).
func (b *Builder) NewLabel(prefix string) string {
	for {
		b.autoLabel++
		l := fmt.Sprintf("%s_%d", prefix, b.autoLabel)
		if _, used := b.labels[l]; !used {
			return l
		}
	}
}

// Stream makes label the entry of stream n (format v1.5, docs/PARALLEL.md
// §2): stream n runs on controller n. Streams are numbered 0, 1, ...
// without gaps; the label may be defined before or after. A program that
// never calls Stream has no streams section (one stream at pc 0).
func (b *Builder) Stream(n int, label string) {
	if n < 0 || n > 1<<16 {
		b.fail("Stream(%d, %q): stream index out of range", n, label)
		return
	}
	for len(b.streams) <= n {
		b.streams = append(b.streams, "")
	}
	if b.streams[n] != "" {
		b.fail("Stream(%d, %q): stream %d already starts at %q", n, label, n, b.streams[n])
		return
	}
	b.streams[n] = label
}

// AddConst places data in constant memory after the previous block and
// returns its address.
func (b *Builder) AddConst(name string, data []int32) uint32 {
	addr := b.nextConst
	b.p.Consts = append(b.p.Consts, ConstBlock{Name: name, Addr: addr, Data: slices.Clone(data)})
	b.nextConst += uint32(len(data))
	return addr
}

// AddDRAM adds a block of the DRAM's initial contents (Program.DRAM):
// data, codes of typ, at DRAM word addr. Program sorts the blocks by
// address; the caller keeps them apart.
func (b *Builder) AddDRAM(name string, addr uint32, typ IntType, data []int32) {
	b.p.DRAM = append(b.p.DRAM, DRAMBlock{Name: name, Addr: addr, Type: typ, Data: data})
}

// AddWeightRow adds one row of the weight-stationary image, attributed to the
// current source. bits has cols/8 bytes (column c = bit c%8 of byte c/8).
func (b *Builder) AddWeightRow(subarray, row uint32, bits []byte) {
	b.p.Weights = append(b.p.Weights, WeightRow{Subarray: subarray, Row: row, Bits: slices.Clone(bits), Src: b.src})
}

// AddPort declares an input or output tensor in the activation buffer.
func (b *Builder) AddPort(p Port) {
	p.Shape = slices.Clone(p.Shape)
	b.p.Ports = append(b.p.Ports, p)
}

// SetFrames makes the program process up to frames frames per run, the
// run's frame count read from ABUF word countAddr (Program.Frames,
// docs/PARALLEL.md §7.1; the program needs streams). frames <= 1 is one
// frame per run.
func (b *Builder) SetFrames(frames int, countAddr uint32) {
	if frames < 0 || frames > MaxFrames {
		b.fail("SetFrames(%d): frames outside [0, %d]", frames, MaxFrames)
		return
	}
	b.p.Frames, b.p.CountAddr = 0, 0
	if frames > 1 {
		b.p.Frames, b.p.CountAddr = uint32(frames), countAddr
	}
}

// Program resolves labels, sorts the weight image by (sub-array, row), checks
// that every instruction encodes, and returns the program. The Builder must
// not be used afterwards.
func (b *Builder) Program() (*Program, error) {
	for _, f := range b.fixups {
		pc, ok := b.labels[f.label]
		if !ok {
			b.fail("code[%d] (%v): undefined label %q", f.pc, b.p.Code[f.pc].Op, f.label)
			continue
		}
		in := &b.p.Code[f.pc]
		in.Args[len(in.Op.Info().Fields)-1] = int64(pc)
	}
	for i, l := range b.streams {
		pc, ok := b.labels[l]
		switch {
		case l == "":
			b.fail("stream %d has no entry (streams are numbered 0, 1, ... without gaps)", i)
		case !ok:
			b.fail("stream %d: undefined label %q", i, l)
		default:
			b.p.Streams = append(b.p.Streams, uint32(pc))
		}
	}
	if b.p.Frames > 1 && len(b.p.Streams) == 0 {
		b.fail("SetFrames(%d): a program of several frames per run needs streams (Stream)", b.p.Frames)
	}
	if b.err != nil {
		return nil, b.err
	}
	for pc, in := range b.p.Code {
		if _, err := in.Encode(); err != nil {
			return nil, fmt.Errorf("isa.Builder: code[%d]: %w", pc, err)
		}
	}
	slices.SortStableFunc(b.p.Weights, func(x, y WeightRow) int {
		if x.Subarray != y.Subarray {
			return int(int64(x.Subarray) - int64(y.Subarray))
		}
		return int(int64(x.Row) - int64(y.Row))
	})
	slices.SortStableFunc(b.p.DRAM, func(x, y DRAMBlock) int { return int(int64(x.Addr) - int64(y.Addr)) })
	p := b.p
	b.p = nil
	return p, nil
}
