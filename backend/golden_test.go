package backend_test

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestGolden runs the backend goldens (internal/golden), one txtar archive
// per mapped graph in testdata/pasm:
//
//	-- input.pir --    a graph at stage mapped
//	-- output.pasm --  expected: its program for the default target, as
//	                   pimc compile -S writes it, less the .targetdesc lines
//	                   (the target's description, which the fingerprint on
//	                   the .target line pins)
//
// A golden can only record a program that computes what the graph does:
// the runtime (simulator and host) must match the quantized interpreter bit
// for bit on random inputs, and the assembly must parse back to the same
// program. PIMC_UPDATE=1 rewrites the expected sections.
func TestGolden(t *testing.T) {
	golden.Run(t, filepath.Join("testdata", "pasm", "*.txtar"), func(t *testing.T, c *golden.Case) {
		g, err := ir.Parse(c.Path+":input.pir", []byte(c.Input("input.pir")))
		if err != nil {
			t.Fatal(err)
		}
		if g.Stage != ir.StageMapped {
			t.Fatalf("input.pir is at stage %s, want mapped", g.Stage)
		}
		ins, _ := randomInputs(4, 1, "uniform [-1, 1)", false, -1, 1, nil).make(t, g, "")
		res, _ := compileAndCheck(t, g, target.Default(), ins...)
		asm := isa.FormatAsm(res.Prog)
		back, err := isa.ParseAsm("output.pasm", asm)
		if err != nil || !reflect.DeepEqual(back, res.Prog) {
			t.Fatalf("the assembly does not parse back to the program: %v", err)
		}
		c.Check("output.pasm", string(withoutTargetDesc(asm)))
	})
}

// withoutTargetDesc drops the ".targetdesc" lines of an assembly text.
func withoutTargetDesc(asm []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(asm, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(".targetdesc ")) {
			out.Write(line)
		}
	}
	return out.Bytes()
}
