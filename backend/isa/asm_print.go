package isa

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// FormatAsm returns the assembly text of p (docs/ISA.md §7). The output is
// deterministic and ParseAsm(FormatAsm(p)) equals p for every program that
// passes Validate (and for any program whose fields are in range). It never
// panics, even on a broken program; undefined opcodes print as a line that
// does not parse back.
func FormatAsm(p *Program) []byte {
	var b bytes.Buffer
	PrintAsm(&b, p)
	return b.Bytes()
}

// PrintAsm writes the assembly text of p to w.
func PrintAsm(w io.Writer, p *Program) error {
	var b bytes.Buffer
	var zero [32]byte
	fmt.Fprintf(&b, "# pimc assembly, ISA v%d.0, %d instructions\n", FormatMajor, len(p.Code))
	if len(p.Host) > 0 {
		b.WriteString("# compiled model: device code, plus its host graph in the .host lines (docs/BACKEND.md §5);\n" +
			"# pimc asm rebuilds the .pimb, pimc sim runs either file\n")
	}
	if p.TargetName != "" || p.TargetFingerprint != zero {
		fmt.Fprintf(&b, ".target %s", strconv.Quote(p.TargetName))
		if p.TargetFingerprint != zero {
			fmt.Fprintf(&b, " %s", hex.EncodeToString(p.TargetFingerprint[:]))
		}
		b.WriteByte('\n')
	}
	if len(p.TargetDesc) > 0 {
		b.WriteString("# the hardware description it was compiled for (pimc target show -json):\n")
		writeQuotedLines(&b, ".targetdesc", p.TargetDesc)
	}
	for i, s := range p.Sources {
		fmt.Fprintf(&b, ".source %d layer=%s node=%s value=%s", i, strconv.Quote(s.Layer), strconv.Quote(s.Node), strconv.Quote(s.Value))
		if s.MACs != 0 {
			fmt.Fprintf(&b, " macs=%d", s.MACs)
		}
		b.WriteByte('\n')
	}
	for _, pt := range p.Ports {
		fmt.Fprintf(&b, ".%s %s addr=%d shape=%s type=%v scale=%s zp=%d", pt.Dir, strconv.Quote(pt.Name),
			pt.Addr, formatShape(pt.Shape), pt.Type, strconv.FormatFloat(pt.Scale, 'g', -1, 64), pt.ZeroPoint)
		switch pt.Segment {
		case 0:
		case AllSegments:
			b.WriteString(" seg=all")
		default:
			fmt.Fprintf(&b, " seg=%d", pt.Segment)
		}
		b.WriteByte('\n')
	}
	if len(p.Host) > 0 {
		writeQuotedLines(&b, ".host", p.Host)
	}
	for _, c := range p.Consts {
		fmt.Fprintf(&b, ".const %s addr=%d len=%d", c.Name, c.Addr, len(c.Data))
		if len(c.Data) > 0 {
			lo, hi, zeros := c.Data[0], c.Data[0], 0
			for _, v := range c.Data {
				lo, hi = min(lo, v), max(hi, v)
				if v == 0 {
					zeros++
				}
			}
			fmt.Fprintf(&b, "  # range [%d, %d], %d zero(s)", lo, hi, zeros)
		}
		b.WriteByte('\n')
		for i := 0; i < len(c.Data); i += 16 {
			b.WriteString(".data")
			for _, v := range c.Data[i:min(i+16, len(c.Data))] {
				fmt.Fprintf(&b, " %d", v)
			}
			b.WriteByte('\n')
		}
	}
	for _, r := range p.Weights {
		fmt.Fprintf(&b, ".weights sa=%d row=%d src=%d hex=%s", r.Subarray, r.Row, r.Src, hex.EncodeToString(r.Bits))
		if c := srcComment(p, r.Src); c != "" {
			b.WriteString("  # " + c)
		}
		b.WriteByte('\n')
	}

	// Labels: symbols first, then automatic .L<pc> labels for branch targets.
	labels := map[int64][]string{}
	for _, s := range p.Symbols {
		labels[int64(s.PC)] = append(labels[int64(s.PC)], s.Name)
	}
	for _, in := range p.Code {
		info := in.Op.Info()
		if info == nil || len(info.Fields) == 0 || info.Fields[len(info.Fields)-1].Kind != FTarget {
			continue
		}
		t := in.Args[len(info.Fields)-1]
		if t >= 0 && t <= int64(len(p.Code)) && len(labels[t]) == 0 {
			labels[t] = []string{".L" + strconv.FormatInt(t, 10)}
		}
	}
	targetName := func(t int64) string {
		if l := labels[t]; len(l) > 0 {
			return l[0]
		}
		return strconv.FormatInt(t, 10)
	}
	for pc, in := range p.Code {
		for _, l := range labels[int64(pc)] {
			b.WriteString(l + ":\n")
		}
		line := "    " + formatInstr(in, targetName)
		if c := srcComment(p, in.Src); c != "" {
			line = fmt.Sprintf("%-44s # %s", line, c)
		}
		b.WriteString(line + "\n")
	}
	for _, l := range labels[int64(len(p.Code))] {
		b.WriteString(l + ":\n")
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
		fmt.Fprintf(&b, "# dangling label(s) %v -> %d\n", labels[t], t)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeQuotedLines writes data as directive lines, each with one Go-quoted
// piece of it: one line of data per directive (the newline kept inside the
// quotes), so the text stays readable and parses back to the same bytes.
func writeQuotedLines(b *bytes.Buffer, directive string, data []byte) {
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n') + 1
		if n == 0 {
			n = len(data)
		}
		b.WriteString(directive)
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(string(data[:n])))
		b.WriteByte('\n')
		data = data[n:]
	}
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
	return formatInstr(in, func(t int64) string { return strconv.FormatInt(t, 10) })
}

// String is FormatInstr.
func (in Instr) String() string { return FormatInstr(in) }

func formatInstr(in Instr, target func(int64) string) string {
	info := in.Op.Info()
	if info == nil {
		return fmt.Sprintf("??? %v %v", in.Op, in.Args)
	}
	var ops []string
	for i := 0; i < len(info.Fields); i++ {
		f, x := info.Fields[i], in.Args[i]
		switch f.Kind {
		case FReg:
			ops = append(ops, "r"+strconv.FormatInt(x, 10))
		case FBase:
			off := in.Args[i+1]
			sign := "+"
			if off < 0 {
				sign, off = "-", -off
			}
			ops = append(ops, fmt.Sprintf("[r%d%s%d]", x, sign, off))
			i++
		case FVReg:
			ops = append(ops, "v"+strconv.FormatInt(x, 10))
		case FPReg:
			ops = append(ops, "p"+strconv.FormatInt(x, 10))
		case FAcc:
			ops = append(ops, "a"+strconv.FormatInt(x, 10))
		case FMode:
			ops = append(ops, RoundMode(x).String())
		case FType:
			ops = append(ops, IntType(x).String())
		case FSign:
			if x == 0 {
				ops = append(ops, "pos")
			} else {
				ops = append(ops, "neg")
			}
		case FTarget:
			ops = append(ops, target(x))
		default:
			ops = append(ops, strconv.FormatInt(x, 10))
		}
	}
	if len(ops) == 0 {
		return info.Mnemonic
	}
	return info.Mnemonic + " " + strings.Join(ops, ", ")
}
