package isa

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

type rawSection struct {
	kind uint32
	data []byte
}

// buildPimb assembles a file from raw sections with correct checksums, so
// tests can feed structurally wrong content past the CRC checks.
func buildPimb(secs []rawSection) []byte {
	n := len(secs)
	out := make([]byte, headerSize+sectionEntry*n)
	copy(out, Magic)
	binary.LittleEndian.PutUint16(out[8:], FormatMajor)
	binary.LittleEndian.PutUint32(out[12:], uint32(n))
	off := uint64(len(out))
	for i, s := range secs {
		e := out[headerSize+sectionEntry*i:]
		binary.LittleEndian.PutUint32(e[0:], s.kind)
		binary.LittleEndian.PutUint32(e[4:], crc32.ChecksumIEEE(s.data))
		binary.LittleEndian.PutUint64(e[8:], off)
		binary.LittleEndian.PutUint64(e[16:], uint64(len(s.data)))
		off += uint64(len(s.data))
	}
	binary.LittleEndian.PutUint32(out[48:], headerCRC(out))
	for _, s := range secs {
		out = append(out, s.data...)
	}
	return out
}

func u32s(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func haltCode() []byte { return binary.LittleEndian.AppendUint64(nil, 0x0200000000000000) }

// fixHeaderCRC recomputes the header checksum after a test edited the header.
func fixHeaderCRC(b []byte) []byte {
	n := binary.LittleEndian.Uint32(b[12:])
	binary.LittleEndian.PutUint32(b[48:], headerCRC(b[:headerSize+sectionEntry*int(n)]))
	return b
}

func TestDecodeBinaryErrors(t *testing.T) {
	good, err := EncodeBinary(validProgram())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeBinary(good); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	mod := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated header: 0 bytes"},
		{"short header", good[:40], "truncated header: 40 bytes"},
		{"bad magic", mod(func(b []byte) []byte { b[0] = 'X'; return b }), "bad magic"},
		{"future major", mod(func(b []byte) []byte { b[8], b[10] = 2, 0; return b }), "format version 2.0 not supported"},
		{"future minor", mod(func(b []byte) []byte { b[10] = FormatMinor + 1; return fixHeaderCRC(b) }), fmt.Sprintf("format version 1.%d not supported", FormatMinor+1)},
		{"header checksum", mod(func(b []byte) []byte { b[20] ^= 1; return b }), "header: checksum mismatch"},
		{"section checksum", mod(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), "checksum mismatch"},
		{"truncated table", good[:headerSize+10], "truncated section table"},
		{"truncated section", good[:len(good)-3], "truncated"},
		{"trailing bytes", append(append([]byte(nil), good...), 0), "1 trailing bytes"},
		{"too many sections", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 1000); return b }), "1000 sections"},
		{"gap", mod(func(b []byte) []byte {
			e := b[headerSize+8:]
			binary.LittleEndian.PutUint64(e, binary.LittleEndian.Uint64(e)+1)
			return fixHeaderCRC(b)
		}), "sections are contiguous"},
		{"reserved header word", mod(func(b []byte) []byte { b[52] = 1; return b }), "reserved word is 0x1, want 0"},
		{"missing code", buildPimb([]rawSection{{2, u32s(0)}}), "missing required section code"},
		{"unknown section", buildPimb([]rawSection{{1, haltCode()}, {99, nil}}), "unknown section kind 99"},
		{"duplicate section", buildPimb([]rawSection{{1, haltCode()}, {1, haltCode()}}), "section code appears twice"},
		{"code not whole", buildPimb([]rawSection{{1, haltCode()[:5]}}), "not a whole number of 8-byte instructions"},
		{"bad instruction", buildPimb([]rawSection{{1, append(haltCode(), 0, 0, 0, 0, 0, 0, 0, 0xEE)}}), "section code: code[1]: undefined opcode 0xee"},
		{"srcmap count", buildPimb([]rawSection{{1, haltCode()}, {4, u32s(0, 0)}}), "section srcmap at byte 0: 8 bytes, want 4 per instruction = 4"},
		{"huge count", buildPimb([]rawSection{{1, haltCode()}, {3, u32s(0xffffffff)}}), "section sources at byte 4: count 4294967295 needs at least"},
		{"truncated string", buildPimb([]rawSection{{1, haltCode()}, {2, u32s(10)}}), "truncated string: length 10"},
		{"unread bytes", buildPimb([]rawSection{{1, haltCode()}, {2, append(u32s(0), 1)}}), "1 unread bytes"},
		{"weights truncated", buildPimb([]rawSection{{1, haltCode()}, {5, u32s(2, 32, 0, 0, 0)}}), "section weights at byte 8: truncated: 2 rows of 32 bytes"},
		{"weights zero bytes", buildPimb([]rawSection{{1, haltCode()}, {5, u32s(1, 0, 0, 0, 0)}}), "1 rows of 0 bytes"},
		{"srcmacs count", buildPimb([]rawSection{{1, haltCode()}, {3, u32s(0)}, {10, make([]byte, 8)}}), "section srcmacs at byte 0: 8 bytes, want 8 per source = 0"},
		{"portsegs count", buildPimb([]rawSection{{1, haltCode()}, {11, u32s(0)}}), "section portsegs at byte 0: 4 bytes, want 4 per port = 0"},
		{"port reserved", buildPimb([]rawSection{{1, haltCode()}, {7, append(append(u32s(1, 0), 0, 8, 1, 0), make([]byte, 20)...)}}), "reserved bytes not zero"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := DecodeBinary(c.data)
			if err == nil {
				t.Fatalf("DecodeBinary succeeded (%d instructions), want error containing %q", len(p.Code), c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "pimb: ") {
				t.Errorf("error %q does not start with pimb:", err)
			}
		})
	}
	_, err = DecodeBinary(mod(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }))
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("checksum error does not wrap ErrChecksum: %v", err)
	}
}

// TestDecodeEveryTruncation cuts a real file at every length: always an
// error, never a panic.
func TestDecodeEveryTruncation(t *testing.T) {
	good, err := EncodeBinary(validProgram())
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n++ {
		if _, err := DecodeBinary(good[:n]); err == nil {
			t.Fatalf("truncation to %d of %d bytes decoded without error", n, len(good))
		}
	}
	// Flip every bit of the header and table: always an error.
	table := headerSize + sectionEntry*int(binary.LittleEndian.Uint32(good[12:]))
	for i := 0; i < table*8; i++ {
		b := append([]byte(nil), good...)
		b[i/8] ^= 1 << (i % 8)
		if _, err := DecodeBinary(b); err == nil {
			t.Fatalf("bit flip %d in the header decoded without error", i)
		}
	}
}

// TestHostSection checks the optional v1.1 host section: absent programs
// stay byte-identical v1.0 files, present ones round-trip and mark v1.1.
func TestHostSection(t *testing.T) {
	p := &Program{Code: []Instr{NewInstr(OpHalt)}}
	p.Code[0].Src = -1
	b0, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b0[10] != 0 {
		t.Fatalf("program without host section written as minor %d, want 0", b0[10])
	}
	p.Host = []byte("host graph text")
	b1, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b1[10] != 1 {
		t.Fatalf("program with host section written as minor %d, want 1", b1[10])
	}
	q, err := DecodeBinary(b1)
	if err != nil {
		t.Fatal(err)
	}
	if string(q.Host) != "host graph text" {
		t.Fatalf("host section %q after round trip", q.Host)
	}
}

// TestSrcMACsSection checks the optional v1.2 srcmacs section: programs
// without declared MACs stay byte-identical v1.0 files; declared counts
// round-trip, are written for every source (0 = not declared) and mark v1.2.
func TestSrcMACsSection(t *testing.T) {
	p := &Program{Code: []Instr{NewInstr(OpHalt)},
		Sources: []Source{{Layer: "conv", Node: "Conv_0", Value: "a"}, {Layer: "fc", Node: "Gemm_0", Value: "b"}}}
	p.Code[0].Src = 1
	b0, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b0[10] != 0 {
		t.Fatalf("program without declared MACs written as minor %d, want 0", b0[10])
	}
	if n := binary.LittleEndian.Uint32(b0[12:]); n != 8 {
		t.Fatalf("program without declared MACs has %d sections, want the 8 of v1.0", n)
	}
	p.Sources[1].MACs = 10080
	b2, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b2[10] != 2 {
		t.Fatalf("program with declared MACs written as minor %d, want 2", b2[10])
	}
	q, err := DecodeBinary(b2)
	if err != nil {
		t.Fatal(err)
	}
	if q.Sources[0].MACs != 0 || q.Sources[1].MACs != 10080 {
		t.Fatalf("declared MACs %d, %d after round trip, want 0, 10080", q.Sources[0].MACs, q.Sources[1].MACs)
	}
	p.Host = []byte("h")
	b3, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := DecodeBinary(b3); err != nil || b3[10] != 2 || string(q.Host) != "h" || q.Sources[1].MACs != 10080 {
		t.Fatalf("host + srcmacs: minor %d, err %v", b3[10], err)
	}
}

// TestPortSegsSection checks the optional v1.3 portsegs section: programs
// whose ports are all in segment 0 stay files of the older versions; other
// segments (and AllSegments) round-trip, are written for every port and
// mark v1.3, also together with the host and srcmacs sections.
func TestPortSegsSection(t *testing.T) {
	p := &Program{Code: []Instr{NewInstr(OpHalt)},
		Ports: []Port{{Name: "$segment", Addr: 0, Shape: []uint32{1}, Type: MakeIntType(16, false), Scale: 1},
			{Name: "a", Addr: 1, Shape: []uint32{4}, Type: MakeIntType(8, false), Scale: 1},
			{Name: "b", Dir: PortOut, Addr: 1, Shape: []uint32{4}, Type: MakeIntType(8, false), Scale: 1}}}
	b0, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b0[10] != 0 || binary.LittleEndian.Uint32(b0[12:]) != 8 {
		t.Fatalf("ports all in segment 0: minor %d, %d sections; want the 8 sections of v1.0", b0[10], binary.LittleEndian.Uint32(b0[12:]))
	}
	p.Ports[0].Segment, p.Ports[1].Segment, p.Ports[2].Segment = AllSegments, 0, 7
	p.Host = []byte("h")
	p.Sources = []Source{{Layer: "l", MACs: 3}}
	b3, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b3[10] != 3 {
		t.Fatalf("program with port segments written as minor %d, want 3", b3[10])
	}
	q, err := DecodeBinary(b3)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int32{AllSegments, 0, 7} {
		if q.Ports[i].Segment != want {
			t.Errorf("port %d: segment %d after round trip, want %d", i, q.Ports[i].Segment, want)
		}
	}
	if string(q.Host) != "h" || q.Sources[0].MACs != 3 {
		t.Errorf("host %q, MACs %d after round trip", q.Host, q.Sources[0].MACs)
	}
}

// TestTargetDescSection checks the optional v1.4 targetdesc section: a
// program without one stays a file of the older versions (so every v1.3
// file decodes as before), one with it round-trips byte for byte, marks
// v1.4 with the other optional sections, and an empty section is an error.
func TestTargetDescSection(t *testing.T) {
	p := &Program{Code: []Instr{NewInstr(OpHalt)},
		Ports: []Port{{Name: "a", Addr: 1, Shape: []uint32{4}, Type: MakeIntType(8, false), Scale: 1, Segment: 1}}}
	p.Code[0].Src = -1
	b3, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b3[10] != 3 || binary.LittleEndian.Uint32(b3[12:]) != 9 {
		t.Fatalf("no target description: minor %d, %d sections; want v1.3 with 9 sections", b3[10], binary.LittleEndian.Uint32(b3[12:]))
	}
	desc := "{\n  \"name\": \"x\"\n}\n"
	p.TargetDesc = []byte(desc)
	p.Host = []byte("h")
	b4, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if b4[10] != 4 {
		t.Fatalf("program with a target description written as minor %d, want 4", b4[10])
	}
	if !bytes.Equal(b4[len(b4)-len(desc):], []byte(desc)) {
		t.Fatal("the targetdesc section is not the last one, holding the description verbatim")
	}
	q, err := DecodeBinary(b4)
	if err != nil {
		t.Fatal(err)
	}
	if string(q.TargetDesc) != desc || string(q.Host) != "h" || q.Ports[0].Segment != 1 {
		t.Fatalf("after round trip: desc %q, host %q, segment %d", q.TargetDesc, q.Host, q.Ports[0].Segment)
	}
	if again, _ := EncodeBinary(q); !bytes.Equal(again, b4) {
		t.Fatal("re-encoding differs")
	}
	empty := buildPimb([]rawSection{{uint32(SecCode), haltCode()}, {uint32(SecTargetDesc), nil}})
	if _, err := DecodeBinary(empty); err == nil || !strings.Contains(err.Error(), "section targetdesc") || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty targetdesc section: %v", err)
	}
}
