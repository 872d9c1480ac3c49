package isa

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FormatAsm returns the assembly text of p (docs/ISA.md §7). The output is
// deterministic and ParseAsm(FormatAsm(p)) equals p for every program that
// passes Validate (and for any program whose fields are in range). It never
// panics, even on a broken program; undefined opcodes print as a line that
// does not parse back. It is PrintAsm into memory: use PrintAsm to write a
// large program to a file.
func FormatAsm(p *Program) []byte {
	var b bytes.Buffer
	PrintAsm(&b, p)
	return b.Bytes()
}

// PrintAsm writes the assembly text of p (the text FormatAsm returns) to w
// as it formats it, line by line through a 64 KiB buffer, so printing a
// program of any size needs little memory beyond p itself. It stops at the
// first write error and returns it.
func PrintAsm(w io.Writer, p *Program) error {
	b := &asmWriter{w: w, buf: make([]byte, 0, asmBufSize+1024)}
	var zero [32]byte
	fmt.Fprintf(b, "# pimc assembly, ISA v%d.0, %d instructions\n", FormatMajor, len(p.Code))
	if len(p.Host) > 0 {
		b.str("# compiled model: device code, plus its host graph in the .host lines (docs/BACKEND.md §5);\n" +
			"# pimc asm rebuilds the .pimb, pimc sim runs either file\n")
	}
	if p.TargetName != "" || p.TargetFingerprint != zero {
		fmt.Fprintf(b, ".target %s", strconv.Quote(p.TargetName))
		if p.TargetFingerprint != zero {
			fmt.Fprintf(b, " %s", hex.EncodeToString(p.TargetFingerprint[:]))
		}
		b.line()
	}
	if len(p.TargetDesc) > 0 {
		b.str("# the hardware description it was compiled for (pimc target show -json):\n")
		b.quotedLines(".targetdesc", p.TargetDesc)
	}
	// Labels: symbols first, then automatic .L<pc> labels for branch targets.
	labels := map[int64][]string{}
	for _, s := range p.Symbols {
		labels[int64(s.PC)] = append(labels[int64(s.PC)], s.Name)
	}
	autoLabel := func(t int64) {
		if t >= 0 && t <= int64(len(p.Code)) && len(labels[t]) == 0 {
			labels[t] = []string{".L" + strconv.FormatInt(t, 10)}
		}
	}
	for _, e := range p.Streams {
		autoLabel(int64(e))
	}
	for _, in := range p.Code {
		info := in.Op.Info()
		if info == nil || len(info.Fields) == 0 || info.Fields[len(info.Fields)-1].Kind != FTarget {
			continue
		}
		autoLabel(in.Args[len(info.Fields)-1])
	}
	targetName := func(t int64) string {
		if l := labels[t]; len(l) > 0 {
			return l[0]
		}
		return strconv.FormatInt(t, 10)
	}
	for i, e := range p.Streams {
		fmt.Fprintf(b, ".stream %d entry=%s\n", i, targetName(int64(e)))
	}
	if p.Frames > 1 {
		fmt.Fprintf(b, ".frames %d count_addr=%d\n", p.Frames, p.CountAddr)
	}
	for i, s := range p.Sources {
		fmt.Fprintf(b, ".source %d layer=%s node=%s value=%s", i, strconv.Quote(s.Layer), strconv.Quote(s.Node), strconv.Quote(s.Value))
		if s.MACs != 0 {
			fmt.Fprintf(b, " macs=%d", s.MACs)
		}
		if s.WBits != 0 || s.ABits != 0 {
			fmt.Fprintf(b, " wbits=%d abits=%d", s.WBits, s.ABits)
		}
		b.line()
	}
	for _, pt := range p.Ports {
		fmt.Fprintf(b, ".%s %s addr=%d shape=%s type=%v scale=%s zp=%d", pt.Dir, strconv.Quote(pt.Name),
			pt.Addr, formatShape(pt.Shape), pt.Type, strconv.FormatFloat(pt.Scale, 'g', -1, 64), pt.ZeroPoint)
		switch pt.Segment {
		case 0:
		case AllSegments:
			b.str(" seg=all")
		default:
			fmt.Fprintf(b, " seg=%d", pt.Segment)
		}
		b.line()
	}
	if len(p.Host) > 0 {
		b.quotedLines(".host", p.Host)
	}
	for _, c := range p.Consts {
		fmt.Fprintf(b, ".const %s addr=%d len=%d", c.Name, c.Addr, len(c.Data))
		if len(c.Data) > 0 {
			lo, hi, zeros := c.Data[0], c.Data[0], 0
			for _, v := range c.Data {
				lo, hi = min(lo, v), max(hi, v)
				if v == 0 {
					zeros++
				}
			}
			fmt.Fprintf(b, "  # range [%d, %d], %d zero(s)", lo, hi, zeros)
		}
		b.line()
		writeData(b, c.Data)
	}
	for _, blk := range p.DRAM {
		fmt.Fprintf(b, ".dram %s addr=%d type=%v len=%d", blk.Name, blk.Addr, blk.Type, len(blk.Data))
		b.line()
		writeData(b, blk.Data)
	}
	// Source comments are the same for every instruction of a layer:
	// format each once.
	comments := make([]string, len(p.Sources))
	for i := range p.Sources {
		comments[i] = srcComment(p, int32(i))
	}
	comment := func(src int32) string {
		if src >= 0 && int(src) < len(comments) {
			return comments[src]
		}
		return srcComment(p, src)
	}
	for _, r := range p.Weights {
		if b.err != nil {
			return b.err
		}
		b.str(".weights sa=")
		b.buf = strconv.AppendUint(b.buf, uint64(r.Subarray), 10)
		b.str(" row=")
		b.buf = strconv.AppendUint(b.buf, uint64(r.Row), 10)
		b.str(" src=")
		b.buf = strconv.AppendInt(b.buf, int64(r.Src), 10)
		b.str(" hex=")
		b.buf = hex.AppendEncode(b.buf, r.Bits)
		if c := comment(r.Src); c != "" {
			b.str("  # ")
			b.str(c)
		}
		b.line()
	}

	for pc, in := range p.Code {
		if b.err != nil {
			return b.err
		}
		for _, l := range labels[int64(pc)] {
			b.str(l)
			b.str(":")
			b.line()
		}
		start := len(b.buf)
		b.str("    ")
		b.buf = appendInstr(b.buf, in, targetName)
		if c := comment(in.Src); c != "" {
			// Pad the instruction to 44 characters, as fmt's %-44s does.
			for n := utf8.RuneCount(b.buf[start:]); n < 44; n++ {
				b.buf = append(b.buf, ' ')
			}
			b.str(" # ")
			b.str(c)
		}
		b.line()
	}
	for _, l := range labels[int64(len(p.Code))] {
		b.str(l)
		b.str(":")
		b.line()
	}
	// Labels beyond the code (broken programs) become comments.
	var dangling []int64
	for t := range labels {
		if t < 0 || t > int64(len(p.Code)) {
			dangling = append(dangling, t)
		}
	}
	slices.Sort(dangling)
	for _, t := range dangling {
		fmt.Fprintf(b, "# dangling label(s) %v -> %d\n", labels[t], t)
	}
	return b.flush()
}

// quotedLines writes data as directive lines, each with one Go-quoted
// piece of it: one line of data per directive (the newline kept inside the
// quotes), so the text stays readable and parses back to the same bytes.
// A long line (a host constant in full) is quoted piece by piece as it is
// written, cut only before the first byte of a UTF-8 sequence, where
// strconv.Quote's per-rune escaping gives the same text as for the whole.
func (b *asmWriter) quotedLines(directive string, data []byte) {
	for len(data) > 0 && b.err == nil {
		n := bytes.IndexByte(data, '\n') + 1
		if n == 0 {
			n = len(data)
		}
		line := data[:n]
		data = data[n:]
		b.str(directive)
		b.str(" \"")
		for len(line) > 0 && b.err == nil {
			k := min(len(line), asmBufSize/4)
			for k < len(line) && !utf8.RuneStart(line[k]) {
				k++
			}
			start := len(b.buf)
			b.buf = strconv.AppendQuote(b.buf, string(line[:k]))
			// Drop the quotes around the piece.
			b.buf = append(b.buf[:start], b.buf[start+1:len(b.buf)-1]...)
			line = line[k:]
			if len(b.buf) >= asmBufSize {
				b.flush()
			}
		}
		b.str("\"")
		b.line()
	}
}

// asmBufSize is how much text PrintAsm gathers before writing it out.
const asmBufSize = 64 << 10

// asmWriter gathers the text of PrintAsm and writes it to w in chunks of
// about asmBufSize bytes. After a write error it drops further text and
// keeps the error, which PrintAsm checks between lines and returns.
type asmWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// Write lets fmt.Fprintf append to the buffer.
func (b *asmWriter) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *asmWriter) str(s string) { b.buf = append(b.buf, s...) }

// line ends the current line and writes the buffer out once it is full.
func (b *asmWriter) line() {
	b.buf = append(b.buf, '\n')
	if len(b.buf) >= asmBufSize {
		b.flush()
	}
}

func (b *asmWriter) flush() error {
	if b.err == nil && len(b.buf) > 0 {
		_, b.err = b.w.Write(b.buf)
	}
	b.buf = b.buf[:0]
	return b.err
}

// srcComment is "@n layer/node -> value" for a valid source index, "" for -1.
func srcComment(p *Program, src int32) string {
	if src < 0 {
		if src == -1 {
			return ""
		}
		return fmt.Sprintf("@%d (invalid)", src)
	}
	if int(src) >= len(p.Sources) {
		return fmt.Sprintf("@%d (invalid)", src)
	}
	s := p.Sources[src]
	return fmt.Sprintf("@%d %s/%s -> %s", src, oneLine(s.Layer), oneLine(s.Node), oneLine(s.Value))
}

// oneLine replaces control characters so a name cannot break a comment line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == 0x85 {
			return '?'
		}
		return r
	}, s)
}

func formatShape(s []uint32) string {
	if len(s) == 0 {
		return "-"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.FormatUint(uint64(d), 10)
	}
	return strings.Join(parts, "x")
}

// FormatInstr formats one instruction in assembly syntax, with branch targets
// as numbers.
func FormatInstr(in Instr) string {
	return string(appendInstr(nil, in, func(t int64) string { return strconv.FormatInt(t, 10) }))
}

// String is FormatInstr.
func (in Instr) String() string { return FormatInstr(in) }

// appendInstr appends the assembly of in to buf, naming branch targets
// with target.
func appendInstr(buf []byte, in Instr, target func(int64) string) []byte {
	info := in.Op.Info()
	if info == nil {
		return fmt.Appendf(buf, "??? %v %v", in.Op, in.Args)
	}
	buf = append(buf, info.Mnemonic...)
	for i := 0; i < len(info.Fields); i++ {
		if i == 0 {
			buf = append(buf, ' ')
		} else {
			buf = append(buf, ", "...)
		}
		f, x := info.Fields[i], in.Args[i]
		switch f.Kind {
		case FReg:
			buf = strconv.AppendInt(append(buf, 'r'), x, 10)
		case FBase:
			off := in.Args[i+1]
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			buf = strconv.AppendInt(append(buf, "[r"...), x, 10)
			buf = strconv.AppendInt(append(buf, sign), off, 10)
			buf = append(buf, ']')
			i++
		case FAddr:
			buf = strconv.AppendInt(append(buf, "[r"...), x, 10)
			buf = append(buf, ']')
		case FVReg:
			buf = strconv.AppendInt(append(buf, 'v'), x, 10)
		case FPReg:
			buf = strconv.AppendInt(append(buf, 'p'), x, 10)
		case FAcc:
			buf = strconv.AppendInt(append(buf, 'a'), x, 10)
		case FMode:
			buf = append(buf, RoundMode(x).String()...)
		case FPlanes:
			buf = append(buf, UnpackPlanes(x).String()...)
		case FType:
			buf = append(buf, IntType(x).String()...)
		case FSign:
			if x == 0 {
				buf = append(buf, "pos"...)
			} else {
				buf = append(buf, "neg"...)
			}
		case FTarget:
			buf = append(buf, target(x)...)
		default:
			buf = strconv.AppendInt(buf, x, 10)
		}
	}
	return buf
}

// writeData writes words as .data lines of 16 values (constant blocks and
// DRAM blocks alike).
func writeData(b *asmWriter, words []int32) {
	for i := 0; i < len(words) && b.err == nil; i += 16 {
		b.str(".data")
		for _, v := range words[i:min(i+16, len(words))] {
			b.buf = append(b.buf, ' ')
			b.buf = strconv.AppendInt(b.buf, int64(v), 10)
		}
		b.line()
	}
}
