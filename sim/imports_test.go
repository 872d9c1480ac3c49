package sim

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports enforces the architecture rule of docs/STYLE.md: sim depends
// only on isa, target, ir/tensor and internal/outfile
// among pimc's packages, so it stays an independent oracle for the compiler
// and the interpreter.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	allowed := map[string]bool{
		"github.com/pimc-dev/pimc/sim":              true,
		"github.com/pimc-dev/pimc/isa":              true,
		"github.com/pimc-dev/pimc/target":           true,
		"github.com/pimc-dev/pimc/ir/tensor":        true,
		"github.com/pimc-dev/pimc/internal/outfile": true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/pimc-dev/pimc") && !allowed[dep] {
			t.Errorf("sim depends on %s", dep)
		}
	}
}
