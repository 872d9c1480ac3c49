//go:build unix

package battery

import "testing"

// TestBatteryCLI: command lines that are wrong as command lines (exit 2,
// the flag or argument named, then the usage), files that are missing or
// of the wrong kind (exit 1, the file named), and the valid runs the other
// areas bend, so a change that breaks them shows here first.
func TestBatteryCLI(t *testing.T) {
	runCases(t, []Case{
		// Valid runs: the baselines.
		{Name: "ok/compile", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "out.pimb"), Code: 0, Keep: strs("out.pimb")},
		{Name: "ok/run", Setup: steps(withLeNet, withImage), Args: strs("run", "lenet5.onnx", "-i", "in.npy"), Code: 0, Stdout: strs("logits")},
		{Name: "ok/sim", Setup: steps(withProgram, withImage), Args: strs("sim", "lenet5.pimb", "-i", "in.npy", "-q"), Code: 0},
		{Name: "ok/ir", Setup: withLeNet, Args: strs("ir", "lenet5.onnx"), Code: 0, Stdout: strs("graph \"lenet5\"")},
		{Name: "ok/disasm", Setup: withProgram, Args: strs("disasm", "lenet5.pimb"), Code: 0, Stdout: strs("halt")},
		{Name: "ok/target-show", Args: strs("target", "show"), Code: 0},
		{Name: "ok/demo-into-new-folders", Args: strs("demo", "-limit", "5", "-o", "new/sub"), Code: 0, Stdout: strs("W4A4"), Keep: strs("new/**"),
			Check: func(t *testing.T, dir string) { readFile(t, dir, "new/sub/lenet5-w8a8.pimb") }},

		// Command lines.
		{Name: "usage/no-command", Code: 2, Stderr: strs("usage: pimc <command>")},
		{Name: "usage/unknown-command", Args: strs("frobnicate"), Code: 2, Stderr: strs(`unknown command "frobnicate"`)},
		{Name: "usage/unknown-flag", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-nope"), Code: 2, Stderr: strs("-nope")},
		{Name: "usage/compile-no-model", Args: strs("compile"), Code: 2, Stderr: strs("pimc compile", "missing")},
		{Name: "usage/compile-two-models", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "lenet5.onnx", "-o", "x.pimb"), Code: 2, Stderr: strs("2 arguments")},
		{Name: "usage/compile-wbits-0", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-wbits", "0"), Code: 2, Stderr: strs("-wbits")},
		{Name: "usage/compile-abits-64", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-abits", "64"), Code: 2, Stderr: strs("-abits")},
		{Name: "usage/compile-wbits-text", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-wbits", "four"), Code: 2, Stderr: strs("-wbits")},
		{Name: "usage/compile-replicate", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-replicate", "lots"), Code: 2, Stderr: strs("-replicate")},
		{Name: "usage/sim-j-0", Setup: steps(withProgram, withImage), Args: strs("sim", "lenet5.pimb", "-i", "in.npy", "-j", "0"), Code: 2, Stderr: strs("-j 0")},
		{Name: "usage/sim-max-steps-negative", Setup: steps(withProgram, withImage), Args: strs("sim", "lenet5.pimb", "-i", "in.npy", "-max-steps", "-5"), Code: 2, Stderr: strs("-max-steps")},
		{Name: "usage/eval-no-dataset", Setup: withLeNet, Args: strs("eval", "lenet5.onnx"), Code: 2, Stderr: strs("-dataset")},
		{Name: "usage/eval-limit-negative", Setup: withLeNet, Args: strs("eval", "lenet5.onnx", "-dataset", "mnist", "-limit", "-1"), Code: 2, Stderr: strs("-limit")},
		{Name: "usage/train-unknown-model", Args: strs("train", "alexnet", "-dataset", "mnist", "-o", "m.onnx"), Code: 2, Stderr: strs("alexnet")},
		{Name: "usage/passes-unknown", Setup: withLeNet, Args: strs("ir", "lenet5.onnx", "-passes=canonicalize,frobnicate"), Code: 2, Stderr: strs("frobnicate")},
		{Name: "usage/shape-malformed", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-shape", "input=1xfoo"), Code: 2, Stderr: strs("-shape", "foo")},

		// Files that are not there or not what they claim.
		{Name: "file/model-missing", Args: strs("compile", "nosuch.onnx", "-o", "x.pimb"), Code: 1, Stderr: strs("nosuch.onnx")},
		{Name: "file/model-is-dir", Setup: func(t *testing.T, dir string) { mkdir(t, dir, "m.onnx", 0o755) }, Args: strs("compile", "m.onnx", "-o", "x.pimb"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "file/model-unknown-extension", Setup: steps(withImage, func(t *testing.T, dir string) { writeText(t, dir, "README.txt", "hello\n") }), Args: strs("run", "README.txt", "-i", "in.npy"), Code: 1, Stderr: strs("README.txt")},
		{Name: "file/program-missing", Args: strs("sim", "nosuch.pimb", "-i", "in.npy"), Code: 1, Stderr: strs("nosuch.pimb")},
		{Name: "file/program-extension", Setup: withLeNet, Args: strs("sim", "lenet5.onnx", "-i", "in.npy"), Code: 1, Stderr: strs("lenet5.onnx")},
		{Name: "file/input-missing", Setup: withLeNet, Args: strs("run", "lenet5.onnx", "-i", "nosuch.npy"), Code: 1, Stderr: strs("nosuch.npy")},
		{Name: "file/target-missing", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-target", "nosuch.yaml"), Code: 1, Stderr: strs("nosuch.yaml")},
		{Name: "file/target-unknown-preset", Args: strs("target", "show", "no-such-preset"), Code: 1, Stderr: strs("no-such-preset")},
		{Name: "file/dataset-missing", Setup: withLeNet, Args: strs("eval", "lenet5.onnx", "-dataset", "nosuch-dir"), Code: 1, Stderr: strs("nosuch-dir")},
		{Name: "file/eval-reads-model-before-dataset", Setup: func(t *testing.T, dir string) { writeText(t, dir, "m.onnx", "garbage") },
			Args: strs("eval", "m.onnx", "-dataset", "nosuch-dir"), Code: 1, Stderr: strs("m.onnx")},
		{Name: "file/eval-reads-program-before-dataset", Setup: func(t *testing.T, dir string) { writeText(t, dir, "m.pimb", "garbage") },
			Args: strs("eval", "m.pimb", "-dataset", "nosuch-dir"), Code: 1, Stderr: strs("m.pimb")},
		{Name: "file/calib-missing", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "x.pimb", "-calib", "nosuch-dir"), Code: 1, Stderr: strs("nosuch-dir")},
		{Name: "file/output-dir-missing", Setup: withLeNet, Args: strs("compile", "lenet5.onnx", "-o", "no/such/dir/x.pimb"), Code: 1, Stderr: strs("no/such/dir")},
	})
}
