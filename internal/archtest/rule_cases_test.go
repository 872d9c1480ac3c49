package archtest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParseRule pins the grammar of the "Allowed imports:" line (doc.go).
func TestParseRule(t *testing.T) {
	for _, c := range []struct {
		doc   string
		paths []string
		std   bool
	}{
		{"Allowed imports: ir, ir/tensor (the kernels), isa, target and the standard library.\n",
			[]string{"ir", "ir/tensor", "isa", "target"}, true},
		{"Package p does things.\n\nAllowed imports: a,\nb and the\nstandard library. Never c.\n", []string{"a", "b"}, true},
		{"Allowed imports: a, b, and the standard library.\n", []string{"a", "b"}, true},
		{"Allowed imports: the standard library.\n", nil, true},
		{"Allowed imports: gopkg.in/yaml.v3. Next sentence.\n", []string{"gopkg.in/yaml.v3"}, false},
		{"Allowed imports: nothing.\n", nil, false},
		{"Linux only (SIGKILL). Allowed imports: a and the standard library.\n", []string{"a"}, true},
		{"Allowed imports: a (see docs/X.md. really, it is), b.\n", []string{"a", "b"}, false},
		{"It says \"Allowed imports: x.\" here; for example:\n\n\tAllowed imports: y.\n\nAllowed imports: z.\n", []string{"z"}, false},
	} {
		r, err := parseRule(c.doc)
		if err != nil {
			t.Errorf("parseRule(%q): %v", c.doc, err)
			continue
		}
		if !slices.Equal(r.Paths, c.paths) || r.Std != c.std {
			t.Errorf("parseRule(%q) = %+v, want paths %q, std %v", c.doc, r, c.paths, c.std)
		}
	}
}

// TestParseRuleRefuses: anything outside the grammar is an error, so a
// typo cannot change a rule silently.
func TestParseRuleRefuses(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{"Package p does things.\n", errNoLine.Error()},
		{"Example:\n\n\tAllowed imports: a.\n", errNoLine.Error()},
		{"It says \"Allowed imports: a.\"\n", errNoLine.Error()},
		{"Allowed imports: a.\nAllowed imports: b.\n", `has 2 "Allowed imports:" lines`},
		{"Allowed imports: a and any package that helps.\n", `"any package that helps" is neither a package path nor "the standard library"`},
		{"Allowed imports: the standard library only.\n", `"the standard library only" is neither`},
		{"Allowed imports: a, b\n", "does not end with a period"},
		{"Allowed imports: a (why.\n", "unbalanced parenthesis"},
		{"Allowed imports: a), b.\n", "unbalanced parenthesis"},
		{"Allowed imports: a, , b.\n", "an empty item"},
		{"Allowed imports: a, b and a.\n", "lists a twice"},
	} {
		_, err := parseRule(c.doc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseRule(%q) = %v, want an error containing %q", c.doc, err, c.want)
		}
	}
	if _, err := parseRule("Nothing here.\n"); !errors.Is(err, errNoLine) {
		t.Errorf("parseRule without a line: %v, want errNoLine", err)
	}
}

// TestFormatLineParsesBack: the line the checker suggests is one it reads.
func TestFormatLineParsesBack(t *testing.T) {
	for _, c := range []struct {
		paths []string
		std   bool
	}{
		{nil, false}, {nil, true}, {[]string{"a"}, false}, {[]string{"a", "gopkg.in/yaml.v3"}, true},
	} {
		line := formatLine(c.paths, c.std)
		r, err := parseRule(line)
		if err != nil || !slices.Equal(r.Paths, c.paths) || r.Std != c.std {
			t.Errorf("parseRule(formatLine(%q, %v) = %q) = %+v, %v", c.paths, c.std, line, r, err)
		}
	}
}
