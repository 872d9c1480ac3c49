package isa

import (
	"errors"
	"fmt"
)

// Instr is one decoded instruction. Args holds the operand fields in the order
// of OpInfo.Fields (the assembly order, docs/ISA.md §3); unused entries are 0.
// Signed fields hold their sign-extended value. Src indexes Program.Sources
// (-1: unattributed); it is debug information kept in the srcmap section, not
// in the instruction word.
//
// For example a bmac has Args = [ra, sa, rowa, rb, rowb, acc, shift, sign] and
// operates on sub-array r[ra]+sa, rows rowa and r[rb]+rowb.
type Instr struct {
	Op   Opcode
	Args [MaxArgs]int64
	Src  int32
}

// NewInstr builds an instruction from its operands in assembly order, with Src
// -1. It panics with a BUG: message if the operand count is wrong, because a
// compiler emitting a wrong arity is a programming error; Encode still checks
// the operand ranges.
func NewInstr(op Opcode, args ...int64) Instr {
	info := op.Info()
	if info == nil || len(args) != len(info.Fields) {
		panic(fmt.Sprintf("BUG: isa.NewInstr(%v): %d operands", op, len(args)))
	}
	in := Instr{Op: op, Src: -1}
	copy(in.Args[:], args)
	return in
}

// Field limits of a field: the legal range of values that Encode accepts.
func fieldRange(f Field) (lo, hi int64) {
	switch f.Kind {
	case FSImm:
		return -(1 << (f.Width - 1)), 1<<(f.Width-1) - 1
	case FType:
		return 0, 1<<7 - 1 // refined by IntType.Valid
	default:
		return 0, 1<<f.Width - 1
	}
}

// checkField reports whether v is a legal value for f.
func checkField(f Field, v int64) error {
	lo, hi := fieldRange(f)
	if v < lo || v > hi {
		return fmt.Errorf("operand %s = %d out of range [%d, %d]", f.Name, v, lo, hi)
	}
	if f.Kind == FType && !IntType(v).Valid() {
		return fmt.Errorf("operand %s: invalid integer type code %d", f.Name, v)
	}
	if f.Kind == FPlanes {
		return UnpackPlanes(v).check()
	}
	return nil
}

// Encode packs in into a 64-bit instruction word. It returns an error for an
// undefined opcode or an operand outside its field.
func (in Instr) Encode() (uint64, error) {
	info := in.Op.Info()
	if info == nil {
		return 0, fmt.Errorf("undefined opcode 0x%02x", uint8(in.Op))
	}
	w := uint64(in.Op) << 56
	pos := uint(56)
	for i, f := range info.Fields {
		v := in.Args[i]
		if err := checkField(f, v); err != nil {
			return 0, fmt.Errorf("%s: %w", info.Mnemonic, err)
		}
		pos -= uint(f.Width)
		w |= (uint64(v) & (1<<f.Width - 1)) << pos
	}
	for i := len(info.Fields); i < MaxArgs; i++ {
		if in.Args[i] != 0 {
			return 0, fmt.Errorf("%s: unused operand slot %d is %d, want 0", info.Mnemonic, i, in.Args[i])
		}
	}
	return w, nil
}

// ErrReservedBits is wrapped by Decode when a reserved bit is set.
var ErrReservedBits = errors.New("reserved bits set")

// Decode unpacks an instruction word. Src is set to -1. It rejects undefined
// opcodes, non-zero reserved bits and illegal field values, so that
// Decode(w) succeeds exactly when w is the encoding of some instruction.
func Decode(w uint64) (Instr, error) {
	op := Opcode(w >> 56)
	info := op.Info()
	if info == nil {
		return Instr{}, fmt.Errorf("undefined opcode 0x%02x in word %#016x", uint8(op), w)
	}
	in := Instr{Op: op, Src: -1}
	pos := uint(56)
	for i, f := range info.Fields {
		pos -= uint(f.Width)
		v := int64((w >> pos) & (1<<f.Width - 1))
		if f.Kind == FSImm && v&(1<<(f.Width-1)) != 0 {
			v -= 1 << f.Width
		}
		if err := checkField(f, v); err != nil {
			return Instr{}, fmt.Errorf("%s in word %#016x: %w", info.Mnemonic, w, err)
		}
		in.Args[i] = v
	}
	if rest := w & (1<<pos - 1); rest != 0 {
		return Instr{}, fmt.Errorf("%s in word %#016x: %w (%#x)", info.Mnemonic, w, ErrReservedBits, rest)
	}
	return in, nil
}
