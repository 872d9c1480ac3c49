package isa

import (
	"bytes"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// parallelArch is testArch with the parallel engine: 2 banks of 8
// sub-arrays, 4 controllers, groups of up to 8, 16 tokens.
func parallelArch() Arch {
	a := testArch()
	a.Banks, a.Controllers, a.GroupSubarrays, a.Tokens = 2, 4, 8, 16
	return a
}

// TestV15Words pins the encodings of the v1.5 instructions, computed by
// hand from docs/ISA.md §3.
func TestV15Words(t *testing.T) {
	cases := []struct {
		asm  string
		want uint64
	}{
		// t at 55..40
		{"tsig 65535", 0x16<<56 | 0xffff<<40},
		{"twait 3", 0x17<<56 | 3<<40},
		// ra 55..51, n 50..39, rb 38..34, row 33..24, p 23..22, bit 21..17
		{"gwrp [r1], 64, [r2+5], p3, 31", 0x39<<56 | 1<<51 | 64<<39 | 2<<34 | 5<<24 | 3<<22 | 31<<17},
		// ra 55..51, n 50..39, rowa 38..29, rb 28..24, rowb 23..14, acc 13..10, shift 9..5, sign 4
		{"gbmac [r3], 4095, 1023, [r4+7], a15, 31, neg", 0x3A<<56 | 3<<51 | 4095<<39 | 1023<<29 | 4<<24 | 7<<14 | 15<<10 | 31<<5 | 1<<4},
		// vd 55..53, ra 52..48, lane 47..36, rb 35..31, n 30..19, lstride 18..11, acc 10..7, clr 6
		{"gvacc v7, [r1+4095], [r2], 12, 255, a1, 1", 0x4D<<56 | 7<<53 | 1<<48 | 4095<<36 | 2<<31 | 12<<19 | 255<<11 | 1<<7 | 1<<6},
	}
	for _, c := range cases {
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
		if !p.Code[0].Op.SinceV15() {
			t.Errorf("%s: not marked as v1.5", c.asm)
		}
	}
	if OpBmac.SinceV15() || !OpGbmac.IsGroup() || OpTsig.IsGroup() {
		t.Error("IsGroup/SinceV15 wrong")
	}
}

func TestV15AsmErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"gwrp [r1+2], 4, [r2+0], p0, 0", "want a register address like [r3] (no offset)"},
		{"gbmac r1, 4, 0, [r2+0], a0, 0, pos", "want a register address like [r3]"},
		{"gbmac [16], 4, 0, [r2+0], a0, 0, pos", "want a register address like [r3]"},
		{"gvacc v0, [r0+0], [r1], 4096, 1, a0, 0", "operand n = 4096 out of range [0, 4095]"},
		{"tsig 65536", "operand t = 65536 out of range"},
		{".stream 1 entry=0", ".stream: index 1 out of order (want 0)"},
		{".stream 0 entry=nowhere\n halt", `.stream 0: undefined label "nowhere"`},
		{".stream 0 entry=1 2", ".stream: want: .stream <index> entry=<label or pc>"},
		{".stream 0 pc=1", `.stream: missing entry=`},
		{".stream 0 entry=a-b", `entry="a-b": want a label or an instruction index`},
	}
	for _, c := range cases {
		_, err := ParseAsm("t.pasm", []byte(c.src+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

// streamsProgram has two streams, one of them entered by a label.
func streamsProgram() *Program {
	p := validProgram()
	p.Code = append(p.Code, NewInstr(OpTwait, 3), NewInstr(OpHalt))
	p.Symbols = append(p.Symbols, Symbol{Name: "second", PC: uint32(len(p.Code) - 2)})
	p.Streams = []uint32{0, uint32(len(p.Code) - 2)}
	return p
}

func TestStreamsSection(t *testing.T) {
	p := streamsProgram()
	bin, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if bin[10] != 5 {
		t.Errorf("minor version %d, want 5", bin[10])
	}
	if int64(len(bin)) != EncodedSize(p) {
		t.Errorf("EncodedSize %d, encoded %d", EncodedSize(p), len(bin))
	}
	back, err := DecodeBinary(bin)
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("binary round trip: %v", err)
	}
	text := FormatAsm(p)
	if !bytes.Contains(text, []byte(".stream 0 entry=")) || !bytes.Contains(text, []byte(".stream 1 entry=second\n")) {
		t.Errorf("listing lacks the .stream lines:\n%s", text)
	}
	again, err := ParseAsm("p.pasm", text)
	if err != nil || !reflect.DeepEqual(again, p) {
		t.Fatalf("asm round trip: %v", err)
	}
	if err := Validate(p, parallelArch()); err != nil {
		t.Error(err)
	}
	// A streams section with no stream is not written by EncodeBinary.
	p.Streams = nil
	plain, _ := EncodeBinary(p)
	if plain[10] != 5 { // twait is a v1.5 instruction
		t.Errorf("a program with twait is written as minor %d, want 5", plain[10])
	}
	p.Code = p.Code[:len(p.Code)-2]
	p.Symbols = p.Symbols[:len(p.Symbols)-1]
	if old, _ := EncodeBinary(p); old[10] == 5 {
		t.Error("a program without v1.5 parts is written as minor 5")
	}
}

func TestStreamsDecodeErrors(t *testing.T) {
	p := streamsProgram()
	bin, _ := EncodeBinary(p)
	// Make the count 0 and the section 4 bytes long: find the section.
	n := int(le.Uint32(bin[12:]))
	for i := 0; i < n; i++ {
		e := bin[headerSize+sectionEntry*i:]
		if SectionKind(le.Uint32(e)) != SecStreams {
			continue
		}
		off := le.Uint64(e[8:])
		bad := bytes.Clone(bin)
		le.PutUint32(bad[off:], 3) // 3 streams in 8 bytes of pcs
		fixCRCs(bad)
		if _, err := DecodeBinary(bad); err == nil || !strings.Contains(err.Error(), "section streams") {
			t.Errorf("bad count: %v", err)
		}
	}
	// An older reader refuses the file by its version.
	bin[10] = FormatMinor + 1
	fixCRCs(bin)
	if _, err := DecodeBinary(bin); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("newer minor: %v", err)
	}
}

func TestValidateParallel(t *testing.T) {
	base := validProgram()   // halt-terminated, bound to testArch's fingerprint
	base.Sources[0].MACs = 0 // the cases replace the code, its bmac included
	cases := []struct {
		arch Arch
		code []Instr
		want string
	}{
		{testArch(), []Instr{NewInstr(OpGbmac, 1, 4, 0, 0, 0, 0, 0, 0)}, "group instructions need a target with a parallel section (group_subarrays) (a description without a parallel section is the serial machine)"},
		{testArch(), []Instr{NewInstr(OpTsig, 0)}, "token 0 out of range (target has 0)"},
		{parallelArch(), []Instr{NewInstr(OpTwait, 16)}, "token 16 out of range (target has 16)"},
		{parallelArch(), []Instr{NewInstr(OpGbmac, 1, 0, 0, 0, 0, 0, 0, 0)}, "group of 0 sub-arrays outside 1..8"},
		{parallelArch(), []Instr{NewInstr(OpGwrp, 1, 9, 0, 0, 0, 0)}, "group of 9 sub-arrays outside 1..8"},
		{func() Arch { a := parallelArch(); a.GroupSubarrays = 16; return a }(), []Instr{NewInstr(OpGwrp, 0, 9, 0, 0, 0, 0)}, "group of sub-arrays [0, 9) crosses the bank boundary at 8"},
		{parallelArch(), []Instr{NewInstr(OpGwrp, 1, 2, 0, 64, 0, 0)}, "row 64 out of range"},
		{func() Arch { a := parallelArch(); a.ActWordBits = 16; return a }(), []Instr{NewInstr(OpGwrp, 1, 2, 0, 0, 0, 16)}, "bit 16 beyond the 16-bit buffer word"},
		{parallelArch(), []Instr{NewInstr(OpGbmac, 1, 2, 0, 0, 0, 2, 0, 0)}, "accumulator a2 out of range"},
		{parallelArch(), []Instr{NewInstr(OpGvacc, 0, 0, 2, 1, 4, 2, 0, 0)}, "lanes 2..8 (stride 2) out of range (target has 8 lanes)"},
		{parallelArch(), []Instr{NewInstr(OpGvacc, 0, 0, 0, 1, 8, 1, 0, 0)}, ""},
		{parallelArch(), []Instr{NewInstr(OpGvacc, 0, 0, 7, 1, 8, 0, 0, 0)}, ""}, // lstride 0: one lane
		{parallelArch(), []Instr{NewInstr(OpGbmac, 0, 2, 5, 0, 6, 0, 0, 0)}, "code[0] (gbmac): reads sub-array 0 row 5, which is never programmed"},
	}
	for _, c := range cases {
		p := *base
		p.Code = append(append([]Instr(nil), c.code...), NewInstr(OpHalt))
		p.TargetFingerprint = c.arch.Fingerprint
		err := Validate(&p, c.arch)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.code[0], err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want %q", c.code[0], err, c.want)
		}
	}
	// Rows a static gwrp writes count as programmed for a gbmac after it;
	// a register-based gwrp counts for every sub-array.
	for _, ra := range []int64{0, 1} {
		p := *base
		p.Code = []Instr{NewInstr(OpGwrp, ra, 2, 0, 5, 0, 0), NewInstr(OpGwrp, ra, 2, 0, 6, 0, 0), NewInstr(OpGbmac, 0, 2, 5, 0, 6, 0, 0, 0), NewInstr(OpHalt)}
		p.TargetFingerprint = parallelArch().Fingerprint
		if err := Validate(&p, parallelArch()); err != nil {
			t.Errorf("gwrp [r%d]: %v", ra, err)
		}
	}
	// Streams: at most one per controller, entries inside the code.
	p := *base
	p.Code = []Instr{NewInstr(OpHalt)}
	p.TargetFingerprint = parallelArch().Fingerprint
	p.Streams = []uint32{0, 0, 0, 0, 1}
	err := Validate(&p, parallelArch())
	if err == nil || !strings.Contains(err.Error(), "streams: 5 streams, but target \"test\" has 4 controller(s)") || !strings.Contains(err.Error(), "streams[4]: entry pc 1 outside the code (1 instructions)") {
		t.Errorf("streams: %v", err)
	}
	p.Streams = []uint32{0, 0}
	p.TargetFingerprint = testArch().Fingerprint
	if err := Validate(&p, testArch()); err == nil || !strings.Contains(err.Error(), "has 1 controller(s) (a description without a parallel section is the serial machine)") {
		t.Errorf("streams on the serial machine: %v", err)
	}
}

func TestBuilderStreams(t *testing.T) {
	b := NewBuilder("test", testArch().Fingerprint)
	b.Stream(1, "two")
	b.Stream(0, "one")
	b.Label("one")
	b.Emit(OpTsig, 0)
	b.Emit(OpHalt)
	b.Label("two")
	b.Emit(OpTwait, 0)
	b.Emit(OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Streams, []uint32{0, 2}) || !reflect.DeepEqual(p.StreamEntries(), []uint32{0, 2}) {
		t.Errorf("Streams = %v", p.Streams)
	}
	if got := (&Program{}).StreamEntries(); !reflect.DeepEqual(got, []uint32{0}) {
		t.Errorf("StreamEntries without streams = %v", got)
	}
	for _, c := range []struct {
		f    func(*Builder)
		want string
	}{
		{func(b *Builder) { b.Stream(1, "x"); b.Label("x") }, "stream 0 has no entry"},
		{func(b *Builder) { b.Stream(0, "nowhere") }, `stream 0: undefined label "nowhere"`},
		{func(b *Builder) { b.Stream(0, "x"); b.Stream(0, "y") }, `stream 0 already starts at "x"`},
		{func(b *Builder) { b.Stream(-1, "x") }, "stream index out of range"},
	} {
		b := NewBuilder("test", testArch().Fingerprint)
		c.f(b)
		b.Emit(OpHalt)
		if _, err := b.Program(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

// fixCRCs recomputes every section checksum and the header checksum after a
// test edited a file.
func fixCRCs(b []byte) {
	n := int(le.Uint32(b[12:]))
	for i := 0; i < n; i++ {
		e := b[headerSize+sectionEntry*i:]
		off, size := le.Uint64(e[8:]), le.Uint64(e[16:])
		le.PutUint32(e[4:], crc32.ChecksumIEEE(b[off:off+size]))
	}
	fixHeaderCRC(b)
}
