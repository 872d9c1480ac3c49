package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// The .pir text format, as written by Print and read by Parse. One
// declaration per line (a line break inside [...] does not end it, so
// hand-written payloads may span lines); '#' starts a comment that runs to
// the end of the line. docs/PIR.md has the same grammar with examples.
//
//	file     = "pir" "1" NL graph NL { decl NL } .
//	graph    = "graph" STRING { ("stage" "=" IDENT | "opset" "=" INT | "producer" "=" STRING) } .
//	decl     = input | const | node | output .
//	input    = "input" valdef [ "batch" "=" "dynamic" ] .
//	const    = "const" valdef "=" ( payload | "elided" ) .
//	output   = "output" ref { "," ref } .
//	node     = [ outdef { "," outdef } "=" ] opname "(" [ operand { "," operand } ] ")"
//	           [ "{" [ attr { "," attr } ] "}" ] [ "@" STRING [ ":" opname ] ] .
//	outdef   = valdef | "_" .                       # "_": a missing (nil) output
//	operand  = ref | "_" .                          # "_": an absent optional input
//	valdef   = ref ":" type [ quant ] [ "name" "=" STRING ] .
//	ref      = "%" ( IDENT | DIGITS | STRING ) .
//	type     = IDENT "[" [ INT { "," INT } ] "]" .  # f32[1,3,224,224]; f32[] is a scalar
//	quant    = "quant" "{" "bits" "=" INT "," "signed" "=" BOOL "," "axis" "=" INT ","
//	           "scale" "=" "[" floats "]" "," "zero_point" "=" "[" ints "]" "}" .
//	payload  = "[" [ number { "," number } ] "]" .  # row-major, as many as the type holds
//	attr     = IDENT "=" attrval .
//	attrval  = INT | FLOAT | STRING | "[" ints "]" | "[" floats "]" | "floats" "[" "]"
//	         | "tensor" "(" ( "nil" | type "," payload ) ")" .
//	opname   = IDENT | STRING .
//	FLOAT    = a decimal with "." or an exponent | "inf" | "-inf" | "nan" | "nan" "(" HEXBITS ")" .
//
// Value references: %12 (digits, unquoted) is an anonymous value (Name "");
// %x or %"gpu_0/data_0" is the value named x or gpu_0/data_0. A value whose
// name is already taken by an earlier value (only in graphs Verify would
// question) is written as a number with a name="..." annotation. References
// may precede the definition (so a graph out of topological order still
// reads back and Verify can report it), but every referenced value must be
// defined exactly once. Float payloads are shortest round-trip decimals;
// NaNs other than the canonical quiet NaN keep their bits as nan(0x...).
// Attribute floats always carry a '.', an exponent, inf or nan, so 1.0 is a
// float and 1 an int.

// ParseError is a syntax or reference error in .pir text.
type ParseError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Parse reads a graph in the .pir text format. filename is used in error
// messages only. Parse checks syntax, references, op names and the declared
// sizes of values against the limits (Limits, before any payload is read);
// run Verify for everything else.
func Parse(filename string, src []byte) (g *Graph, err error) {
	p := &parser{lx: newLexer(filename, src), vals: map[string]*pval{}}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*ParseError)
			if !ok {
				panic(r)
			}
			g, err = nil, pe
		}
	}()
	p.next()
	p.file()
	return p.g, nil
}

// pval tracks one value handle: where it was first used and where defined.
type pval struct {
	v               *Value
	handle          string // as written, for messages
	defined, used   bool
	defLine         int // line of the definition
	useLine, useCol int // first use
}

type parser struct {
	lx   *lexer
	tok  token
	g    *Graph
	vals map[string]*pval
	// order lists handles by first appearance, so the "undefined value"
	// error is deterministic.
	order   []*pval
	lastDef string // handle of the latest definition, for messages
	// total sums the declared sizes of the values defined so far, so a
	// text declaring too much is refused before a payload is allocated.
	total SizeTotal
}

func (p *parser) next() {
	p.tok = p.lx.next()
	if p.lx.err != nil {
		panic(p.lx.err)
	}
}

func (p *parser) failAt(line, col int, format string, args ...any) {
	panic(&ParseError{File: p.lx.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) fail(format string, args ...any) {
	p.failAt(p.tok.line, p.tok.col, format, args...)
}

func (p *parser) expected(what string) {
	p.fail("expected %s, got %s", what, p.tok.describe())
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }
func (p *parser) isIdent(s string) bool { return p.tok.kind == tIdent && p.tok.text == s }

func (p *parser) expectPunct(s string) {
	if !p.isPunct(s) {
		p.expected(strconv.Quote(s))
	}
	p.next()
}

func (p *parser) expectIdent(s string) {
	if !p.isIdent(s) {
		p.expected(strconv.Quote(s))
	}
	p.next()
}

func (p *parser) endLine() {
	if p.tok.kind != tNL && p.tok.kind != tEOF {
		p.expected("end of line")
	}
	if p.tok.kind == tNL {
		p.next()
	}
}

func (p *parser) skipNL() {
	for p.tok.kind == tNL {
		p.next()
	}
}

func (p *parser) file() {
	p.skipNL()
	p.expectIdent("pir")
	if p.tok.kind != tNum || p.tok.text != "1" {
		p.expected(`format version 1 ("pir 1")`)
	}
	p.next()
	p.endLine()
	p.skipNL()
	p.g = &Graph{}
	p.graphLine()
	for p.tok.kind != tEOF {
		p.decl()
	}
	for _, pv := range p.order {
		if !pv.defined {
			p.failAt(pv.useLine, pv.useCol, "value %s is used but never defined", pv.handle)
		}
	}
}

func (p *parser) graphLine() {
	p.expectIdent("graph")
	if p.tok.kind != tString {
		p.expected("graph name (a quoted string)")
	}
	p.g.Name = p.tok.text
	p.next()
	seen := map[string]bool{}
	for p.tok.kind == tIdent {
		key := p.tok.text
		if seen[key] {
			p.fail("graph attribute %q given twice", key)
		}
		seen[key] = true
		p.next()
		p.expectPunct("=")
		switch key {
		case "stage":
			if p.tok.kind != tIdent {
				p.expected("a stage name")
			}
			st, err := ParseStage(p.tok.text)
			if err != nil {
				p.fail("%v", err)
			}
			p.g.Stage = st
		case "opset":
			p.g.Opset = p.intTok("opset", math.MinInt64, math.MaxInt64)
			continue
		case "producer":
			if p.tok.kind != tString {
				p.expected("producer (a quoted string)")
			}
			p.g.Producer = p.tok.text
		default:
			p.failAt(p.tok.line, p.tok.col, "unknown graph attribute %q (want stage, opset or producer)", key)
		}
		p.next()
	}
	p.endLine()
}

func (p *parser) decl() {
	switch {
	case p.isIdent("input"):
		p.next()
		v := p.valdef()
		if p.isIdent("batch") {
			p.next()
			p.expectPunct("=")
			if !p.isIdent("dynamic") {
				p.expected(`"dynamic" (the only value of an input's batch=)`)
			}
			p.next()
			v.DynamicBatch = true
		}
		p.g.Inputs = append(p.g.Inputs, v)
	case p.isIdent("const"):
		p.next()
		v := p.valdef()
		h := p.lastDef
		p.expectPunct("=")
		if p.isIdent("elided") {
			p.fail("constant %s is elided: this text is a summary for humans; print the graph with full constants (ir.PrintOptions{ElideConstsOver: 0}) to parse it", h)
		}
		v.Const = p.payload(v.Type, "constant "+h)
		p.g.Consts = append(p.g.Consts, v)
	case p.isIdent("output"):
		p.next()
		for {
			p.g.Outputs = append(p.g.Outputs, p.ref())
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	case p.tok.kind == tRef || p.tok.kind == tIdent || p.tok.kind == tString:
		p.node()
	default:
		p.expected("input, const, output or a node")
	}
	p.endLine()
}

func handleKey(t token) (key, name, printed string) {
	if t.quoted {
		return "n:" + t.text, t.text, "%" + strconv.Quote(t.text)
	}
	if allDigits(t.text) {
		return "a:" + t.text, "", "%" + t.text
	}
	return "n:" + t.text, t.text, "%" + t.text
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func (p *parser) lookup(t token) *pval {
	key, name, printed := handleKey(t)
	pv := p.vals[key]
	if pv == nil {
		pv = &pval{v: &Value{Name: name}, handle: printed}
		p.vals[key] = pv
		p.order = append(p.order, pv)
	}
	return pv
}

// ref parses a reference to a value (possibly defined later).
func (p *parser) ref() *Value {
	if p.tok.kind != tRef {
		p.expected("a value reference (%name)")
	}
	pv := p.lookup(p.tok)
	if !pv.used {
		pv.used, pv.useLine, pv.useCol = true, p.tok.line, p.tok.col
	}
	p.next()
	return pv.v
}

// valdef parses "%x: type [quant] [name=...]" and defines %x.
func (p *parser) valdef() *Value {
	if p.tok.kind != tRef {
		p.expected("a value definition (%name: type)")
	}
	pv := p.lookup(p.tok)
	if pv.defined {
		p.fail("value %s defined twice (first at line %d)", pv.handle, pv.defLine)
	}
	pv.defined, pv.defLine = true, p.tok.line
	p.lastDef = pv.handle
	p.next()
	p.expectPunct(":")
	v := pv.v
	typeLine, typeCol := p.tok.line, p.tok.col
	v.Type = p.typ()
	// The size limits hold for declared types too: a constant's payload
	// is allocated from its type, and a node's type is what the
	// interpreter allocates.
	if err := CheckValueSize(pv.handle+":", v.Type); err != nil {
		p.failAt(typeLine, typeCol, "%v", err)
	}
	if err := p.total.Add(pv.handle+":", v.Type); err != nil {
		p.failAt(typeLine, typeCol, "%v", err)
	}
	for p.tok.kind == tIdent {
		switch p.tok.text {
		case "quant":
			if v.Quant != nil {
				p.fail("quant given twice")
			}
			p.next()
			v.Quant = p.quant()
		case "batch":
			return v // batch=dynamic: an input's, read by decl
		case "name":
			p.next()
			p.expectPunct("=")
			if p.tok.kind != tString {
				p.expected("a quoted name")
			}
			if pv.handle[1] == '"' || !allDigits(pv.handle[1:]) {
				p.fail("name= is only allowed on numbered values (%s already has a name)", pv.handle)
			}
			v.Name = p.tok.text
			p.next()
		default:
			p.expected(`"quant", "name", "=" or ","`)
		}
	}
	return v
}

func (p *parser) typ() Type {
	if p.tok.kind != tIdent {
		p.expected("an element type (f32, i64, ...)")
	}
	var t Type
	if p.tok.text != "invalid" {
		dt, err := tensor.ParseDType(p.tok.text)
		if err != nil {
			p.fail("%v", err)
		}
		t.DType = dt
	}
	p.next()
	p.expectPunct("[")
	t.Shape = []int{}
	for !p.isPunct("]") {
		if len(t.Shape) > 0 {
			p.expectPunct(",")
		}
		t.Shape = append(t.Shape, int(p.intTok("dimension", 0, math.MaxInt32)))
	}
	p.next()
	return t
}

// intTok consumes an integer token, which must lie in [lo, hi].
func (p *parser) intTok(what string, lo, hi int64) int64 {
	if p.tok.kind != tNum {
		p.expected(what + " (an integer)")
	}
	x, err := strconv.ParseInt(p.tok.text, 10, 64)
	if err != nil {
		p.fail("expected %s (an integer), got %q", what, p.tok.text)
	}
	if x < lo || x > hi {
		p.fail("%s %d out of range [%d, %d]", what, x, lo, hi)
	}
	p.next()
	return x
}

func (p *parser) quant() *QuantParams {
	q := &QuantParams{}
	p.expectPunct("{")
	field := func(name string) {
		p.expectIdent(name)
		p.expectPunct("=")
	}
	field("bits")
	q.Bits = int(p.intTok("bits", math.MinInt32, math.MaxInt32))
	p.expectPunct(",")
	field("signed")
	switch {
	case p.isIdent("true"):
		q.Signed = true
	case p.isIdent("false"):
	default:
		p.expected("true or false")
	}
	p.next()
	p.expectPunct(",")
	field("axis")
	q.Axis = int(p.intTok("axis", math.MinInt32, math.MaxInt32))
	p.expectPunct(",")
	field("scale")
	p.expectPunct("[")
	for !p.isPunct("]") {
		if len(q.Scale) > 0 {
			p.expectPunct(",")
		}
		q.Scale = append(q.Scale, p.float32Tok())
	}
	p.next()
	p.expectPunct(",")
	field("zero_point")
	p.expectPunct("[")
	for !p.isPunct("]") {
		if len(q.ZeroPoint) > 0 {
			p.expectPunct(",")
		}
		q.ZeroPoint = append(q.ZeroPoint, int32(p.intTok("zero point", math.MinInt32, math.MaxInt32)))
	}
	p.next()
	p.expectPunct("}")
	return q
}

// isFloatLit reports whether the current token is written as a float
// (decimal point, exponent, inf or nan), as opposed to an integer.
func (p *parser) isFloatLit() bool {
	switch p.tok.kind {
	case tIdent:
		return p.tok.text == "inf" || p.tok.text == "nan"
	case tNum:
		s := p.tok.text
		if isHex(s) {
			return false
		}
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '.', 'e', 'E', 'i', 'n', 'I', 'N':
				return true
			}
		}
	}
	return false
}

// nanBits consumes "nan" or "nan(0x...)" and returns the bits given, or
// ok=false for a bare (canonical) "nan".
func (p *parser) nanBits(bitSize int) (bits uint64, ok bool) {
	p.next()
	if !p.isPunct("(") {
		return 0, false
	}
	p.next()
	if p.tok.kind != tNum {
		p.expected("NaN bits (0x...)")
	}
	bits, err := strconv.ParseUint(p.tok.text, 0, bitSize)
	if err != nil {
		p.fail("bad NaN bits %q: want a %d-bit hex number", p.tok.text, bitSize)
	}
	p.next()
	p.expectPunct(")")
	return bits, true
}

// float32Tok consumes a float32 literal.
func (p *parser) float32Tok() float32 {
	if p.isIdent("nan") {
		line, col := p.tok.line, p.tok.col
		bits, ok := p.nanBits(32)
		if !ok {
			return math.Float32frombits(canonNaN32)
		}
		x := math.Float32frombits(uint32(bits))
		if x == x {
			p.failAt(line, col, "nan(%#x) is not a NaN", bits)
		}
		return x
	}
	if p.tok.kind != tNum && !p.isIdent("inf") {
		p.expected("a number")
	}
	x, err := strconv.ParseFloat(p.tok.text, 32)
	if err != nil || x != x {
		p.fail("expected a float32, got %q", p.tok.text)
	}
	p.next()
	return float32(x)
}

// float64Tok consumes a float64 literal.
func (p *parser) float64Tok() float64 {
	if p.isIdent("nan") {
		line, col := p.tok.line, p.tok.col
		bits, ok := p.nanBits(64)
		if !ok {
			return math.Float64frombits(canonNaN64)
		}
		x := math.Float64frombits(bits)
		if x == x {
			p.failAt(line, col, "nan(%#x) is not a NaN", bits)
		}
		return x
	}
	if p.tok.kind != tNum && !p.isIdent("inf") {
		p.expected("a number")
	}
	x, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil || x != x {
		p.fail("expected a float64, got %q", p.tok.text)
	}
	p.next()
	return x
}

// payload consumes "[...]" holding exactly as many elements as t has, and
// returns them as a tensor of type t. what names the value for errors.
func (p *parser) payload(t Type, what string) *tensor.Tensor {
	line, col := p.tok.line, p.tok.col
	want, ok := checkedNumElems(t.Shape)
	if !ok {
		p.fail("%s: shape %v is too large", what, t.Shape)
	}
	if t.DType == tensor.Invalid {
		p.fail("%s: a constant needs an element type", what)
	}
	p.expectPunct("[")
	// Each element takes at least two bytes of text: do not trust the
	// declared shape for the allocation.
	capacity := min(want, (len(p.lx.src)-p.lx.off)/2+1)
	c := &tensor.Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...)}
	n := 0
	sep := func() {
		if n > 0 {
			p.expectPunct(",")
		}
		n++
		if n > want {
			p.fail("%s: more than the %d elements of %s", what, want, t)
		}
	}
	switch {
	case t.DType == tensor.Float64:
		c.F64 = make([]float64, 0, capacity)
		for !p.isPunct("]") {
			sep()
			c.F64 = append(c.F64, p.float64Tok())
		}
	case t.DType.IsFloat():
		c.F32 = make([]float32, 0, capacity)
		for !p.isPunct("]") {
			sep()
			c.F32 = append(c.F32, p.float32Tok())
		}
	default:
		c.I64 = make([]int64, 0, capacity)
		for !p.isPunct("]") {
			sep()
			c.I64 = append(c.I64, p.intElem(t.DType))
		}
	}
	if n != want {
		p.failAt(line, col, "%s: %d elements, want %d for %s", what, n, want, t)
	}
	p.next()
	return c
}

// intElem consumes one element of an integer (or bool) payload.
func (p *parser) intElem(dt tensor.DType) int64 {
	if p.tok.kind != tNum {
		p.expected("an integer")
	}
	var x int64
	if dt == tensor.Uint64 {
		u, err := strconv.ParseUint(p.tok.text, 10, 64)
		if err != nil {
			p.fail("expected a u64 element, got %q", p.tok.text)
		}
		x = int64(u)
	} else {
		v, err := strconv.ParseInt(p.tok.text, 10, 64)
		if err != nil {
			p.fail("expected an integer element, got %q", p.tok.text)
		}
		x = v
	}
	p.next()
	return x
}

// checkedNumElems is NumElems with an overflow check (shapes come from
// untrusted text).
func checkedNumElems(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > math.MaxInt32/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// node parses one node line.
func (p *parser) node() {
	n := &Node{}
	if p.tok.kind == tRef || p.isIdent("_") {
		for {
			if p.isIdent("_") {
				n.Outputs = append(n.Outputs, nil)
				p.next()
			} else {
				v := p.valdef()
				v.Def = n
				n.Outputs = append(n.Outputs, v)
			}
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct("=")
	}
	opLine, opCol := p.tok.line, p.tok.col
	op := p.opName("an op name")
	if Lookup(Op(op)) == nil {
		p.failAt(opLine, opCol, "unknown op %q", op)
	}
	n.Op = Op(op)
	p.expectPunct("(")
	for !p.isPunct(")") {
		if len(n.Inputs) > 0 {
			p.expectPunct(",")
		}
		if p.isIdent("_") {
			n.Inputs = append(n.Inputs, nil)
			p.next()
			continue
		}
		n.Inputs = append(n.Inputs, p.ref())
	}
	p.next()
	if p.isPunct("{") {
		p.next()
		n.Attrs = Attrs{}
		for !p.isPunct("}") {
			if len(n.Attrs) > 0 {
				p.expectPunct(",")
			}
			nameLine, nameCol := p.tok.line, p.tok.col
			name := p.opName("an attribute name")
			if _, dup := n.Attrs[name]; dup {
				p.failAt(nameLine, nameCol, "attribute %q given twice", name)
			}
			p.expectPunct("=")
			n.Attrs[name] = p.attrVal(n.Op, name)
		}
		p.next()
	}
	if p.isPunct("@") {
		p.next()
		if p.tok.kind != tString {
			p.expected("the ONNX node name (a quoted string)")
		}
		n.Name = p.tok.text
		p.next()
		if p.isPunct(":") {
			p.next()
			n.OnnxOp = p.opName("the ONNX op type")
			if n.OnnxOp == "" {
				p.fail("empty ONNX op type")
			}
		}
	}
	p.g.Nodes = append(p.g.Nodes, n)
}

// opName consumes an identifier or a quoted string.
func (p *parser) opName(what string) string {
	if p.tok.kind != tIdent && p.tok.kind != tString {
		p.expected(what)
	}
	s := p.tok.text
	p.next()
	return s
}

// attrVal consumes one attribute value. The syntax says the kind, except
// for an empty list, which is ints unless written floats[] (or the op table
// declares the attribute as floats).
func (p *parser) attrVal(op Op, name string) Attr {
	switch {
	case p.tok.kind == tString:
		s := p.tok.text
		p.next()
		return StringAttr(s)
	case p.isIdent("tensor"):
		p.next()
		p.expectPunct("(")
		if p.isIdent("nil") {
			p.next()
			p.expectPunct(")")
			return Attr{Kind: AttrTensor}
		}
		t := p.typ()
		p.expectPunct(",")
		c := p.payload(t, fmt.Sprintf("attribute %q", name))
		p.expectPunct(")")
		return TensorAttr(c)
	case p.isIdent("floats") || p.isIdent("ints") || p.isPunct("["):
		explicit := AttrKind(0)
		if p.isIdent("floats") {
			explicit = AttrFloats
			p.next()
		} else if p.isIdent("ints") {
			explicit = AttrInts
			p.next()
		}
		p.expectPunct("[")
		// Collect the literal tokens first: one float literal makes the
		// whole list floats.
		var toks []token
		sawFloat := false
		for !p.isPunct("]") {
			if len(toks) > 0 {
				p.expectPunct(",")
			}
			if p.isFloatLit() {
				sawFloat = true
				if explicit == AttrInts {
					p.fail("attribute %q: ints[] list holds float %s", name, p.tok.describe())
				}
			}
			if p.isIdent("nan") {
				// nan(0x...) spans several tokens: convert it now.
				start := p.tok
				f := p.float32Tok()
				start.kind, start.text = tNum, "nanbits:"+strconv.FormatUint(uint64(math.Float32bits(f)), 10)
				toks = append(toks, start)
				continue
			}
			if p.tok.kind != tNum && !p.isIdent("inf") {
				p.expected("a number or \"]\"")
			}
			toks = append(toks, p.tok)
			p.next()
		}
		p.next()
		kind := AttrInts
		switch {
		case explicit != 0:
			kind = explicit
		case sawFloat:
			kind = AttrFloats
		case len(toks) == 0:
			kind = emptyListKind(op, name)
		}
		if kind == AttrFloats {
			a := Attr{Kind: AttrFloats, Floats: make([]float32, 0, len(toks))}
			for _, t := range toks {
				a.Floats = append(a.Floats, p.floatOf(t))
			}
			return a
		}
		a := Attr{Kind: AttrInts, Ints: make([]int64, 0, len(toks))}
		for _, t := range toks {
			x, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil {
				p.failAt(t.line, t.col, "attribute %q: bad integer %q", name, t.text)
			}
			a.Ints = append(a.Ints, x)
		}
		return a
	case p.isFloatLit():
		return FloatAttr(p.float32Tok())
	case p.tok.kind == tNum:
		return IntAttr(p.intTok(fmt.Sprintf("attribute %q", name), math.MinInt64, math.MaxInt64))
	}
	p.expected(fmt.Sprintf("a value for attribute %q", name))
	return Attr{}
}

// floatOf converts a saved list token to float32.
func (p *parser) floatOf(t token) float32 {
	if rest, ok := strings.CutPrefix(t.text, "nanbits:"); ok {
		bits, _ := strconv.ParseUint(rest, 10, 32)
		return math.Float32frombits(uint32(bits))
	}
	x, err := strconv.ParseFloat(t.text, 32)
	if err != nil || x != x {
		p.failAt(t.line, t.col, "expected a float32, got %q", t.text)
	}
	return float32(x)
}
