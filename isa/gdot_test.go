package isa

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// seqArch is parallelArch with a plane sequencer in every bank.
func seqArch() Arch {
	a := parallelArch()
	a.PlaneSequencer = true
	return a
}

// TestGdotWords pins the encoding of gdot, computed by hand from
// docs/ISA.md §3.3: ra 55..51, n 50..39, rowa 38..29, rb 28..24, rowb
// 23..14, acc 13..10, planes 9..0 (M 9..6, N 5..2, p 1, s 0).
func TestGdotWords(t *testing.T) {
	cases := []struct {
		asm  string
		want uint64
	}{
		{"gdot [r3], 4095, 1023, [r4+7], a15, 15x15s", 0x3B<<56 | 3<<51 | 4095<<39 | 1023<<29 | 4<<24 | 7<<14 | 15<<10 | 15<<6 | 15<<2 | 1},
		{"gdot [r3], 1, 0, [r4+0], a0, 1x15ps", 0x3B<<56 | 3<<51 | 1<<39 | 4<<24 | 1<<6 | 15<<2 | 3},
		{"gdot [r1], 3, 0, [r2+8], a0, 8x8", 0x3B<<56 | 1<<51 | 3<<39 | 0<<29 | 2<<24 | 8<<14 | 8<<6 | 8<<2},
		{"gdot [r0], 1, 5, [r0+9], a1, 8x4s", 0x3B<<56 | 1<<39 | 5<<29 | 9<<14 | 1<<10 | 8<<6 | 4<<2 | 1},
		{"gdot [r0], 1, 5, [r0+9], a1, 1x8p", 0x3B<<56 | 1<<39 | 5<<29 | 9<<14 | 1<<10 | 1<<6 | 8<<2 | 2},
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
		back, err := Decode(w)
		if err != nil || back != p.Code[0] {
			t.Errorf("%s: Decode = %v, %v", c.asm, back, err)
		}
		if got := FormatInstr(p.Code[0]); got != c.asm {
			t.Errorf("printed %q, want %q", got, c.asm)
		}
		if !p.Code[0].Op.SinceV17() || p.Code[0].Op.SinceV15() || p.Code[0].Op.SinceV16() || !p.Code[0].Op.IsGroup() {
			t.Errorf("%s: version or group marks wrong", c.asm)
		}
	}
	// A planes field with M or N = 0, or binary weights on several
	// planes, is no instruction.
	for _, w := range []uint64{0x3B<<56 | 1<<39 | 8<<2, 0x3B<<56 | 1<<39 | 8<<6, 0x3B<<56 | 1<<39 | 2<<6 | 8<<2 | 2} {
		if _, err := Decode(w); err == nil || !strings.Contains(err.Error(), "planes") {
			t.Errorf("Decode(%#016x) = %v, want a planes error", w, err)
		}
	}
}

func TestGdotAsmErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"gdot [r1], 4, 0, [r2+0], a0, 8", "want planes like 8x8"},
		{"gdot [r1], 4, 0, [r2+0], a0, 0x8", "want planes like 8x8"},
		{"gdot [r1], 4, 0, [r2+0], a0, 16x8", "want planes like 8x8"},
		{"gdot [r1], 4, 0, [r2+0], a0, 8x8q", "want planes like 8x8"},
		{"gdot [r1], 4, 0, [r2+0], a0, 2x8p", "binary (p) weights have one plane"},
		{"gdot [r1+1], 4, 0, [r2+0], a0, 8x8", "want a register address like [r3]"},
	} {
		_, err := ParseAsm("t.pasm", []byte(c.src+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

// TestPlanesPair: the shift and sign of every pair, as docs/ISA.md §3.3
// defines them.
func TestPlanesPair(t *testing.T) {
	for _, c := range []struct {
		pl          Planes
		p, n        int
		shift, sign int64
	}{
		{Planes{M: 8, N: 8}, 0, 0, 0, 0},
		{Planes{M: 8, N: 8}, 7, 3, 10, 1},                // top weight plane
		{Planes{M: 8, N: 8, XSigned: true}, 7, 7, 14, 0}, // both tops
		{Planes{M: 8, N: 8, XSigned: true}, 2, 7, 9, 1},  // top input plane
		{Planes{M: 1, N: 8, PlusMinus: true}, 0, 3, 4, 0},
		{Planes{M: 1, N: 8, PlusMinus: true, XSigned: true}, 0, 7, 8, 1},
	} {
		if s, g := c.pl.Pair(c.p, c.n); s != c.shift || g != c.sign {
			t.Errorf("%v.Pair(%d, %d) = %d, %d; want %d, %d", c.pl, c.p, c.n, s, g, c.shift, c.sign)
		}
		if UnpackPlanes(c.pl.Pack()) != c.pl {
			t.Errorf("%v: pack round trip", c.pl)
		}
	}
}

// gdotProgram is validProgram with the sequencer's target and a gdot on
// two sub-arrays over rows the gwrps write.
func gdotProgram() *Program {
	p := validProgram()
	p.Sources[0].MACs = 0
	p.TargetFingerprint = seqArch().Fingerprint
	p.Code = []Instr{
		NewInstr(OpGwrp, 0, 2, 0, 5, 0, 0), NewInstr(OpGwrp, 0, 2, 0, 6, 0, 0),
		NewInstr(OpGwrp, 0, 2, 0, 10, 0, 0), NewInstr(OpGwrp, 0, 2, 0, 11, 0, 0),
		NewInstr(OpGdot, 0, 2, 5, 0, 10, 0, Planes{M: 2, N: 2}.Pack()),
		NewInstr(OpHalt),
	}
	return p
}

func TestGdotBinaryVersion(t *testing.T) {
	p := gdotProgram()
	if err := Validate(p, seqArch()); err != nil {
		t.Fatal(err)
	}
	bin, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if bin[10] != 7 {
		t.Errorf("minor version %d, want 7", bin[10])
	}
	back, err := DecodeBinary(bin)
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("binary round trip: %v", err)
	}
	again, err := ParseAsm("p.pasm", FormatAsm(p))
	if err != nil || !reflect.DeepEqual(again, p) {
		t.Fatalf("asm round trip: %v", err)
	}
	// The same program with a gbmac instead is still a 1.5 file.
	p.Code[4] = NewInstr(OpGbmac, 0, 2, 5, 0, 10, 0, 0, 0)
	if old, _ := EncodeBinary(p); old[10] != 5 {
		t.Errorf("a program without gdot is written as minor %d, want 5", old[10])
	}
	// A reader of 1.6 refuses a 1.7 file by its version: emulate it by
	// raising the file's minor past ours.
	bin[10] = FormatMinor + 1
	fixCRCs(bin)
	if _, err := DecodeBinary(bin); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("newer minor: %v", err)
	}
	if !bytes.Contains(FormatAsm(gdotProgram()), []byte("gdot [r0], 2, 5, [r0+10], a0, 2x2")) {
		t.Error("listing lacks the gdot")
	}
}

func TestValidateGdot(t *testing.T) {
	gd := func(n, rowa, rb, rowb, acc int64, pl Planes) Instr {
		return NewInstr(OpGdot, 0, n, rowa, rb, rowb, acc, pl.Pack())
	}
	cases := []struct {
		arch Arch
		in   Instr
		want string
	}{
		{parallelArch(), gd(2, 5, 0, 10, 0, Planes{M: 2, N: 2}), "code[4] (gdot): needs a target with a plane sequencer (parallel.plane_sequencer, ISA v1.7)"},
		{seqArch(), gd(9, 5, 0, 10, 0, Planes{M: 2, N: 2}), "group of 9 sub-arrays outside 1..8"},
		{seqArch(), gd(2, 60, 0, 10, 0, Planes{M: 2, N: 8}), "last input row (rowa+N-1) 67 out of range (target has 64 rows)"},
		{seqArch(), gd(2, 5, 0, 60, 0, Planes{M: 8, N: 2}), "last weight row (rowb+M-1) 67 out of range"},
		{seqArch(), gd(2, 5, 0, 10, 2, Planes{M: 2, N: 2}), "accumulator a2 out of range"},
		{seqArch(), gd(2, 5, 0, 10, 0, Planes{M: 2, N: 3}), "code[4] (gdot): reads sub-array 0 row 7, which is never programmed"},
		{seqArch(), gd(2, 5, 0, 10, 0, Planes{M: 3, N: 2}), "code[4] (gdot): reads sub-array 0 row 12, which is never programmed"},
		{seqArch(), gd(2, 5, 1, 10, 0, Planes{M: 3, N: 2}), ""}, // register-relative weights: checked at run time
		{seqArch(), gd(2, 5, 0, 10, 0, Planes{M: 2, N: 2}), ""},
	}
	for _, c := range cases {
		p := gdotProgram()
		p.Code[4] = c.in
		p.TargetFingerprint = c.arch.Fingerprint
		err := Validate(p, c.arch)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want %q", c.in, err, c.want)
		}
	}
}
