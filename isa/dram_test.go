package isa

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestV16Words pins the encodings of dload and dstore, computed by hand from
// docs/ISA.md §3.2 (rdst 55..51, rsrc 50..46, rlen 45..41, type 40..34:
// bits | signed<<6).
func TestV16Words(t *testing.T) {
	for _, c := range []struct {
		asm  string
		want uint64
	}{
		{"dload r1, r2, r31, u8", 0x27<<56 | 1<<51 | 2<<46 | 31<<41 | 8<<34},
		{"dstore r31, r0, r5, i32", 0x28<<56 | 31<<51 | 0<<46 | 5<<41 | (32|64)<<34},
	} {
		p, err := ParseAsm("t.pasm", []byte("    "+c.asm+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", c.asm, err)
		}
		w, err := p.Code[0].Encode()
		if err != nil || w != c.want {
			t.Errorf("%s: Encode = %#016x, %v; want %#016x", c.asm, w, err, c.want)
		}
		if got := FormatInstr(p.Code[0]); got != c.asm {
			t.Errorf("printed %q, want %q", got, c.asm)
		}
		if op := p.Code[0].Op; !op.SinceV16() || !op.IsDRAM() || op.SinceV15() {
			t.Errorf("%s: not marked as v1.6 only", c.asm)
		}
	}
	if OpBcopy.SinceV16() || OpGbmac.SinceV16() {
		t.Error("SinceV16 wrong")
	}
}

// TestV16Version: a program with a DRAM transfer is written as format 1.6
// (a v1.5 reader refuses it by its version); any other is written as before.
func TestV16Version(t *testing.T) {
	p := validProgram()
	b, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if minor := binary.LittleEndian.Uint16(b[10:]); minor >= 6 {
		t.Errorf("a program without DRAM transfers is written as 1.%d", minor)
	}
	q := *p
	q.Code = append([]Instr{NewInstr(OpDload, 1, 2, 3, int64(MakeIntType(8, false)))}, p.Code...)
	q.Symbols = nil
	b, err = EncodeBinary(&q)
	if err != nil {
		t.Fatal(err)
	}
	if minor := binary.LittleEndian.Uint16(b[10:]); minor != 6 {
		t.Errorf("a program with dload is written as 1.%d, want 1.6", minor)
	}
	back, err := DecodeBinary(b)
	if err != nil || back.Code[0].Op != OpDload {
		t.Fatalf("decode: %v", err)
	}
	// What a v1.5 reader says, by the version check it shares.
	b[10] = FormatMinor + 1
	if _, err := DecodeBinary(b); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("format version 1.%d not supported (this pimc reads 1.0 to 1.%d)", FormatMinor+1, FormatMinor)) {
		t.Errorf("a newer minor version: %v", err)
	}
}

func TestValidateDRAM(t *testing.T) {
	base := validProgram()
	withDRAM := testArch()
	withDRAM.DRAMWords = 1 << 20
	for _, c := range []struct {
		arch Arch
		op   Opcode
		want string
	}{
		{testArch(), OpDload, "code[0] (dload): needs a target with a dram section (off-chip memory)"},
		{testArch(), OpDstore, "code[0] (dstore): needs a target with a dram section"},
		{withDRAM, OpDload, ""},
		{withDRAM, OpDstore, ""},
	} {
		p := *base
		p.Code = []Instr{NewInstr(c.op, 1, 2, 3, int64(MakeIntType(8, true))), NewInstr(OpHalt)}
		p.Symbols = nil
		p.Sources = slices.Clone(p.Sources)
		for i := range p.Sources {
			p.Sources[i].MACs = 0 // no row ANDs left to do them
		}
		p.TargetFingerprint = c.arch.Fingerprint
		err := Validate(&p, c.arch)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v with %d DRAM words: %v", c.op, c.arch.DRAMWords, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v with %d DRAM words: error %v, want %q", c.op, c.arch.DRAMWords, err, c.want)
		}
	}
}
