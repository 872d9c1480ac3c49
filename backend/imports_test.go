package backend_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
)

// TestImports enforces the layering of docs/STYLE.md: the backend depends
// on the IR and the ISA/target packages only (never the frontend, passes,
// interpreter or simulator); pimrt adds the simulator and the
// interpreter, which it orchestrates.
func TestImports(t *testing.T) {
	for _, c := range []struct {
		pkg     string
		allowed []string
	}{
		{"github.com/pimc-dev/pimc/backend", []string{"backend", "isa", "target", "ir", "ir/tensor", "ir/mapping"}},
		{"github.com/pimc-dev/pimc/pimrt", []string{"backend", "pimrt", "isa", "target", "ir", "ir/tensor", "ir/mapping", "ir/interp", "sim", "internal/outfile"}},
	} {
		out, err := exec.Command("go", "list", "-deps", c.pkg).Output()
		if err != nil {
			t.Skipf("go list unavailable: %v", err)
		}
		ok := map[string]bool{}
		for _, a := range c.allowed {
			ok["github.com/pimc-dev/pimc/"+a] = true
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/pimc-dev/pimc/") && !ok[dep] {
				t.Errorf("%s depends on %s", c.pkg, dep)
			}
		}
	}
}

// FuzzParseHost: the host-section parser never panics, whatever the bytes.
func FuzzParseHost(f *testing.F) {
	f.Add([]byte("pimc-host 1\ngraph-inputs 1\ngraph-outputs 1\nsegment 0 in \"x_q\" out \"y\"\npir\npir 1\ngraph \"g\" stage=quantized\ninput %x: f32[1]\noutput %x\n"))
	f.Add([]byte("pimc-host 1\npir\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		backend.ParseHost(data)
	})
}
