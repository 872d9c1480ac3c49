package ir

import (
	"fmt"
	"strconv"
)

// tokKind classifies .pir tokens.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tNL             // end of line (runs of blank lines and comments collapse)
	tIdent          // [A-Za-z_][A-Za-z0-9_.]*
	tNum            // starts with a digit or a sign: 12, -0.5, 1e-05, -inf, 0x7fc00001
	tString         // Go-quoted string; text is the unquoted value
	tRef            // %name, %12 or %"quoted"; text is the name, quoted says which
	tPunct          // one of ( ) [ ] { } , : = @
)

func (k tokKind) String() string {
	return [...]string{"end of file", "end of line", "identifier", "number", "string", "value reference", "punctuation"}[k]
}

type token struct {
	kind      tokKind
	text      string
	quoted    bool // tRef only: the name was written as a string
	line, col int
}

// describe names a token for "expected X, got Y" messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF, tNL:
		return t.kind.String()
	case tString:
		return "string " + strconv.Quote(t.text)
	case tRef:
		if t.quoted {
			return "%" + strconv.Quote(t.text)
		}
		return "%" + t.text
	}
	return strconv.Quote(t.text)
}

// lexer splits .pir source into tokens, tracking line and column (1-based,
// columns count bytes).
type lexer struct {
	src       string
	off       int
	line, col int
	lastNL    bool // suppress repeated tNL tokens
	depth     int  // open '[': line breaks inside lists are not tokens
	err       *ParseError
	file      string
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{src: string(src), line: 1, col: 1, lastNL: true, file: file}
}

func (lx *lexer) advance(n int) {
	for i := 0; i < n; i++ {
		if lx.src[lx.off] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.off++
	}
}

func (lx *lexer) fail(line, col int, format string, args ...any) token {
	if lx.err == nil {
		lx.err = &ParseError{File: lx.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	return token{kind: tEOF, line: line, col: col}
}

// next returns the next token; after an error it returns tEOF and lx.err is set.
func (lx *lexer) next() token {
	for {
		if lx.err != nil {
			return token{kind: tEOF, line: lx.line, col: lx.col}
		}
		if lx.off >= len(lx.src) {
			return token{kind: tEOF, line: lx.line, col: lx.col}
		}
		c := lx.src[lx.off]
		line, col := lx.line, lx.col
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			lx.advance(1)
		case c == '#':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance(1)
			}
		case c == '\n':
			lx.advance(1)
			if !lx.lastNL && lx.depth == 0 {
				lx.lastNL = true
				return token{kind: tNL, line: line, col: col}
			}
		default:
			lx.lastNL = false
			return lx.scan(c, line, col)
		}
	}
}

func (lx *lexer) scan(c byte, line, col int) token {
	switch {
	case isLetter(c):
		s := lx.word(lx.off)
		return token{kind: tIdent, text: s, line: line, col: col}
	case isDigit(c) || ((c == '-' || c == '+') && lx.off+1 < len(lx.src) && (isDigit(lx.src[lx.off+1]) || lx.src[lx.off+1] == '.' || lx.src[lx.off+1] == 'i')):
		// Numbers never contain a line break: scan by index, then move
		// the column once (this is the hot loop of large payloads).
		start, i := lx.off, lx.off+1
		for i < len(lx.src) {
			d := lx.src[i]
			prev := lx.src[i-1]
			if isLetter(d) || isDigit(d) || d == '.' || ((d == '+' || d == '-') && (prev == 'e' || prev == 'E') && !isHex(lx.src[start:i])) {
				i++
				continue
			}
			break
		}
		lx.col += i - start
		lx.off = i
		return token{kind: tNum, text: lx.src[start:i], line: line, col: col}
	case c == '"':
		s, ok := lx.quoted()
		if !ok {
			return token{kind: tEOF, line: line, col: col}
		}
		return token{kind: tString, text: s, line: line, col: col}
	case c == '%':
		lx.advance(1)
		if lx.off < len(lx.src) && lx.src[lx.off] == '"' {
			s, ok := lx.quoted()
			if !ok {
				return token{kind: tEOF, line: line, col: col}
			}
			return token{kind: tRef, text: s, quoted: true, line: line, col: col}
		}
		s := lx.word(lx.off)
		if s == "" {
			return lx.fail(line, col, "expected a value name or number after '%%'")
		}
		return token{kind: tRef, text: s, line: line, col: col}
	case c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':' || c == '=' || c == '@':
		lx.advance(1)
		switch c {
		case '[':
			lx.depth++
		case ']':
			if lx.depth > 0 {
				lx.depth--
			}
		}
		return token{kind: tPunct, text: lx.src[lx.off-1 : lx.off], line: line, col: col}
	}
	return lx.fail(line, col, "unexpected character %q", rune(c))
}

// isHex reports whether a number token so far is a hex literal, where 'e'
// is a digit and never starts an exponent.
func isHex(s string) bool {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	return len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
}

// word consumes [A-Za-z0-9_.]* (identifier characters).
func (lx *lexer) word(start int) string {
	i := lx.off
	for i < len(lx.src) {
		d := lx.src[i]
		if isLetter(d) || isDigit(d) || d == '.' {
			i++
			continue
		}
		break
	}
	lx.col += i - lx.off
	lx.off = i
	return lx.src[start:i]
}

// quoted consumes a Go double-quoted string starting at lx.off and returns
// its value.
func (lx *lexer) quoted() (string, bool) {
	line, col := lx.line, lx.col
	start := lx.off
	i := lx.off + 1
	for {
		if i >= len(lx.src) || lx.src[i] == '\n' {
			lx.fail(line, col, "unterminated string")
			return "", false
		}
		if lx.src[i] == '\\' {
			i += 2
			continue
		}
		if lx.src[i] == '"' {
			break
		}
		i++
	}
	raw := lx.src[start : i+1]
	lx.advance(i + 1 - start)
	s, err := strconv.Unquote(raw)
	if err != nil {
		lx.fail(line, col, "malformed string %s", raw)
		return "", false
	}
	return s, true
}
