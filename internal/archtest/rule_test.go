package archtest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// lineStart opens the sentence that states a package's rule.
const lineStart = "Allowed imports:"

// stdItem is the item that allows the standard library.
const stdItem = "the standard library"

// errNoLine: the package comment has no "Allowed imports:" sentence.
var errNoLine = errors.New(`doc.go has no "` + lineStart + `" line`)

// pathItem is what an item naming a package looks like: slash-separated
// elements of the characters Go allows in import paths, no spaces.
var pathItem = regexp.MustCompile(`^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$`)

// A rule is a parsed "Allowed imports:" line.
type rule struct {
	Std   bool     // "the standard library" is listed
	Paths []string // the other items as written (module-relative or third-party), in order
}

// parseRule finds the "Allowed imports:" sentence in a package comment (as
// returned by ast.CommentGroup.Text) and parses it; the grammar is in
// doc.go. It returns errNoLine when there is no such sentence.
func parseRule(doc string) (rule, error) {
	starts := lineStarts(doc)
	switch {
	case len(starts) == 0:
		return rule{}, errNoLine
	case len(starts) > 1:
		return rule{}, fmt.Errorf("doc.go has %d %q lines", len(starts), lineStart)
	}
	rest := strings.Join(strings.Fields(doc[starts[0]+len(lineStart):]), " ")
	list, err := sentence(rest)
	if err != nil {
		return rule{}, err
	}
	var r rule
	if strings.TrimSpace(list) == "nothing" {
		return r, nil
	}
	seen := map[string]bool{}
	for _, item := range splitList(list) {
		switch {
		case item == "":
			return rule{}, fmt.Errorf("%q: an empty item", lineStart+" "+list)
		case seen[item]:
			return rule{}, fmt.Errorf("%q lists %s twice", lineStart+" "+list, item)
		case item == stdItem:
			r.Std = true
		case pathItem.MatchString(item):
			r.Paths = append(r.Paths, item)
		default:
			return rule{}, fmt.Errorf("%q: %q is neither a package path nor %q", lineStart+" "+list, item, stdItem)
		}
		seen[item] = true
	}
	return r, nil
}

// lineStarts returns where the "Allowed imports:" sentences of a package
// comment start: at the start of a line that is not indented (so the
// examples in code blocks do not count) or after the period ending another
// sentence on the same line. Quoted mentions ("Allowed imports:") do not
// count either.
func lineStarts(doc string) []int {
	var starts []int
	for i := 0; ; {
		j := strings.Index(doc[i:], lineStart)
		if j < 0 {
			return starts
		}
		i += j
		if i == 0 || doc[i-1] == '\n' || strings.HasSuffix(doc[:i], ". ") {
			starts = append(starts, i)
		}
		i += len(lineStart)
	}
}

// sentence returns s up to the period that ends the sentence, with the
// parenthesised remarks removed: the first period outside parentheses that
// is followed by a space or ends s. Periods inside paths (yaml.v3) are
// followed by a letter, so they do not end it.
func sentence(s string) (string, error) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return "", fmt.Errorf("%q: unbalanced parenthesis", lineStart+" "+s[:i+1])
			}
			depth--
		case depth > 0:
		case c == '.' && (i+1 == len(s) || s[i+1] == ' '):
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	if depth > 0 {
		return "", fmt.Errorf("%q: unbalanced parenthesis", lineStart+" "+s)
	}
	return "", fmt.Errorf("%q does not end with a period", lineStart+" "+s)
}

// splitList splits "a, b, c and d" (or "a, b, and d", or "a") into its
// trimmed items.
func splitList(list string) []string {
	var items []string
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		part = strings.TrimPrefix(part, "and ")
		for _, item := range strings.Split(part, " and ") {
			items = append(items, strings.TrimSpace(item))
		}
	}
	return items
}

// isStd reports whether an import path belongs to the standard library:
// its first element has no dot (the rule the go command applies too).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// matches reports whether the item allows the import path imp of a package
// outside the module: the package itself or one under it.
func matches(item, imp string) bool {
	return imp == item || strings.HasPrefix(imp, item+"/")
}

// formatLine writes the line that allows exactly the given items, in the
// form parseRule reads: "Allowed imports: a, b and the standard library."
func formatLine(paths []string, std bool) string {
	items := append([]string(nil), paths...)
	if std {
		items = append(items, stdItem)
	}
	switch len(items) {
	case 0:
		return lineStart + " nothing."
	case 1:
		return lineStart + " " + items[0] + "."
	}
	return lineStart + " " + strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1] + "."
}
