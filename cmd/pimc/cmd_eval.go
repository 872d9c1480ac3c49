package main

import (
	"fmt"
	"io"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
)

func init() {
	register(&command{name: "eval", summary: "measure the test accuracy of a model (interpreter) or compiled program (simulator, with its hardware report)", run: runEval})
}

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("eval", "MODEL.onnx|MODEL.pir|PROG.pimb -dataset mnist|fashion-mnist|DIR [-limit N] [-j N] [-target FILE|PRESET] [-report R.json] [-html R.html] [-v] [-shard i/n -o PART.json] | -merge PART.json...", stderr)
	addLimitFlags(fs)
	dataset := fs.String("dataset", "", "test data: mnist, fashion-mnist, or a folder with test/ (.npy files + labels.txt); required; a model's symbolic input dims are bound from its sample shape (docs/INPUTS.md)")
	limit := fs.Int("limit", 0, "evaluate the first N test images only (0: all)")
	jobs := fs.Int("j", -1, "programs: simulate this many images at once (-1: all cores; results are identical for any value); models use every core")
	tflag := fs.String("target", "", "for a program: "+programTargetUsage)
	reportPath := fs.String("report", "", "write the simulator's cost report over the evaluated images as JSON (programs only; - for stdout)")
	htmlPath := addHTMLFlag(fs)
	lockstep := fs.Int("lockstep", evaluate.DefaultLockstep, "programs: run this many images at once in lockstep on each worker (decode, dispatch and timing once for all; results identical; 1: one at a time; programs with ld, vlut, several streams, frames or segments, and -faults, run one at a time)")
	verbose := fs.Bool("v", false, "print the simulator's full cost table (per layer, energy split, area)")
	faults := addFaultFlags(fs, true)
	shardFlag := fs.String("shard", "", "evaluate shard i of n of the test set (after -limit; n contiguous slices) and write its predictions to -o (docs/SWEEP.md)")
	partOut := fs.String("o", "", "with -shard: the part file (JSON) pimc eval -merge adds up")
	mergeParts := fs.Bool("merge", false, "add up the part files given as arguments (pimc eval -shard): accuracy, mean latency and energy per image")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if *mergeParts {
		if len(pos) == 0 {
			return usageError(fs, "-merge: give the PART.json files")
		}
		return runEvalMerge(pos, stdout, stderr)
	}
	var shard *evalShard
	if *shardFlag != "" || *partOut != "" {
		i, n, err := evaluate.ParseShard(*shardFlag)
		switch {
		case *shardFlag == "" || *partOut == "":
			return usageError(fs, "-shard i/n and -o PART.json go together")
		case err != nil:
			return usageError(fs, "-shard %v", err)
		case faults.spec.set:
			return usageError(fs, "-shard and -faults: a shard's fault draws would differ from the whole set's")
		}
		shard = &evalShard{i: i, n: n, out: *partOut}
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one MODEL.onnx|MODEL.pir|PROG.pimb argument", pos))
	case *dataset == "":
		return usageError(fs, "-dataset is required")
	case *limit < 0:
		return usageError(fs, "-limit %d: want 0 (all images) or a positive count", *limit)
	case *jobs == 0 || *jobs < -1:
		return usageError(fs, "-j %d: want -1 (all cores) or a positive count", *jobs)
	case *lockstep < 1:
		return usageError(fs, "-lockstep %d: want a positive count of images", *lockstep)
	}
	if msg, ok := faults.check(fs); !ok {
		return usageError(fs, "%s", msg)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc eval: %v\n", err)
		return exitUser
	}
	if code := checkPaths(fs, outfile.Input("input", pos[0]), outfile.DatasetInput(*dataset), outfile.TargetInput(*tflag), outfile.Output("-report", *reportPath), outfile.Output("-html", *htmlPath), outfile.Output("-o", *partOut)); code != exitOK {
		return code
	}
	// The accuracy and hardware lines go to stderr when the JSON report
	// takes stdout (-report -).
	jsonOut := stdout
	stdout = reportTo(stdout, stderr, *reportPath, *htmlPath)
	path := pos[0]
	isProg := strings.HasSuffix(path, ".pimb") || strings.HasSuffix(path, ".pasm")
	if !isProg && (*reportPath != "" || *htmlPath != "" || *tflag != "" || faults.spec.set) {
		fmt.Fprintf(stderr, "pimc eval: -report, -html, -target and -faults apply to compiled programs (.pimb); %s runs on the interpreter\n", path)
		return exitUsage
	}
	// The model or program is read first: it is the quicker to read and the
	// likelier to be wrong, and MNIST takes a second to load.
	var g *ir.Graph
	var m *pimrt.Model
	var test *data.Dataset
	if isProg {
		prog, tgt, err := loadProgram("eval", path, *tflag, stderr)
		if err != nil {
			return fail(err)
		}
		if m, err = pimrt.Load(prog, tgt); err != nil {
			return fail(fmt.Errorf("%s: %w", path, err))
		}
	} else {
		// The dataset binds the model's open input dims (its sample shape).
		var bound driver.Bindings
		if g, bound, err = driver.LoadFed(path, frontend.Options{}, driver.TestSetFeed(*dataset, *limit, &test)); err != nil {
			return fail(err)
		}
		stateBound(stderr, "eval", bound)
	}
	if test == nil { // a program, or a .pir
		if test, err = data.LoadTest(*dataset, *limit); err != nil {
			return fail(err)
		}
	}
	warnDataset(stderr, "eval", test)
	if shard != nil {
		shard.total = test.Len()
		test = evaluate.ShardOf(test, shard.i, shard.n)
	}
	bar := newProgress(stderr, "eval "+test.Name)
	opt := evaluate.Options{Jobs: *jobs, Progress: bar.update, Timeline: *reportPath != "" || *htmlPath != "", Lockstep: *lockstep}
	if !isProg {
		r, err := evaluate.Float(g, test, opt)
		bar.done()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", path, err))
		}
		writeAccuracy(stdout, r)
		fmt.Fprintf(stdout, "wall time: %s (%.0f images/s, reference interpreter on %d cores)\n", fmtWall(r.Wall), r.Rate(), goruntime.GOMAXPROCS(0))
		if shard != nil {
			if err := shard.writePart(path, *dataset, r, jsonOut); err != nil {
				return fail(err)
			}
		}
		return exitOK
	}
	// One evaluation per chip instance of -faults (one, ideal, without),
	// per value of a fault curve; rs are the first value's.
	var rs, all []*evaluate.Result
	var points []sim.FaultPoint
	for ci, c := range faults.spec.cases {
		var crs []*evaluate.Result
		var seeds []uint64
		for k := range faults.count() {
			if opt.Chip, err = faults.caseChip(m.Exe, c, k); err != nil {
				bar.done()
				return fail(fmt.Errorf("%s: %w", path, err))
			}
			r, err := evaluate.Program(m, test, opt)
			if err != nil {
				bar.done()
				return fail(fmt.Errorf("%s: %w", path, err))
			}
			crs, seeds = append(crs, r), append(seeds, opt.Chip.Seed)
		}
		if ci == 0 {
			rs = crs
		}
		all = append(all, crs...)
		points = append(points, evaluate.FaultPoint(c, seeds, crs))
	}
	if len(all) == 0 { // no -faults: the ideal device
		r, err := evaluate.Program(m, test, opt)
		if err != nil {
			bar.done()
			return fail(fmt.Errorf("%s: %w", path, err))
		}
		rs, all = []*evaluate.Result{r}, []*evaluate.Result{r}
	}
	bar.done()
	r := rs[0]
	r.Report.FaultPoints = points
	switch {
	case faults.curve():
		fmt.Fprintf(stdout, "fault curve (mean ± std of the accuracy over %d chip instances, seeds %d..%d):\n", faults.count(), *faults.seed, *faults.seed+uint64(faults.count()-1))
		for _, p := range points {
			fmt.Fprintf(stdout, "  %s: accuracy %.4f ± %.4f\n", p.Faults, p.Mean, p.Std)
		}
	case len(rs) > 1:
		fmt.Fprintf(stdout, "faults: %s\n", opt.Chip.Spec.String())
		for k, x := range rs {
			fmt.Fprintf(stdout, "accuracy, seed %d: %.4f (%d/%d)\n", *faults.seed+uint64(k), x.Accuracy(), x.Correct, x.Images)
		}
		mean, std := evaluate.AccuracyStats(rs)
		fmt.Fprintf(stdout, "accuracy: %.4f ± %.4f (mean ± std over %d chip instances, seeds %d..%d)\n", mean, std, len(rs), *faults.seed, *faults.seed+uint64(len(rs)-1))
	default:
		if opt.Chip != nil {
			fmt.Fprintf(stdout, "faults: %s\nseed: %d\n", opt.Chip.Spec.String(), opt.Chip.Seed)
		}
		writeAccuracy(stdout, r)
	}
	writeHardware(stdout, r.Report)
	if w := driver.ProgramWidths(m.Exe.Prog); w != "" {
		fmt.Fprintln(stdout, w)
	}
	workers := *jobs
	if workers < 1 {
		workers = goruntime.GOMAXPROCS(0)
	}
	// Every chip instance's run: the wall time and the rate over all of them.
	sum := &evaluate.Result{}
	for _, x := range all {
		sum.Images += x.Images
		sum.Wall += x.Wall
	}
	fmt.Fprintf(stdout, "wall time: %s (%.0f images/s simulated on %d workers)\n", fmtWall(sum.Wall), sum.Rate(), workers)
	if *verbose {
		fmt.Fprintln(stdout)
		if err := r.Report.WriteTable(stdout); err != nil {
			return fail(err)
		}
	}
	if *reportPath != "" {
		js, err := r.Report.JSON()
		if err != nil {
			return fail(err)
		}
		if err := outfile.WriteOutput(*reportPath, js, jsonOut); err != nil {
			return fail(err)
		}
	}
	if shard != nil {
		if err := shard.writePart(path, *dataset, r, jsonOut); err != nil {
			return fail(err)
		}
	}
	run := htmlreport.Run{Name: filepath.Base(path), Report: r.Report, Accuracy: r.Accuracy(), HasAccuracy: true,
		Images: r.Images, Confusion: htmlreport.NewConfusion(test.Y, r.Pred, test.Classes)}
	if err := writeHTMLReport(*htmlPath, "pimc eval "+path, "eval", args, []htmlreport.Run{run}, jsonOut); err != nil {
		return fail(err)
	}
	return exitOK
}

func writeAccuracy(w io.Writer, r *evaluate.Result) {
	fmt.Fprintf(w, "accuracy: %.4f (%d/%d)\n", r.Accuracy(), r.Correct, r.Images)
}

// writeHardware prints the per-image hardware totals of a simulated
// evaluation (means over the images).
func writeHardware(w io.Writer, rep *sim.Report) {
	p := rep.PerInference
	fmt.Fprintf(w, "per image (simulated, mean of %d): latency %s, energy %s, power %.4g mW, %s FPS, %.4g GOPS, %.4g TOPS/W, %d of %d sub-arrays, device bound %s\n",
		rep.Images, sim.FormatNS(p.LatencyNS), sim.FormatPJ(p.Energy.Total), p.AvgPowerMW, sim.FormatFPS(rep.FPS), rep.GOPS, rep.TOPSPerW, rep.SubarraysUsed, rep.SubarraysTotal, sim.FormatNS(p.DeviceBoundNS))
	if h := rep.Host; h != nil {
		fmt.Fprintf(w, "end to end (device + host, mean of %d): latency %s (host %s), energy %s (host %s), %s FPS, %.4g TOPS/W\n",
			rep.Images, sim.FormatNS(h.TotalLatencyNS), fmtShare(h.HostLatencyShare), sim.FormatPJ(h.TotalEnergyPJ), fmtShare(h.HostEnergyShare), sim.FormatFPS(h.FPS), h.TOPSPerW)
		if !h.Costed {
			fmt.Fprintf(w, "note: %s\n", h.Note)
		}
	}
	fmt.Fprintf(w, "area: %s\n", rep.AreaLine())
}

// fmtShare prints a fraction as a percentage.
func fmtShare(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func fmtWall(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
