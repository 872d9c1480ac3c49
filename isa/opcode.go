package isa

import "fmt"

// Opcode is the 8-bit operation code in bits 63..56 of an instruction word.
// The numbering groups opcodes by the unit that executes them (docs/ISA.md §3).
type Opcode uint8

// Controller and scalar instructions (unit ctrl).
const (
	OpInvalid Opcode = 0x00 // never legal: a zero word is not an instruction
	OpNop     Opcode = 0x01
	OpHalt    Opcode = 0x02
	OpBarrier Opcode = 0x03
	OpLi      Opcode = 0x04
	OpAdd     Opcode = 0x05
	OpSub     Opcode = 0x06
	OpMul     Opcode = 0x07
	OpAddi    Opcode = 0x08
	OpMuli    Opcode = 0x09
	OpSlli    Opcode = 0x0A
	OpSrai    Opcode = 0x0B
	OpMin     Opcode = 0x0C
	OpMax     Opcode = 0x0D
	OpJmp     Opcode = 0x10
	OpBeq     Opcode = 0x11
	OpBne     Opcode = 0x12
	OpBlt     Opcode = 0x13
	OpBge     Opcode = 0x14
	OpDbnz    Opcode = 0x15
	// Tokens (v1.5): synchronisation between the streams of several
	// controllers (docs/PARALLEL.md §2).
	OpTsig  Opcode = 0x16
	OpTwait Opcode = 0x17
)

// Buffer instructions (unit buf).
const (
	OpLd    Opcode = 0x20
	OpSt    Opcode = 0x21
	OpLdc   Opcode = 0x22
	OpBcopy Opcode = 0x23
	OpBfill Opcode = 0x24
	OpPzero Opcode = 0x25
	OpPld   Opcode = 0x26
	// Off-chip memory (v1.6): words between the DRAM and the activation
	// buffer, over the controller's buffer port and the DRAM channel.
	OpDload  Opcode = 0x27
	OpDstore Opcode = 0x28
)

// Sub-array instructions (units write, sense, count, shadd of one sub-array).
const (
	OpWrp    Opcode = 0x30
	OpRdrow  Opcode = 0x31
	OpAnd    Opcode = 0x32
	OpOr     Opcode = 0x33
	OpPopc   Opcode = 0x34
	OpShadd  Opcode = 0x35
	OpAccclr Opcode = 0x36
	OpAccadd Opcode = 0x37
	OpBmac   Opcode = 0x38
	// Group instructions (v1.5): one instruction drives n consecutive
	// sub-arrays of one bank (docs/PARALLEL.md §2).
	OpGwrp  Opcode = 0x39
	OpGbmac Opcode = 0x3A
	// v1.7: one instruction sequences every plane pair of a filter slot
	// on each sub-array of a group (the bank's plane sequencer).
	OpGdot Opcode = 0x3B
)

// DPU instructions (unit dpu; vector loads and stores also use buf).
const (
	OpSetvl  Opcode = 0x40
	OpVld    Opcode = 0x41
	OpVst    Opcode = 0x42
	OpVldc   Opcode = 0x43
	OpVbcast Opcode = 0x44
	OpVmov   Opcode = 0x45
	OpVadd   Opcode = 0x46
	OpVsub   Opcode = 0x47
	OpVmax   Opcode = 0x48
	OpVmin   Opcode = 0x49
	OpVrq    Opcode = 0x4A
	OpVclip  Opcode = 0x4B
	OpVacc   Opcode = 0x4C
	OpGvacc  Opcode = 0x4D // v1.5 group form of vacc
	// v1.6: activations on the device (docs/ISA.md §3.4).
	OpVmul Opcode = 0x4E // element-wise product (squeeze-excitation gates)
	OpVlut Opcode = 0x4F // table lookup in CMEM (sigmoid, tanh, GELU, ...)
)

// Unit is a hardware unit class an instruction occupies; its latency and energy
// come from the target's cost table (docs/ISA.md §4). Array units exist once per
// sub-array.
type Unit uint8

const (
	UnitCtrl  Unit = 1 << iota // controller: scalar ALU, branches
	UnitBuf                    // activation buffer / constant memory port
	UnitWrite                  // write driver of a sub-array
	UnitSense                  // sense path (row read, two-row AND/OR) of a sub-array
	UnitCount                  // bit-counter of a sub-array
	UnitShadd                  // shift-add accumulator of a sub-array
	UnitDPU                    // digital processing unit
	UnitDRAM                   // the off-chip memory channel (v1.6)
)

var unitNames = []string{"ctrl", "buf", "write", "sense", "count", "shadd", "dpu", "dram"}

// String lists the units of a set, joined by '+'.
func (u Unit) String() string {
	s := ""
	for i, n := range unitNames {
		if u&(1<<i) != 0 {
			if s != "" {
				s += "+"
			}
			s += n
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// FieldKind says how an operand field is encoded, printed and range-checked.
type FieldKind uint8

const (
	FReg    FieldKind = iota + 1 // scalar register r0..r31, 5 bits
	FBase                        // scalar register printed as "[rX" — always followed by an immediate offset field printed "+imm]"
	FVReg                        // vector register v0..v7, 3 bits
	FPReg                        // patch register p0..p3, 2 bits
	FAcc                         // accumulator a0..a15, 4 bits
	FMode                        // rounding mode (up, away, even, floor), 2 bits
	FType                        // integer output type (u8, i32, ...), 7 bits
	FSign                        // pos / neg, 1 bit
	FTarget                      // branch target: absolute instruction index, 32 bits unsigned
	FUImm                        // unsigned immediate of Width bits
	FSImm                        // signed (two's complement) immediate of Width bits
	FAddr                        // scalar register printed as "[rX]": an address with no offset field (v1.5 group bases)
	FPlanes                      // a gdot's plane-pair sequence (Planes), 10 bits, printed "8x8s" (v1.7)
)

// Field is one operand field of an instruction word.
type Field struct {
	Name  string // documentation name, e.g. "rd", "sa", "rowb"
	Kind  FieldKind
	Width uint8 // bits; fixed by Kind except for FUImm and FSImm
}

// OpInfo describes one opcode: its assembly mnemonic, its operand fields in
// assembly order (which is also the encoding order from bit 55 down) and the
// units it occupies.
type OpInfo struct {
	Mnemonic string
	Fields   []Field
	Units    Unit
}

// MaxArgs is the largest number of operand fields of any instruction.
const MaxArgs = 8

func reg(n string) Field           { return Field{n, FReg, 5} }
func base(n string) Field          { return Field{n, FBase, 5} }
func addr(n string) Field          { return Field{n, FAddr, 5} }
func vreg(n string) Field          { return Field{n, FVReg, 3} }
func preg(n string) Field          { return Field{n, FPReg, 2} }
func acc(n string) Field           { return Field{n, FAcc, 4} }
func uimm(n string, w uint8) Field { return Field{n, FUImm, w} }
func simm(n string, w uint8) Field { return Field{n, FSImm, w} }

var (
	fMode   = Field{"mode", FMode, 2}
	fType   = Field{"type", FType, 7}
	fSign   = Field{"sign", FSign, 1}
	fTarget = Field{"target", FTarget, 32}
)

// opTable is the single source of truth for encoding, decoding, printing,
// parsing and validation. Keep it in sync with docs/ISA.md §3.
var opTable = map[Opcode]*OpInfo{
	OpNop:     {"nop", nil, UnitCtrl},
	OpHalt:    {"halt", nil, UnitCtrl},
	OpBarrier: {"barrier", nil, UnitCtrl},
	OpLi:      {"li", []Field{reg("rd"), simm("imm", 32)}, UnitCtrl},
	OpAdd:     {"add", []Field{reg("rd"), reg("ra"), reg("rb")}, UnitCtrl},
	OpSub:     {"sub", []Field{reg("rd"), reg("ra"), reg("rb")}, UnitCtrl},
	OpMul:     {"mul", []Field{reg("rd"), reg("ra"), reg("rb")}, UnitCtrl},
	OpAddi:    {"addi", []Field{reg("rd"), reg("ra"), simm("imm", 32)}, UnitCtrl},
	OpMuli:    {"muli", []Field{reg("rd"), reg("ra"), simm("imm", 32)}, UnitCtrl},
	OpSlli:    {"slli", []Field{reg("rd"), reg("ra"), uimm("imm", 5)}, UnitCtrl},
	OpSrai:    {"srai", []Field{reg("rd"), reg("ra"), uimm("imm", 5)}, UnitCtrl},
	OpMin:     {"min", []Field{reg("rd"), reg("ra"), reg("rb")}, UnitCtrl},
	OpMax:     {"max", []Field{reg("rd"), reg("ra"), reg("rb")}, UnitCtrl},
	OpJmp:     {"jmp", []Field{fTarget}, UnitCtrl},
	OpBeq:     {"beq", []Field{reg("ra"), reg("rb"), fTarget}, UnitCtrl},
	OpBne:     {"bne", []Field{reg("ra"), reg("rb"), fTarget}, UnitCtrl},
	OpBlt:     {"blt", []Field{reg("ra"), reg("rb"), fTarget}, UnitCtrl},
	OpBge:     {"bge", []Field{reg("ra"), reg("rb"), fTarget}, UnitCtrl},
	OpDbnz:    {"dbnz", []Field{reg("ra"), fTarget}, UnitCtrl},
	OpTsig:    {"tsig", []Field{uimm("t", 16)}, UnitCtrl},
	OpTwait:   {"twait", []Field{uimm("t", 16)}, UnitCtrl},

	OpLd:    {"ld", []Field{reg("rd"), base("ra"), simm("imm", 32)}, UnitBuf},
	OpSt:    {"st", []Field{reg("rs"), base("ra"), simm("imm", 32)}, UnitBuf},
	OpLdc:   {"ldc", []Field{reg("rd"), base("ra"), simm("imm", 32)}, UnitBuf},
	OpBcopy: {"bcopy", []Field{reg("rdst"), reg("rsrc"), reg("rlen")}, UnitBuf},
	OpBfill: {"bfill", []Field{reg("rdst"), reg("rlen"), reg("rval")}, UnitBuf},
	OpPzero: {"pzero", []Field{preg("p")}, UnitBuf},
	OpPld:   {"pld", []Field{preg("p"), uimm("off", 12), base("ra"), simm("imm", 24), uimm("len", 12)}, UnitBuf},
	// v1.6: dload copies r[len] codes of type DRAM[r[src]..] ->
	// ABUF[r[dst]..], dstore ABUF[r[src]..] -> DRAM[r[dst]..] (clamped to
	// type); a DRAM word holds one code, moved at the type's width.
	OpDload:  {"dload", []Field{reg("rdst"), reg("rsrc"), reg("rlen"), fType}, UnitBuf | UnitDRAM},
	OpDstore: {"dstore", []Field{reg("rdst"), reg("rsrc"), reg("rlen"), fType}, UnitBuf | UnitDRAM},

	OpWrp:    {"wrp", []Field{base("ra"), uimm("sa", 14), base("rb"), uimm("row", 10), preg("p"), uimm("bit", 5)}, UnitWrite},
	OpRdrow:  {"rdrow", []Field{base("ra"), uimm("sa", 14), base("rb"), uimm("row", 10)}, UnitSense},
	OpAnd:    {"and", []Field{base("ra"), uimm("sa", 14), uimm("rowa", 10), base("rb"), uimm("rowb", 10)}, UnitSense},
	OpOr:     {"or", []Field{base("ra"), uimm("sa", 14), uimm("rowa", 10), base("rb"), uimm("rowb", 10)}, UnitSense},
	OpPopc:   {"popc", []Field{base("ra"), uimm("sa", 14)}, UnitCount},
	OpShadd:  {"shadd", []Field{base("ra"), uimm("sa", 14), acc("acc"), uimm("shift", 5), fSign}, UnitShadd},
	OpAccclr: {"accclr", []Field{base("ra"), uimm("sa", 14), acc("acc")}, UnitShadd},
	OpAccadd: {"accadd", []Field{base("ra"), uimm("sa", 14), acc("acc"), base("rb"), uimm("sa2", 14), acc("acc2")}, UnitShadd},
	OpBmac:   {"bmac", []Field{base("ra"), uimm("sa", 14), uimm("rowa", 10), base("rb"), uimm("rowb", 10), acc("acc"), uimm("shift", 5), fSign}, UnitSense | UnitCount | UnitShadd},
	OpGwrp:   {"gwrp", []Field{addr("ra"), uimm("n", 12), base("rb"), uimm("row", 10), preg("p"), uimm("bit", 5)}, UnitWrite},
	OpGbmac:  {"gbmac", []Field{addr("ra"), uimm("n", 12), uimm("rowa", 10), base("rb"), uimm("rowb", 10), acc("acc"), uimm("shift", 5), fSign}, UnitSense | UnitCount | UnitShadd},
	OpGdot:   {"gdot", []Field{addr("ra"), uimm("n", 12), uimm("rowa", 10), base("rb"), uimm("rowb", 10), acc("acc"), {"planes", FPlanes, planesBits}}, UnitSense | UnitCount | UnitShadd},

	OpSetvl:  {"setvl", []Field{base("ra"), simm("imm", 24)}, UnitDPU},
	OpVld:    {"vld", []Field{vreg("vd"), base("ra"), simm("imm", 24), simm("stride", 16)}, UnitDPU | UnitBuf},
	OpVst:    {"vst", []Field{vreg("vs"), base("ra"), simm("imm", 24), simm("stride", 16)}, UnitDPU | UnitBuf},
	OpVldc:   {"vldc", []Field{vreg("vd"), base("ra"), simm("imm", 24)}, UnitDPU | UnitBuf},
	OpVbcast: {"vbcast", []Field{vreg("vd"), reg("ra")}, UnitDPU},
	OpVmov:   {"vmov", []Field{vreg("vd"), vreg("va")}, UnitDPU},
	OpVadd:   {"vadd", []Field{vreg("vd"), vreg("va"), vreg("vb")}, UnitDPU},
	OpVsub:   {"vsub", []Field{vreg("vd"), vreg("va"), vreg("vb")}, UnitDPU},
	OpVmax:   {"vmax", []Field{vreg("vd"), vreg("va"), vreg("vb")}, UnitDPU},
	OpVmin:   {"vmin", []Field{vreg("vd"), vreg("va"), vreg("vb")}, UnitDPU},
	OpVrq:    {"vrq", []Field{vreg("vd"), vreg("va"), vreg("vb"), vreg("vm"), uimm("shift", 6), fMode, fType}, UnitDPU},
	OpVclip:  {"vclip", []Field{vreg("vd"), vreg("va"), simm("lo", 24), simm("hi", 24)}, UnitDPU},
	OpVacc:   {"vacc", []Field{vreg("vd"), base("ra"), uimm("lane", 12), base("rb"), uimm("sa", 14), acc("acc"), uimm("clr", 1)}, UnitDPU | UnitShadd},
	OpVmul:   {"vmul", []Field{vreg("vd"), vreg("va"), vreg("vb")}, UnitDPU},
	OpVlut:   {"vlut", []Field{vreg("vd"), vreg("va"), base("ra"), simm("imm", 24)}, UnitDPU | UnitBuf},
	OpGvacc:  {"gvacc", []Field{vreg("vd"), base("ra"), uimm("lane", 12), addr("rb"), uimm("n", 12), uimm("lstride", 8), acc("acc"), uimm("clr", 1)}, UnitDPU | UnitShadd},
}

var byMnemonic = func() map[string]Opcode {
	m := make(map[string]Opcode, len(opTable))
	for op, info := range opTable {
		if _, dup := m[info.Mnemonic]; dup {
			panic("BUG: isa: duplicate mnemonic " + info.Mnemonic)
		}
		n := 0
		for i, f := range info.Fields {
			n += int(f.Width)
			if f.Kind == FBase && (i+1 >= len(info.Fields) || (info.Fields[i+1].Kind != FUImm && info.Fields[i+1].Kind != FSImm)) {
				panic("BUG: isa: base register not followed by an offset in " + info.Mnemonic)
			}
		}
		if n > 56 || len(info.Fields) > MaxArgs {
			panic("BUG: isa: operands of " + info.Mnemonic + " do not fit 56 bits")
		}
		m[info.Mnemonic] = op
	}
	return m
}()

// IsGroup reports whether op is a group instruction (gwrp, gbmac, gvacc,
// gdot), which addresses n consecutive sub-arrays [r[a], r[a]+n) of one
// bank.
func (op Opcode) IsGroup() bool {
	return op == OpGwrp || op == OpGbmac || op == OpGvacc || op == OpGdot
}

// SinceV15 reports whether op was added in ISA v1.5 (the group and token
// instructions): a program using one is written as format 1.5, so an older
// reader refuses it by its version instead of by an unknown opcode.
func (op Opcode) SinceV15() bool {
	return op == OpGwrp || op == OpGbmac || op == OpGvacc || op == OpTsig || op == OpTwait
}

// IsDRAM reports whether op moves words to or from the off-chip memory
// (dload, dstore).
func (op Opcode) IsDRAM() bool { return op == OpDload || op == OpDstore }

// SinceV16 reports whether op was added in ISA v1.6 (dload, dstore, vmul,
// vlut): a program using one is written as format 1.6, so an older reader
// refuses it by its version.
func (op Opcode) SinceV16() bool { return op.IsDRAM() || op == OpVmul || op == OpVlut }

// SinceV17 reports whether op was added in ISA v1.7 (gdot): a program
// using one is written as format 1.7, so an older reader refuses it by its
// version.
func (op Opcode) SinceV17() bool { return op == OpGdot }

// Info returns the description of op, or nil if op is not defined.
func (op Opcode) Info() *OpInfo { return opTable[op] }

// Valid reports whether op is a defined opcode.
func (op Opcode) Valid() bool { return opTable[op] != nil }

// String returns the mnemonic, or "op(0xNN)" for an undefined opcode.
func (op Opcode) String() string {
	if info := opTable[op]; info != nil {
		return info.Mnemonic
	}
	return fmt.Sprintf("op(0x%02x)", uint8(op))
}

// OpcodeByMnemonic looks up an opcode by its assembly mnemonic.
func OpcodeByMnemonic(m string) (Opcode, bool) {
	op, ok := byMnemonic[m]
	return op, ok
}

// Opcodes returns every defined opcode in increasing order.
func Opcodes() []Opcode {
	var ops []Opcode
	for op := 0; op < 256; op++ {
		if opTable[Opcode(op)] != nil {
			ops = append(ops, Opcode(op))
		}
	}
	return ops
}
