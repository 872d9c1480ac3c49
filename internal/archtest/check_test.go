package archtest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// check returns every way in which the module breaks its packages' rules,
// one message per problem, packages in path order; none when it keeps them.
func check(m *module) []string {
	var problems []string
	for _, path := range m.sortedPaths() {
		problems = append(problems, m.checkPkg(m.Pkgs[path])...)
	}
	return problems
}

// checkPkg checks one package against the "Allowed imports:" line of its
// doc.go. When something is wrong it ends with the line that would state
// the truth, so fixing the documentation is a copy.
func (m *module) checkPkg(p *pkg) []string {
	if !p.HasDocGo {
		return []string{fmt.Sprintf("%s: no doc.go: every package states its role and its %q line there", p.Path, lineStart)}
	}
	from := m.reach(p)
	truth := fmt.Sprintf("%s: the line that states the truth now: %s", p.Path, m.truthLine(from))
	r, err := parseRule(p.Doc)
	if err != nil {
		msg := fmt.Sprintf("%s: %v", p.Path, err)
		if errors.Is(err, errNoLine) {
			msg += " (grammar: internal/archtest/doc.go)"
		}
		return []string{msg, truth}
	}
	var problems []string
	for _, item := range r.Paths {
		switch {
		case strings.HasPrefix(item, m.Path+"/"):
			problems = append(problems, fmt.Sprintf("%s: doc.go allows %s: write packages of the module without %s/", p.Path, item, m.Path))
		case !isStd(item):
		case item == p.Path:
			problems = append(problems, fmt.Sprintf("%s: doc.go allows %s itself", p.Path, item))
		case m.Pkgs[item] == nil:
			problems = append(problems, fmt.Sprintf("%s: doc.go allows %s, which is not a package of the module", p.Path, item))
		}
	}
	used := map[string]bool{}
	for _, imp := range slices.Sorted(maps.Keys(from)) {
		item, ok := m.allowedBy(r, imp)
		if ok {
			used[item] = true
			continue
		}
		problems = append(problems, fmt.Sprintf("%s imports %s, which its doc.go does not allow: %s",
			p.Path, m.display(imp), strings.Join(m.chain(p, from, imp), " -> ")))
	}
	if r.Std && !used[stdItem] {
		problems = append(problems, fmt.Sprintf("%s: doc.go allows %s, but %s imports none of it", p.Path, stdItem, p.Path))
	}
	for _, item := range r.Paths {
		if !used[item] {
			problems = append(problems, fmt.Sprintf("%s: doc.go allows %s, but %s does not import it, directly or through others", p.Path, item, p.Path))
		}
	}
	if len(problems) > 0 {
		problems = append(problems, truth)
	}
	return problems
}

// reach returns every import path p's line must allow: its ruled imports
// and the packages of the module reached through them, transitively (what
// those import from outside the module is for their own lines). Each path
// maps to the module-relative path of the package that imports it on a
// shortest chain from p (breadth first).
func (m *module) reach(p *pkg) map[string]string {
	from := map[string]string{}
	var queue []string
	visit := func(importer string, imports []string) {
		for _, imp := range imports {
			rel, own := m.rel(imp)
			if _, seen := from[imp]; seen || (!own && importer != p.Path) {
				continue
			}
			from[imp] = importer
			if own {
				queue = append(queue, rel)
			}
		}
	}
	visit(p.Path, p.ruled())
	for len(queue) > 0 {
		q := m.Pkgs[queue[0]]
		queue = queue[1:]
		if q != nil {
			visit(q.Path, q.Imports)
		}
	}
	delete(from, m.full(p.Path))
	return from
}

// chain returns the packages from p to imp along which reach found imp:
// [sim pimrt ir].
func (m *module) chain(p *pkg, from map[string]string, imp string) []string {
	chain := []string{m.display(imp)}
	for importer := from[imp]; importer != p.Path; importer = from[m.full(importer)] {
		chain = append(chain, importer)
	}
	chain = append(chain, p.Path)
	slices.Reverse(chain)
	return chain
}

// allowedBy returns the item of r that allows the import path imp, if
// any; of two third-party items that both match, the longer one.
func (m *module) allowedBy(r rule, imp string) (string, bool) {
	if rel, ok := m.rel(imp); ok {
		return rel, slices.Contains(r.Paths, rel)
	}
	if isStd(imp) {
		return stdItem, r.Std
	}
	best := ""
	for _, item := range r.Paths {
		if !isStd(item) && matches(item, imp) && len(item) > len(best) {
			best = item
		}
	}
	return best, best != ""
}

// truthLine writes the line that allows exactly what reach found: the
// packages of the module, then the third-party packages (a package under
// another listed one left out), then the standard library.
func (m *module) truthLine(from map[string]string) string {
	var own, other []string
	std := false
	for _, imp := range slices.Sorted(maps.Keys(from)) {
		if rel, ok := m.rel(imp); ok {
			own = append(own, rel)
		} else if isStd(imp) {
			std = true
		} else if !slices.ContainsFunc(other, func(o string) bool { return matches(o, imp) }) {
			other = append(other, imp)
		}
	}
	return formatLine(append(own, other...), std)
}

// full returns the import path of a module-relative path.
func (m *module) full(rel string) string {
	if rel == "." {
		return m.Path
	}
	return m.Path + "/" + rel
}

// display writes an import path the way the lines do: module-relative
// inside the module, in full outside.
func (m *module) display(imp string) string {
	if rel, ok := m.rel(imp); ok {
		return rel
	}
	return imp
}
