package isa

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// framesProgram is streamsProgram processing up to 4 frames per run: port
// x's 4 frames of 32 words at 0..127, y's at 128..131, the frame count at
// ABUF word 200.
func framesProgram() *Program {
	p := streamsProgram()
	p.Ports[1].Addr = 128
	p.Code[5] = NewInstr(OpVst, 0, 0, 128, 1)
	p.Frames, p.CountAddr = 4, 200
	p.TargetFingerprint = parallelArch().Fingerprint
	return p
}

// TestFramesSection: the frames field round-trips through the binary and
// the assembly, costs 8 bytes of the streams section, and a program of one
// frame is written without it (the bytes of every other v1.5 program).
func TestFramesSection(t *testing.T) {
	p := framesProgram()
	bin, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(bin)) != EncodedSize(p) {
		t.Errorf("EncodedSize %d, encoded %d", EncodedSize(p), len(bin))
	}
	back, err := DecodeBinary(bin)
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("binary round trip: %v\n%+v", err, back)
	}
	text := FormatAsm(p)
	if !bytes.Contains(text, []byte(".frames 4 count_addr=200\n")) {
		t.Errorf("listing lacks the .frames line:\n%s", text)
	}
	again, err := ParseAsm("p.pasm", text)
	if err != nil || !reflect.DeepEqual(again, p) {
		t.Fatalf("asm round trip: %v", err)
	}
	if err := Validate(p, parallelArch()); err != nil {
		t.Error(err)
	}
	one := framesProgram()
	one.Frames, one.CountAddr = 0, 0
	plain, _ := EncodeBinary(one)
	if len(plain) != len(bin)-8 {
		t.Errorf("one frame: %d bytes, want %d (no frames field)", len(plain), len(bin)-8)
	}
	if bytes.Contains(FormatAsm(one), []byte(".frames")) {
		t.Error("a program of one frame is listed with .frames")
	}
	if p.FrameCount() != 4 || one.FrameCount() != 1 {
		t.Errorf("FrameCount = %d, %d", p.FrameCount(), one.FrameCount())
	}
	if a := p.Ports[1].FrameAddr(3); a != 131 {
		t.Errorf("frame 3 of y at %d, want 131", a)
	}
}

func TestFramesDecodeErrors(t *testing.T) {
	p := framesProgram()
	p.Frames = 7
	bin, _ := EncodeBinary(p)
	n := int(le.Uint32(bin[12:]))
	for i := range n {
		e := bin[headerSize+sectionEntry*i:]
		if SectionKind(le.Uint32(e)) != SecStreams {
			continue
		}
		off, size := le.Uint64(e[8:]), le.Uint64(e[16:])
		bad := bytes.Clone(bin)
		le.PutUint32(bad[off+size-8:], 1)
		fixCRCs(bad)
		if _, err := DecodeBinary(bad); err == nil || !strings.Contains(err.Error(), "frames 1: a program of one frame per run has no frames field") {
			t.Errorf("frames 1: %v", err)
		}
	}
	p.Streams = nil
	if _, err := EncodeBinary(p); err == nil || !strings.Contains(err.Error(), "frames 7 without streams") {
		t.Errorf("frames without streams: %v", err)
	}
}

func TestFramesAsmErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{".frames 1 count_addr=0", "a program of one frame per run has no .frames"},
		{".frames 4", "want: .frames <frames> count_addr=<ABUF word>"},
		{".frames 4 addr=3", "missing count_addr="},
		{".frames 70000 count_addr=3", "want an integer in [0, 65536]"},
		{".frames 4 count_addr=3\n.frames 4 count_addr=3", ".frames: given twice"},
	}
	for _, c := range cases {
		_, err := ParseAsm("t.pasm", []byte(c.src+"\n    halt\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
}

func TestValidateFrames(t *testing.T) {
	a := parallelArch()
	cases := []struct {
		edit func(p *Program)
		want string
	}{
		{func(p *Program) {}, ""},
		{func(p *Program) { p.CountAddr = 131 }, `count_addr 131 inside the 4 frames of port "y" (words [128, 132))`},
		{func(p *Program) { p.CountAddr = 5 }, `count_addr 5 inside the 4 frames of port "x" (words [0, 128))`},
		{func(p *Program) { p.Ports[1].Addr = 110 }, `words [110, 114) overlap port "x"`},
		{func(p *Program) { p.Ports[1].Addr = 300 }, ""},
		{func(p *Program) { p.CountAddr = uint32(a.ActBufferWords) }, "outside the activation buffer"},
		{func(p *Program) { p.Frames = MaxFrames + 1 }, "frames 65537 above the limit 65536"},
		{func(p *Program) { p.Streams = nil }, "frames 4 without a streams section"},
		{func(p *Program) { p.Ports[1].Segment = 1 }, "segment 1 in a program of 4 frames per run"},
		{func(p *Program) { p.Frames = uint32(a.ActBufferWords/32 + 1) }, "words [0, 1056) outside the activation buffer of 1024 words"},
	}
	for i, c := range cases {
		p := framesProgram()
		c.edit(p)
		err := Validate(p, a)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("case %d: %v", i, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("case %d: error %v, want %q", i, err, c.want)
		}
	}
}

func TestBuilderFrames(t *testing.T) {
	b := NewBuilder("test", parallelArch().Fingerprint)
	b.Stream(0, "s")
	b.Label("s")
	b.Emit(OpHalt)
	b.SetFrames(16, 300)
	p, err := b.Program()
	if err != nil || p.Frames != 16 || p.CountAddr != 300 {
		t.Fatalf("Frames %d, CountAddr %d, %v", p.Frames, p.CountAddr, err)
	}
	b = NewBuilder("test", parallelArch().Fingerprint)
	b.Emit(OpHalt)
	b.SetFrames(2, 0)
	if _, err := b.Program(); err == nil || !strings.Contains(err.Error(), "needs streams") {
		t.Errorf("frames without streams: %v", err)
	}
}
