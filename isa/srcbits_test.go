package isa

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// TestSourceWidthsSection checks the optional v1.6 srcbits section
// (Source.WBits, ABits): a program recording no widths is written as
// before (minor 0 here), one that records them is minor 6 and round-trips
// through the binary and the assembly (a v1.5 reader refuses minor 6 by
// its version); a section of the wrong length and widths above 32 are
// errors.
func TestSourceWidthsSection(t *testing.T) {
	p := &Program{Code: []Instr{NewInstr(OpHalt)}, Sources: []Source{{Layer: "conv1"}, {Layer: "fc"}}}
	p.Code[0].Src = -1
	b0, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b0[10] != 0 {
		t.Fatalf("no widths: minor %d, want 0", b0[10])
	}
	p.Sources[0].WBits, p.Sources[0].ABits = 8, 8
	p.Sources[1].WBits, p.Sources[1].ABits = 1, 16
	b6, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b6[10] != 6 || int64(len(b6)) != EncodedSize(p) {
		t.Fatalf("widths: minor %d, %d bytes (EncodedSize %d); want minor 6", b6[10], len(b6), EncodedSize(p))
	}
	q, err := DecodeBinary(b6)
	if err != nil {
		t.Fatal(err)
	}
	if q.Sources[0].WBits != 8 || q.Sources[0].ABits != 8 || q.Sources[1].WBits != 1 || q.Sources[1].ABits != 16 {
		t.Fatalf("widths after the round trip: %+v", q.Sources)
	}
	var asm bytes.Buffer
	if err := PrintAsm(&asm, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(asm.String(), `.source 1 layer="fc" node="" value="" wbits=1 abits=16`) {
		t.Fatalf("listing lacks the widths:\n%s", asm.String())
	}
	r, err := ParseAsm("t.pasm", asm.Bytes())
	if err != nil || r.Sources[1].WBits != 1 || r.Sources[1].ABits != 16 {
		t.Fatalf("assembly round trip: %+v, %v", r.Sources, err)
	}
	if _, err := ParseAsm("t.pasm", []byte(".source 0 layer=\"a\" node=\"b\" value=\"c\" wbits=33\nhalt\n")); err == nil || !strings.Contains(err.Error(), "wbits") {
		t.Errorf("wbits=33: %v", err)
	}
	// A truncated section: drop one byte of its data (and fix the CRCs).
	if _, err := DecodeBinary(withSection(t, b6, SecSrcBits, []byte{8, 8, 1})); err == nil || !strings.Contains(err.Error(), "want 2 per source") {
		t.Errorf("srcbits of 3 bytes: %v", err)
	}
	v := validProgram()
	v.Sources[0].WBits, v.Sources[0].ABits = 1, 40
	if err := Validate(v, testArch()); err == nil || !strings.Contains(err.Error(), "sources[0] (fc): widths w1 a40 outside 0..32") {
		t.Errorf("a width of 40: %v", err)
	}
}

// withSection returns file b with the data of section k replaced by data,
// the table and checksums rewritten.
func withSection(t *testing.T, b []byte, k SectionKind, data []byte) []byte {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(b[12:]))
	type sec struct {
		kind uint32
		data []byte
	}
	var secs []sec
	for i := range n {
		e := b[headerSize+sectionEntry*i:]
		off, ln := binary.LittleEndian.Uint64(e[8:]), binary.LittleEndian.Uint64(e[16:])
		d := b[off : off+ln]
		if SectionKind(binary.LittleEndian.Uint32(e[0:])) == k {
			d = data
		}
		secs = append(secs, sec{binary.LittleEndian.Uint32(e[0:]), d})
	}
	out := bytes.Clone(b[:headerSize+sectionEntry*n])
	off := uint64(len(out))
	for i, s := range secs {
		e := out[headerSize+sectionEntry*i:]
		binary.LittleEndian.PutUint32(e[4:], crc32.ChecksumIEEE(s.data))
		binary.LittleEndian.PutUint64(e[8:], off)
		binary.LittleEndian.PutUint64(e[16:], uint64(len(s.data)))
		off += uint64(len(s.data))
	}
	for _, s := range secs {
		out = append(out, s.data...)
	}
	binary.LittleEndian.PutUint32(out[48:], crc32.ChecksumIEEE(append(bytes.Clone(out[:48]), out[headerSize:headerSize+sectionEntry*n]...)))
	return out
}
