package isa

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxAsmErrors bounds the errors ParseAsm reports at once.
const maxAsmErrors = 20

// ParseAsm parses assembly text (docs/ISA.md §7). name is used in error
// messages ("dot.pasm:12: ..."). It reports up to 20 errors at once and never
// panics. The result is not validated against a target: call Validate.
func ParseAsm(name string, src []byte) (*Program, error) {
	ps := &asmParser{name: name, p: &Program{}, labels: map[string]int64{}}
	for i, line := range strings.Split(string(src), "\n") {
		ps.line = i + 1
		ps.parseLine(strings.TrimSuffix(line, "\r"))
		if len(ps.errs) >= maxAsmErrors {
			break
		}
	}
	ps.line = 0
	ps.finishConst()
	ps.resolve()
	if len(ps.errs) > 0 {
		return nil, errors.Join(ps.errs...)
	}
	return ps.p, nil
}

type fixup struct {
	pc, arg int
	label   string
	line    int
}

type asmParser struct {
	name   string
	line   int
	p      *Program
	errs   []error
	labels map[string]int64
	fixups []fixup
	// stream entries given as labels: index into p.Streams -> label
	streamFixups []fixup
	// constant or DRAM block being filled by .data lines: its data, its
	// directive and name (for messages), declared length and line
	fill      *[]int32
	fillDir   string
	fillName  string
	constLen  int
	constLine int
}

func (ps *asmParser) errorf(format string, args ...any) {
	if len(ps.errs) >= maxAsmErrors {
		return
	}
	if ps.line > 0 {
		ps.errs = append(ps.errs, fmt.Errorf("%s:%d: %s", ps.name, ps.line, fmt.Sprintf(format, args...)))
	} else {
		ps.errs = append(ps.errs, fmt.Errorf("%s: %s", ps.name, fmt.Sprintf(format, args...)))
	}
}

// splitComment separates code from a '#' comment, ignoring '#' inside Go
// quoted strings. ok is false for an unterminated string.
func splitComment(line string) (code, comment string, ok bool) {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			q, err := strconv.QuotedPrefix(line[i:])
			if err != nil {
				return line, "", false
			}
			i += len(q) - 1
		case '#':
			return line[:i], line[i+1:], true
		}
	}
	return line, "", true
}

// tokens splits directive text on white space; a token may contain Go quoted
// strings (key="a b").
func tokens(s string) ([]string, bool) {
	var out []string
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			if s[i] == '"' {
				q, err := strconv.QuotedPrefix(s[i:])
				if err != nil {
					return nil, false
				}
				i += len(q)
				continue
			}
			i++
		}
		out = append(out, s[start:i])
	}
	return out, true
}

func (ps *asmParser) parseLine(line string) {
	code, comment, ok := splitComment(line)
	if !ok {
		ps.errorf("unterminated string")
		return
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return
	}
	// Labels: "name:" optionally followed by an instruction.
	if i := strings.IndexByte(code, ':'); i > 0 && !strings.ContainsAny(code[:i], " \t\",[") {
		ps.label(code[:i])
		code = strings.TrimSpace(code[i+1:])
		if code == "" {
			return
		}
	}
	if code[0] == '.' {
		ps.directive(code)
		return
	}
	ps.finishConst()
	ps.instr(code, comment)
}

func (ps *asmParser) label(name string) {
	if !identRE.MatchString(name) && !isAutoLabel(name) {
		ps.errorf("bad label %q: want an identifier", name)
		return
	}
	if _, dup := ps.labels[name]; dup {
		ps.errorf("label %q defined twice", name)
		return
	}
	pc := int64(len(ps.p.Code))
	ps.labels[name] = pc
	if !isAutoLabel(name) {
		ps.p.Symbols = append(ps.p.Symbols, Symbol{Name: name, PC: uint32(pc)})
	}
}

// kv parses key=value tokens, requiring exactly the keys given.
func (ps *asmParser) kv(dir string, toks []string, keys ...string) (map[string]string, bool) {
	m := map[string]string{}
	for _, t := range toks {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			ps.errorf("%s: want key=value, got %q", dir, t)
			return nil, false
		}
		if _, dup := m[k]; dup {
			ps.errorf("%s: key %q given twice", dir, k)
			return nil, false
		}
		m[k] = v
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			ps.errorf("%s: missing %s=", dir, k)
			return nil, false
		}
	}
	if len(m) != len(keys) {
		for k := range m {
			if !strings.Contains(" "+strings.Join(keys, " ")+" ", " "+k+" ") {
				ps.errorf("%s: unknown key %q (want %s)", dir, k, strings.Join(keys, ", "))
				return nil, false
			}
		}
	}
	return m, true
}

func (ps *asmParser) uint(dir, key, s string, max uint64) (uint64, bool) {
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil || v > max {
		ps.errorf("%s: %s=%q: want an integer in [0, %d]", dir, key, s, max)
		return 0, false
	}
	return v, true
}

func (ps *asmParser) int(dir, key, s string, lo, hi int64) (int64, bool) {
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil || v < lo || v > hi {
		ps.errorf("%s: %s=%q: want an integer in [%d, %d]", dir, key, s, lo, hi)
		return 0, false
	}
	return v, true
}

func (ps *asmParser) quoted(dir, key, s string) (string, bool) {
	v, err := strconv.Unquote(s)
	if err != nil || !strings.HasPrefix(s, `"`) {
		ps.errorf("%s: %s: want a quoted string, got %s", dir, key, s)
		return "", false
	}
	return v, true
}

func (ps *asmParser) finishConst() {
	if ps.fill == nil {
		return
	}
	data := *ps.fill
	ps.fill = nil
	if len(data) != ps.constLen {
		l := ps.line
		ps.line = ps.constLine
		ps.errorf("%s %s: len=%d but %d values given in .data lines", ps.fillDir, ps.fillName, ps.constLen, len(data))
		ps.line = l
	}
}

// openFill starts the block whose values the following .data lines give.
func (ps *asmParser) openFill(dir, name string, data *[]int32, n int) {
	ps.fill, ps.fillDir, ps.fillName, ps.constLen, ps.constLine = data, dir, name, n, ps.line
	if n > 0 {
		*data = make([]int32, 0, n)
	}
}

// dram parses `.dram NAME addr=A type=T len=N`, a block of the DRAM's
// initial contents (v1.6) whose codes the following .data lines give.
func (ps *asmParser) dram(args []string) {
	if len(args) != 4 {
		ps.errorf(".dram: want: .dram <name> addr=<n> type=<u8|i4|...> len=<n>")
		return
	}
	if !identRE.MatchString(args[0]) {
		ps.errorf(".dram: name %q is not an identifier", args[0])
		return
	}
	m, ok := ps.kv(".dram", args[1:], "addr", "type", "len")
	if !ok {
		return
	}
	addr, ok1 := ps.uint(".dram", "addr", m["addr"], math.MaxUint32)
	n, ok2 := ps.uint(".dram", "len", m["len"], 1<<31-1)
	if !ok1 || !ok2 {
		return
	}
	t, err := ParseIntType(m["type"])
	if err != nil {
		ps.errorf(".dram: type: %v", err)
		return
	}
	ps.p.DRAM = append(ps.p.DRAM, DRAMBlock{Name: args[0], Addr: uint32(addr), Type: t})
	ps.openFill(".dram", args[0], &ps.p.DRAM[len(ps.p.DRAM)-1].Data, int(n))
}

func (ps *asmParser) directive(code string) {
	toks, ok := tokens(code)
	if !ok || len(toks) == 0 {
		ps.errorf("bad directive")
		return
	}
	dir, args := toks[0], toks[1:]
	if dir != ".data" {
		ps.finishConst()
	}
	switch dir {
	case ".target":
		if len(args) < 1 || len(args) > 2 {
			ps.errorf(".target: want a quoted name and an optional 64-digit hex fingerprint")
			return
		}
		name, ok := ps.quoted(dir, "name", args[0])
		if !ok {
			return
		}
		ps.p.TargetName = name
		if len(args) == 2 {
			b, err := hex.DecodeString(args[1])
			if err != nil || len(b) != 32 {
				ps.errorf(".target: fingerprint %q: want 64 hex digits", args[1])
				return
			}
			copy(ps.p.TargetFingerprint[:], b)
		}
	case ".targetdesc", ".host":
		// One quoted piece of an opaque section per line (format v1.4
		// targetdesc, v1.1 host); the pieces are concatenated in order.
		if len(args) != 1 {
			ps.errorf("%s: want one quoted string (the next piece of the %s section)", dir, dir[1:])
			return
		}
		piece, ok := ps.quoted(dir, "text", args[0])
		if !ok {
			return
		}
		if dir == ".host" {
			ps.p.Host = append(ps.p.Host, piece...)
		} else {
			ps.p.TargetDesc = append(ps.p.TargetDesc, piece...)
		}
	case ".source":
		if len(args) < 4 || len(args) > 7 {
			ps.errorf(".source: want: .source <index> layer=\"..\" node=\"..\" value=\"..\" [macs=<n>] [wbits=<w> abits=<a>]")
			return
		}
		idx, ok := ps.uint(dir, "index", args[0], math.MaxInt32)
		if !ok {
			return
		}
		if idx != uint64(len(ps.p.Sources)) {
			ps.errorf(".source: index %d out of order (want %d)", idx, len(ps.p.Sources))
			return
		}
		keys := []string{"layer", "node", "value"}
		// optional: the declared workload (format v1.2), the widths (v1.6)
		for _, a := range args[4:] {
			for _, k := range []string{"macs", "wbits", "abits"} {
				if strings.HasPrefix(a, k+"=") {
					keys = append(keys, k)
				}
			}
		}
		m, ok := ps.kv(dir, args[1:], keys...)
		if !ok {
			return
		}
		var s Source
		if a, has := m["macs"]; has {
			n, ok := ps.uint(dir, "macs", a, math.MaxInt64)
			if !ok {
				return
			}
			s.MACs = int64(n)
		}
		for k, dst := range map[string]*int{"wbits": &s.WBits, "abits": &s.ABits} {
			if a, has := m[k]; has {
				n, ok := ps.uint(dir, k, a, 32)
				if !ok {
					return
				}
				*dst = int(n)
			}
		}
		if s.Layer, ok = ps.quoted(dir, "layer", m["layer"]); !ok {
			return
		}
		if s.Node, ok = ps.quoted(dir, "node", m["node"]); !ok {
			return
		}
		if s.Value, ok = ps.quoted(dir, "value", m["value"]); !ok {
			return
		}
		ps.p.Sources = append(ps.p.Sources, s)
	case ".stream":
		ps.stream(args)
	case ".frames":
		ps.frames(args)
	case ".input", ".output":
		ps.port(dir, args)
	case ".const":
		if len(args) != 3 {
			ps.errorf(".const: want: .const <name> addr=<n> len=<n>")
			return
		}
		if !identRE.MatchString(args[0]) {
			ps.errorf(".const: name %q is not an identifier", args[0])
			return
		}
		m, ok := ps.kv(dir, args[1:], "addr", "len")
		if !ok {
			return
		}
		addr, ok1 := ps.uint(dir, "addr", m["addr"], math.MaxUint32)
		n, ok2 := ps.uint(dir, "len", m["len"], 1<<24)
		if !ok1 || !ok2 {
			return
		}
		ps.p.Consts = append(ps.p.Consts, ConstBlock{Name: args[0], Addr: uint32(addr)})
		ps.openFill(dir, args[0], &ps.p.Consts[len(ps.p.Consts)-1].Data, int(n))
	case ".dram":
		ps.dram(args)
	case ".data":
		if ps.fill == nil {
			ps.errorf(".data outside a .const or .dram block")
			return
		}
		for _, t := range args {
			v, ok := ps.int(dir, "value", t, math.MinInt32, math.MaxInt32)
			if !ok {
				return
			}
			if len(*ps.fill) >= ps.constLen {
				ps.errorf(".data: more values than len=%d of %s %s", ps.constLen, ps.fillDir, ps.fillName)
				return
			}
			*ps.fill = append(*ps.fill, int32(v))
		}
	case ".weights":
		m, ok := ps.kv(dir, args, "sa", "row", "src", "hex")
		if !ok {
			return
		}
		sa, ok1 := ps.uint(dir, "sa", m["sa"], math.MaxUint32)
		row, ok2 := ps.uint(dir, "row", m["row"], math.MaxUint32)
		src, ok3 := ps.int(dir, "src", m["src"], math.MinInt32, math.MaxInt32)
		if !ok1 || !ok2 || !ok3 {
			return
		}
		b, err := hex.DecodeString(m["hex"])
		if err != nil || len(b) == 0 {
			ps.errorf(".weights: hex=%q: want a non-empty even number of hex digits", m["hex"])
			return
		}
		ps.p.Weights = append(ps.p.Weights, WeightRow{Subarray: uint32(sa), Row: uint32(row), Bits: b, Src: int32(src)})
	default:
		ps.errorf("unknown directive %s", dir)
	}
}

// stream parses ".stream N entry=LABEL|PC" (format v1.5): stream N, given
// in order 0, 1, ..., starts at the label or instruction index.
func (ps *asmParser) stream(args []string) {
	if len(args) != 2 {
		ps.errorf(".stream: want: .stream <index> entry=<label or pc>")
		return
	}
	idx, ok := ps.uint(".stream", "index", args[0], math.MaxInt32)
	if !ok {
		return
	}
	if idx != uint64(len(ps.p.Streams)) {
		ps.errorf(".stream: index %d out of order (want %d)", idx, len(ps.p.Streams))
		return
	}
	m, ok := ps.kv(".stream", args[1:], "entry")
	if !ok {
		return
	}
	e := m["entry"]
	if pc, err := strconv.ParseUint(e, 0, 32); err == nil {
		ps.p.Streams = append(ps.p.Streams, uint32(pc))
		return
	}
	if !identRE.MatchString(e) && !isAutoLabel(e) {
		ps.errorf(".stream: entry=%q: want a label or an instruction index", e)
		return
	}
	ps.streamFixups = append(ps.streamFixups, fixup{pc: len(ps.p.Streams), label: e, line: ps.line})
	ps.p.Streams = append(ps.p.Streams, 0)
}

// frames parses ".frames F count_addr=A" (docs/PARALLEL.md §7.1): a run
// processes up to F frames, its frame count written into ABUF word A.
func (ps *asmParser) frames(args []string) {
	if len(args) != 2 {
		ps.errorf(".frames: want: .frames <frames> count_addr=<ABUF word>")
		return
	}
	if ps.p.Frames != 0 {
		ps.errorf(".frames: given twice")
		return
	}
	f, ok := ps.uint(".frames", "frames", args[0], MaxFrames)
	if !ok {
		return
	}
	if f < 2 {
		ps.errorf(".frames: %d frames: a program of one frame per run has no .frames", f)
		return
	}
	m, ok := ps.kv(".frames", args[1:], "count_addr")
	if !ok {
		return
	}
	a, ok := ps.uint(".frames", "count_addr", m["count_addr"], math.MaxUint32)
	if !ok {
		return
	}
	ps.p.Frames, ps.p.CountAddr = uint32(f), uint32(a)
}

func (ps *asmParser) port(dir string, args []string) {
	if len(args) < 1 {
		ps.errorf("%s: want a quoted name", dir)
		return
	}
	name, ok := ps.quoted(dir, "name", args[0])
	if !ok {
		return
	}
	keys := []string{"addr", "shape", "type", "scale", "zp"}
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "seg=") {
			keys = append(keys, "seg") // optional device segment (format v1.3)
		}
	}
	m, ok := ps.kv(dir, args[1:], keys...)
	if !ok {
		return
	}
	pt := Port{Name: name, Dir: PortIn}
	if seg, ok := m["seg"]; ok {
		if seg == "all" {
			pt.Segment = AllSegments
		} else {
			v, ok := ps.int(dir, "seg", seg, 0, math.MaxInt32)
			if !ok {
				return
			}
			pt.Segment = int32(v)
		}
	}
	if dir == ".output" {
		pt.Dir = PortOut
	}
	addr, ok := ps.uint(dir, "addr", m["addr"], math.MaxUint32)
	if !ok {
		return
	}
	pt.Addr = uint32(addr)
	if m["shape"] != "-" {
		for _, d := range strings.Split(m["shape"], "x") {
			v, ok := ps.uint(dir, "shape", d, math.MaxUint32)
			if !ok {
				return
			}
			pt.Shape = append(pt.Shape, uint32(v))
		}
	}
	t, err := ParseIntType(m["type"])
	if err != nil {
		ps.errorf("%s: type: %v", dir, err)
		return
	}
	pt.Type = t
	pt.Scale, err = strconv.ParseFloat(m["scale"], 64)
	if err != nil {
		ps.errorf("%s: scale=%q: want a number", dir, m["scale"])
		return
	}
	zp, ok := ps.int(dir, "zp", m["zp"], math.MinInt32, math.MaxInt32)
	if !ok {
		return
	}
	pt.ZeroPoint = int32(zp)
	ps.p.Ports = append(ps.p.Ports, pt)
}

// instr parses "mnemonic op, op, ..." with an optional "@n" source comment.
func (ps *asmParser) instr(code, comment string) {
	var fixups []fixup // label operands of this instruction
	mn, rest := code, ""
	if i := strings.IndexAny(code, " \t"); i >= 0 {
		mn, rest = code[:i], code[i+1:]
	}
	op, ok := OpcodeByMnemonic(mn)
	if !ok {
		if len(mn) > 40 { // a binary file given as assembly: one line, not a page
			ps.errorf("unknown instruction %q... (%d bytes)", mn[:40], len(mn))
			return
		}
		ps.errorf("unknown instruction %q", mn)
		return
	}
	info := op.Info()
	in := Instr{Op: op, Src: -1}
	var operands []string
	if rest = strings.TrimSpace(rest); rest != "" {
		operands = strings.Split(rest, ",")
	}
	want := 0
	for _, f := range info.Fields {
		if f.Kind != FBase {
			want++
		}
	}
	if len(operands) != want {
		ps.errorf("%s: want %d operands, got %d", mn, want, len(operands))
		return
	}
	k := 0
	for i := 0; i < len(info.Fields); i++ {
		f := info.Fields[i]
		s := strings.TrimSpace(operands[k])
		k++
		var v int64
		var err error
		switch f.Kind {
		case FBase:
			var off int64
			v, off, err = parseBase(s)
			if err == nil {
				if err = checkField(f, v); err == nil {
					err = checkField(info.Fields[i+1], off)
				}
			}
			if err != nil {
				ps.errorf("%s: operand %d (%s): %v", mn, k, f.Name, err)
				return
			}
			in.Args[i], in.Args[i+1] = v, off
			i++
			continue
		case FReg:
			v, err = parsePrefixed(s, "r", NumRegs)
		case FAddr:
			v, err = parseAddr(s)
		case FPlanes:
			v, err = parsePlanes(s)
		case FVReg:
			v, err = parsePrefixed(s, "v", NumVRegs)
		case FPReg:
			v, err = parsePrefixed(s, "p", NumPatchRegs)
		case FAcc:
			v, err = parsePrefixed(s, "a", 16)
		case FMode:
			v = -1
			for m, n := range roundNames {
				if s == n {
					v = int64(m)
				}
			}
			if v < 0 {
				err = fmt.Errorf("want a rounding mode (up, away, even, floor), got %q", s)
			}
		case FType:
			var t IntType
			t, err = ParseIntType(s)
			v = int64(t)
		case FSign:
			switch s {
			case "pos":
				v = 0
			case "neg":
				v = 1
			default:
				err = fmt.Errorf("want pos or neg, got %q", s)
			}
		case FTarget:
			if n, perr := strconv.ParseInt(s, 0, 64); perr == nil {
				v = n
			} else if identRE.MatchString(s) || isAutoLabel(s) {
				fixups = append(fixups, fixup{pc: len(ps.p.Code), arg: i, label: s, line: ps.line})
			} else {
				err = fmt.Errorf("want a label or an instruction index, got %q", s)
			}
		default:
			v, err = strconv.ParseInt(s, 0, 64)
			if err != nil {
				err = fmt.Errorf("want an integer, got %q", s)
			}
		}
		if err == nil {
			err = checkField(f, v)
		}
		if err != nil {
			ps.errorf("%s: operand %d (%s): %v", mn, k, f.Name, err)
			return
		}
		in.Args[i] = v
	}
	// Source comment: "@n ...".
	if c := strings.TrimSpace(comment); strings.HasPrefix(c, "@") {
		num, _, _ := strings.Cut(c[1:], " ")
		n, err := strconv.ParseInt(num, 10, 32)
		if err != nil {
			ps.errorf("%s: source comment %q: want @<source index>", mn, c)
			return
		}
		in.Src = int32(n)
	}
	// The label references are resolved only for an instruction that was
	// kept: a rejected one (a bad operand or source comment after the
	// label) is not in Code, and its fixup would point past the end.
	ps.fixups = append(ps.fixups, fixups...)
	ps.p.Code = append(ps.p.Code, in)
}

func parsePrefixed(s, prefix string, n int64) (int64, error) {
	kind := map[string]string{"r": "a register", "v": "a vector register", "p": "a patch register", "a": "an accumulator"}[prefix]
	if !strings.HasPrefix(s, prefix) {
		return 0, fmt.Errorf("want %s like %s0..%s%d, got %q", kind, prefix, prefix, n-1, s)
	}
	v, err := strconv.ParseUint(s[len(prefix):], 10, 8)
	if err != nil || int64(v) >= n || (len(s) > len(prefix)+1 && s[len(prefix)] == '0') {
		return 0, fmt.Errorf("want %s like %s0..%s%d, got %q", kind, prefix, prefix, n-1, s)
	}
	return int64(v), nil
}

// parseAddr parses "[rN]", a register address with no offset (the base
// sub-array of a group instruction).
func parseAddr(s string) (int64, error) {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, fmt.Errorf("want a register address like [r3] (no offset), got %q", s)
	}
	v, err := parsePrefixed(strings.TrimSpace(s[1:len(s)-1]), "r", NumRegs)
	if err != nil {
		return 0, fmt.Errorf("want a register address like [r3] (no offset), got %q", s)
	}
	return v, nil
}

// parseBase parses "[rN]", "[rN+imm]", "[rN-imm]" or "[imm]" (= [r0+imm]).
func parseBase(s string) (reg, off int64, err error) {
	bad := fmt.Errorf("want an address like [r3+16], got %q", s)
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, 0, bad
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	if !strings.HasPrefix(s, "r") {
		off, err = strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, 0, bad
		}
		return 0, off, nil
	}
	i := strings.IndexAny(s, "+-")
	regPart, offPart := s, ""
	if i >= 0 {
		regPart, offPart = strings.TrimSpace(s[:i]), strings.ReplaceAll(s[i:], " ", "")
	}
	reg, err = parsePrefixed(regPart, "r", NumRegs)
	if err != nil {
		return 0, 0, err
	}
	if offPart != "" {
		off, err = strconv.ParseInt(offPart, 0, 64)
		if err != nil {
			return 0, 0, bad
		}
	}
	return reg, off, nil
}

func (ps *asmParser) resolve() {
	for _, f := range ps.fixups {
		pc, ok := ps.labels[f.label]
		if !ok {
			ps.line = f.line
			ps.errorf("undefined label %q", f.label)
			continue
		}
		ps.p.Code[f.pc].Args[f.arg] = pc
	}
	for _, f := range ps.streamFixups {
		pc, ok := ps.labels[f.label]
		if !ok {
			ps.line = f.line
			ps.errorf(".stream %d: undefined label %q", f.pc, f.label)
			continue
		}
		ps.p.Streams[f.pc] = uint32(pc)
	}
	ps.line = 0
}
