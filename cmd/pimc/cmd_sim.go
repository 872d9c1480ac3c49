package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

func init() {
	register(&command{name: "sim", summary: "run a compiled program on the PIM simulator and report latency, device bound, energy, power and area", run: runSim})
}

func runSim(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sim", "PROG.pimb|PROG.pasm -i IN.pb|IN.npy [-i ...] [-batch N] [-o OUT] [-report R.json] [-html R.html] [-target FILE|PRESET] [-raw] [-j N] [-q] [-trace FILE]", stderr)
	addLimitFlags(fs)
	var ins listFlag
	fs.Var(&ins, "i", "input tensor file (.pb or .npy), one per model input (or input port) in order; its shape must be the input's, or a batch along dimension 0 when the model's batch dimension is dynamic or -batch is given")
	batchN := fs.Int("batch", 0, batchUsage)
	out := fs.String("o", "", "output file (.pb or .npy); a folder (made if missing) when the program has several outputs; default: print a summary")
	reportPath := fs.String("report", "", "write the cost report as JSON to this file (- for stdout)")
	htmlPath := addHTMLFlag(fs)
	tgtFlag := fs.String("target", "", programTargetUsage)
	raw := fs.Bool("raw", false, "inputs are raw integers (no quantization) and outputs are written as raw integers (no dequantization); for a compiled model, run its device program alone with raw port values")
	jobs := fs.Int("j", 1, "run the images of a batch on this many goroutines (results are identical; -1 = all cores)")
	maxSteps := fs.Int64("max-steps", 0, fmt.Sprintf("instruction budget per image (0 = %d)", sim.DefaultMaxSteps))
	quiet := fs.Bool("q", false, "do not print the cost table")
	tracePath := fs.String("trace", "", "write an instruction trace of the first run (pc, the controller on a program of several streams, issue and dispatch times in ns) to this file; - for stdout. The first run is the first image, or with a pipelined program the first -batch images up to its frames per run, as the batch runs them")
	traceLimit := fs.Int64("trace-limit", 100000, "at most this many trace lines (0 = no limit)")
	faults := addFaultFlags(fs, false)
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one PROG.pimb|PROG.pasm argument", pos))
	case *jobs == 0 || *jobs < -1:
		return usageError(fs, "-j %d: want -1 (all cores) or a positive count", *jobs)
	case *maxSteps < 0:
		return usageError(fs, "-max-steps %d: want 0 (the default budget) or a positive count", *maxSteps)
	case *traceLimit < 0:
		return usageError(fs, "-trace-limit %d: want 0 (no limit) or a positive count", *traceLimit)
	case *batchN < 0:
		return usageError(fs, "-batch %d: want a positive count of inferences (or 0: the inputs say)", *batchN)
	}
	if msg, ok := faults.check(fs); !ok {
		return usageError(fs, "%s", msg)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc sim: %v\n", err)
		return exitUser
	}
	paths := append(outfile.Inputs("-i", ins), outfile.Input("input", pos[0]), outfile.TargetInput(*tgtFlag), outfile.TensorOutput(*out),
		outfile.Output("-report", *reportPath), outfile.Output("-html", *htmlPath), outfile.Output("-trace", *tracePath))
	if code := checkPaths(fs, paths...); code != exitOK {
		return code
	}
	report := reportTo(stdout, stderr, *reportPath, *htmlPath, *tracePath)
	html := func(rep *sim.Report) error {
		return writeHTMLReport(*htmlPath, "pimc sim "+pos[0], "sim", args, []htmlreport.Run{{Name: filepath.Base(pos[0]), Report: rep}}, stdout)
	}
	prog, tgt, err := loadProgram("sim", pos[0], *tgtFlag, stderr)
	if err != nil {
		return fail(err)
	}
	if len(prog.Host) > 0 && !*raw {
		// A compiled model: host ops on the reference interpreter, device
		// segments on the simulator (pimrt).
		return runSimModel(prog, tgt, pos[0], ins, simFlags{out: *out, report: *reportPath, htmlOut: *htmlPath, html: html, jobs: *jobs, maxSteps: *maxSteps,
			quiet: *quiet, trace: *tracePath, traceLimit: *traceLimit, paths: paths, batch: *batchN, faults: faults}, stdout, stderr)
	}
	exe, err := sim.Prepare(prog, tgt)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pos[0], err))
	}
	exe.RecordTimeline(*reportPath != "" || *htmlPath != "")
	chip, err := faults.chip(exe, 0)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pos[0], err))
	}
	batch, err := driver.ReadPortBatch(pos[0], exe.Ports(isa.PortIn), ins, *raw, *batchN, func(p string, t *tensor.Tensor) {
		warnNonFinite(stderr, "sim", p, t)
	})
	if err != nil {
		return fail(err)
	}
	if *tracePath != "" && len(batch) > 0 {
		first := batch[:min(len(batch), exe.Frames())]
		run := func(m *sim.Machine) error { _, _, err := m.InferFrames(first); return err }
		if err := traceRun(exe, run, *tracePath, *traceLimit, *maxSteps, chip, stdout); err != nil {
			return fail(err)
		}
	}
	results, rep, err := exe.RunBatch(batch, sim.BatchOptions{Parallel: *jobs, MaxSteps: *maxSteps, Chip: chip})
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pos[0], err))
	}
	writeFaults(report, chip)
	if !*quiet {
		if err := rep.WriteTable(report); err != nil {
			return fail(err)
		}
	}
	if *reportPath != "" {
		js, err := rep.JSON()
		if err != nil {
			return fail(err)
		}
		if err := outfile.WriteOutput(*reportPath, js, stdout); err != nil {
			return fail(err)
		}
	}
	if err := html(rep); err != nil {
		return fail(err)
	}
	return writeSimOutputs(results, *out, *raw, paths, report, stderr)
}

// simFlags are the flags runSimModel needs.
type simFlags struct {
	out, report, trace   string
	htmlOut              string                  // -html
	html                 func(*sim.Report) error // writes -html
	jobs, batch          int
	maxSteps, traceLimit int64
	quiet                bool
	paths                []outfile.Path // every input and output, for checkPaths
	faults               *faultFlags
}

// runSimModel runs a compiled model (a program with a host section) on
// batches of model inputs: the host ops on the reference interpreter, every
// device segment on the simulator. The report adds the segments of one
// inference up and gives the host's share (its ops and port transfers,
// costed by the target's host section) apart.
func runSimModel(prog *isa.Program, tgt *target.Target, path string, ins []string, f simFlags, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc sim: %v\n", err)
		return exitUser
	}
	model, err := pimrt.Load(prog, tgt)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	model.Exe.RecordTimeline(f.report != "" || f.htmlOut != "")
	chip, err := f.faults.chip(model.Exe, 0)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	g := model.Host.Graph
	batch, err := driver.ReadBatch(path, g.Inputs[:model.Host.GraphInputs], ins, driver.BatchRule{N: f.batch, Flag: "-batch"}, func(p string, t *tensor.Tensor) {
		warnNonFinite(stderr, "sim", p, t)
	})
	if err != nil {
		return fail(err)
	}
	if f.trace != "" && len(batch) > 0 {
		first := batch[:min(len(batch), model.Exe.Frames())]
		run := func(m *sim.Machine) error { _, err := model.RunFramesOn(m, first); return err }
		if err := traceRun(model.Exe, run, f.trace, f.traceLimit, f.maxSteps, chip, stdout); err != nil {
			return fail(err)
		}
	}
	outs, rep, err := model.RunBatch(batch, sim.BatchOptions{Parallel: f.jobs, MaxSteps: f.maxSteps, Chip: chip})
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	report := reportTo(stdout, stderr, f.report, f.htmlOut, f.trace)
	writeFaults(report, chip)
	if !f.quiet {
		if err := rep.WriteTable(report); err != nil {
			return fail(err)
		}
		if h := rep.Host; h != nil && len(g.Nodes) > 0 {
			fmt.Fprintf(report, "\nnote: the per-inference figures above cover the %d device segment(s); the %.0f host ops and %.0f port transfers are under \"host\" (end to end: %s, %s)\n",
				len(model.Host.Segments), h.Nodes, h.Transfers, sim.FormatNS(h.TotalLatencyNS), sim.FormatPJ(h.TotalEnergyPJ))
		}
	}
	if f.report != "" {
		js, err := rep.JSON()
		if err != nil {
			return fail(err)
		}
		if err := outfile.WriteOutput(f.report, js, stdout); err != nil {
			return fail(err)
		}
	}
	if err := f.html(rep); err != nil {
		return fail(err)
	}
	if f.out != "" && model.Host.GraphOutputs > 1 {
		var names []string
		for _, v := range g.Outputs[:model.Host.GraphOutputs] {
			names = append(names, v.Name)
		}
		if err := outfile.MkdirOutput("-o", f.out, names, f.paths...); err != nil {
			return fail(err)
		}
	}
	for k := 0; k < model.Host.GraphOutputs; k++ {
		var ts []*tensor.Tensor
		for _, o := range outs {
			ts = append(ts, o[k])
		}
		t := tensor.Batch(ts)
		name := g.Outputs[k].Name
		switch {
		case f.out == "":
			fmt.Fprintf(report, "\noutput %s: %s\n", name, t.Summary())
		case model.Host.GraphOutputs == 1:
			if err := tensorio.Write(f.out, t, name); err != nil {
				return fail(err)
			}
		default:
			if err := tensorio.Write(outfile.FolderFile(f.out, name), t, name); err != nil {
				return fail(err)
			}
		}
	}
	return exitOK
}

// traceRun calls run on a fresh machine (on chip, image 0's faults)
// whose instruction trace goes to path ("-": stdout). A program of several
// streams gets a column "ctl", the controller that issued the line.
func traceRun(exe *sim.Executable, run func(*sim.Machine) error, path string, limit, maxSteps int64, chip *sim.Chip, stdout io.Writer) error {
	header := "    pc   issue/ns  dispatch/ns  instruction # source"
	m := exe.NewMachine()
	m.MaxSteps, m.TraceLimit = maxSteps, limit
	if len(exe.Prog.StreamEntries()) > 1 {
		m.TraceControllers = true
		header = "    pc ctl   issue/ns  dispatch/ns  instruction # source"
	}
	if err := m.SetChip(chip); err != nil {
		return err
	}
	w, err := outfile.Open(path, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, header)
	m.Trace = w
	if err := run(m); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// writeSimOutputs writes (or summarises on stdout) every output port,
// batch-joined, rank-4 outputs transposed from the ports' NHWC to ONNX's
// NCHW. Several ports go to files in the folder out, checked first against
// paths (the command's inputs and outputs).
func writeSimOutputs(results []*sim.Result, out string, raw bool, paths []outfile.Path, stdout, stderr io.Writer) int {
	if len(results) == 0 {
		return exitOK
	}
	names := results[0].Names
	if out != "" && len(names) > 1 {
		if err := outfile.MkdirOutput("-o", out, names, paths...); err != nil {
			fmt.Fprintf(stderr, "pimc sim: %v\n", err)
			return exitUser
		}
	}
	for k, name := range names {
		var ts []*tensor.Tensor
		for _, r := range results {
			if raw {
				ts = append(ts, sim.NHWCToNCHW(r.Raw[k]))
			} else {
				ts = append(ts, sim.NHWCToNCHW(r.Real[k]))
			}
		}
		t := tensor.Batch(ts)
		if out == "" {
			fmt.Fprintf(stdout, "\noutput %s: %s\n", name, t.Summary())
			continue
		}
		path := out
		if len(names) > 1 {
			path = outfile.FolderFile(out, name)
		}
		if err := tensorio.Write(path, t, name); err != nil {
			fmt.Fprintf(stderr, "pimc sim: %v\n", err)
			return exitUser
		}
	}
	return exitOK
}
