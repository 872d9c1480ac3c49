package sim

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
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

// testdataTarget is the target a testdata program names: the default, or
// for seq.pasm the default with a plane sequencer (ISA v1.7).
func testdataTarget(t testing.TB, p *isa.Program) *target.Target {
	if p.TargetName == "sot-mram-45nm-seq" {
		return seqTarget(t, 0)
	}
	return target.Default()
}

// runIsa loads and runs a testdata program on the default target with its
// expected inputs and checks its expected outputs exactly.
func runIsa(t *testing.T, name string) (*Machine, *RunStats) {
	t.Helper()
	prog, ins, outs := isaProgram(t, name)
	m, err := Load(prog, testdataTarget(t, prog))
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

// readHexDump reads a "OFFSET: HEX" dump (testdata/isa/*.pimb.hex).
func readHexDump(t testing.TB, path string) []byte {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, line := range strings.Split(strings.TrimSpace(string(src)), "\n") {
		_, h, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad line %q", path, line)
		}
		b, err := hex.DecodeString(strings.Join(strings.Fields(h), ""))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, b...)
	}
	return out
}

// TestTestdataBinaries runs the golden binaries (.pimb.hex) of the testdata
// programs: the simulator computes from the decoded bits and must give the
// same outputs and the same cost accounting as from the assembly.
func TestTestdataBinaries(t *testing.T) {
	for _, name := range []string{"dot", "conv", "relu_layer", "block", "edges", "parallel", "act", "seq"} {
		t.Run(name, func(t *testing.T) {
			prog, ins, outs := isaProgram(t, name+".pasm")
			bin, err := isa.DecodeBinary(readHexDump(t, filepath.Join("..", "testdata", "isa", name+".pimb.hex")))
			if err != nil {
				t.Fatal(err)
			}
			var reports [2][]byte
			for i, p := range []*isa.Program{prog, bin} {
				m, err := Load(p, testdataTarget(t, p))
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
				for n, want := range outs {
					got, _ := m.ReadOutputRaw(n)
					if fmt.Sprint(got.I64) != fmt.Sprint(want) {
						t.Fatalf("output %s = %v, want %v", n, got.I64, want)
					}
				}
				reports[i], _ = m.Report(st).JSON()
			}
			if string(reports[0]) != string(reports[1]) {
				t.Fatal("assembly and binary give different reports")
			}
		})
	}
}

func TestTestdataPrograms(t *testing.T) {
	for _, name := range []string{"dot.pasm", "conv.pasm", "relu_layer.pasm", "block.pasm", "edges.pasm", "parallel.pasm", "act.pasm", "seq.pasm"} {
		t.Run(name, func(t *testing.T) {
			m, st := runIsa(t, name)
			if len(m.exe.Prog.Streams) > 1 {
				return // each controller charges its own time (streams.go)
			}
			// The per-instruction profile partitions the run.
			var n, ps int64
			for _, p := range st.PC {
				n += p.Count
				ps += p.TimePS
			}
			if n != st.Steps || ps != st.LatencyPS {
				t.Errorf("profile sums: %d instructions, %d ps; run: %d, %d", n, ps, st.Steps, st.LatencyPS)
			}
			t.Logf("%s: %d instructions, %d ps", name, st.Steps, st.LatencyPS)
		})
	}
}
