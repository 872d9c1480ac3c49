package archtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeMod is the module path of the synthetic modules below.
const fakeMod = "example.com/m"

// A fakePkg is a package of a synthetic module: its imports are written
// module-relative for the module's packages ("b") and in full otherwise
// ("fmt", "example.org/x/y").
type fakePkg struct {
	path        string
	doc         string // the package comment of doc.go; "-" for no doc.go
	testOnly    bool   // its only non-test file is doc.go
	imports     []string
	testImports []string
}

// fakeModule builds a module the way the test builds the real one: from
// what go/build reports of each folder (written here by hand) and doc.go
// files on disk.
func fakeModule(t *testing.T, pkgs ...fakePkg) *module {
	t.Helper()
	root := t.TempDir()
	var sources []source
	full := func(imps []string) []string {
		var paths []string
		for _, imp := range imps {
			if !strings.Contains(imp, ".") && !slices.Contains([]string{"fmt", "errors", "strings", "testing"}, imp) {
				imp = fakeMod + "/" + imp
			}
			paths = append(paths, imp)
		}
		return paths
	}
	for _, p := range pkgs {
		dir := filepath.Join(root, p.path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		files := []string{"doc.go"}
		if !p.testOnly {
			files = append(files, "code.go")
		}
		if p.doc != "-" {
			var src strings.Builder
			for _, line := range strings.Split(strings.TrimSuffix(p.doc, "\n"), "\n") {
				src.WriteString(strings.TrimSpace("// "+line) + "\n")
			}
			src.WriteString("package " + filepath.Base(p.path) + "\n")
			if err := os.WriteFile(filepath.Join(dir, "doc.go"), []byte(src.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			files = files[1:]
		}
		sources = append(sources, source{
			ImportPath:   fakeMod + "/" + p.path,
			Dir:          dir,
			GoFiles:      files,
			Imports:      full(p.imports),
			XTestImports: append(full(p.testImports), fakeMod+"/"+p.path),
		})
	}
	m, err := newModule(sources, fakeMod)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCheckCatches shows that the architecture test fails when a rule is
// broken, with the message a developer sees, on synthetic modules (the
// real tree keeps its rules).
func TestCheckCatches(t *testing.T) {
	// leaf, mid and util state their rules truthfully; the cases add a package.
	base := []fakePkg{
		{path: "leaf", doc: "Package leaf.\n\nAllowed imports: example.org/x and the standard library.", imports: []string{"example.org/x/y", "errors"}},
		{path: "mid", doc: "Package mid.\n\nAllowed imports: leaf (why), util and the standard library.", imports: []string{"leaf", "util", "fmt"}},
		{path: "util", doc: "Package util.\n\nAllowed imports: the standard library.", imports: []string{"strings"}},
	}
	for _, c := range []struct {
		name string
		pkg  fakePkg
		want []string
	}{
		{"kept rules", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: mid, leaf and util (through mid) and the standard library.",
			imports: []string{"mid", "fmt"}, testImports: []string{"testing", "top"}}, nil},
		{"a forbidden import", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: util and the standard library.", imports: []string{"util", "mid", "fmt"}}, []string{
			"top imports leaf, which its doc.go does not allow: top -> mid -> leaf",
			"top imports mid, which its doc.go does not allow: top -> mid",
			"top: the line that states the truth now: Allowed imports: leaf, mid, util and the standard library.",
		}},
		{"a forbidden import through another package", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: mid and util.", imports: []string{"mid"}}, []string{
			"top imports leaf, which its doc.go does not allow: top -> mid -> leaf",
			"top: the line that states the truth now: Allowed imports: leaf, mid and util.",
		}},
		{"doc.go without the line", fakePkg{path: "top", doc: "Package top does things.", imports: []string{"fmt"}}, []string{
			`top: doc.go has no "Allowed imports:" line (grammar: internal/archtest/doc.go)`,
			"top: the line that states the truth now: Allowed imports: the standard library.",
		}},
		{"no doc.go", fakePkg{path: "top", doc: "-", imports: []string{"fmt"}}, []string{
			`top: no doc.go: every package states its role and its "Allowed imports:" line there`,
		}},
		{"a line that is not true any more", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: util, example.org/z and the standard library.", imports: []string{"fmt"}}, []string{
			"top: doc.go allows util, but top does not import it, directly or through others",
			"top: doc.go allows example.org/z, but top does not import it, directly or through others",
			"top: the line that states the truth now: Allowed imports: the standard library.",
		}},
		{"the standard library not allowed", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: util.", imports: []string{"util", "fmt"}}, []string{
			"top imports fmt, which its doc.go does not allow: top -> fmt",
			"top: the line that states the truth now: Allowed imports: util and the standard library.",
		}},
		{"a third-party import not allowed", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: example.org/x/y/z.", imports: []string{"example.org/x/y"}}, []string{
			"top imports example.org/x/y, which its doc.go does not allow: top -> example.org/x/y",
			"top: doc.go allows example.org/x/y/z, but top does not import it, directly or through others",
			"top: the line that states the truth now: Allowed imports: example.org/x/y.",
		}},
		{"a package that does not exist", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: gone, util.", imports: []string{"util"}}, []string{
			"top: doc.go allows gone, which is not a package of the module",
			"top: doc.go allows gone, but top does not import it, directly or through others",
			"top: the line that states the truth now: Allowed imports: util.",
		}},
		{"the module path written out", fakePkg{path: "top", doc: "Package top.\n\nAllowed imports: example.com/m/util.", imports: []string{"util"}}, []string{
			"top: doc.go allows example.com/m/util: write packages of the module without example.com/m/",
			"top imports util, which its doc.go does not allow: top -> util",
			"top: doc.go allows example.com/m/util, but top does not import it, directly or through others",
			"top: the line that states the truth now: Allowed imports: util.",
		}},
		{"a test-only package's tests", fakePkg{path: "top", testOnly: true, doc: "Package top.\n\nAllowed imports: the standard library.", testImports: []string{"testing", "util"}}, []string{
			"top imports util, which its doc.go does not allow: top -> util",
			"top: the line that states the truth now: Allowed imports: util and the standard library.",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := fakeModule(t, append(slices.Clone(base), c.pkg)...)
			got := check(m)
			if !slices.Equal(got, c.want) {
				t.Errorf("check found:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

// TestMarkdownOfFakeModule: the document lists every package with its
// role, its rule and its imports, and draws the reduced graph.
func TestMarkdownOfFakeModule(t *testing.T) {
	m := fakeModule(t,
		fakePkg{path: "leaf", doc: "Package leaf is the bottom. More.\n\nAllowed imports: the standard library.", imports: []string{"fmt"}},
		fakePkg{path: "mid", doc: "Package mid is in the middle.\n\nAllowed imports: leaf.", imports: []string{"leaf"}},
		fakePkg{path: "top", doc: "Package top is on top.\n\nAllowed imports: mid and leaf.", imports: []string{"mid", "leaf"}},
		fakePkg{path: "tests", testOnly: true, doc: "Package tests is tests.\n\nAllowed imports: top, mid and leaf.", testImports: []string{"top"}},
	)
	if problems := check(m); len(problems) > 0 {
		t.Fatalf("the fake module breaks its rules: %q", problems)
	}
	doc := markdown(m)
	for _, want := range []string{
		"3  tests (tests)\n2  top\n1  mid\n0  leaf\n",
		"  mid[\"mid\"] --> leaf[\"leaf\"]\n  top[\"top\"] --> mid[\"mid\"]\n```",
		"- **leaf**: Package leaf is the bottom. May import: the standard library. Imports: the standard library.\n",
		"- **tests (tests)**: Package tests is tests. May import: top, mid, leaf. Its tests import: top.\n",
		"- **top**: Package top is on top. May import: mid, leaf. Imports: leaf, mid.\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q:\n%s", want, doc)
		}
	}
}

// TestScanModule: the packages are the folders `go list ./...` would list,
// with the imports of the files built on this platform.
func TestScanModule(t *testing.T) {
	root := t.TempDir()
	for name, src := range map[string]string{
		"go.mod":          "module example.com/m\n\ngo 1.26\n",
		"a/doc.go":        "// Package a.\npackage a\n",
		"a/a.go":          "package a\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/b\"\n)\n\nvar _ = fmt.Sprint(b.X)\n",
		"a/a_test.go":     "package a\n\nimport \"testing\"\n",
		"a/x_test.go":     "package a_test\n\nimport (\n\t\"errors\"\n\n\t\"example.com/m/a\"\n)\n",
		"a/never.go":      "//go:build never\n\npackage a\n\nimport \"example.com/m/c\"\n",
		"b/b.go":          "package b\n\nconst X = 1\n",
		"t/doc.go":        "package t\n",
		"t/t_test.go":     "package t\n\nimport \"example.com/m/a\"\n",
		"notes/README":    "no Go here\n",
		"testdata/c/c.go": "package c\n",
		"_old/o.go":       "package old\n",
		".hidden/h.go":    "package h\n",
		"nested/go.mod":   "module example.com/n\n",
		"nested/n.go":     "package n\n",
	} {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	modPath, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil || modPath != "example.com/m" {
		t.Fatalf("modulePath = %q, %v", modPath, err)
	}
	sources, err := scanModule(root, modPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModule(sources, modPath)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.sortedPaths(), []string{"a", "b", "t"}; !slices.Equal(got, want) {
		t.Fatalf("packages %q, want %q", got, want)
	}
	a, tp := m.Pkgs["a"], m.Pkgs["t"]
	if want := []string{"example.com/m/b", "fmt"}; !slices.Equal(a.Imports, want) || a.TestOnly {
		t.Errorf("a: imports %q, test-only %v; want %q, false", a.Imports, a.TestOnly, want)
	}
	if want := []string{"errors", "testing"}; !slices.Equal(a.TestImports, want) {
		t.Errorf("a: test imports %q, want %q", a.TestImports, want)
	}
	if !a.HasDocGo || a.Doc != "Package a.\n" || m.Pkgs["b"].HasDocGo {
		t.Errorf("doc.go: a %v %q, b %v", a.HasDocGo, a.Doc, m.Pkgs["b"].HasDocGo)
	}
	if !tp.TestOnly || !slices.Equal(tp.ruled(), []string{"example.com/m/a"}) {
		t.Errorf("t: test-only %v, ruled imports %q", tp.TestOnly, tp.ruled())
	}
}
