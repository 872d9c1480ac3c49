package ir

import (
	"bufio"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// PrintOptions controls Print.
type PrintOptions struct {
	// ElideConstsOver, when positive, prints every constant with more
	// elements than this as a one-line summary ("= elided  # 432 elems,
	// range [...], sparsity ...") instead of its payload. Such text is for
	// humans: Parse rejects elided constants. Zero (the default) prints
	// every payload in full, so Parse(Print(g)) reproduces g.
	ElideConstsOver int
}

// HumanElideConstsOver is the elision threshold used by Graph.String and by
// dumps meant to be read rather than parsed back.
const HumanElideConstsOver = 16

// summaryOver is the size above which a full constant also gets a summary
// comment, so a reader does not have to scan the payload.
const summaryOver = 8

// Print writes g in the .pir text format (grammar: see parse.go and
// docs/PIR.md). The output is deterministic: the same graph always prints
// to the same bytes. Print never panics, even on a graph Verify rejects;
// such a graph may not parse back.
func Print(w io.Writer, g *Graph, opt PrintOptions) error {
	if g == nil {
		return errors.New("ir.Print: nil graph")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	p := &printer{w: bw, opt: opt, handles: map[*Value]string{}, annotate: map[*Value]bool{}, usedNames: map[string]bool{}}
	p.graph(g)
	return bw.Flush()
}

// String prints g for humans: large constants are summarised.
func (g *Graph) String() string {
	if g == nil {
		return "<nil graph>"
	}
	var b strings.Builder
	_ = Print(&b, g, PrintOptions{ElideConstsOver: HumanElideConstsOver})
	return b.String()
}

type printer struct {
	w   *bufio.Writer
	opt PrintOptions
	buf []byte // the line being built

	// handles maps each value to its printed reference ("%x", "%3",
	// `%"a/b"`). A named value is referred to by its name; an anonymous
	// value, or a second value carrying a name already taken, gets the next
	// number, and in the second case a name="..." annotation.
	handles   map[*Value]string
	annotate  map[*Value]bool
	usedNames map[string]bool
	next      int
}

func (p *printer) flushLine() {
	p.buf = append(p.buf, '\n')
	_, _ = p.w.Write(p.buf) // bufio errors are sticky and reported by Flush
	p.buf = p.buf[:0]
}

func (p *printer) str(s string) { p.buf = append(p.buf, s...) }

// spill hands a long partial line to the writer, so a payload of millions
// of elements is not first built in memory.
func (p *printer) spill() {
	if len(p.buf) >= 32<<10 && p.w != nil {
		_, _ = p.w.Write(p.buf)
		p.buf = p.buf[:0]
	}
}

// handle returns v's reference, assigning one on first sight. Values are
// first seen at their definition in a well-formed graph, so numbering follows
// definition order.
func (p *printer) handle(v *Value) string {
	if v == nil {
		return "_"
	}
	if h, ok := p.handles[v]; ok {
		return h
	}
	var h string
	if v.Name != "" && !p.usedNames[v.Name] {
		p.usedNames[v.Name] = true
		h = "%" + quoteName(v.Name)
	} else {
		h = "%" + strconv.Itoa(p.next)
		p.next++
		if v.Name != "" {
			p.annotate[v] = true
		}
	}
	p.handles[v] = h
	return h
}

// quoteName returns name as written after '%': bare if it is a plain
// identifier (so it cannot be mistaken for a number), quoted otherwise.
func quoteName(name string) string {
	if isPlainIdent(name) {
		return name
	}
	return strconv.Quote(name)
}

// isPlainIdent reports whether s matches [A-Za-z_][A-Za-z0-9_.]*.
func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLetter(c) || (i > 0 && (isDigit(c) || c == '.')) {
			continue
		}
		return false
	}
	return true
}

func isLetter(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func (p *printer) graph(g *Graph) {
	p.str("pir 1")
	p.flushLine()
	p.str("graph ")
	p.buf = strconv.AppendQuote(p.buf, g.Name)
	p.str(" stage=")
	p.str(g.Stage.String())
	p.str(" opset=")
	p.buf = strconv.AppendInt(p.buf, g.Opset, 10)
	p.str(" producer=")
	p.buf = strconv.AppendQuote(p.buf, g.Producer)
	p.flushLine()
	for _, v := range g.Inputs {
		p.str("input ")
		p.def(v)
		if v != nil && v.DynamicBatch {
			p.str(" batch=dynamic")
		}
		p.flushLine()
	}
	for _, v := range g.Consts {
		p.constant(v)
	}
	for _, n := range g.Nodes {
		p.node(n)
	}
	for _, v := range g.Outputs {
		p.str("output ")
		p.str(p.handle(v))
		p.flushLine()
	}
}

// def prints a value definition: handle, type, quantization, name annotation.
func (p *printer) def(v *Value) {
	h := p.handle(v)
	p.str(h)
	if v == nil {
		return
	}
	p.str(": ")
	p.typ(v.Type)
	if q := v.Quant; q != nil {
		p.str(" quant{bits=")
		p.buf = strconv.AppendInt(p.buf, int64(q.Bits), 10)
		p.str(", signed=")
		p.buf = strconv.AppendBool(p.buf, q.Signed)
		p.str(", axis=")
		p.buf = strconv.AppendInt(p.buf, int64(q.Axis), 10)
		p.str(", scale=[")
		for i, s := range q.Scale {
			if i > 0 {
				p.str(",")
			}
			p.buf = appendFloat32(p.buf, s, true)
		}
		p.str("], zero_point=[")
		for i, z := range q.ZeroPoint {
			if i > 0 {
				p.str(",")
			}
			p.buf = strconv.AppendInt(p.buf, int64(z), 10)
		}
		p.str("]}")
	}
	if p.annotate[v] {
		p.str(" name=")
		p.buf = strconv.AppendQuote(p.buf, v.Name)
	}
}

func (p *printer) typ(t Type) {
	p.str(t.DType.String())
	p.str(tensor.ShapeString(t.Shape))
}

func (p *printer) constant(v *Value) {
	p.str("const ")
	p.def(v)
	if v == nil {
		p.flushLine()
		return
	}
	t := v.Const
	if t == nil {
		p.str(" = elided  # BUG: constant without payload")
		p.flushLine()
		return
	}
	n := payloadLen(t)
	if p.opt.ElideConstsOver > 0 && n > p.opt.ElideConstsOver {
		p.str(" = elided  # ")
		p.summary(t, v.Type.DType)
		p.flushLine()
		return
	}
	p.str(" = ")
	p.payload(t, v.Type.DType, ", ")
	if n > summaryOver {
		p.str("  # ")
		p.summary(t, v.Type.DType)
	}
	p.flushLine()
}

// payloadLen is the number of stored elements, whatever the storage field.
func payloadLen(t *tensor.Tensor) int {
	switch {
	case t.F32 != nil:
		return len(t.F32)
	case t.F64 != nil:
		return len(t.F64)
	}
	return len(t.I64)
}

// payload prints the stored elements as a flat list. The storage field, not
// the declared type, chooses the format, so a malformed constant still
// prints what it holds.
func (p *printer) payload(t *tensor.Tensor, dt tensor.DType, sep string) {
	p.str("[")
	switch {
	case t.F32 != nil:
		for i, x := range t.F32 {
			if i > 0 {
				p.str(sep)
			}
			p.buf = appendFloat32(p.buf, x, false)
			p.spill()
		}
	case t.F64 != nil:
		for i, x := range t.F64 {
			if i > 0 {
				p.str(sep)
			}
			p.buf = appendFloat64(p.buf, x)
			p.spill()
		}
	default:
		for i, x := range t.I64 {
			if i > 0 {
				p.str(sep)
			}
			if dt == tensor.Uint64 {
				p.buf = strconv.AppendUint(p.buf, uint64(x), 10)
			} else {
				p.buf = strconv.AppendInt(p.buf, x, 10)
			}
			p.spill()
		}
	}
	p.str("]")
}

// summary appends "N elems, range [lo, hi], sparsity s" (NaNs are left out
// of the range and counted separately).
func (p *printer) summary(t *tensor.Tensor, dt tensor.DType) {
	n := payloadLen(t)
	p.buf = strconv.AppendInt(p.buf, int64(n), 10)
	p.str(" elems")
	if n == 0 {
		return
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	zeros, nans := 0, 0
	for i := 0; i < n; i++ {
		var x float64
		switch {
		case t.F32 != nil:
			x = float64(t.F32[i])
		case t.F64 != nil:
			x = t.F64[i]
		case dt == tensor.Uint64:
			x = float64(uint64(t.I64[i]))
		default:
			x = float64(t.I64[i])
		}
		if x != x {
			nans++
			continue
		}
		if x == 0 {
			zeros++
		}
		lo = math.Min(lo, x)
		hi = math.Max(hi, x)
	}
	if nans < n {
		p.str(", range [")
		p.buf = strconv.AppendFloat(p.buf, lo, 'g', 4, 64)
		p.str(", ")
		p.buf = strconv.AppendFloat(p.buf, hi, 'g', 4, 64)
		p.str("]")
	}
	p.str(", sparsity ")
	p.buf = strconv.AppendFloat(p.buf, float64(zeros)/float64(n), 'f', 2, 64)
	if nans > 0 {
		p.str(", ")
		p.buf = strconv.AppendInt(p.buf, int64(nans), 10)
		p.str(" NaN")
	}
}

// Canonical quiet NaNs (what NumPy and ONNX tools write) print as "nan";
// any other NaN keeps its exact bits as "nan(0x...)".
const (
	canonNaN32 = 0x7fc00000
	canonNaN64 = 0x7ff8000000000000
)

// appendFloat32 appends the shortest decimal that parses back to the same
// float32 bits. With marker set, a value that would look like an integer
// gets ".0" so attribute values keep their kind.
func appendFloat32(b []byte, x float32, marker bool) []byte {
	switch {
	case x != x:
		bits := math.Float32bits(x)
		if bits == canonNaN32 {
			return append(b, "nan"...)
		}
		b = append(b, "nan(0x"...)
		b = strconv.AppendUint(b, uint64(bits), 16)
		return append(b, ')')
	case math.IsInf(float64(x), 1):
		return append(b, "inf"...)
	case math.IsInf(float64(x), -1):
		return append(b, "-inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	if marker && looksInt(b[start:]) {
		b = append(b, ".0"...)
	}
	return b
}

// appendFloat64 is appendFloat32 for float64 payloads.
func appendFloat64(b []byte, x float64) []byte {
	switch {
	case x != x:
		bits := math.Float64bits(x)
		if bits == canonNaN64 {
			return append(b, "nan"...)
		}
		b = append(b, "nan(0x"...)
		b = strconv.AppendUint(b, bits, 16)
		return append(b, ')')
	case math.IsInf(x, 1):
		return append(b, "inf"...)
	case math.IsInf(x, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

func looksInt(s []byte) bool {
	for _, c := range s {
		if !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

func (p *printer) node(n *Node) {
	if n == nil {
		p.str("# BUG: nil node")
		p.flushLine()
		return
	}
	for i, v := range n.Outputs {
		if i > 0 {
			p.str(", ")
		}
		p.def(v)
	}
	if len(n.Outputs) > 0 {
		p.str(" = ")
	}
	p.opName(string(n.Op))
	p.str("(")
	for i, v := range n.Inputs {
		if i > 0 {
			p.str(", ")
		}
		p.str(p.handle(v))
	}
	p.str(")")
	if len(n.Attrs) > 0 {
		p.str(" {")
		for i, name := range n.Attrs.Names() {
			if i > 0 {
				p.str(", ")
			}
			p.opName(name)
			p.str("=")
			p.attr(n.Attrs[name], emptyListKind(n.Op, name))
		}
		p.str("}")
	}
	if n.Name != "" || n.OnnxOp != "" {
		p.str(" @")
		p.buf = strconv.AppendQuote(p.buf, n.Name)
		if n.OnnxOp != "" {
			p.str(":")
			p.opName(n.OnnxOp)
		}
	}
	p.flushLine()
}

// opName prints an identifier, quoting it if it is not a plain one.
func (p *printer) opName(s string) {
	if isPlainIdent(s) {
		p.str(s)
	} else {
		p.buf = strconv.AppendQuote(p.buf, s)
	}
}

// emptyListKind is the kind Parse gives an empty list "[]" in attribute
// name of op: the op table's kind if it says floats, ints otherwise.
func emptyListKind(op Op, name string) AttrKind {
	if info := Lookup(op); info != nil {
		if s := info.Attr(name); s != nil && s.Kind == AttrFloats {
			return AttrFloats
		}
	}
	return AttrInts
}

// attr prints an attribute value; emptyKind is what a bare "[]" would read
// back as, so an empty list of the other kind gets an explicit prefix.
func (p *printer) attr(a Attr, emptyKind AttrKind) {
	switch a.Kind {
	case AttrInt:
		p.buf = strconv.AppendInt(p.buf, a.Int, 10)
	case AttrInts:
		if len(a.Ints) == 0 && emptyKind != AttrInts {
			p.str("ints")
		}
		p.str("[")
		for i, x := range a.Ints {
			if i > 0 {
				p.str(",")
			}
			p.buf = strconv.AppendInt(p.buf, x, 10)
		}
		p.str("]")
	case AttrFloat:
		p.buf = appendFloat32(p.buf, a.Float, true)
	case AttrFloats:
		if len(a.Floats) == 0 && emptyKind != AttrFloats {
			p.str("floats")
		}
		p.str("[")
		for i, x := range a.Floats {
			if i > 0 {
				p.str(",")
			}
			p.buf = appendFloat32(p.buf, x, true)
		}
		p.str("]")
	case AttrString:
		p.buf = strconv.AppendQuote(p.buf, a.Str)
	case AttrTensor:
		if a.Tensor == nil {
			p.str("tensor(nil)")
			return
		}
		p.str("tensor(")
		p.typ(Type{DType: a.Tensor.DType, Shape: a.Tensor.Shape})
		p.str(", ")
		p.payload(a.Tensor, a.Tensor.DType, ",")
		p.str(")")
	default:
		p.str("invalid(")
		p.buf = strconv.AppendInt(p.buf, int64(a.Kind), 10)
		p.str(")")
	}
}
