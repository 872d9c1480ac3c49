package passes

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports enforces the allowed imports of doc.go for the package's
// non-test files, so the pipeline architecture stays visible.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/pimc-dev/pimc/ir":               true,
		"github.com/pimc-dev/pimc/data":             true,
		"github.com/pimc-dev/pimc/ir/tensor":        true,
		"github.com/pimc-dev/pimc/ir/interp":        true,
		"github.com/pimc-dev/pimc/ir/mapping":       true,
		"github.com/pimc-dev/pimc/target":           true,
		"github.com/pimc-dev/pimc/internal/outfile": true,
		"gopkg.in/yaml.v3":                          true,
	}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
		if !std && !allowed[imp] {
			t.Errorf("passes imports %s, which doc.go does not allow", imp)
		}
	}
}
