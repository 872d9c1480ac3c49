package sim

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend/isa"
	"github.com/pimc-dev/pimc/backend/target"
)

// isaProgram parses testdata/isa/NAME and its "# expect-input NAME = ..." and
// "# expect-output NAME = ..." comments (docs/ISA.md §7).
func isaProgram(t testing.TB, name string) (*isa.Program, map[string][]int64, map[string][]int64) {
	t.Helper()
	path := filepath.Join("..", "testdata", "isa", name)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := isa.ParseAsm(path, src)
	if err != nil {
		t.Fatal(err)
	}
	ins, outs := map[string][]int64{}, map[string][]int64{}
	for _, line := range strings.Split(string(src), "\n") {
		for prefix, m := range map[string]map[string][]int64{"# expect-input ": ins, "# expect-output ": outs} {
			rest, ok := strings.CutPrefix(line, prefix)
			if !ok {
				continue
			}
			name, vals, ok := strings.Cut(rest, "=")
			if !ok {
				t.Fatalf("%s: bad expect line %q", path, line)
			}
			var v []int64
			for _, f := range strings.Fields(vals) {
				n, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					t.Fatalf("%s: %q: %v", path, line, err)
				}
				v = append(v, n)
			}
			m[strings.TrimSpace(name)] = v
		}
	}
	return prog, ins, outs
}

// runIsa loads and runs a testdata program on the default target with its
// expected inputs and checks its expected outputs exactly.
func runIsa(t *testing.T, name string) (*Machine, *RunStats) {
	t.Helper()
	prog, ins, outs := isaProgram(t, name)
	m, err := Load(prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	for n, v := range ins {
		if err := m.WriteInputRaw(n, v); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) == 0 {
		t.Fatalf("%s has no expect-output", name)
	}
	for n, want := range outs {
		got, err := m.ReadOutputRaw(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.I64) != len(want) {
			t.Fatalf("%s: output %s has %d values, expect-output has %d", name, n, len(got.I64), len(want))
		}
		for i := range want {
			if got.I64[i] != want[i] {
				t.Errorf("%s: output %s = %v, want %v", name, n, got.I64, want)
				break
			}
		}
	}
	return m, st
}

func TestTestdataPrograms(t *testing.T) {
	for _, name := range []string{"dot.pasm", "conv.pasm", "relu_layer.pasm"} {
		t.Run(name, func(t *testing.T) {
			_, st := runIsa(t, name)
			t.Logf("%s: %d instructions, %d ps", name, st.Steps, st.LatencyPS)
		})
	}
}
