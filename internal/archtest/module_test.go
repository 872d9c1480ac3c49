package archtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A module is the set of packages the architecture test checks.
type module struct {
	Path string          // module path: github.com/pimc-dev/pimc
	Dir  string          // folder holding go.mod
	Pkgs map[string]*pkg // by module-relative path
}

// A pkg is one package of the module as the checker sees it.
type pkg struct {
	Path        string   // module-relative import path: "ir/tensor", "cmd/pimc"
	TestOnly    bool     // its only non-test file is doc.go, so its rule covers its tests' imports
	Imports     []string // full import paths of its non-test files, sorted
	TestImports []string // full import paths of its tests (in-package and external), itself excluded, sorted
	HasDocGo    bool     // it has a doc.go
	Doc         string   // the package comment of doc.go as plain text ("" if none)
}

// ruled returns the imports its "Allowed imports:" line starts from: its
// own code's, or its tests' for a test-only package.
func (p *pkg) ruled() []string {
	if p.TestOnly {
		return p.TestImports
	}
	return p.Imports
}

// A source is what the checker needs to know of one package folder, as
// go/build (or `go list`) reports it.
type source struct {
	ImportPath                         string
	Dir                                string
	GoFiles, CgoFiles                  []string
	Imports, TestImports, XTestImports []string
}

// loadModule finds the module holding the current folder and reads its
// packages. It reads every file itself, with go/build, rather than asking
// `go list`: go test caches a passing result until a file the test opened
// changes, so the test must open every file its verdict depends on.
func loadModule() (*module, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	modPath, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	sources, err := scanModule(root, modPath)
	if err != nil {
		return nil, err
	}
	m, err := newModule(sources, modPath)
	if err != nil {
		return nil, err
	}
	m.Dir = root
	return m, nil
}

// moduleRoot returns the nearest folder at or above the current one that
// holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the current folder")
		}
		dir = parent
	}
}

// modulePath reads the module path from the module line of a go.mod.
func modulePath(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			rest = strings.TrimSpace(rest)
			if p, err := strconv.Unquote(rest); err == nil {
				return p, nil
			}
			return rest, nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

// scanModule reads every package folder under root the way `go list
// ./...` finds them: folders named testdata or starting with "." or "_",
// and nested modules, are skipped; a folder without Go files for this
// platform is no package.
func scanModule(root, modPath string) ([]source, error) {
	var sources []source
	err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if dir != root {
			name := d.Name()
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		bp, err := build.Default.ImportDir(dir, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		} else if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		importPath := modPath
		if rel != "." {
			importPath += "/" + filepath.ToSlash(rel)
		}
		sources = append(sources, source{
			ImportPath: importPath, Dir: dir,
			GoFiles: bp.GoFiles, CgoFiles: bp.CgoFiles,
			Imports: bp.Imports, TestImports: bp.TestImports, XTestImports: bp.XTestImports,
		})
		return nil
	})
	return sources, err
}

// newModule builds the module from its package folders and reads each
// package's doc.go.
func newModule(sources []source, modPath string) (*module, error) {
	m := &module{Path: modPath, Pkgs: map[string]*pkg{}}
	for _, s := range sources {
		rel, ok := m.rel(s.ImportPath)
		if !ok {
			return nil, fmt.Errorf("package %s is outside module %s", s.ImportPath, modPath)
		}
		code := append(slices.Clone(s.GoFiles), s.CgoFiles...)
		p := &pkg{
			Path:     rel,
			TestOnly: len(code) == 1 && code[0] == "doc.go",
			Imports:  sortedSet(s.Imports, ""),
			// An external test imports its own package: that is no dependency.
			TestImports: sortedSet(append(slices.Clone(s.TestImports), s.XTestImports...), s.ImportPath),
		}
		doc, err := readPackageDoc(filepath.Join(s.Dir, "doc.go"))
		if err == nil {
			p.HasDocGo, p.Doc = true, doc
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		m.Pkgs[rel] = p
	}
	return m, nil
}

// readPackageDoc returns the package comment of a Go file as plain text.
func readPackageDoc(path string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		return "", err
	}
	if f.Doc == nil {
		return "", nil
	}
	return f.Doc.Text(), nil
}

// sortedSet returns the distinct paths, sorted, without drop.
func sortedSet(paths []string, drop string) []string {
	out := slices.Clone(paths)
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(s string) bool { return s == drop })
}

// rel returns the module-relative form of an import path ("ir/tensor"),
// and whether the path is inside the module at all.
func (m *module) rel(imp string) (string, bool) {
	if imp == m.Path {
		return ".", true
	}
	rest, ok := strings.CutPrefix(imp, m.Path+"/")
	return rest, ok
}

// sortedPaths returns the module-relative paths of all packages, sorted.
func (m *module) sortedPaths() []string {
	paths := make([]string, 0, len(m.Pkgs))
	for p := range m.Pkgs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}
