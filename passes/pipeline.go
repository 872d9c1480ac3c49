package passes

import (
	"fmt"
	"strconv"
	"strings"
)

// Step is one pass of a pipeline, configured.
type Step struct {
	Info    *Info
	Options Options
	Pass    Pass
	// From names the named pipeline this step was expanded from ("" when the
	// user named the pass directly).
	From string
}

// Name is the pass name.
func (s *Step) Name() string { return s.Info.Name }

// String renders the step as typed: name, plus explicit options in braces.
func (s *Step) String() string {
	if o := s.Options.format(); o != "" {
		return s.Info.Name + "{" + o + "}"
	}
	return s.Info.Name
}

// Pipeline is an ordered list of configured passes.
type Pipeline struct {
	Steps []*Step
}

// String renders the pipeline with named pipelines expanded; Parse of the
// result gives an equivalent pipeline.
func (p *Pipeline) String() string {
	parts := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}

// SyntaxError is a malformed pipeline string: Pos is the byte offset where
// the problem was found.
type SyntaxError struct {
	Pipeline string
	Pos      int
	Msg      string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("passes: pipeline %q, column %d: %s", e.Pipeline, e.Pos+1, e.Msg)
}

// Parse reads a pipeline string: comma-separated pass or named-pipeline
// names, each optionally followed by options in braces,
//
//	canonicalize,bn-fold,quantize{wbits=4,abits=4},dce
//
// Spaces around names and punctuation are ignored. A blank string is the
// empty pipeline. Unknown names, unknown options and ill-typed values are
// errors that name the column and what was expected.
func Parse(text string) (*Pipeline, error) {
	p := &parser{src: text}
	steps, err := p.pipeline(0)
	if err != nil {
		if se, ok := err.(*SyntaxError); ok && se.Pipeline == "" {
			se.Pipeline = text
		}
		return nil, err
	}
	return &Pipeline{Steps: steps}, nil
}

// MustParse is Parse for pipelines built into the program; an error is a bug.
func MustParse(text string) *Pipeline {
	p, err := Parse(text)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return p
}

type parser struct {
	src string
	i   int
}

// optionSetting is one key[=value] inside braces, with positions for errors.
type optionSetting struct {
	key, value    string
	hasValue      bool
	pos, valuePos int
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Pipeline: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.i < len(p.src) && (p.src[p.i] == ' ' || p.src[p.i] == '\t' || p.src[p.i] == '\n') {
		p.i++
	}
}

// found describes the text at the cursor for "expected X, found Y" messages.
func (p *parser) found() string {
	if p.i >= len(p.src) {
		return "end of pipeline"
	}
	r := p.src[p.i:]
	if len(r) > 12 {
		r = r[:12] + "..."
	}
	return strconv.Quote(r)
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func (p *parser) name() string {
	start := p.i
	for p.i < len(p.src) && isNameByte(p.src[p.i]) {
		p.i++
	}
	return p.src[start:p.i]
}

// maxAliasDepth bounds named-pipeline expansion (a named pipeline that
// refers to itself is a bug in its registration).
const maxAliasDepth = 8

func (p *parser) pipeline(depth int) ([]*Step, error) {
	p.skipSpace()
	if p.i == len(p.src) {
		return nil, nil
	}
	var steps []*Step
	for {
		p.skipSpace()
		pos := p.i
		name := p.name()
		if name == "" {
			return nil, p.errorf(pos, "expected a pass name, found %s", p.found())
		}
		p.skipSpace()
		var opts []optionSetting
		hasBraces := false
		if p.i < len(p.src) && p.src[p.i] == '{' {
			hasBraces = true
			var err error
			if opts, err = p.options(name); err != nil {
				return nil, err
			}
		}
		got, err := resolve(name, pos, hasBraces, opts, depth)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok && se.Pipeline == "" {
				se.Pipeline = p.src
			}
			return nil, err
		}
		steps = append(steps, got...)
		p.skipSpace()
		if p.i == len(p.src) {
			return steps, nil
		}
		if p.src[p.i] != ',' {
			return nil, p.errorf(p.i, "expected \",\" or end of pipeline after %s, found %s", name, p.found())
		}
		p.i++
	}
}

// options parses "{key=value, key, ...}" with the cursor on '{'.
func (p *parser) options(pass string) ([]optionSetting, error) {
	open := p.i
	p.i++
	var out []optionSetting
	p.skipSpace()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return nil, nil
	}
	for {
		p.skipSpace()
		kv := optionSetting{pos: p.i}
		kv.key = p.name()
		if kv.key == "" {
			if p.i == len(p.src) {
				return nil, p.errorf(p.i, "expected an option name or \"}\" to close the options of %s opened at column %d", pass, open+1)
			}
			return nil, p.errorf(p.i, "expected an option name (key=value) in the options of %s, found %s", pass, p.found())
		}
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == '=' {
			p.i++
			p.skipSpace()
			kv.hasValue = true
			kv.valuePos = p.i
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			kv.value = v
		}
		out = append(out, kv)
		p.skipSpace()
		switch {
		case p.i == len(p.src):
			return nil, p.errorf(p.i, "expected \",\" or \"}\" to close the options of %s opened at column %d, found end of pipeline", pass, open+1)
		case p.src[p.i] == ',':
			p.i++
		case p.src[p.i] == '}':
			p.i++
			return out, nil
		default:
			return nil, p.errorf(p.i, "expected \"=\", \",\" or \"}\" after option %s of %s, found %s", kv.key, pass, p.found())
		}
	}
}

// value reads a bare word (letters, digits, - + . _ / :) or a Go-quoted string.
func (p *parser) value() (string, error) {
	start := p.i
	if p.i < len(p.src) && p.src[p.i] == '"' {
		q, err := strconv.QuotedPrefix(p.src[p.i:])
		if err != nil {
			return "", p.errorf(start, "unterminated or malformed quoted value")
		}
		p.i += len(q)
		v, _ := strconv.Unquote(q)
		return v, nil
	}
	for p.i < len(p.src) && isValueRune(rune(p.src[p.i])) {
		p.i++
	}
	if p.i == start {
		return "", p.errorf(start, "expected a value after \"=\", found %s", p.found())
	}
	return p.src[start:p.i], nil
}

// resolve turns one name (with its options) into steps: a registered pass,
// or the expansion of a named pipeline.
func resolve(name string, pos int, hasBraces bool, opts []optionSetting, depth int) ([]*Step, error) {
	if info := Lookup(name); info != nil {
		o, err := newOptions(name, info.Options, opts)
		if err != nil {
			return nil, err
		}
		pass, err := info.New(o)
		if err != nil {
			return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("pass %s: %v", name, err)}
		}
		return []*Step{{Info: info, Options: o, Pass: pass}}, nil
	}
	if pl := LookupPipeline(name); pl != nil {
		if hasBraces {
			return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("%s is a named pipeline (%s) and takes no options; give options to its passes instead", name, pl.Text)}
		}
		if depth >= maxAliasDepth {
			panic(fmt.Sprintf("BUG: named pipeline %s expands recursively", name))
		}
		sub := &parser{src: pl.Text}
		steps, err := sub.pipeline(depth + 1)
		if err != nil {
			panic(fmt.Sprintf("BUG: named pipeline %s: %v", name, err))
		}
		for _, s := range steps {
			if s.From == "" {
				s.From = name
			}
		}
		return steps, nil
	}
	return nil, &SyntaxError{Pos: pos, Msg: unknownPassMsg(name)}
}
