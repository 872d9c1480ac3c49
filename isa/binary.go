package isa

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Binary format constants (docs/ISA.md §6).
const (
	Magic        = "PIMB\x00\r\n\x1a"
	FormatMajor  = 1
	FormatMinor  = 7 // highest minor version read; files with no optional section are written as 1.0
	headerSize   = 56
	sectionEntry = 24
)

// SectionKind identifies a section of a .pimb file.
type SectionKind uint32

const (
	SecCode    SectionKind = 1
	SecTarget  SectionKind = 2
	SecSources SectionKind = 3
	SecSrcmap  SectionKind = 4
	SecWeights SectionKind = 5
	SecConsts  SectionKind = 6
	SecPorts   SectionKind = 7
	SecSymbols SectionKind = 8
	// SecHost (v1.1, optional) holds the host side of a compiled model:
	// opaque bytes here, defined by docs/BACKEND.md.
	SecHost SectionKind = 9
	// SecSrcMACs (v1.2, optional) holds Source.MACs, one i64 per source;
	// written only when some source declares MACs.
	SecSrcMACs SectionKind = 10
	// SecPortSegs (v1.3, optional) holds Port.Segment, one i32 per port;
	// written only when some port's segment is not 0.
	SecPortSegs SectionKind = 11
	// SecTargetDesc (v1.4, optional) holds Program.TargetDesc, the full
	// hardware description the program was compiled for (opaque bytes
	// here; target writes and reads them).
	SecTargetDesc SectionKind = 12
	// SecStreams (v1.5, optional) holds Program.Streams: u32 count, then
	// count x u32 entry pcs, then, only when Program.Frames > 1, u32 frames
	// and u32 count_addr (Program.CountAddr).
	SecStreams SectionKind = 13
	// SecSrcBits (v1.6, optional) holds Source.WBits and Source.ABits, one
	// u8 each per source; written only when some source records widths.
	SecSrcBits SectionKind = 14
	// SecDRAM (v1.6, optional) holds Program.DRAM, the off-chip memory's
	// initial contents: u32 count, then per block str name, u32 addr, u8
	// type, 3 reserved zero bytes, u32 len, and the len codes packed at
	// the type's width.
	SecDRAM SectionKind = 15
)

var sectionNames = map[SectionKind]string{
	SecCode: "code", SecTarget: "target", SecSources: "sources", SecSrcmap: "srcmap",
	SecWeights: "weights", SecConsts: "consts", SecPorts: "ports", SecSymbols: "symbols",
	SecHost: "host", SecSrcMACs: "srcmacs", SecPortSegs: "portsegs", SecTargetDesc: "targetdesc",
	SecStreams: "streams", SecSrcBits: "srcbits", SecDRAM: "dram",
}

func (k SectionKind) String() string {
	if n, ok := sectionNames[k]; ok {
		return n
	}
	return fmt.Sprintf("section(%d)", uint32(k))
}

var le = binary.LittleEndian

// EncodeBinary serialises p in the .pimb format. It fails only if an
// instruction cannot be encoded (the error names its index) or a count does
// not fit 32 bits; it does not run Validate.
func EncodeBinary(p *Program) ([]byte, error) {
	type section struct {
		kind SectionKind
		data []byte
	}
	var secs []section
	add := func(k SectionKind, b []byte) { secs = append(secs, section{k, b}) }

	if p.Frames > 1 && len(p.Streams) == 0 {
		return nil, fmt.Errorf("pimb: frames %d without streams: the frames field is part of the streams section", p.Frames)
	}
	var w wbuf
	for i, in := range p.Code {
		word, err := in.Encode()
		if err != nil {
			return nil, fmt.Errorf("pimb: code[%d]: %w", i, err)
		}
		w.u64(word)
	}
	add(SecCode, w.take())

	w.str(p.TargetName)
	add(SecTarget, w.take())

	w.u32(uint32(len(p.Sources)))
	for _, s := range p.Sources {
		w.str(s.Layer)
		w.str(s.Node)
		w.str(s.Value)
	}
	add(SecSources, w.take())

	for _, in := range p.Code {
		w.u32(uint32(in.Src))
	}
	add(SecSrcmap, w.take())

	rowBytes := 0
	if len(p.Weights) > 0 {
		rowBytes = len(p.Weights[0].Bits)
	}
	w.u32(uint32(len(p.Weights)))
	w.u32(uint32(rowBytes))
	for i, r := range p.Weights {
		if len(r.Bits) != rowBytes {
			return nil, fmt.Errorf("pimb: weights[%d]: %d bytes, want %d like weights[0]", i, len(r.Bits), rowBytes)
		}
		w.u32(r.Subarray)
		w.u32(r.Row)
		w.u32(uint32(r.Src))
		w.b.Write(r.Bits)
	}
	add(SecWeights, w.take())

	w.u32(uint32(len(p.Consts)))
	for _, c := range p.Consts {
		w.str(c.Name)
		w.u32(c.Addr)
		w.u32(uint32(len(c.Data)))
		for _, v := range c.Data {
			w.u32(uint32(v))
		}
	}
	add(SecConsts, w.take())

	w.u32(uint32(len(p.Ports)))
	for _, pt := range p.Ports {
		w.str(pt.Name)
		w.b.WriteByte(byte(pt.Dir))
		w.b.WriteByte(byte(pt.Type))
		w.b.Write([]byte{0, 0})
		w.u32(pt.Addr)
		w.u32(uint32(len(pt.Shape)))
		for _, d := range pt.Shape {
			w.u32(d)
		}
		w.u64(math.Float64bits(pt.Scale))
		w.u32(uint32(pt.ZeroPoint))
	}
	add(SecPorts, w.take())

	w.u32(uint32(len(p.Symbols)))
	for _, s := range p.Symbols {
		w.str(s.Name)
		w.u32(s.PC)
	}
	add(SecSymbols, w.take())

	minor := uint16(0)
	if len(p.Host) > 0 {
		add(SecHost, p.Host) // not copied: it may be most of the file
		minor = 1
	}
	if declaresMACs(p.Sources) {
		for _, s := range p.Sources {
			w.u64(uint64(s.MACs))
		}
		add(SecSrcMACs, w.take())
		minor = 2
	}
	if hasPortSegments(p.Ports) {
		for _, pt := range p.Ports {
			w.u32(uint32(pt.Segment))
		}
		add(SecPortSegs, w.take())
		minor = 3
	}
	if len(p.TargetDesc) > 0 {
		w.b.Write(p.TargetDesc)
		add(SecTargetDesc, w.take())
		minor = 4
	}
	if len(p.Streams) > 0 {
		w.u32(uint32(len(p.Streams)))
		for _, pc := range p.Streams {
			w.u32(pc)
		}
		if p.Frames > 1 {
			w.u32(p.Frames)
			w.u32(p.CountAddr)
		}
		add(SecStreams, w.take())
	}
	if len(p.Streams) > 0 || usesV15(p.Code) {
		minor = 5
	}
	if recordsWidths(p.Sources) {
		for _, s := range p.Sources {
			w.b.WriteByte(byte(s.WBits))
			w.b.WriteByte(byte(s.ABits))
		}
		add(SecSrcBits, w.take())
		minor = 6
	}
	if len(p.DRAM) > 0 {
		w.u32(uint32(len(p.DRAM)))
		for _, blk := range p.DRAM {
			if !blk.Type.Valid() {
				return nil, fmt.Errorf("pimb: dram block %q: type %v is not a code type", blk.Name, blk.Type)
			}
			w.str(blk.Name)
			w.u32(blk.Addr)
			w.b.Write([]byte{byte(blk.Type), 0, 0, 0})
			w.u32(uint32(len(blk.Data)))
			w.b.Write(packCodes(make([]byte, 0, packedBytes(len(blk.Data), blk.Type.Bits())), &blk))
		}
		add(SecDRAM, w.take())
		minor = 6
	}
	if usesV16(p.Code) {
		minor = 6
	}
	if usesV17(p.Code) {
		minor = 7
	}

	// Header, table, data.
	n := len(secs)
	off := uint64(headerSize + sectionEntry*n)
	out := make([]byte, headerSize+sectionEntry*n, EncodedSize(p))
	copy(out, Magic)
	le.PutUint16(out[8:], FormatMajor)
	le.PutUint16(out[10:], minor)
	le.PutUint32(out[12:], uint32(n))
	copy(out[16:48], p.TargetFingerprint[:])
	for i, s := range secs {
		e := out[headerSize+sectionEntry*i:]
		le.PutUint32(e[0:], uint32(s.kind))
		le.PutUint32(e[4:], crc32.ChecksumIEEE(s.data))
		le.PutUint64(e[8:], off)
		le.PutUint64(e[16:], uint64(len(s.data)))
		off += uint64(len(s.data))
	}
	le.PutUint32(out[48:], headerCRC(out))
	for _, s := range secs {
		out = append(out, s.data...)
	}
	return out, nil
}

// EncodedSize is len(EncodeBinary(p)) for a program EncodeBinary accepts,
// computed from the counts and lengths alone, so a writer can refuse a
// program above a size limit before encoding it (the encoder needs twice
// the size in memory). It follows EncodeBinary section by section;
// TestEncodedSize holds the two together.
func EncodedSize(p *Program) int64 {
	str := func(s string) int64 { return 4 + int64(len(s)) }
	n := int64(0)
	sections := int64(7) // code, target, sources, srcmap, weights, consts, ports
	n += 8 * int64(len(p.Code))
	n += str(p.TargetName)
	n += 4
	for _, s := range p.Sources {
		n += str(s.Layer) + str(s.Node) + str(s.Value)
	}
	n += 4 * int64(len(p.Code))
	n += 8
	for _, r := range p.Weights {
		n += 12 + int64(len(r.Bits))
	}
	n += 4
	for _, c := range p.Consts {
		n += str(c.Name) + 8 + 4*int64(len(c.Data))
	}
	n += 4
	for _, pt := range p.Ports {
		n += str(pt.Name) + 4 + 4 + 4 + 4*int64(len(pt.Shape)) + 8 + 4
	}
	sections++ // symbols
	n += 4
	for _, s := range p.Symbols {
		n += str(s.Name) + 4
	}
	if len(p.Host) > 0 {
		sections++
		n += int64(len(p.Host))
	}
	if declaresMACs(p.Sources) {
		sections++
		n += 8 * int64(len(p.Sources))
	}
	if hasPortSegments(p.Ports) {
		sections++
		n += 4 * int64(len(p.Ports))
	}
	if len(p.TargetDesc) > 0 {
		sections++
		n += int64(len(p.TargetDesc))
	}
	if len(p.Streams) > 0 {
		sections++
		n += 4 + 4*int64(len(p.Streams))
		if p.Frames > 1 {
			n += 8
		}
	}
	if recordsWidths(p.Sources) {
		sections++
		n += 2 * int64(len(p.Sources))
	}
	if len(p.DRAM) > 0 {
		sections++
		n += 4
		for _, blk := range p.DRAM {
			n += str(blk.Name) + 12 + packedBytes(len(blk.Data), blk.Type.Bits())
		}
	}
	return headerSize + sectionEntry*sections + n
}

// recordsWidths reports whether some source records its widths (the
// srcbits section, v1.6).
func recordsWidths(srcs []Source) bool {
	for _, s := range srcs {
		if s.WBits != 0 || s.ABits != 0 {
			return true
		}
	}
	return false
}

// usesV15 reports whether code has an instruction added in ISA v1.5.
func usesV15(code []Instr) bool {
	for _, in := range code {
		if in.Op.SinceV15() {
			return true
		}
	}
	return false
}

// usesV16 reports whether code has an instruction added in ISA v1.6.
func usesV16(code []Instr) bool {
	for _, in := range code {
		if in.Op.SinceV16() {
			return true
		}
	}
	return false
}

// usesV17 reports whether code has an instruction added in ISA v1.7.
func usesV17(code []Instr) bool {
	for _, in := range code {
		if in.Op.SinceV17() {
			return true
		}
	}
	return false
}

// declaresMACs reports whether some source has a declared MAC count.
func declaresMACs(srcs []Source) bool {
	for _, s := range srcs {
		if s.MACs != 0 {
			return true
		}
	}
	return false
}

// hasPortSegments reports whether some port belongs to a segment other
// than 0 (a multi-segment program whose ports may overlap across segments).
func hasPortSegments(ports []Port) bool {
	for _, p := range ports {
		if p.Segment != 0 {
			return true
		}
	}
	return false
}

// headerCRC is the CRC-32 of bytes [0,48) and of the section table.
func headerCRC(b []byte) uint32 {
	h := crc32.NewIEEE()
	h.Write(b[:48])
	h.Write(b[headerSize:])
	return h.Sum32()
}

type wbuf struct{ b bytes.Buffer }

func (w *wbuf) u32(v uint32) { w.b.Write(le.AppendUint32(nil, v)) }
func (w *wbuf) u64(v uint64) { w.b.Write(le.AppendUint64(nil, v)) }
func (w *wbuf) str(s string) { w.u32(uint32(len(s))); w.b.WriteString(s) }
func (w *wbuf) take() []byte {
	b := bytes.Clone(w.b.Bytes())
	w.b.Reset()
	return b
}

// ErrChecksum is wrapped by DecodeBinary when a CRC does not match.
var ErrChecksum = errors.New("checksum mismatch")

// DecodeBinary parses a .pimb file. It checks the magic, version, header and
// section checksums, section bounds and every count against the bytes present,
// and decodes every instruction; errors name the section and offset. It never
// panics on any input. Run Validate on the result before executing it.
func DecodeBinary(data []byte) (*Program, error) {
	if len(data) < headerSize {
		return nil, fmt.Errorf("pimb: truncated header: %d bytes, want at least %d", len(data), headerSize)
	}
	if string(data[:8]) != Magic {
		return nil, fmt.Errorf("pimb: bad magic %q: not a pimc binary", data[:8])
	}
	major, minor := le.Uint16(data[8:]), le.Uint16(data[10:])
	if major != FormatMajor || minor > FormatMinor {
		return nil, fmt.Errorf("pimb: format version %d.%d not supported (this pimc reads %d.0 to %d.%d)", major, minor, FormatMajor, FormatMajor, FormatMinor)
	}
	n := uint64(le.Uint32(data[12:]))
	if n > 64 {
		return nil, fmt.Errorf("pimb: header: %d sections, at most 64 allowed", n)
	}
	tableEnd := headerSize + sectionEntry*n
	if uint64(len(data)) < tableEnd {
		return nil, fmt.Errorf("pimb: truncated section table: %d bytes, want %d", len(data), tableEnd)
	}
	if got, want := headerCRC(data[:tableEnd]), le.Uint32(data[48:]); got != want {
		return nil, fmt.Errorf("pimb: header: %w (stored %08x, computed %08x)", ErrChecksum, want, got)
	}
	if r := le.Uint32(data[52:]); r != 0 {
		return nil, fmt.Errorf("pimb: header: reserved word is %#x, want 0", r)
	}
	p := &Program{}
	copy(p.TargetFingerprint[:], data[16:48])

	secs := map[SectionKind][]byte{}
	next := tableEnd
	for i := uint64(0); i < n; i++ {
		e := data[headerSize+sectionEntry*i:]
		kind := SectionKind(le.Uint32(e[0:]))
		crc := le.Uint32(e[4:])
		off, size := le.Uint64(e[8:]), le.Uint64(e[16:])
		if _, known := sectionNames[kind]; !known {
			return nil, fmt.Errorf("pimb: section table entry %d: unknown section kind %d", i, uint32(kind))
		}
		if _, dup := secs[kind]; dup {
			return nil, fmt.Errorf("pimb: section %v appears twice", kind)
		}
		if off != next {
			return nil, fmt.Errorf("pimb: section %v: starts at offset %d, want %d (sections are contiguous)", kind, off, next)
		}
		if size > uint64(len(data))-off {
			return nil, fmt.Errorf("pimb: section %v: truncated: %d bytes at offset %d, file has %d", kind, size, off, len(data))
		}
		b := data[off : off+size]
		if got := crc32.ChecksumIEEE(b); got != crc {
			return nil, fmt.Errorf("pimb: section %v: %w (stored %08x, computed %08x)", kind, ErrChecksum, crc, got)
		}
		secs[kind] = b
		next = off + size
	}
	if next != uint64(len(data)) {
		return nil, fmt.Errorf("pimb: %d trailing bytes after the last section", uint64(len(data))-next)
	}
	code, ok := secs[SecCode]
	if !ok {
		return nil, fmt.Errorf("pimb: missing required section code")
	}
	if len(code)%8 != 0 {
		return nil, fmt.Errorf("pimb: section code: truncated: %d bytes is not a whole number of 8-byte instructions", len(code))
	}
	if len(code) > 0 {
		p.Code = make([]Instr, len(code)/8)
	}
	for i := range p.Code {
		in, err := Decode(le.Uint64(code[8*i:]))
		if err != nil {
			return nil, fmt.Errorf("pimb: section code: code[%d]: %w", i, err)
		}
		p.Code[i] = in
	}
	for _, k := range []SectionKind{SecTarget, SecSources, SecSrcmap, SecWeights, SecConsts, SecPorts, SecSymbols, SecHost, SecSrcMACs, SecPortSegs, SecTargetDesc, SecStreams, SecSrcBits, SecDRAM} {
		b, ok := secs[k]
		if !ok {
			continue
		}
		r := &rbuf{b: b, sec: k}
		decodeSection(p, r)
		if r.err == nil && len(r.b) != r.off {
			r.fail("%d unread bytes at the end", len(r.b)-r.off)
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if _, ok := secs[SecSrcmap]; !ok {
		for i := range p.Code {
			p.Code[i].Src = -1
		}
	}
	return p, nil
}

func decodeSection(p *Program, r *rbuf) {
	switch r.sec {
	case SecTarget:
		p.TargetName = r.str()
	case SecSources:
		n := r.count(12)
		for i := 0; i < n && r.err == nil; i++ {
			p.Sources = append(p.Sources, Source{Layer: r.str(), Node: r.str(), Value: r.str()})
		}
	case SecSrcmap:
		if len(r.b) != 4*len(p.Code) {
			r.fail("%d bytes, want 4 per instruction = %d", len(r.b), 4*len(p.Code))
			return
		}
		for i := range p.Code {
			p.Code[i].Src = int32(r.u32())
		}
	case SecWeights:
		n := r.count(4)
		rowBytes := int(r.u32())
		if r.err != nil {
			return
		}
		if n > 0 && rowBytes == 0 {
			r.fail("%d rows of 0 bytes", n)
			return
		}
		if uint64(n)*uint64(12+rowBytes) > uint64(r.left()) {
			r.fail("truncated: %d rows of %d bytes need %d bytes, %d left", n, rowBytes, uint64(n)*uint64(12+rowBytes), r.left())
			return
		}
		if n > 0 {
			p.Weights = make([]WeightRow, n)
		}
		for i := range p.Weights {
			w := &p.Weights[i]
			w.Subarray, w.Row, w.Src = r.u32(), r.u32(), int32(r.u32())
			w.Bits = bytes.Clone(r.bytes(rowBytes))
		}
	case SecConsts:
		n := r.count(12)
		for i := 0; i < n && r.err == nil; i++ {
			c := ConstBlock{Name: r.str(), Addr: r.u32()}
			m := r.count(4)
			if m > 0 {
				c.Data = make([]int32, m)
			}
			for j := range c.Data {
				c.Data[j] = int32(r.u32())
			}
			p.Consts = append(p.Consts, c)
		}
	case SecPorts:
		n := r.count(28)
		for i := 0; i < n && r.err == nil; i++ {
			pt := Port{Name: r.str()}
			hdr := r.bytes(4)
			if r.err != nil {
				return
			}
			pt.Dir, pt.Type = PortDir(hdr[0]), IntType(hdr[1])
			if hdr[2] != 0 || hdr[3] != 0 {
				r.fail("port %d (%q): reserved bytes not zero", i, pt.Name)
				return
			}
			pt.Addr = r.u32()
			rank := r.count(4)
			if rank > 0 {
				pt.Shape = make([]uint32, rank)
			}
			for j := range pt.Shape {
				pt.Shape[j] = r.u32()
			}
			pt.Scale = math.Float64frombits(r.u64())
			pt.ZeroPoint = int32(r.u32())
			p.Ports = append(p.Ports, pt)
		}
	case SecSymbols:
		n := r.count(8)
		for i := 0; i < n && r.err == nil; i++ {
			p.Symbols = append(p.Symbols, Symbol{Name: r.str(), PC: r.u32()})
		}
	case SecHost:
		p.Host = append([]byte(nil), r.b...)
		r.off = len(r.b)
	case SecTargetDesc:
		if len(r.b) == 0 {
			r.fail("empty: want the hardware description the program was compiled for")
			return
		}
		p.TargetDesc = bytes.Clone(r.b)
		r.off = len(r.b)
	case SecStreams:
		n := r.count(4)
		if r.err == nil && n == 0 {
			r.fail("no streams: a program without streams has no streams section")
			return
		}
		p.Streams = make([]uint32, n)
		for i := range p.Streams {
			p.Streams[i] = r.u32()
		}
		if r.err != nil || r.left() == 0 {
			return
		}
		// Optional (docs/PARALLEL.md §7.1): frames per run and the ABUF word
		// of the run's frame count, written only for more than one frame.
		p.Frames, p.CountAddr = r.u32(), r.u32()
		if r.err == nil && p.Frames < 2 {
			r.fail("frames %d: a program of one frame per run has no frames field", p.Frames)
		}
	case SecSrcMACs:
		// Decoded after sources (see the section order in DecodeBinary).
		if len(r.b) != 8*len(p.Sources) {
			r.fail("%d bytes, want 8 per source = %d", len(r.b), 8*len(p.Sources))
			return
		}
		for i := range p.Sources {
			p.Sources[i].MACs = int64(r.u64())
		}
	case SecSrcBits:
		// Decoded after sources (see the section order in DecodeBinary).
		if len(r.b) != 2*len(p.Sources) {
			r.fail("%d bytes, want 2 per source = %d", len(r.b), 2*len(p.Sources))
			return
		}
		for i := range p.Sources {
			p.Sources[i].WBits = int(r.b[r.off])
			p.Sources[i].ABits = int(r.b[r.off+1])
			r.off += 2
		}
	case SecDRAM:
		n := r.count(16)
		for i := 0; i < n && r.err == nil; i++ {
			blk := DRAMBlock{Name: r.str(), Addr: r.u32()}
			hdr := r.bytes(4)
			if r.err != nil {
				return
			}
			blk.Type = IntType(hdr[0])
			if !blk.Type.Valid() {
				r.fail("block %d (%q): type byte 0x%02x is not a code type (u1..u31, i2..i32)", i, blk.Name, hdr[0])
				return
			}
			if hdr[1] != 0 || hdr[2] != 0 || hdr[3] != 0 {
				r.fail("block %d (%q): reserved bytes not zero", i, blk.Name)
				return
			}
			m := int(r.u32())
			if r.err != nil {
				return
			}
			if m == 0 {
				r.fail("block %d (%q): no codes", i, blk.Name)
				return
			}
			size := packedBytes(m, blk.Type.Bits())
			if size > int64(r.left()) {
				r.fail("block %d (%q): truncated: %d codes of %v need %d bytes, %d left", i, blk.Name, m, blk.Type, size, r.left())
				return
			}
			blk.Data = unpackCodes(r.bytes(int(size)), m, blk.Type)
			p.DRAM = append(p.DRAM, blk)
		}
	case SecPortSegs:
		// Decoded after ports (see the section order in DecodeBinary).
		if len(r.b) != 4*len(p.Ports) {
			r.fail("%d bytes, want 4 per port = %d", len(r.b), 4*len(p.Ports))
			return
		}
		for i := range p.Ports {
			p.Ports[i].Segment = int32(r.u32())
		}
	}
}

// rbuf is a bounds-checked little-endian reader with a sticky error.
type rbuf struct {
	b   []byte
	off int
	sec SectionKind
	err error
}

func (r *rbuf) left() int { return len(r.b) - r.off }

func (r *rbuf) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("pimb: section %v at byte %d: %s", r.sec, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *rbuf) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.left() {
		r.fail("truncated: want %d bytes, %d left", n, r.left())
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

func (r *rbuf) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return le.Uint32(b)
	}
	return 0
}

func (r *rbuf) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return le.Uint64(b)
	}
	return 0
}

func (r *rbuf) str() string {
	n := r.u32()
	if r.err != nil {
		return ""
	}
	if uint64(n) > uint64(r.left()) {
		r.fail("truncated string: length %d, %d bytes left", n, r.left())
		return ""
	}
	return string(r.bytes(int(n)))
}

// count reads an element count and checks that at least minSize bytes per
// element remain, so a corrupt count cannot trigger a huge allocation.
func (r *rbuf) count(minSize int) int {
	n := r.u32()
	if r.err != nil {
		return 0
	}
	if uint64(n)*uint64(minSize) > uint64(r.left()) {
		r.fail("count %d needs at least %d bytes, %d left", n, uint64(n)*uint64(minSize), r.left())
		return 0
	}
	return int(n)
}
