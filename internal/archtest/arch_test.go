package archtest

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/pimc-dev/pimc/internal/golden"
)

// theModule lists pimc's packages once for all the tests of the run.
var theModule = sync.OnceValues(loadModule)

// TestArchitecture checks every package of the module against the
// "Allowed imports:" line of its doc.go.
func TestArchitecture(t *testing.T) {
	m, err := theModule()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Pkgs) < 10 {
		t.Fatalf("found %d packages in %s; expected all of pimc's", len(m.Pkgs), m.Path)
	}
	for _, problem := range check(m) {
		t.Error(problem)
	}
}

// TestArchitectureDoc checks that docs/ARCHITECTURE.md is what the code
// says now (internal/golden: PIMC_UPDATE=1 rewrites it).
func TestArchitectureDoc(t *testing.T) {
	m, err := theModule()
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckFile(t, filepath.Join(m.Dir, "docs", "ARCHITECTURE.md"), []byte(markdown(m)))
}
