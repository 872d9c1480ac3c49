package isa

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// dramProgram is validProgram on a target with a DRAM of 4096 words,
// with a DRAM image of three blocks of different widths and signedness.
func dramProgram() (*Program, Arch) {
	a := testArch()
	a.DRAMWords = 4096
	p := validProgram()
	p.DRAM = []DRAMBlock{
		{Name: "w.u3", Addr: 0, Type: MakeIntType(3, false), Data: []int32{0, 7, 5, 1, 2}},
		{Name: "w.i32", Addr: 5, Type: MakeIntType(32, true), Data: []int32{-1 << 31, 1<<31 - 1, -1, 0}},
		{Name: "w.u31", Addr: 100, Type: MakeIntType(31, false), Data: []int32{1<<31 - 1, 0, 12345}},
		{Name: "w.i4", Addr: 200, Type: MakeIntType(4, true), Data: []int32{-8, 7, -1, 0, 3}},
	}
	return p, a
}

// TestDRAMImageRoundTrip: the dram section and the .dram directive give
// back every code of every block; the file is a v1.6 file whose section
// holds the codes packed at their width.
func TestDRAMImageRoundTrip(t *testing.T) {
	p, a := dramProgram()
	if err := Validate(p, a); err != nil {
		t.Fatal(err)
	}
	b, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if minor := binary.LittleEndian.Uint16(b[10:]); minor != 6 {
		t.Errorf("a program with a DRAM image is written as 1.%d, want 1.6", minor)
	}
	if got := EncodedSize(p); got != int64(len(b)) {
		t.Errorf("EncodedSize = %d, EncodeBinary wrote %d bytes", got, len(b))
	}
	back, err := DecodeBinary(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.DRAM, p.DRAM) {
		t.Errorf("binary round trip: %+v, want %+v", back.DRAM, p.DRAM)
	}
	var sb bytes.Buffer
	if err := PrintAsm(&sb, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), ".dram w.i4 addr=200 type=i4 len=5\n.data -8 7 -1 0 3\n") {
		t.Errorf("listing lacks the .dram block:\n%s", sb.String())
	}
	parsed, err := ParseAsm("t.pasm", sb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parsed.DRAM, p.DRAM) {
		t.Errorf("assembly round trip: %+v, want %+v", parsed.DRAM, p.DRAM)
	}
	// 5 codes of 3 bits in 2 bytes: 0, 7, 5, 1, 2 -> code i at bits [3i, 3i+3), low bit first.
	if got := packCodes(nil, &p.DRAM[0]); !bytes.Equal(got, []byte{0b01111000, 0b00100011}) {
		t.Errorf("packed u3 codes %08b", got)
	}
	// A program without an image has no dram section.
	q := validProgram()
	b, _ = EncodeBinary(q)
	if back, _ := DecodeBinary(b); back.DRAM != nil {
		t.Errorf("a program without an image decodes with %d blocks", len(back.DRAM))
	}
}

// TestDRAMImageDecodeErrors: a malformed dram section is refused with a
// message naming the section, the block and what was wrong.
func TestDRAMImageDecodeErrors(t *testing.T) {
	block := func(name string, addr uint32, typ byte, reserved byte, n uint32, payload int) []byte {
		b := u32s(uint32(len(name)))
		b = append(b, name...)
		b = append(b, u32s(addr)...)
		b = append(b, typ, reserved, 0, 0)
		b = append(b, u32s(n)...)
		return append(b, make([]byte, payload)...)
	}
	sec := func(blocks ...[]byte) []byte {
		b := u32s(uint32(len(blocks)))
		for _, x := range blocks {
			b = append(b, x...)
		}
		return b
	}
	u8 := byte(MakeIntType(8, false))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"good", sec(block("w", 0, u8, 0, 3, 3)), ""},
		{"bad type", sec(block("w", 0, 0, 0, 3, 3)), `section dram at byte 17: block 0 ("w"): type byte 0x00 is not a code type`},
		{"u32 type", sec(block("w", 0, 32, 0, 3, 12)), "type byte 0x20 is not a code type"},
		{"reserved", sec(block("w", 0, u8, 1, 3, 3)), `block 0 ("w"): reserved bytes not zero`},
		{"no codes", sec(block("w", 0, u8, 0, 0, 0)), `block 0 ("w"): no codes`},
		{"truncated", sec(block("w", 0, u8, 0, 4, 3)), `block 0 ("w"): truncated: 4 codes of u8 need 4 bytes, 3 left`},
		{"huge", sec(block("w", 0, u8, 0, 0xffffffff, 3)), "truncated: 4294967295 codes of u8 need 4294967295 bytes"},
		{"count", u32s(5), "count 5 needs at least 80 bytes"},
	} {
		_, err := DecodeBinary(buildPimb([]rawSection{{1, haltCode()}, {15, c.data}}))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestValidateDRAMImage: the loader refuses an image on a target without
// DRAM, outside the DRAM, overlapping or unsorted, with codes out of their
// type's range, empty or unnamed blocks.
func TestValidateDRAMImage(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(p *Program, a *Arch)
		want string
	}{
		{"valid", func(p *Program, a *Arch) {}, ""},
		{"no DRAM", func(p *Program, a *Arch) { a.DRAMWords = 0 }, `dram: 4 blocks of initial DRAM contents, but the target "test" has no off-chip memory`},
		{"outside", func(p *Program, a *Arch) { p.DRAM[3].Addr = 4093 }, `dram[3] ("w.i4"): words [4093, 4098) outside the DRAM of 4096 words`},
		{"overlap", func(p *Program, a *Arch) { p.DRAM[1].Addr = 4 }, `dram[1] ("w.i32"): starts at 4, overlapping or not after dram[0] ("w.u3") ending at 5`},
		{"range", func(p *Program, a *Arch) { p.DRAM[0].Data[2] = 8 }, `dram[0] ("w.u3"): code 2 (word 2) = 8 outside u3`},
		{"signed range", func(p *Program, a *Arch) { p.DRAM[3].Data[4] = 8 }, `code 4 (word 204) = 8 outside i4`},
		{"empty", func(p *Program, a *Arch) { p.DRAM[2].Data = nil }, `dram[2] ("w.u31"): no codes`},
		{"name", func(p *Program, a *Arch) { p.DRAM[2].Name = "1x" }, `dram[2] ("1x"): name is not an identifier`},
		{"type", func(p *Program, a *Arch) { p.DRAM[2].Type = 0 }, `dram[2] ("w.u31"): type type(0) is not a code type`},
	} {
		p, a := dramProgram()
		p.DRAM = slices.Clone(p.DRAM)
		for i := range p.DRAM {
			p.DRAM[i].Data = slices.Clone(p.DRAM[i].Data)
		}
		c.edit(p, &a)
		err := Validate(p, a)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestDRAMImageAsmErrors: .dram blocks are checked like .const blocks.
func TestDRAMImageAsmErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{".dram w addr=0 type=u8 len=3\n.data 1 2\n    halt\n", ".dram w: len=3 but 2 values given in .data lines"},
		{".dram w addr=0 type=u8 len=1\n.data 1 2\n    halt\n", ".data: more values than len=1 of .dram w"},
		{".dram w addr=0 type=q8 len=1\n", `.dram: type: bad integer type "q8"`},
		{".dram w addr=0 len=1\n", ".dram: want: .dram <name> addr=<n> type=<u8|i4|...> len=<n>"},
		{".data 1\n", ".data outside a .const or .dram block"},
	} {
		_, err := ParseAsm("t.pasm", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}
