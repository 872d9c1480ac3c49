package main

import (
	"strings"
	"testing"
)

// TestHelpExitsZero: `pimc CMD -h` asks for the usage, as `pimc help` does,
// so every subcommand prints its usage line and exits 0.
func TestHelpExitsZero(t *testing.T) {
	for name := range commands {
		args := []string{name, "-h"}
		if name == "target" {
			args = []string{"target", "show", "-h"}
		}
		code, _, errs := runCLI(args...)
		if code != exitOK || !strings.Contains(errs, "usage: pimc "+name) {
			t.Errorf("pimc %s: exit %d, want 0 and the usage; stderr:\n%s", strings.Join(args, " "), code, errs)
		}
	}
}

// TestUsageErrorsSayWhatIsWrong: a refused command line names the flag or
// argument and what was expected before the usage text, and exits 2 before
// any work is done (no model is read: the paths below do not exist).
func TestUsageErrorsSayWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"compile", "m.onnx", "-o", "p.pimb", "-wbits", "0"}, "-wbits 0: want 1..8"},
		{[]string{"compile", "m.onnx", "-o", "p.pimb", "-wbits", "9"}, "-wbits 9: want 1..8"},
		{[]string{"compile", "m.onnx", "-o", "p.pimb", "-abits", "0"}, "-abits 0: want 1..8"},
		{[]string{"compile", "m.onnx"}, "-o PROG.pimb is required"},
		{[]string{"compile"}, "missing one MODEL.onnx|MODEL.pir argument"},
		{[]string{"eval", "m.onnx", "-dataset", "mnist", "-limit", "-1"}, "-limit -1: want 0"},
		{[]string{"eval", "m.onnx", "-dataset", "mnist", "-j", "0"}, "-j 0: want -1"},
		{[]string{"eval", "m.onnx", "-dataset", "mnist", "-lockstep", "0"}, "-lockstep 0: want a positive count"},
		{[]string{"eval", "m.onnx"}, "-dataset is required"},
		{[]string{"demo", "-limit", "-1"}, "-limit -1: want a positive count"},
		{[]string{"demo", "extra"}, "unexpected arguments"},
		{[]string{"train", "lenet5", "-dataset", "mnist", "-o", "m.onnx", "-limit", "-1"}, "-limit -1: want 0"},
		{[]string{"train", "lenet5", "-dataset", "mnist", "-o", "m.onnx", "-epochs", "0"}, "-epochs 0: want a positive count"},
		{[]string{"compress", "m.onnx", "-dataset", "mnist", "-config", "c.yaml", "-o", "o.onnx", "-mode", "x"}, `-mode "x": want admm or layerwise`},
		{[]string{"compress", "m.onnx", "-dataset", "mnist", "-config", "c.yaml", "-o", "o.onnx", "-eval", "-1"}, "-eval -1: want 0"},
		{[]string{"sim", "p.pimb", "-j", "0"}, "-j 0: want -1"},
		{[]string{"sim", "p.pimb", "-max-steps", "-5"}, "-max-steps -5"},
		{[]string{"sim", "a.pimb", "b.pimb"}, "got 2 arguments (a.pimb b.pimb)"},
		{[]string{"conform"}, "missing DIR"},
		{[]string{"conform", "-j", "0", "d"}, "-j 0: want a positive count"},
		{[]string{"run", "m.onnx", "x"}, "want one MODEL.onnx|MODEL.pir argument"},
		{[]string{"asm"}, "missing one FILE.pasm argument"},
		{[]string{"disasm"}, "missing one FILE.pimb argument"},
		{[]string{"ir"}, "missing one MODEL.onnx|MODEL.pir argument"},
		{[]string{"target", "show", "a", "b"}, "want at most one FILE|PRESET argument"},
		{[]string{"ir", "m.onnx", "-shape", "x=1xZ"}, `"Z" is not a positive dimension`},
		{[]string{"ir", "m.onnx", "-bind", "x"}, "want name=FILE.pb"},
		{[]string{"ir", "m.onnx", "-print-after", "bogus"}, "-print-after needs a pipeline to act on: add -passes"},
		{[]string{"ir", "m.onnx", "-time-passes"}, "-time-passes needs a pipeline"},
		{[]string{"compile", "m.onnx", "-o", "p.pimb", "-replicate", "bogus"}, `-replicate: want off, auto or a count 1..4, got "bogus"`},
	} {
		code, _, errs := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) || !strings.Contains(errs, "usage: pimc") {
			t.Errorf("pimc %s: exit %d, want %d with %q and the usage; stderr:\n%s", strings.Join(c.args, " "), code, exitUsage, c.want, errs)
		}
	}
}

// TestCompileCalibNoteAfterLoading: the random-calibration note is printed
// once the target and model have loaded, not ahead of an unrelated error.
func TestCompileCalibNoteAfterLoading(t *testing.T) {
	code, _, errs := runCLI("compile", "../../testdata/models/mnist-cntk/model.onnx", "-o", t.TempDir()+"/p.pimb", "-target", "nosuch")
	if code != exitUser || !strings.Contains(errs, `no preset "nosuch"`) || strings.Contains(errs, "note:") {
		t.Errorf("exit %d, want %d with the target error alone; stderr:\n%s", code, exitUser, errs)
	}
}

// TestHelpCommand: `pimc help CMD` prints CMD's usage like `pimc CMD -h`.
func TestHelpCommand(t *testing.T) {
	code, _, errs := runCLI("help", "compile")
	if code != exitOK || !strings.Contains(errs, "usage: pimc compile") || !strings.Contains(errs, "-wbits") {
		t.Errorf("pimc help compile: exit %d; stderr:\n%s", code, errs)
	}
}
