package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

func init() {
	register(&command{name: "compile", summary: "compile an ONNX model (or quantized .pir) to a .pimb program for the PIM engine", run: runCompile})
}

func runCompile(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compile", "MODEL.onnx|MODEL.pir -o PROG.pimb [-wbits M] [-abits N] [-calib SRC] [-calibrator minmax|percentile [-percentile P]] [-target FILE|PRESET] [-replicate off|auto|N] [-pipeline [-pipeline-frames F] [-window off|auto|N] | -split] [-spread] [-S PROG.pasm] [-verify-with IN.pb] [-shape name=DIMS] [-bind name=FILE] [-html R.html]", stderr)
	addLimitFlags(fs)
	var pf pipelineFlags
	pf.register(fs, "")
	out := fs.String("o", "", "write the program to this .pimb file (required; - for stdout)")
	wbits := fs.Int("wbits", 8, "weight bits (1..8) for the default pipeline; 1: binary {-1,+1} on one plane (W1); the first and last matrix layers stay 8-bit (keep-ends), which the summary states per layer")
	abits := fs.Int("abits", 8, "activation bits (1..8) for the default pipeline (keep-ends: the first and last matrix layers produce 8-bit activations; outputs read only by the host, such as logits, 16-bit)")
	calib := fs.String("calib", "random:8", "calibration inputs: random:N, mnist, fashion-mnist or a folder of .pb/.npy/.npz")
	calibrator := fs.String("calibrator", "minmax", "activation range of each value for the default pipeline: minmax (max |x| over the calibration inputs) or percentile (the -percentile-th percentile of |x|); quantize's calibrator option")
	percentile := fs.Float64("percentile", 99.99, "with -calibrator percentile: the percentile of |x|, in (0, 100]; quantize's percentile option")
	tflag := fs.String("target", "", "hardware description file or preset (default "+target.DefaultPreset+")")
	htmlPath := fs.String("html", "", "also write a self-contained HTML page of the matrix layers' structure after pruning (filters and columns kept), widths and sub-arrays (- for stdout)")
	asm := fs.String("S", "", "also write the assembly to this .pasm file (- for stdout)")
	verify := fs.String("verify-with", "", "run the quantized interpreter and the simulator on this input (.pb/.npy/.npz) and require bit-exact agreement; the model's symbolic dims are bound from its shape, and from the -calib files' (docs/INPUTS.md)")
	shapes := shapeFlag{}
	fs.Var(shapes, "shape", shapeUsage)
	binds := bindFlag{}
	fs.Var(binds, "bind", "fix a graph input to the tensor in a file, making it a constant (e.g. weights passed as an input): name=FILE.pb|FILE.npy (repeatable)")
	replicate := fs.String("replicate", driver.DefaultReplicate, "copies of small layers computing different output pixels: off, auto or N (the map pass's replicate option; docs/BACKEND.md §2); with -pipeline or -split, auto also lets the balance give a layer's pieces copies of their own, several driven by one controller (docs/PARALLEL.md §8.11)")
	pipeline, frames := fs.Bool("pipeline", false, "layer pipeline across images: stages of consecutive layers, each on its own controller, the slowest layers split over the controllers left, images streaming through (docs/PARALLEL.md §7.1); weights beyond the sub-arrays go to a last window stage that runs layer by layer over the run's frames, reprogramming each layer once per run (§8.2)"), fs.Int("pipeline-frames", backend.DefaultFrames, "with -pipeline: images (frames) per run (a window stage keeps this many frames of its values in the activation buffer)")
	spread := fs.Bool("spread", false, "with -pipeline or -split: the balance may spread a slow stage's layer one tile per sub-array (fewer filters per sub-array: each group instruction drives more sub-arrays, fewer instructions per image, more sub-arrays used and more input row writes), each only as far as the pipeline's speed needs; docs/PARALLEL.md §8.2")
	window := fs.String("window", "off", "with -pipeline, on a target with a dram section: a window stage for a model whose weights fit, reprogramming its last matrix layers from the DRAM once per run so their sub-arrays go to pixel pieces of the early layers: off (every weight stationary), auto (on a full chip, where it shortens the estimated run; costs DRAM energy) or N (the last N matrix layers; docs/PARALLEL.md §8.3)")
	split := fs.Bool("split", false, "without -pipeline: the slowest layers split over the controllers (one image per run, one stage, a helper stream per piece) for a lower latency of one image (docs/BACKEND.md §8)")
	withOutputRules(fs)
	maxProg := programLimit(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if pf.helpRequested(stdout) {
		return exitOK
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one MODEL.onnx|MODEL.pir argument", pos))
	case *out == "":
		return usageError(fs, "-o PROG.pimb is required")
	case *wbits < 1 || *wbits > 8:
		return usageError(fs, "-wbits %d: want 1..8", *wbits)
	case *abits < 1 || *abits > 8:
		return usageError(fs, "-abits %d: want 1..8", *abits)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *calibrator != "minmax" && *calibrator != "percentile":
		return usageError(fs, "-calibrator %s: want minmax or percentile", *calibrator)
	case !(*percentile > 0 && *percentile <= 100):
		return usageError(fs, "-percentile %v: want a percentile in (0, 100]", *percentile)
	case set["percentile"] && *calibrator != "percentile":
		return usageError(fs, "-percentile needs -calibrator percentile")
	case set["window"] && !*pipeline:
		return usageError(fs, "-window needs -pipeline")
	case *spread && !*pipeline && !*split:
		return usageError(fs, "-spread needs -pipeline or -split")
	case (set["calibrator"] || set["percentile"]) && pf.Passes != "":
		return usageError(fs, "-calibrator and -percentile set the default pipeline; with -passes give quantize{calibrator=...,percentile=...}")
	}
	win, err := backend.ParseWindow(*window)
	if err != nil {
		return usageError(fs, "-window: %v", err)
	}
	if err := driver.CheckReplicate(*replicate); err != nil {
		return usageError(fs, "-replicate: %v", err)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc compile: %v\n", err)
		return exitUser
	}
	paths := append(bindInputs(binds), outfile.Input("input", pos[0]), outfile.TargetInput(*tflag), outfile.Input("-verify-with", *verify),
		outfile.CalibInput(*calib), outfile.Output("-o", *out), outfile.Output("-S", *asm), outfile.Output("-html", *htmlPath))
	if code := checkPaths(fs, append(paths, pf.outputs()...)...); code != exitOK {
		return code
	}
	report := reportTo(stdout, stderr, *out, *asm, *htmlPath, pf.cpuprofile)
	calibSet := false
	fs.Visit(func(f *flag.Flag) { calibSet = calibSet || f.Name == "calib" })
	if err := pf.startProfile(stdout); err != nil {
		return fail(err)
	}
	defer pf.stop()
	tgt, err := target.LoadOrPreset(*tflag)
	if err != nil {
		return fail(err)
	}
	opt, err := frontendOptions(shapes, binds)
	if err != nil {
		return fail(err)
	}
	var feeds []driver.Feed // open input dims are bound from these tensors
	if *verify != "" {
		feeds = append(feeds, driver.FileFeed(*verify))
	}
	if calibSet {
		feeds = append(feeds, driver.CalibFeed(*calib))
	}
	g, bound, err := driver.LoadFed(pos[0], opt, feeds...)
	if err != nil {
		return fail(err)
	}
	stateBound(stderr, "compile", bound)
	if pf.Passes == "" && !calibSet && g.Stage != ir.StageQuantized {
		// Random inputs rarely span the ranges real data reaches, so
		// outputs may clip; say so rather than degrade silently (once the
		// target and the model have loaded, so the note does not precede
		// an unrelated error).
		fmt.Fprintf(stderr, "pimc compile: note: activation ranges calibrated on %s (uniform in [-1, 1)); pass -calib mnist|fashion-mnist|DIR to calibrate on real inputs\n", *calib)
	}
	res, err := driver.Compile(g, driver.Options{Target: tgt, WBits: *wbits, ABits: *abits, Calib: *calib, Calibrator: *calibrator, Percentile: *percentile, Replicate: *replicate, Pipeline: *pipeline, Frames: *frames, Split: *split, Spread: *spread, Window: win,
		Flags: &pf.DebugFlags, Log: stderr, Warn: pf.warn(stderr), MaxProgramBytes: maxProg.n})
	var big *driver.ProgramSizeError
	var bug *driver.InternalError
	switch {
	case errors.As(err, &big):
		return fail(fmt.Errorf("-o %s: %w", *out, err))
	case errors.As(err, &bug):
		fmt.Fprintf(stderr, "pimc compile: %v\n", err)
		return exitInternal
	case err != nil:
		fmt.Fprintf(stderr, "pimc compile: %s: %v\n", pos[0], err)
		return passErrorCode(err)
	}
	// -verify-with runs before anything is written: a program that fails
	// the check leaves no .pimb behind to be mistaken for a good one.
	if *verify != "" {
		if code := verifyCompiled(g, res, *verify, report, stderr); code != exitOK {
			fmt.Fprintf(stderr, "pimc compile: %s not written\n", *out)
			return code
		}
	}
	// The assembly streams to a pending file first, so a text above
	// -max-program-bytes leaves neither output behind.
	var asmOut *outfile.Stream
	if *asm != "" {
		if asmOut, err = startAsm("-S", *asm, res.Prog, maxProg.n, stdout); err != nil {
			return fail(err)
		}
		defer asmOut.Abort()
	}
	if err := outfile.WriteOutput(*out, res.Binary, stdout); err != nil {
		return fail(err)
	}
	if asmOut != nil {
		if err := asmOut.Commit(); err != nil {
			return fail(err)
		}
	}
	writeCompileSummary(report, *out, res, len(res.Binary))
	run := htmlreport.Run{Name: filepath.Base(*out), Layers: htmlLayers(res), Target: res.Target.Name}
	if err := writeHTMLReport(*htmlPath, "pimc compile "+pos[0], "compile", args, []htmlreport.Run{run}, stdout); err != nil {
		return fail(err)
	}
	return exitOK
}

func writeCompileSummary(w io.Writer, path string, res *driver.Result, size int) {
	p := res.Prog
	fmt.Fprintf(w, "%s: %d matrix layers, %d/%d sub-arrays, %d weight rows, %d instructions (%d bytes), %d device segment(s), %d host op(s), target %s\n",
		path, len(res.Layers), res.Subarrays, res.TotalSubarrays, res.WeightRows, len(p.Code), size, res.Segments, res.HostOps, p.TargetName)
	if len(res.Bands) > 0 { // docs/BACKEND.md §9
		fmt.Fprintf(w, "  feature maps beyond the activation buffer: %d layers in row bands through %d DRAM words\n", len(res.Bands), res.DRAMWords)
		for _, b := range res.Bands {
			fmt.Fprintf(w, "    %-24q %d bands of %d rows\n", b.Layer, b.Bands, b.Rows)
		}
	}
	if r := res.Reprogram; r.Chosen { // docs/PARALLEL.md §8.3
		fmt.Fprintf(w, "  window stage by choice (-window): %d layers reprogrammed once per run from %d DRAM words into sub-arrays %d..%d (%d weight rows), %d stationary\n",
			r.Layers, r.DRAMWords, r.Window, res.TotalSubarrays-1, r.Rows, len(res.Layers)-r.Layers)
	} else if r.Layers > 0 { // docs/BACKEND.md §10
		fmt.Fprintf(w, "  weights beyond the sub-arrays: %d layers reprogrammed per image from %d DRAM words into sub-arrays %d..%d (%d weight rows), %d stationary\n",
			r.Layers, r.DRAMWords, r.Window, res.TotalSubarrays-1, r.Rows, len(res.Layers)-r.Layers)
	}
	notes := res.BitsNotes()
	for i, l := range res.Layers {
		rep := ""
		if l.Replicas > 1 {
			rep = fmt.Sprintf(" replicas %d", l.Replicas)
		}
		if l.Spread > 0 {
			rep += fmt.Sprintf(" spread (%d filters per sub-array)", l.Spread)
		}
		if l.Reprogrammed {
			rep += " reprogrammed"
		}
		if notes != nil && notes[i] != "" {
			rep += " [" + notes[i] + "]"
		}
		fmt.Fprintf(w, "  %-6s %-24q filters %d/%d cols %d/%d W%d A%d segments %d sub-arrays %d (from %d) weight rows %d pixels %d%s\n",
			l.Op, l.Node, l.KeptFilters, l.Filters, l.KeptCols, l.Cols, l.M, l.N, l.Segments, l.Subarrays, l.FirstSubarray, l.WeightRows, l.Pixels, rep)
	}
	for _, n := range res.HostNodes {
		fmt.Fprintf(w, "  host   %-24q %s: %s\n", n.Name, n.Op, passes.HostReason(n))
	}
	res.WriteStages(w)
}

// verifyCompiled compares the simulator with the quantized interpreter on
// the input in path (driver.Verify), printing the outcome to stdout.
func verifyCompiled(g *ir.Graph, res *driver.Result, path string, stdout, stderr io.Writer) int {
	inputs, err := driver.ReadInputs(g, path, driver.BatchRule{One: "-verify-with"}, func(what string, t *tensor.Tensor) {
		warnNonFinite(stderr, "compile", what, t)
	})
	if err == nil {
		var v driver.Verification
		if v, err = driver.Verify(g, res, inputs); err == nil {
			if v.DeviceSegments == 0 {
				fmt.Fprintln(stdout, "verify: no device computation to compare")
			} else {
				fmt.Fprintf(stdout, "verify: bit-exact (%d values)\n", v.Values)
			}
			return exitOK
		}
	}
	if mm := (*driver.MismatchError)(nil); errors.As(err, &mm) {
		fmt.Fprintf(stdout, "verify: %v\n", err)
	} else {
		fmt.Fprintf(stderr, "pimc compile: verify: %v\n", err)
	}
	return exitUser
}
