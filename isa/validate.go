package isa

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// maxProblems bounds the report of Validate; a corrupt program can have a
// problem per instruction.
const maxProblems = 50

// LoadError lists every problem Validate found. Each line names the
// instruction index (code[12] (bmac): ...) or the section.
type LoadError struct {
	Problems []string
	More     int // problems found beyond the first maxProblems
}

func (e *LoadError) Error() string {
	if len(e.Problems) == 1 && e.More == 0 {
		return "program does not load: " + e.Problems[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "program does not load: %d problem(s)", len(e.Problems)+e.More)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", e.More)
	}
	return b.String()
}

// identRE is the syntax of symbol and constant-block names (they appear
// unquoted in assembly). Names of the form .L<digits> are reserved for the
// printer's automatic labels.
var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.$]*$`)

func isAutoLabel(s string) bool {
	if !strings.HasPrefix(s, ".L") || len(s) == 2 {
		return false
	}
	for _, c := range s[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Validate is the loader check run before a program executes on arch: it
// reports every structural problem at once (a *LoadError) and returns nil if
// the program may run. Checks that depend on run-time register values
// (addresses with a base register other than r0) are left to the simulator,
// which faults naming pc. Validate never panics.
func Validate(p *Program, arch Arch) error {
	v := &validator{p: p, a: arch}
	v.run()
	if len(v.problems) == 0 {
		return nil
	}
	e := &LoadError{Problems: v.problems, More: v.more}
	return e
}

type validator struct {
	p        *Program
	a        Arch
	problems []string
	more     int
}

func (v *validator) addf(format string, args ...any) {
	if len(v.problems) >= maxProblems {
		v.more++
		return
	}
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

type rowKey struct{ sa, row int64 }

func (v *validator) run() {
	p, a := v.p, v.a
	if a.Subarrays <= 0 || a.SubarraysPerMat <= 0 || a.Rows <= 0 || a.Cols <= 0 || a.Cols%8 != 0 ||
		a.AccPerSubarray <= 0 || a.AccBits <= 0 || a.DPULanes <= 0 || a.ActBufferWords <= 0 || a.ActWordBits <= 0 || a.ConstWords < 0 {
		v.addf("target %q: architecture description is incomplete (%+v)", a.Name, a)
		return
	}
	v.checkDeclaredMACs()
	var zero [32]byte
	switch {
	case p.TargetFingerprint == zero:
		v.addf("header: program is not bound to a target (zero fingerprint); assemble it with pimc asm -target")
	case p.TargetFingerprint != a.Fingerprint:
		// Checked against another machine, every sub-array, row and
		// address may be out of range: report the cause alone.
		v.problems, v.more = nil, 0
		v.addf("header: program was built for target %q (fingerprint %s...), not for target %q (fingerprint %s...)",
			p.TargetName, hex.EncodeToString(p.TargetFingerprint[:6]), a.Name, hex.EncodeToString(a.Fingerprint[:6]))
		return
	}
	if len(p.Code) == 0 {
		v.addf("code: empty program (want at least a halt)")
	}
	v.checkWeights()
	v.checkConsts()
	v.checkDRAM()
	v.checkPorts()
	v.checkSymbols()
	v.checkStreams()
	v.checkCode()
}

// checkDeclaredMACs checks the declared workloads (Source.MACs): not
// negative, and a source that declares MACs has at least one instruction
// that can multiply (bmac, gbmac or and). That is the static half of the
// bound of docs/ISA.md §5; loops make the executed count known only at run
// time, so the simulator checks the rest at the end of every run.
func (v *validator) checkDeclaredMACs() {
	p := v.p
	var mult []bool
	for i, s := range p.Sources {
		if s.MACs < 0 {
			v.addf("sources[%d] (%s): declared MACs %d is negative (0 = not declared)", i, s.Layer, s.MACs)
		}
		if s.WBits < 0 || s.WBits > 32 || s.ABits < 0 || s.ABits > 32 {
			v.addf("sources[%d] (%s): widths w%d a%d outside 0..32 (0 = not recorded)", i, s.Layer, s.WBits, s.ABits)
		}
		if s.MACs <= 0 {
			continue
		}
		if mult == nil {
			mult = make([]bool, len(p.Sources))
			for _, in := range p.Code {
				if (in.Op == OpBmac || in.Op == OpGbmac || in.Op == OpGdot || in.Op == OpAnd) && in.Src >= 0 && int(in.Src) < len(mult) {
					mult[in.Src] = true
				}
			}
		}
		if !mult[i] {
			v.addf("sources[%d] (%s): declares %d MACs per inference but has no bmac, gbmac, gdot or and instruction (a declared count must not exceed what the source's instructions can do, docs/ISA.md §5)", i, s.Layer, s.MACs)
		}
	}
}

// checkStreams checks the streams section (format v1.5): at most one
// stream per controller, each entry inside the code.
func (v *validator) checkStreams() {
	if len(v.p.Streams) > v.a.NumControllers() {
		v.addf("streams: %d streams, but target %q has %d controller(s)%s", len(v.p.Streams), v.a.Name, v.a.NumControllers(), serialNote(v.a))
	}
	for i, pc := range v.p.Streams {
		if uint64(pc) >= uint64(len(v.p.Code)) {
			v.addf("streams[%d]: entry pc %d outside the code (%d instructions)", i, pc, len(v.p.Code))
		}
	}
	v.checkFrames()
}

// checkFrames checks the frames field of the streams section
// (docs/PARALLEL.md §7.1): it lives in that section, the count word lies in
// ABUF outside every port's frames, and a program of several frames per run
// has one device segment (the runtime fills the frames of one run; the
// segments of a compiled model with host ops run one at a time).
func (v *validator) checkFrames() {
	if v.p.Frames <= 1 {
		return
	}
	if v.p.Frames > MaxFrames {
		v.addf("streams: frames %d above the limit %d", v.p.Frames, MaxFrames)
		return
	}
	if len(v.p.Streams) == 0 {
		v.addf("streams: frames %d without a streams section (the frames field is part of it; give a .stream)", v.p.Frames)
	}
	ca := uint64(v.p.CountAddr)
	if ca >= uint64(v.a.ActBufferWords) {
		v.addf("streams: count_addr %d outside the activation buffer of %d words", ca, v.a.ActBufferWords)
	}
	for i := range v.p.Ports {
		pt := &v.p.Ports[i]
		if pt.Segment != 0 {
			v.addf("ports[%d] (%s %q): segment %d in a program of %d frames per run (frames need one device segment)", i, pt.Dir, pt.Name, pt.Segment, v.p.Frames)
		}
		if lo, hi := uint64(pt.Addr), pt.FrameAddr(int(v.p.Frames)); lo <= ca && ca < hi {
			v.addf("streams: count_addr %d inside the %d frames of port %q (words [%d, %d))", ca, v.p.Frames, pt.Name, lo, hi)
		}
	}
}

// serialNote explains a refused parallel feature on a serial machine.
func serialNote(a Arch) string {
	if a.Controllers == 0 {
		return " (a description without a parallel section is the serial machine)"
	}
	return ""
}

// lazyWhere formats "code[pc] (mnemonic)" only when a problem is reported.
type lazyWhere struct {
	pc int
	mn string
}

func (w lazyWhere) String() string { return fmt.Sprintf("code[%d] (%s)", w.pc, w.mn) }

func (v *validator) srcOK(where fmt.Stringer, src int32) {
	if src < -1 || int(src) >= len(v.p.Sources) {
		v.addf("%s: source index %d out of range (program has %d sources; -1 = none)", where, src, len(v.p.Sources))
	}
}

func (v *validator) checkWeights() {
	a := v.a
	for i, w := range v.p.Weights {
		where := fmt.Sprintf("weights[%d] (sub-array %d row %d)", i, w.Subarray, w.Row)
		if int64(w.Subarray) >= int64(a.Subarrays) {
			v.addf("%s: sub-array out of range (target has %d)", where, a.Subarrays)
		}
		if int64(w.Row) >= int64(a.Rows) {
			v.addf("%s: row out of range (target has %d rows)", where, a.Rows)
		}
		if len(w.Bits) != a.Cols/8 {
			v.addf("%s: %d bytes, want cols/8 = %d", where, len(w.Bits), a.Cols/8)
		}
		v.srcOK(str(where), w.Src)
		if i > 0 {
			q := v.p.Weights[i-1]
			if q.Subarray > w.Subarray || (q.Subarray == w.Subarray && q.Row >= w.Row) {
				v.addf("%s: not sorted by (sub-array, row) or duplicated after sub-array %d row %d", where, q.Subarray, q.Row)
			}
		}
	}
}

func (v *validator) checkConsts() {
	names := map[string]bool{}
	for i, c := range v.p.Consts {
		where := fmt.Sprintf("consts[%d] (%q)", i, c.Name)
		if !identRE.MatchString(c.Name) || isAutoLabel(c.Name) {
			v.addf("%s: name is not an identifier", where)
		}
		if names[c.Name] {
			v.addf("%s: duplicate name", where)
		}
		names[c.Name] = true
		end := uint64(c.Addr) + uint64(len(c.Data))
		if end > uint64(v.a.ConstWords) {
			v.addf("%s: words [%d, %d) outside constant memory of %d words", where, c.Addr, end, v.a.ConstWords)
		}
		if i > 0 {
			q := v.p.Consts[i-1]
			if uint64(q.Addr)+uint64(len(q.Data)) > uint64(c.Addr) {
				v.addf("%s: starts at %d, overlapping or not after consts[%d] (%q) ending at %d", where, c.Addr, i-1, q.Name, uint64(q.Addr)+uint64(len(q.Data)))
			}
		}
	}
}

func (v *validator) checkPorts() {
	type span struct {
		lo, hi uint64
		port   *Port
	}
	var spans []span
	names := map[string]bool{}
	for i, pt := range v.p.Ports {
		where := fmt.Sprintf("ports[%d] (%s %q)", i, pt.Dir, pt.Name)
		if pt.Name == "" {
			v.addf("%s: empty name", where)
		}
		if names[pt.Name] {
			v.addf("%s: duplicate name", where)
		}
		names[pt.Name] = true
		if pt.Dir != PortIn && pt.Dir != PortOut {
			v.addf("%s: direction %d is neither input (0) nor output (1)", where, pt.Dir)
		}
		if !pt.Type.Valid() {
			v.addf("%s: invalid element type code %d", where, uint8(pt.Type))
		} else if pt.Type.Bits() > v.a.ActWordBits {
			v.addf("%s: element type %v does not fit a %d-bit buffer word", where, pt.Type, v.a.ActWordBits)
		}
		if !(pt.Scale > 0) || math.IsInf(pt.Scale, 0) {
			v.addf("%s: scale %v must be positive and finite", where, pt.Scale)
		}
		if pt.Segment < AllSegments {
			v.addf("%s: segment %d is neither a segment index (>= 0) nor all (-1)", where, pt.Segment)
		}
		n := uint64(1)
		for _, d := range pt.Shape {
			n *= uint64(d)
			if n > 1<<40 {
				break
			}
		}
		// A port holds FrameCount frames back to back (Program.Frames).
		lo, hi := uint64(pt.Addr), uint64(pt.Addr)+n*uint64(v.p.FrameCount())
		if hi > uint64(v.a.ActBufferWords) {
			v.addf("%s: words [%d, %d) outside the activation buffer of %d words", where, lo, hi, v.a.ActBufferWords)
		}
		// Only ports that one run uses must be disjoint (Port.Segment).
		for _, s := range spans {
			if lo < s.hi && s.lo < hi && pt.SharesRun(s.port) {
				v.addf("%s: words [%d, %d) overlap port %q of the same run (%s)", where, lo, hi, s.port.Name, segmentWords(&pt, s.port))
			}
		}
		spans = append(spans, span{lo, hi, &v.p.Ports[i]})
	}
}

// segmentWords says which run two overlapping ports share, for the error.
func segmentWords(a, b *Port) string {
	switch {
	case a.Segment == AllSegments || b.Segment == AllSegments:
		return "a port of every segment overlaps another port"
	case a.Segment == 0:
		return "segment 0; ports of one segment must be disjoint"
	}
	return fmt.Sprintf("segment %d; ports of one segment must be disjoint", a.Segment)
}

func (v *validator) checkSymbols() {
	names := map[string]bool{}
	for i, s := range v.p.Symbols {
		where := fmt.Sprintf("symbols[%d] (%q)", i, s.Name)
		if !identRE.MatchString(s.Name) || isAutoLabel(s.Name) {
			v.addf("%s: name is not an identifier (or is a reserved .L<n> label)", where)
		}
		if names[s.Name] {
			v.addf("%s: duplicate label", where)
		}
		names[s.Name] = true
		if uint64(s.PC) > uint64(len(v.p.Code)) {
			v.addf("%s: pc %d beyond the code (%d instructions)", where, s.PC, len(v.p.Code))
		}
		if i > 0 && v.p.Symbols[i-1].PC > s.PC {
			v.addf("%s: symbols are not sorted by pc", where)
		}
	}
}

// checkCode checks every instruction's fields against the architecture, and
// that every statically addressed row read is programmed before it is read:
// by the weight image, or by a wrp that precedes it in program order or that
// a backward branch can bring before it again (a loop). A wrp with a
// register-relative row (sub-array) counts for every row of its sub-array
// (of every sub-array). The simulator checks the remaining cases at run time.
func (v *validator) checkCode() {
	p, a := v.p, v.a
	loaded := map[rowKey]bool{}
	for _, w := range p.Weights {
		loaded[rowKey{int64(w.Subarray), int64(w.Row)}] = true
	}
	// First pc of a wrp that may write a row: static address, dynamic row
	// of a known sub-array, fully dynamic.
	firstWrite := map[rowKey]int{}
	firstAnyRow := map[int64]int{}
	firstAny := -1
	note := func(m map[rowKey]int, k rowKey, pc int) {
		if _, ok := m[k]; !ok {
			m[k] = pc
		}
	}
	type read struct {
		pc      int
		sa, row int64
	}
	var reads []read
	halt := false
	for pc, in := range p.Code {
		info := in.Op.Info()
		if info == nil {
			v.addf("code[%d]: undefined opcode 0x%02x", pc, uint8(in.Op))
			continue
		}
		where := lazyWhere{pc, info.Mnemonic}
		v.srcOK(where, in.Src)
		bad := false
		for i, f := range info.Fields {
			if err := checkField(f, in.Args[i]); err != nil {
				v.addf("%s: %v", where, err)
				bad = true
			}
		}
		for i := len(info.Fields); i < MaxArgs; i++ {
			if in.Args[i] != 0 {
				v.addf("%s: unused operand slot %d is %d, want 0", where, i, in.Args[i])
				bad = true
			}
		}
		if bad {
			continue
		}
		x := in.Args
		// static reports whether the base register at x[i] is r0, so the
		// address is the immediate at x[i+1].
		static := func(i int) bool { return x[i] == 0 }
		saOK := func(i int) bool {
			if static(i) && x[i+1] >= int64(a.Subarrays) {
				v.addf("%s: sub-array %d out of range (target has %d)", where, x[i+1], a.Subarrays)
				return false
			}
			return static(i)
		}
		rowOK := func(name string, row int64) bool {
			if row >= int64(a.Rows) {
				v.addf("%s: %s %d out of range (target has %d rows)", where, name, row, a.Rows)
				return false
			}
			return true
		}
		accOK := func(acc int64) {
			if acc >= int64(a.AccPerSubarray) {
				v.addf("%s: accumulator a%d out of range (target has %d per sub-array)", where, acc, a.AccPerSubarray)
			}
		}
		bufOK := func(i int, n int64, size int, mem string) {
			if static(i) && (x[i+1] < 0 || x[i+1]+n > int64(size)) {
				v.addf("%s: %s address %d (+%d) outside %d words", where, mem, x[i+1], n, size)
			}
		}
		// groupOK checks the group size n of a group instruction and, for
		// a static base (r0: sub-arrays 0..n-1), that the group stays in
		// the first bank; it reports whether the base is static.
		groupOK := func(i int, n int64) bool {
			switch {
			case a.GroupSubarrays == 0:
				v.addf("%s: group instructions need a target with a parallel section (group_subarrays)%s", where, serialNote(a))
				return false
			case n < 1 || n > int64(a.GroupSubarrays):
				v.addf("%s: group of %d sub-arrays outside 1..%d (group_subarrays)", where, n, a.GroupSubarrays)
				return false
			case x[i] == 0 && n > int64(a.SubarraysPerBank()):
				v.addf("%s: group of sub-arrays [0, %d) crosses the bank boundary at %d", where, n, a.SubarraysPerBank())
				return false
			}
			return x[i] == 0
		}
		switch in.Op {
		case OpHalt:
			halt = true
		case OpDload, OpDstore:
			if a.DRAMWords == 0 {
				v.addf("%s: needs a target with a dram section (off-chip memory)", where)
			}
		case OpTsig, OpTwait:
			if x[0] >= int64(a.Tokens) {
				v.addf("%s: token %d out of range (target has %d)%s", where, x[0], a.Tokens, serialNote(a))
			}
		case OpGwrp: // ra, n, rb, row, p, bit
			s := groupOK(0, x[1])
			r := static(2) && rowOK("row", x[3])
			for j := int64(0); j < x[1] && s; j++ {
				if r {
					note(firstWrite, rowKey{j, x[3]}, pc)
				} else if _, ok := firstAnyRow[j]; !ok {
					firstAnyRow[j] = pc
				}
			}
			if !s && firstAny < 0 {
				firstAny = pc
			}
			if x[5] >= int64(a.ActWordBits) {
				v.addf("%s: bit %d beyond the %d-bit buffer word", where, x[5], a.ActWordBits)
			}
		case OpGbmac: // ra, n, rowa, rb, rowb, acc, shift, sign
			s := groupOK(0, x[1])
			ra := rowOK("rowa", x[2])
			rb := static(3) && rowOK("rowb", x[4])
			for j := int64(0); j < x[1] && s; j++ {
				if ra {
					reads = append(reads, read{pc, j, x[2]})
				}
				if rb {
					reads = append(reads, read{pc, j, x[4]})
				}
			}
			accOK(x[5])
		case OpGdot: // ra, n, rowa, rb, rowb, acc, planes
			if !a.PlaneSequencer {
				v.addf("%s: needs a target with a plane sequencer (parallel.plane_sequencer, ISA v1.7)", where)
			}
			s := groupOK(0, x[1])
			pl := UnpackPlanes(x[6])
			ra := rowOK("last input row (rowa+N-1)", x[2]+int64(pl.N)-1)
			rb := static(3) && rowOK("last weight row (rowb+M-1)", x[4]+int64(pl.M)-1)
			for j := int64(0); j < x[1] && s; j++ {
				for q := int64(0); q < int64(pl.N) && ra; q++ {
					reads = append(reads, read{pc, j, x[2] + q})
				}
				for p := int64(0); p < int64(pl.M) && rb; p++ {
					reads = append(reads, read{pc, j, x[4] + p})
				}
			}
			accOK(x[5])
		case OpGvacc: // vd, ra, lane, rb, n, lstride, acc, clr
			groupOK(3, x[4])
			if last := x[2] + (x[4]-1)*x[5]; static(1) && x[4] >= 1 && last >= int64(a.DPULanes) {
				v.addf("%s: lanes %d..%d (stride %d) out of range (target has %d lanes)", where, x[2], last, x[5], a.DPULanes)
			}
			accOK(x[6])
		case OpJmp, OpBeq, OpBne, OpBlt, OpBge, OpDbnz:
			t := x[len(info.Fields)-1]
			if t >= int64(len(p.Code)) {
				v.addf("%s: branch target %d outside the code (%d instructions)", where, t, len(p.Code))
			}
		case OpLd, OpSt:
			bufOK(1, 1, a.ActBufferWords, "activation buffer")
		case OpLdc:
			bufOK(1, 1, a.ConstWords, "constant memory")
		case OpPld: // p, off, ra, imm, len
			if x[1]+x[4] > int64(a.Cols) {
				v.addf("%s: patch columns [%d, %d) beyond %d columns", where, x[1], x[1]+x[4], a.Cols)
			}
			bufOK(2, x[4], a.ActBufferWords, "activation buffer")
		case OpWrp: // ra, sa, rb, row, p, bit
			s := saOK(0)
			r := static(2) && rowOK("row", x[3])
			switch {
			case s && r:
				note(firstWrite, rowKey{x[1], x[3]}, pc)
			case s:
				if _, ok := firstAnyRow[x[1]]; !ok {
					firstAnyRow[x[1]] = pc
				}
			case firstAny < 0:
				firstAny = pc
			}
			if x[5] >= int64(a.ActWordBits) {
				v.addf("%s: bit %d beyond the %d-bit buffer word", where, x[5], a.ActWordBits)
			}
		case OpRdrow: // ra, sa, rb, row
			s := saOK(0)
			if static(2) && rowOK("row", x[3]) && s {
				reads = append(reads, read{pc, x[1], x[3]})
			}
		case OpAnd, OpOr, OpBmac: // ra, sa, rowa, rb, rowb, ...
			s := saOK(0)
			if rowOK("rowa", x[2]) && s {
				reads = append(reads, read{pc, x[1], x[2]})
			}
			if static(3) && rowOK("rowb", x[4]) && s {
				reads = append(reads, read{pc, x[1], x[4]})
			}
			if in.Op == OpBmac {
				accOK(x[5])
			}
		case OpPopc:
			saOK(0)
		case OpShadd, OpAccclr:
			saOK(0)
			accOK(x[2])
		case OpAccadd: // ra, sa, acc, rb, sa2, acc2
			s1, s2 := saOK(0), saOK(3)
			accOK(x[2])
			accOK(x[5])
			if s1 && s2 && x[1]/int64(a.SubarraysPerMat) != x[4]/int64(a.SubarraysPerMat) {
				v.addf("%s: sub-arrays %d and %d are in different mats (%d sub-arrays per mat)", where, x[1], x[4], a.SubarraysPerMat)
			}
		case OpSetvl:
			if static(0) && (x[1] < 1 || x[1] > int64(a.DPULanes)) {
				v.addf("%s: vector length %d outside 1..%d", where, x[1], a.DPULanes)
			}
		case OpVld, OpVst:
			bufOK(1, 1, a.ActBufferWords, "activation buffer")
		case OpVldc:
			bufOK(1, 1, a.ConstWords, "constant memory")
		case OpVclip:
			if x[2] > x[3] {
				v.addf("%s: lo %d > hi %d", where, x[2], x[3])
			}
		case OpVacc: // vd, ra, lane, rb, sa, acc, clr
			if static(1) && x[2] >= int64(a.DPULanes) {
				v.addf("%s: lane %d out of range (target has %d lanes)", where, x[2], a.DPULanes)
			}
			saOK(3)
			accOK(x[5])
		}
	}
	if len(p.Code) > 0 && !halt {
		v.addf("code: no halt instruction")
	}
	// backTo[pc] = smallest branch target among the branches at index >= pc:
	// a read at pc can follow a later write only if backTo[pc+1] <= pc.
	backTo := make([]int64, len(p.Code)+1)
	backTo[len(p.Code)] = math.MaxInt64
	for pc := len(p.Code) - 1; pc >= 0; pc-- {
		backTo[pc] = backTo[pc+1]
		if info := p.Code[pc].Op.Info(); info != nil && len(info.Fields) > 0 && info.Fields[len(info.Fields)-1].Kind == FTarget {
			backTo[pc] = min(backTo[pc], p.Code[pc].Args[len(info.Fields)-1])
		}
	}
	for _, r := range reads {
		k := rowKey{r.sa, r.row}
		if loaded[k] {
			continue
		}
		first := -1
		consider := func(w int, ok bool) {
			if ok && (first < 0 || w < first) {
				first = w
			}
		}
		w1, ok1 := firstWrite[k]
		consider(w1, ok1)
		w2, ok2 := firstAnyRow[r.sa]
		consider(w2, ok2)
		consider(firstAny, firstAny >= 0)
		switch {
		case first < 0:
			v.addf("code[%d] (%s): reads sub-array %d row %d, which is never programmed (not in the weight image, no wrp writes it)",
				r.pc, p.Code[r.pc].Op, r.sa, r.row)
		case first > r.pc && backTo[r.pc+1] > int64(r.pc):
			v.addf("code[%d] (%s): reads sub-array %d row %d before it is programmed (first wrp that may write it: code[%d]; no loop leads back)",
				r.pc, p.Code[r.pc].Op, r.sa, r.row, first)
		}
	}
}

// AsLoadError unwraps the *LoadError of a Validate error, if there is one.
func AsLoadError(err error) (*LoadError, bool) {
	var le *LoadError
	ok := errors.As(err, &le)
	return le, ok
}

// str adapts a string to fmt.Stringer.
type str string

func (s str) String() string { return string(s) }
