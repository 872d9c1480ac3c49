package target

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports enforces the architecture: target imports the standard library,
// yaml.v3 and isa only.
func TestImports(t *testing.T) {
	allowed := map[string]bool{"gopkg.in/yaml.v3": true, "github.com/pimc-dev/pimc/isa": true}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") && !allowed[path] {
				t.Errorf("%s imports %s: target may import only the standard library, yaml.v3 and isa", f, path)
			}
		}
	}
}
