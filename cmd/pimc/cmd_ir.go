package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
)

func init() {
	register(&command{name: "ir", summary: "import an ONNX model (or .pir file) and print its IR", run: runIR})
}

func runIR(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ir", "MODEL.onnx|MODEL.pir [-passes=...] [-print-after=all] [-o OUT.pir] [-dot OUT.dot]", stderr)
	addLimitFlags(fs)
	var pf pipelineFlags
	pf.register(fs, "")
	shapes := shapeFlag{}
	fs.Var(shapes, "shape", "pin the shape of an input with dynamic dimensions: name=1x3x32x32 (repeatable)")
	binds := bindFlag{}
	fs.Var(binds, "bind", "fix a graph input that feeds a shape to the tensor in a file: name=FILE.pb (repeatable)")
	out := fs.String("o", "", "write the IR to this .pir file (all constants in full, so it parses back; - for stdout)")
	dot := fs.String("dot", "", "also write a Graphviz drawing of the graph to this file (- for stdout, which then gets no IR unless -o -)")
	withOutputRules(fs)
	elide := fs.Int("elide", 16, "when printing to the terminal, summarize constants with more elements than this (0: print all)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if pf.helpRequested(stdout) {
		return exitOK
	}
	if len(pos) != 1 {
		return usageError(fs, "%s", argCount("one MODEL.onnx|MODEL.pir argument", pos))
	}
	if strings.TrimSpace(pf.Passes) == "" {
		// pimc ir runs no pass unless asked, so these flags would be
		// silently ignored (and a misspelt pass name never reported).
		for _, f := range []struct {
			name string
			set  bool
		}{{"-print-after", pf.PrintAfter != ""}, {"-print-before", pf.PrintBefore != ""}, {"-print-after-change", pf.PrintAfterChange}, {"-print-dir", pf.PrintDir != ""}, {"-time-passes", pf.TimePasses}} {
			if f.set {
				return usageError(fs, "%s needs a pipeline to act on: add -passes (e.g. -passes=canonicalize; -passes=help lists them)", f.name)
			}
		}
	}
	paths := append(bindInputs(binds), outfile.Input("input", pos[0]), outfile.Output("-o", *out), outfile.Output("-dot", *dot))
	if code := checkPaths(fs, append(paths, pf.outputs()...)...); code != exitOK {
		return code
	}
	if err := pf.startProfile(stdout); err != nil {
		fmt.Fprintf(stderr, "pimc ir: %v\n", err)
		return exitUser
	}
	defer pf.stop()
	opt, err := frontendOptions(shapes, binds)
	if err != nil {
		fmt.Fprintf(stderr, "pimc ir: %v\n", err)
		return exitUser
	}
	g, bound, err := driver.LoadFed(pos[0], opt)
	if err != nil {
		fmt.Fprintf(stderr, "pimc ir: %v\n", err)
		return exitUser
	}
	stateBound(stderr, "ir", bound)
	if err := pf.pipeline(nil, stderr).Run(g); err != nil {
		fmt.Fprintf(stderr, "pimc ir: %s: %v\n", pos[0], err)
		return passErrorCode(err)
	}
	if *dot != "" {
		var b bytes.Buffer
		if err := ir.WriteDot(&b, g); err != nil {
			fmt.Fprintf(stderr, "pimc ir: %v\n", err)
			return exitInternal
		}
		if err := outfile.WriteOutput(*dot, b.Bytes(), stdout); err != nil {
			fmt.Fprintf(stderr, "pimc ir: %v\n", err)
			return exitUser
		}
	}
	if *out != "" {
		// Streamed to the pending file: with every constant in full, the
		// text is several times the size of the model.
		o, err := outfile.Open(*out, stdout)
		if err == nil {
			if err = ir.Print(o, g, ir.PrintOptions{}); err != nil {
				o.Abort()
			} else {
				err = o.Commit()
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "pimc ir: %v\n", err)
			return exitUser
		}
		return exitOK
	}
	if *dot == "-" {
		return exitOK // stdout holds the drawing
	}
	if err := ir.Print(stdout, g, ir.PrintOptions{ElideConstsOver: *elide}); err != nil {
		fmt.Fprintf(stderr, "pimc ir: %v\n", err)
		return exitInternal
	}
	return exitOK
}
