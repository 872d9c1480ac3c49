package archtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/ARCHITECTURE.md from the code")

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
// says now; -update rewrites it.
func TestArchitectureDoc(t *testing.T) {
	m, err := theModule()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(m.Dir, "docs", "ARCHITECTURE.md")
	got := markdown(m)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nwrite it with: %s", err, regenerate)
	}
	if string(want) != got {
		t.Errorf("docs/ARCHITECTURE.md differs from the code:\n%s\nregenerate it with: %s", firstDifference(string(want), got), regenerate)
	}
}

// firstDifference shows the first line where two texts differ.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n-%s\n+%s", i+1, wl, gl)
		}
	}
	return ""
}
