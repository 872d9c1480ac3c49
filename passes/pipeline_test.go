package passes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// optpass is a test-only pass with one option of each kind, to exercise the
// option parser.
func init() {
	Register(&Info{
		Name: "test-options", Summary: "test pass with typed options", Produces: SameStage,
		Options: []OptionSpec{
			{Name: "bits", Kind: OptInt, Default: "8", Doc: "bit width", Check: func(v any) error {
				if b := v.(int64); b < 1 || b > 16 {
					return errorString("want 1..16")
				}
				return nil
			}},
			{Name: "ratio", Kind: OptFloat, Default: "0.5", Doc: "a ratio"},
			{Name: "strict", Kind: OptBool, Default: "false", Doc: "a flag"},
			{Name: "mode", Kind: OptString, Default: "fast", Doc: "a mode", Enum: []string{"fast", "exact"}},
			{Name: "label", Kind: OptString, Default: "", Doc: "free text"},
		},
		New: func(o Options) (Pass, error) {
			return PassFunc(func(*Context, *ir.Graph) (bool, error) { return false, nil }), nil
		},
	})
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestParseValid(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"dce", "dce"},
		{" dce , identity-elim ", "dce,identity-elim"},
		{"canonicalize", "identity-elim,constant-fold,reshape-canon,dce,matmul-canon,hardswish-fuse,resize-lower,conv-transpose-lower,bn-fold,affine-fold,reshape-canon,dce,canonical-stage"},
		{"canonicalize,dce", "identity-elim,constant-fold,reshape-canon,dce,matmul-canon,hardswish-fuse,resize-lower,conv-transpose-lower,bn-fold,affine-fold,reshape-canon,dce,canonical-stage,dce"},
		{"test-options{}", "test-options"},
		{"test-options{bits=4}", "test-options{bits=4}"},
		{"test-options{ mode = exact , bits=0x4, strict }", "test-options{bits=0x4,strict=true,mode=exact}"},
		{`test-options{label="a b,c}"}`, `test-options{label="a b,c}"}`},
		{"test-options{ratio=-1.5e-3,strict=false}", "test-options{ratio=-1.5e-3,strict=false}"},
		{"constant-fold{max-elems=1000}", "constant-fold{max-elems=1000}"},
	} {
		p, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := p.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		// The rendering parses back to itself.
		q, err := Parse(p.String())
		if err != nil || q.String() != p.String() {
			t.Errorf("round trip of %q: %v, %q", p.String(), err, q)
		}
	}
}

func TestParseOptionsTyped(t *testing.T) {
	p, err := Parse("test-options{bits=4,ratio=0.25,strict,mode=exact}")
	if err != nil {
		t.Fatal(err)
	}
	o := p.Steps[0].Options
	if o.Int("bits") != 4 || o.Float("ratio") != 0.25 || !o.Bool("strict") || o.String("mode") != "exact" || o.String("label") != "" {
		t.Errorf("options: bits=%d ratio=%v strict=%v mode=%q", o.Int("bits"), o.Float("ratio"), o.Bool("strict"), o.String("mode"))
	}
	if !o.IsSet("bits") || o.IsSet("label") {
		t.Error("IsSet wrong")
	}
	d, _ := Parse("test-options")
	if o := d.Steps[0].Options; o.Int("bits") != 8 || o.Float("ratio") != 0.5 || o.Bool("strict") || o.String("mode") != "fast" {
		t.Error("defaults not applied")
	}
	c, _ := Parse("canonicalize")
	for _, s := range c.Steps {
		if s.From != "canonicalize" {
			t.Errorf("step %s: From = %q", s.Name(), s.From)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		col    int
		substr []string
	}{
		{"dce,", 5, []string{"expected a pass name", "end of pipeline"}},
		{",dce", 1, []string{"expected a pass name"}},
		{"dce,,dce", 5, []string{"expected a pass name"}},
		{"bnfold", 1, []string{`unknown pass "bnfold"`, "did you mean bn-fold", "canonicalize", "-passes=help"}},
		{"dce dce", 5, []string{`expected "," or end of pipeline after dce`}},
		{"test-options{bits=4", 20, []string{`"}" to close the options of test-options opened at column 13`}},
		{"test-options{", 14, []string{`option name or "}"`, "column 13"}},
		{"test-options{bits 4}", 19, []string{`expected "=", "," or "}" after option bits`}},
		{"test-options{bits=}", 19, []string{`expected a value after "="`}},
		{"test-options{=4}", 14, []string{"expected an option name"}},
		{"test-options{bitz=4}", 14, []string{`no option "bitz"`, "options: bits, ratio, strict, mode, label"}},
		{"test-options{bits=four}", 19, []string{"option bits: want an integer", `"four"`}},
		{"test-options{bits=99}", 19, []string{"option bits: want 1..16"}},
		{"test-options{ratio=x}", 20, []string{"want a number"}},
		{"test-options{strict=maybe}", 21, []string{"want true or false"}},
		{"test-options{mode=slow}", 19, []string{"want one of fast, exact"}},
		{"test-options{bits}", 14, []string{"option bits needs a value"}},
		{"test-options{bits=1,bits=2}", 21, []string{"given twice"}},
		{`test-options{label="abc}`, 20, []string{"quoted value"}},
		{"dce{x=1}", 5, []string{"pass dce has no options"}},
		{"canonicalize{x=1}", 1, []string{"named pipeline", "takes no options"}},
		{"dce;identity-elim", 4, []string{`expected "," or end`, `";identity-el..."`}},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error", tc.in)
			continue
		}
		se, ok := err.(*SyntaxError)
		if !ok {
			t.Errorf("Parse(%q): error %T %v, want *SyntaxError", tc.in, err, err)
			continue
		}
		if se.Pos+1 != tc.col {
			t.Errorf("Parse(%q): column %d, want %d (%v)", tc.in, se.Pos+1, tc.col, err)
		}
		if se.Pipeline != tc.in {
			t.Errorf("Parse(%q): error names pipeline %q", tc.in, se.Pipeline)
		}
		for _, s := range tc.substr {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("Parse(%q): error %q lacks %q", tc.in, err, s)
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"constant-fold", "bn-fold", "affine-fold", "identity-elim", "matmul-canon", "reshape-canon", "dce", "canonical-stage"} {
		in := Lookup(name)
		if in == nil {
			t.Errorf("pass %s not registered", name)
			continue
		}
		if in.Name != name || in.Summary == "" || strings.Contains(in.Summary, "\n") {
			t.Errorf("pass %s: bad info %+v", name, in)
		}
	}
	list := List()
	for i := 1; i < len(list); i++ {
		if list[i-1].Name >= list[i].Name {
			t.Errorf("List not sorted: %s before %s", list[i-1].Name, list[i].Name)
		}
	}
	if Lookup("canonicalize") != nil || LookupPipeline("canonicalize") == nil {
		t.Error("canonicalize should be a named pipeline")
	}
	// Every named pipeline expands.
	for _, p := range Pipelines() {
		if _, err := Parse(p.Name); err != nil {
			t.Errorf("pipeline %s: %v", p.Name, err)
		}
	}
	mustPanic(t, "duplicate", func() { Register(&Info{Name: "dce", Summary: "x", New: Lookup("dce").New}) })
	mustPanic(t, "not kebab", func() { Register(&Info{Name: "Bad_Name", Summary: "x", New: Lookup("dce").New}) })
	mustPanic(t, "alias clash", func() { RegisterPipeline("dce", "x", "dce") })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r == nil {
			t.Errorf("%s: no panic", what)
		} else if !strings.HasPrefix(r.(string), "BUG:") {
			t.Errorf("%s: panic %q lacks BUG: prefix", what, r)
		}
	}()
	f()
}

func TestWriteHelp(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHelp(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{"canonicalize", "= identity-elim,constant-fold", "bn-fold", "fold batch_norm", "max-elems=<int>", "stages: import|canonical -> canonical", "dce", "stages: any -> unchanged", "mode=<string>", "(fast|exact)"} {
		if !strings.Contains(out, s) {
			t.Errorf("help lacks %q:\n%s", s, out)
		}
	}
}

// FuzzParse: Parse never panics, and whatever it accepts renders to a
// string that parses back to the same rendering.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"canonicalize", "dce,bn-fold", "test-options{bits=4,mode=exact}", `test-options{label="x\"y"}`, "a{", "{}", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse(%q): error of type %T", s, err)
			}
			return
		}
		q, err := Parse(p.String())
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its rendering %q fails: %v", s, p.String(), err)
		}
		if q.String() != p.String() {
			t.Fatalf("rendering not stable: %q vs %q", p.String(), q.String())
		}
	})
}
