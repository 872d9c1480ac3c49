package main

import (
	"fmt"
	"io"
	"os"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

func init() {
	register(&command{name: "run", summary: "run an ONNX model (or .pir file) on the reference interpreter (integer semantics for a quantized .pir)", run: runRun})
}

func runRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "MODEL.onnx|MODEL.pir -i IN.pb|IN.npy [-i IN2 ...] [-batch N] [-o OUT.pb|OUT.npy|DIR] [-shape name=1x3x32x32]", stderr)
	addLimitFlags(fs)
	var ins listFlag
	shapes := shapeFlag{}
	fs.Var(&ins, "i", "input tensor file (.pb TensorProto or .npy), one per graph input, in order; its shape must be the input's (leading 1s may be added or left out), or a batch along dimension 0 when the model's batch dimension is dynamic or -batch is given; the model's symbolic dims are bound from these shapes (docs/INPUTS.md)")
	batch := fs.Int("batch", 0, batchUsage)
	out := fs.String("o", "", "output file (.pb or .npy); a folder (made if missing) when the model has several outputs; default: print a summary")
	fs.Var(shapes, "shape", shapeUsage)
	binds := bindFlag{}
	fs.Var(binds, "bind", "fix a graph input that feeds a shape to the tensor in a file: name=FILE.pb (repeatable)")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one MODEL.onnx|MODEL.pir argument", pos))
	case *batch < 0:
		return usageError(fs, "-batch %d: want a positive count of inferences (or 0: the inputs say)", *batch)
	}
	model := pos[0]
	paths := append(append(outfile.Inputs("-i", ins), bindInputs(binds)...), outfile.Input("input", model), outfile.TensorOutput(*out))
	if code := checkPaths(fs, paths...); code != exitOK {
		return code
	}
	inputs := make([]*tensor.Tensor, len(ins))
	for i, p := range ins {
		if inputs[i], err = tensorio.Read(p); err != nil {
			fmt.Fprintf(stderr, "pimc run: %v\n", err)
			return exitUser
		}
		warnNonFinite(stderr, "run", p, inputs[i])
	}
	// Open dims are bound from the -i tensors, the batch at 1 unless -shape
	// says otherwise; RunBatch splits inputs with a larger batch into images
	// and runs them on all cores.
	opt, err := frontendOptions(shapes, binds)
	if err != nil {
		fmt.Fprintf(stderr, "pimc run: %v\n", err)
		return exitUser
	}
	g, bound, err := driver.LoadFed(model, opt, driver.FilesFeed(ins, inputs)) // a .pir too (a quantized one runs integer semantics)
	if err != nil {
		fmt.Fprintf(stderr, "pimc run: %v\n", err)
		return exitUser
	}
	stateBound(stderr, "run", bound)
	results, err := driver.Run(model, g, ins, inputs, driver.BatchRule{N: *batch, Flag: "-batch"})
	if err != nil {
		fmt.Fprintf(stderr, "pimc run: %v\n", err)
		return exitUser
	}
	if *out == "" {
		for i, r := range results {
			fmt.Fprintf(stdout, "%s: %s\n", g.Outputs[i].Name, r.Summary())
		}
		return exitOK
	}
	if len(results) == 1 && !isDir(*out) {
		if err := tensorio.Write(*out, results[0], g.Outputs[0].Name); err != nil {
			fmt.Fprintf(stderr, "pimc run: %v\n", err)
			return exitUser
		}
		return exitOK
	}
	var names []string
	for _, v := range g.Outputs {
		names = append(names, v.Name)
	}
	if err := outfile.MkdirOutput("-o", *out, names, paths...); err != nil {
		fmt.Fprintf(stderr, "pimc run: %v\n", err)
		return exitUser
	}
	for i, r := range results {
		p := outfile.FolderFile(*out, g.Outputs[i].Name)
		if err := tensorio.Write(p, r, g.Outputs[i].Name); err != nil {
			fmt.Fprintf(stderr, "pimc run: %v\n", err)
			return exitUser
		}
	}
	return exitOK
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
