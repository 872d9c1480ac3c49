package main

import (
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"strings"
	"sync"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

func init() {
	register(&command{name: "sim", summary: "run a compiled program on the PIM simulator and report latency, energy, power and area", run: runSim})
}

func runSim(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sim", "PROG.pimb|PROG.pasm -i IN.pb|IN.npy [-i ...] [-batch N] [-o OUT] [-report R.json] [-target FILE|PRESET] [-raw] [-j N] [-q] [-trace FILE]", stderr)
	addLimitFlags(fs)
	var ins listFlag
	fs.Var(&ins, "i", "input tensor file (.pb or .npy), one per model input (or input port) in order; its shape must be the input's, or a batch along dimension 0 when the model's batch dimension is dynamic or -batch is given")
	batchN := fs.Int("batch", 0, batchUsage)
	out := fs.String("o", "", "output file (.pb or .npy); a folder (made if missing) when the program has several outputs; default: print a summary")
	reportPath := fs.String("report", "", "write the cost report as JSON to this file (- for stdout)")
	tgtFlag := fs.String("target", "", programTargetUsage)
	raw := fs.Bool("raw", false, "inputs are raw integers (no quantization) and outputs are written as raw integers (no dequantization); for a compiled model, run its device program alone with raw port values")
	jobs := fs.Int("j", 1, "run the images of a batch on this many goroutines (results are identical; -1 = all cores)")
	maxSteps := fs.Int64("max-steps", 0, fmt.Sprintf("instruction budget per image (0 = %d)", sim.DefaultMaxSteps))
	quiet := fs.Bool("q", false, "do not print the cost table")
	tracePath := fs.String("trace", "", "write an instruction trace of the first image (pc, issue and dispatch times in ns) to this file; - for stdout")
	traceLimit := fs.Int64("trace-limit", 100000, "at most this many trace lines (0 = no limit)")
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
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc sim: %v\n", err)
		return exitUser
	}
	paths := append(outfile.Inputs("-i", ins), outfile.Input("input", pos[0]), outfile.TargetInput(*tgtFlag), outfile.TensorOutput(*out),
		outfile.Output("-report", *reportPath), outfile.Output("-trace", *tracePath))
	if code := checkPaths(fs, paths...); code != exitOK {
		return code
	}
	report := reportTo(stdout, stderr, *reportPath, *tracePath)
	prog, tgt, err := loadProgram("sim", pos[0], *tgtFlag, stderr)
	if err != nil {
		return fail(err)
	}
	if len(prog.Host) > 0 && !*raw {
		// A compiled model: host ops on the reference interpreter, device
		// segments on the simulator (pimrt).
		return runSimModel(prog, tgt, pos[0], ins, simFlags{out: *out, report: *reportPath, jobs: *jobs, maxSteps: *maxSteps,
			quiet: *quiet, trace: *tracePath, traceLimit: *traceLimit, paths: paths, batch: *batchN}, stdout, stderr)
	}
	exe, err := sim.Prepare(prog, tgt)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pos[0], err))
	}
	inPorts := exe.Ports(isa.PortIn)
	if len(ins) != len(inPorts) {
		var names []string
		for _, p := range inPorts {
			names = append(names, fmt.Sprintf("%s %v %s", p.Name, p.Shape, p.Type))
		}
		return fail(fmt.Errorf("%s has %d input ports (%s); got %d -i files", pos[0], len(inPorts), strings.Join(names, ", "), len(ins)))
	}
	var batch [][]*tensor.Tensor
	for i, path := range ins {
		t, err := tensorio.Read(path)
		if err != nil {
			return fail(err)
		}
		warnNonFinite(stderr, "sim", path, t)
		if *raw {
			if t, err = rawInts(t); err != nil {
				return fail(fmt.Errorf("%s: %w", path, err))
			}
		}
		imgs, err := splitBatch(t, inPorts[i], *batchN)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", path, err))
		}
		if i == 0 {
			batch = make([][]*tensor.Tensor, len(imgs))
		} else if len(imgs) != len(batch) {
			return fail(fmt.Errorf("%s holds %d images, %s holds %d", path, len(imgs), ins[0], len(batch)))
		}
		for b, img := range imgs {
			batch[b] = append(batch[b], img)
		}
	}
	if *tracePath != "" && len(batch) > 0 {
		if err := traceFirst(exe, batch[0], *tracePath, *traceLimit, *maxSteps, stdout); err != nil {
			return fail(err)
		}
	}
	results, rep, err := exe.RunBatch(batch, sim.BatchOptions{Parallel: *jobs, MaxSteps: *maxSteps})
	if err != nil {
		return fail(err)
	}
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
		if err := writeOutput(*reportPath, js, stdout); err != nil {
			return fail(err)
		}
	}
	return writeSimOutputs(results, *out, *raw, paths, report, stderr)
}

// simFlags are the flags runSimModel needs.
type simFlags struct {
	out, report, trace   string
	jobs, batch          int
	maxSteps, traceLimit int64
	quiet                bool
	paths                []outfile.Path // every input and output, for checkPaths
}

// runSimModel runs a compiled model (a program with a host section) on
// batches of model inputs: the host ops on the reference interpreter, every
// device segment on the simulator. The report covers the device segments
// only (host ops are not costed) and adds the segments of one inference up.
func runSimModel(prog *isa.Program, tgt *target.Target, path string, ins []string, f simFlags, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc sim: %v\n", err)
		return exitUser
	}
	model, err := pimrt.Load(prog, tgt)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	g := model.Host.Graph
	gins := g.Inputs[:model.Host.GraphInputs]
	if len(ins) != len(gins) {
		var names []string
		for _, v := range gins {
			names = append(names, fmt.Sprintf("%s %s", v.Name, v.Type))
		}
		return fail(fmt.Errorf("%s is a compiled model with %d inputs (%s); got %d -i files", path, len(gins), strings.Join(names, ", "), len(ins)))
	}
	var batch [][]*tensor.Tensor
	for i, p := range ins {
		t, err := driver.ReadInput(p, gins[i].Name)
		if err != nil {
			return fail(err)
		}
		warnNonFinite(stderr, "sim", p, t)
		t, k, err := driver.FitInput(p, t, gins[i], driver.BatchRule{N: f.batch, Flag: "-batch"})
		if err != nil {
			return fail(err)
		}
		imgs := imageViews(t, gins[i].Type.Shape, k)
		if i == 0 {
			batch = make([][]*tensor.Tensor, len(imgs))
		} else if len(imgs) != len(batch) {
			return fail(fmt.Errorf("%s holds %d images, %s holds %d", p, len(imgs), ins[0], len(batch)))
		}
		for b, img := range imgs {
			batch[b] = append(batch[b], img)
		}
	}
	if f.trace != "" && len(batch) > 0 {
		run := func(m *sim.Machine) error { _, err := model.RunOn(m, batch[0]); return err }
		if err := traceRun(model.Exe, run, f.trace, f.traceLimit, f.maxSteps, stdout); err != nil {
			return fail(err)
		}
	}
	workers := f.jobs
	if workers < 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(batch)))
	outs := make([][]*tensor.Tensor, len(batch))
	errs := make([]error, len(batch))
	sums := make([]*sim.Summary, workers)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		sums[w] = model.Exe.NewSummary(len(batch))
		m := model.Exe.NewMachine()
		m.MaxSteps = f.maxSteps
		wg.Add(1)
		go func(sum *sim.Summary) {
			defer wg.Done()
			for i := range next {
				r, err := model.RunOn(m, batch[i])
				if err != nil {
					errs[i] = err
					continue
				}
				outs[i] = r.Outputs
				if st := sim.CombineRuns(r.Stats); st != nil {
					sum.Add(i, st)
				}
			}
		}(sums[w])
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fail(fmt.Errorf("image %d: %w", i, err))
		}
	}
	for _, o := range sums[1:] {
		sums[0].Merge(o)
	}
	rep := sums[0].Report()
	report := reportTo(stdout, stderr, f.report, f.trace)
	if !f.quiet {
		if err := rep.WriteTable(report); err != nil {
			return fail(err)
		}
		if n := len(g.Nodes); n > 0 {
			fmt.Fprintf(report, "\nnote: the model's host ops (quantize/dequantize and any op the device does not run) execute on the host and are not costed; the figures cover its %d device segment(s)\n", len(model.Host.Segments))
		}
	}
	if f.report != "" {
		js, err := rep.JSON()
		if err != nil {
			return fail(err)
		}
		if err := writeOutput(f.report, js, stdout); err != nil {
			return fail(err)
		}
	}
	if f.out != "" && model.Host.GraphOutputs > 1 {
		var names []string
		for _, v := range g.Outputs[:model.Host.GraphOutputs] {
			names = append(names, v.Name)
		}
		if err := outfile.CheckPaths(append(f.paths, outfile.FolderFiles("-o", f.out, names)...)...); err != nil {
			return fail(err)
		}
		if err := outfile.MkdirAll(f.out); err != nil {
			return fail(err)
		}
	}
	for k := 0; k < model.Host.GraphOutputs; k++ {
		var ts []*tensor.Tensor
		for _, o := range outs {
			ts = append(ts, o[k])
		}
		t := joinBatch(ts)
		name := g.Outputs[k].Name
		switch {
		case f.out == "":
			fmt.Fprintf(report, "\noutput %s: %s\n", name, summarize(t))
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

// imageViews returns the b images of shape that t holds one after the
// other, as views sharing t's storage (no copy).
func imageViews(t *tensor.Tensor, shape []int, b int) []*tensor.Tensor {
	n := tensor.NumElems(shape)
	imgs := make([]*tensor.Tensor, b)
	for i := range imgs {
		img := &tensor.Tensor{DType: t.DType, Shape: append([]int{}, shape...)}
		switch {
		case t.F32 != nil:
			img.F32 = t.F32[i*n : (i+1)*n]
		case t.F64 != nil:
			img.F64 = t.F64[i*n : (i+1)*n]
		default:
			img.I64 = t.I64[i*n : (i+1)*n]
		}
		imgs[i] = img
	}
	return imgs
}

// traceFirst runs one image on its own machine with the instruction trace on.
func traceFirst(exe *sim.Executable, inputs []*tensor.Tensor, path string, limit, maxSteps int64, stdout io.Writer) error {
	run := func(m *sim.Machine) error { _, err := m.Infer(inputs); return err }
	return traceRun(exe, run, path, limit, maxSteps, stdout)
}

// traceRun calls run on a fresh machine whose instruction trace goes to path
// ("-": stdout).
func traceRun(exe *sim.Executable, run func(*sim.Machine) error, path string, limit, maxSteps int64, stdout io.Writer) error {
	const header = "    pc   issue/ns  dispatch/ns  instruction # source"
	m := exe.NewMachine()
	m.MaxSteps, m.TraceLimit = maxSteps, limit
	w, err := createOutput(path, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, header)
	m.Trace = w
	if err := run(m); err != nil {
		w.abort()
		return err
	}
	return w.commit()
}

// rawInts converts a tensor of integers (or of integral floats) to Int64 so
// sim.WriteInput takes the values as raw port integers.
func rawInts(t *tensor.Tensor) (*tensor.Tensor, error) {
	if !t.DType.IsFloat() {
		return t, nil
	}
	v := make([]int64, t.Len())
	for i := range v {
		f := t.Float64At(i)
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("-raw: element %d = %v is not an integer", i, f)
		}
		v[i] = int64(f)
	}
	return tensor.FromI64(tensor.Int64, v, t.Shape...), nil
}

// splitBatch splits t into images for port p: t is one image (its shape
// matches the port up to layout, see sim.WriteInput), or, when -batch asks
// for batch > 1 images, that many along its first dimension of a port whose
// first dimension is 1. A port records no dynamic batch dimension, so
// without -batch a larger tensor is an error, not a guess.
func splitBatch(t *tensor.Tensor, p *isa.Port, batch int) ([]*tensor.Tensor, error) {
	n := int(p.Len())
	if t.Len() == n && batch <= 1 {
		return []*tensor.Tensor{t}, nil
	}
	fits := t.Rank() > 0 && len(p.Shape) > 0 && p.Shape[0] == 1 && t.Shape[0] > 1 && t.Len()%t.Shape[0] == 0 && t.Len()/t.Shape[0] == n
	switch {
	case fits && batch == 0:
		return nil, fmt.Errorf("tensor %s is a batch of %d inputs for input port %q %s: pass -batch %d to run them one by one", tensor.ShapeString(t.Shape), t.Shape[0], p.Name, tensor.ShapeString(portShape(p)), t.Shape[0])
	case fits && batch != t.Shape[0]:
		return nil, fmt.Errorf("tensor %s holds %d inputs for input port %q %s, -batch says %d", tensor.ShapeString(t.Shape), t.Shape[0], p.Name, tensor.ShapeString(portShape(p)), batch)
	case !fits && batch > 1:
		return nil, fmt.Errorf("tensor %s is not a batch of %d inputs for input port %q %s (along dimension 0)", tensor.ShapeString(t.Shape), batch, p.Name, tensor.ShapeString(portShape(p)))
	case !fits:
		return nil, fmt.Errorf("tensor %s does not fit input port %q %s", tensor.ShapeString(t.Shape), p.Name, tensor.ShapeString(portShape(p)))
	}
	b := t.Shape[0]
	shape := append([]int{1}, t.Shape[1:]...)
	return imageViews(t, shape, b), nil
}

// portShape is p's shape as ints.
func portShape(p *isa.Port) []int {
	s := make([]int, len(p.Shape))
	for i, d := range p.Shape {
		s[i] = int(d)
	}
	return s
}

// joinBatch concatenates per-image tensors (each with leading dimension 1)
// along the first dimension.
func joinBatch(ts []*tensor.Tensor) *tensor.Tensor {
	if len(ts) == 1 {
		return ts[0]
	}
	shape := append([]int{}, ts[0].Shape...)
	if len(shape) == 0 {
		shape = []int{1}
	}
	shape[0] *= len(ts)
	o := tensor.New(ts[0].DType, shape...)
	off := 0
	for _, t := range ts {
		switch {
		case t.F32 != nil:
			copy(o.F32[off:], t.F32)
		case t.F64 != nil:
			copy(o.F64[off:], t.F64)
		default:
			copy(o.I64[off:], t.I64)
		}
		off += t.Len()
	}
	return o
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
		err := outfile.CheckPaths(append(paths, outfile.FolderFiles("-o", out, names)...)...)
		if err == nil {
			err = outfile.MkdirAll(out)
		}
		if err != nil {
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
		t := joinBatch(ts)
		if out == "" {
			fmt.Fprintf(stdout, "\noutput %s: %s\n", name, summarize(t))
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
