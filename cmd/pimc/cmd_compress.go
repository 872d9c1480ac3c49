package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
)

func init() {
	register(&command{name: "compress", summary: "ADMM structured pruning + quantization of an ONNX CNN (docs/ADMM.md)", run: runCompress})
}

func runCompress(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compress", "MODEL.onnx -dataset mnist|fashion-mnist|DIR -config C.yaml -o OUT.onnx [-mode admm|layerwise] [-method admm|magnitude|l1] [-seeds 1,2,3] [-val N] [-val-abits A] [-resume] [-html R.html]", stderr)
	addLimitFlags(fs)
	dataset := fs.String("dataset", "", "training data (admm) or calibration data (layerwise): mnist, fashion-mnist or a folder")
	config := fs.String("config", "", "compression config (YAML, docs/ADMM.md); required")
	out := fs.String("o", "", "output ONNX model, with the weight codes recorded in metadata pimc.quant (- for stdout)")
	htmlPath := fs.String("html", "", "also write a self-contained HTML page of the layers kept after compression (filters and columns kept, weight bits, estimated sub-arrays) and the accuracy (- for stdout)")
	mode := fs.String("mode", "admm", "admm (training with labels) or layerwise (calibration images only, no training)")
	method := fs.String("method", "admm", "admm, or a baseline at the same constraints and epochs: magnitude (group-magnitude hard prune + the same retraining) or l1 (the same with groups ranked by L1 norm)")
	seedList := fs.String("seeds", "", "comma-separated training seeds (default: the config's seed): one run per seed, written to OUT-seedN.onnx when there are several, then the mean ± std of the accuracies")
	budgetFlag := fs.String("budget", "", "plan per-layer pruning ratios and weight widths under a hardware budget before training: subarrays=N, energy=XuJ or latency=Yus (sensitivity on the validation split, costs from compiling the projected model and simulating one image; the config names the kinds and the widest widths)")
	budgetRule := fs.String("budget-rule", "knapsack", "with -budget: knapsack (least summed sensitivity whose summed per-layer costs fit, then compiled and repaired greedily) or greedy (one layer step at a time, least accuracy lost per unit saved)")
	budgetBits := fs.String("budget-bits", "search", "with -budget: search (each layer's width from the config's down to 2 bits) or config (the config's widths, ratios only)")
	replicate := fs.String("replicate", "auto", "with -budget: the replication the costed compile uses (as pimc compile -replicate: off, auto or N)")
	val := fs.Int("val", -1, "hold out the last N training images for validation: the epoch lines use them, the test set only the final numbers (-1: 5000 when the training set has at least 25000 images, else 0)")
	valABits := fs.Int("val-abits", 0, "also report the validation accuracy of the result as pimc compile OUT.onnx -abits `A` -calib DATASET deploys it (compiled, on the quantized interpreter, which the simulator matches bit for bit); the figure to choose configs on (0: off)")
	resume := fs.Bool("resume", false, "continue the run whose checkpoint is -checkpoint; without one yet, start from the beginning (admm mode; layerwise keeps none)")
	ckpt := fs.String("checkpoint", "", "checkpoint file, written atomically after every epoch and removed at the end (default OUT.onnx.ckpt; with -o -, pimc-compress.ckpt)")
	eval := fs.Int("eval", 0, "evaluate on the first N test images (0: all)")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	var seeds []uint64
	if *seedList != "" {
		if seeds, err = admm.ParseSeeds(*seedList); err != nil {
			return usageError(fs, "-seeds: %v", err)
		}
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one MODEL.onnx argument", pos))
	case *dataset == "":
		return usageError(fs, "-dataset is required")
	case *config == "":
		return usageError(fs, "-config C.yaml is required")
	case *out == "":
		return usageError(fs, "-o OUT.onnx is required")
	case *mode != "admm" && *mode != "layerwise":
		return usageError(fs, "-mode %q: want admm or layerwise", *mode)
	case !slices.Contains(admm.Methods, *method):
		return usageError(fs, "-method %q: want admm, magnitude or l1", *method)
	case *mode == "layerwise" && (*method != "admm" || len(seeds) > 0):
		return usageError(fs, "-method and -seeds choose training runs: not with -mode layerwise")
	case len(seeds) > 1 && (*out == "-" || *ckpt != "" || *htmlPath != ""):
		return usageError(fs, "several -seeds write OUT-seedN.onnx and their own checkpoints: give -o a file, and no -checkpoint or -html")
	case *budgetFlag != "" && *mode != "admm":
		return usageError(fs, "-budget plans a training run: not with -mode layerwise")
	case *val < -1:
		return usageError(fs, "-val %d: want a count of images, or -1 for the default", *val)
	case *valABits < 0 || *valABits > 8:
		return usageError(fs, "-val-abits %d: want 1..8 (as pimc compile -abits), or 0 for none", *valABits)
	case *valABits > 0 && *mode != "admm":
		return usageError(fs, "-val-abits reports on the validation split of a training run: not with -mode layerwise")
	case *eval < 0:
		return usageError(fs, "-eval %d: want 0 (all test images) or a positive count", *eval)
	}
	var budget admm.Budget
	if *budgetFlag != "" {
		if budget, err = admm.ParseBudget(*budgetFlag); err != nil {
			return usageError(fs, "-budget %v", err)
		}
		if err := driver.CheckReplicate(*replicate); err != nil {
			return usageError(fs, "-replicate: %v", err)
		}
		if *budgetBits != "search" && *budgetBits != "config" {
			return usageError(fs, "-budget-bits %q: want search or config", *budgetBits)
		}
		if *budgetRule != "knapsack" && *budgetRule != "greedy" {
			return usageError(fs, "-budget-rule %q: want knapsack or greedy", *budgetRule)
		}
	}
	if len(seeds) == 0 {
		seeds = []uint64{0} // the config's seed
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		return exitUser
	}
	outOf := func(seed uint64) string {
		if len(seeds) > 1 {
			return admm.SeedPath(*out, seed)
		}
		return *out
	}
	ckptOf := func(seed uint64) string {
		switch {
		case *ckpt != "":
			return *ckpt
		case *out == "-":
			return "pimc-compress.ckpt"
		}
		return outOf(seed) + ".ckpt"
	}
	paths := []outfile.Path{outfile.Input("input", pos[0]), outfile.Input("-config", *config), outfile.DatasetInput(*dataset)}
	for _, s := range seeds {
		paths = append(paths, outfile.Output("-o", outOf(s)))
	}
	paths = append(paths, outfile.Output("-html", *htmlPath))
	for _, s := range seeds {
		paths = append(paths, outfile.NamedOutput("-checkpoint", ckptOf(s)))
		if *resume {
			paths = append(paths, outfile.Input("-checkpoint", ckptOf(s)))
		}
	}
	if code := checkPaths(fs, paths...); code != exitOK {
		return code
	}
	modelBytes, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(err)
	}
	cfgBytes, err := os.ReadFile(*config)
	if err != nil {
		return fail(err)
	}
	g, err := frontend.Load(pos[0], frontend.Options{})
	if err != nil {
		return fail(err)
	}
	cfg, err := admm.ParseConfig(cfgBytes)
	if err != nil {
		return fail(fmt.Errorf("config %s: %v", *config, err))
	}
	var teacher *ir.Graph // admm.distill_teacher, part of the checkpoint digest
	var teacherSum [sha256.Size]byte
	if tp := admm.TeacherPath(*config, cfg.ADMM); tp != "" {
		if code := checkPaths(fs, append(paths, outfile.Input("admm.distill_teacher", tp))...); code != exitOK {
			return code
		}
		tb, err := os.ReadFile(tp)
		if err != nil {
			return fail(fmt.Errorf("config %s: admm.distill_teacher: %v", *config, err))
		}
		// One read: the bytes hashed into the digest are the model imported.
		if teacher, err = frontend.Import(tp, tb, frontend.Options{}); err != nil {
			return fail(fmt.Errorf("config %s: admm.distill_teacher: %v", *config, err))
		}
		teacherSum = sha256.Sum256(tb)
	}
	layers, skipped := admm.Layers(g)
	for _, s := range skipped {
		fmt.Fprintf(stderr, "pimc compress: not compressed: %s\n", s)
	}
	specs, err := cfg.Resolve(layers)
	if err != nil {
		return fail(fmt.Errorf("config %s: %v", *config, err))
	}
	for _, w := range admm.OutputFilterWarnings(g, layers, specs) {
		fmt.Fprintf(stderr, "pimc compress: warning: %s\n", w)
	}
	specs, hyper, err := admm.WithMethod(*method, specs, cfg.ADMM)
	if err != nil {
		return fail(fmt.Errorf("config %s: %v", *config, err))
	}
	var couplings []admm.Coupling
	if cfg.Coupled {
		if *mode != "admm" {
			return fail(fmt.Errorf("config %s: coupled: true needs -mode admm (the layer-wise mode compresses one layer at a time)", *config))
		}
		couplings = admm.Couplings(g, specs)
		for _, c := range couplings {
			fmt.Fprintf(stderr, "pimc compress: coupled: %s\n", c)
		}
	}
	// The checkpoints are checked before the (slow) dataset loads.
	resumeFrom := map[uint64]*admm.State{}
	digestOf := func(seed uint64) string { // the flags that change a run, when set (a default run keeps its digest)
		run := *dataset
		if *method != admm.MethodADMM || seed != 0 || *val != -1 {
			run += fmt.Sprintf("\x00method=%s seed=%d val=%d", *method, seed, *val)
		}
		if *budgetFlag != "" {
			run += fmt.Sprintf("\x00budget=%s replicate=%s bits=%s rule=%s", *budgetFlag, *replicate, *budgetBits, *budgetRule)
		}
		if teacher != nil {
			run += fmt.Sprintf("\x00teacher=%x", teacherSum)
		}
		return admm.RunDigest(modelBytes, cfgBytes, run)
	}
	for _, s := range seeds {
		switch {
		case *mode == "admm":
			st, note, err := admm.ResumeFrom(ckptOf(s), *resume, admm.StateLimit(g, hyper), digestOf(s))
			if err != nil {
				return fail(err)
			}
			resumeFrom[s] = st
			if note != "" {
				fmt.Fprintf(stderr, "pimc compress: %s\n", note)
			}
		case *resume:
			fmt.Fprintf(stderr, "pimc compress: -resume: the layer-wise mode keeps no checkpoint (it has no epochs to lose); running it from the beginning\n")
		}
	}
	trainSet, testSet, err := data.Load(*dataset)
	if err != nil {
		return fail(err)
	}
	warnDataset(stderr, "compress", trainSet)
	warnDataset(stderr, "compress", testSet)
	if testSet != nil && *eval > 0 {
		testSet = testSet.Head(*eval)
	}
	var valSet *data.Dataset
	if trainSet != nil && *mode == "admm" {
		n := *val
		if n < 0 {
			n = admm.DefaultValidation(trainSet.Len())
		}
		if n > 0 {
			if trainSet, valSet, err = trainSet.SplitValidation(n); err != nil {
				return fail(fmt.Errorf("-val: %v", err))
			}
		}
	}
	if *valABits > 0 && valSet == nil {
		return fail(fmt.Errorf("-val-abits needs a validation split (-val N)"))
	}
	if *budgetFlag != "" {
		if cfg.Coupled {
			return fail(fmt.Errorf("config %s: -budget does not plan coupled groups yet (coupled: true)", *config))
		}
		if valSet == nil {
			return fail(fmt.Errorf("-budget needs a validation split (-val N)"))
		}
		opt := driver.Options{ABits: cfg.Geometry.ABits, Calib: *dataset, Replicate: *replicate}
		pl := admm.Planner{Graph: g, Specs: specs, Val: valSet, SearchBits: *budgetBits == "search", Greedy: *budgetRule == "greedy", Progress: stderr, Cost: func(pg *ir.Graph) (admm.Cost, error) {
			n, e, l, err := driver.HardwareCost(pg, opt, valSet)
			return admm.Cost{Subarrays: n, EnergyPJ: e, LatencyNS: l}, err
		}}
		plan, err := pl.Plan(budget)
		if err != nil {
			return fail(fmt.Errorf("-budget: %v", err))
		}
		admm.WritePlan(reportTo(stdout, stderr, *out, *htmlPath), budget, plan)
		specs = plan.Specs
	}
	var runs []admm.RunSummary
	for _, seed := range seeds {
		h := hyper
		if seed != 0 {
			h.Seed = seed
		}
		o := admm.Options{Specs: specs, Hyper: h, Train: trainSet, Test: testSet, Val: valSet, Couplings: couplings, Progress: stderr, Resume: resumeFrom[seed], Checkpoint: admm.CheckpointWriter(ckptOf(seed), digestOf(seed)), Teacher: teacher}
		sum, code := compressOnce(g, layers, cfg, o, *mode, *dataset, *valABits, outOf(seed), ckptOf(seed), *htmlPath, pos[0], args, stdout, stderr)
		if code != exitOK {
			return code
		}
		sum.Seed = h.Seed
		runs = append(runs, sum)
	}
	if len(runs) > 1 {
		admm.WriteSummary(reportTo(stdout, stderr, *out, *htmlPath), *method, runs)
	}
	return exitOK
}

// compressOnce runs one compression (one seed) to out and reports it.
func compressOnce(g *ir.Graph, layers []*admm.Layer, cfg *admm.Config, o admm.Options, mode, dataset string, valABits int, out, ckpt, htmlPath, model string, args []string, stdout, stderr io.Writer) (admm.RunSummary, int) {
	fail := func(err error) (admm.RunSummary, int) {
		fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		return admm.RunSummary{}, exitUser
	}
	report := reportTo(stdout, stderr, out, htmlPath)
	start := time.Now()
	var res *admm.Result
	var err error
	switch mode {
	case "admm":
		if o.Train == nil {
			return fail(fmt.Errorf("%s has no training set; use -mode layerwise", dataset))
		}
		ntrain := o.Train.Len()
		if cfg.ADMM.Limit > 0 {
			ntrain = min(ntrain, cfg.ADMM.Limit)
		}
		fmt.Fprintf(stderr, "pimc compress: ADMM on %s (%d training, %d validation, %d test images), %d layers constrained\n", dataset, ntrain, lenOf(o.Val), lenOf(o.Test), admm.Constrained(o.Specs))
		if res, err = admm.Compress(g, o); err != nil {
			if errors.Is(err, admm.ErrCheckpointMismatch) {
				err = fmt.Errorf("-resume: checkpoint %s: %v", ckpt, err)
			}
			return fail(err)
		}
	case "layerwise":
		calib := o.Train
		if calib == nil {
			calib = o.Test
		}
		h := cfg.ADMM
		n := h.CalibImages
		if n <= 0 {
			n = 256
		}
		samples := admm.Samples(calib, n, g)
		if len(samples) == 0 {
			return fail(fmt.Errorf("no calibration images in %s", dataset))
		}
		fmt.Fprintf(stderr, "pimc compress: layer-wise ADMM on %d calibration images of %s, %d layers constrained\n", len(samples), dataset, admm.Constrained(o.Specs))
		if res, err = admm.RunLayerwise(g, o.Specs, samples, o.Test, h, stderr); err != nil {
			return fail(err)
		}
	}
	save := func(b []byte) error { return outfile.WriteOutput(out, b, stdout) }
	ps, err := admm.Finish(g, res, layers, o.Specs, o.Test, out, save)
	if ie := (*admm.InternalError)(nil); errors.As(err, &ie) {
		fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		return admm.RunSummary{}, exitInternal
	} else if err != nil {
		return fail(err)
	}
	fmt.Fprintf(report, "%s: %s compression in %.0fs; unused paths removed %d channels\n", out, mode, time.Since(start).Seconds(), ps.Channels)
	layerReport := admm.Report(g, res.Graph, o.Specs, cfg.Geometry)
	admm.WriteReport(report, layerReport, res.AccBefore, res.AccAfter)
	if o.Val != nil && !math.IsNaN(res.ValAfter) {
		fmt.Fprintf(report, "validation accuracy after: %.2f%% (%d images)\n", 100*res.ValAfter, o.Val.Len())
	}
	if res.KeptEpoch > 0 {
		n := 0
		for _, l := range res.Log {
			if l.Phase == "quant-retrain" {
				n++
			}
		}
		fmt.Fprintf(report, "quant-retrain: kept epoch %d of %d, the best validation accuracy with the act_bits quantizers on: %.2f%%\n", res.KeptEpoch, n, 100*res.KeptVal)
	}
	sum := admm.RunSummary{Val: res.ValAfter, Test: res.AccAfter, Deployed: valABits > 0 && o.Val != nil}
	if sum.Deployed {
		if sum.ValDeployed, err = deployedAccuracy(res.Graph, out, valABits, dataset, o.Val); err != nil {
			return fail(err)
		}
		fmt.Fprintf(report, "validation accuracy deployed (pimc compile -abits %d -calib %s): %.2f%% (%d images)\n", valABits, dataset, 100*sum.ValDeployed, o.Val.Len())
	}
	if err := writeHTMLReport(htmlPath, "pimc compress "+model, "compress", args, []htmlreport.Run{compressRun(out, layerReport, res, o.Test)}, stdout); err != nil {
		return fail(err)
	}
	if mode == "admm" {
		if err := os.Remove(ckpt); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		}
		outfile.RemoveStale(ckpt) // what writes killed before this run left (none: each run rewrites it)
	}
	sum.StoredBits, sum.DenseBits = admm.StoredBits(layerReport)
	return sum, exitOK
}

// compressRun is the report page's run of a compression: each constrained
// layer's kept filters and columns, weight bits and estimated sub-arrays,
// and the accuracy after it.
func compressRun(out string, layers []admm.LayerReport, res *admm.Result, test *data.Dataset) htmlreport.Run {
	run := htmlreport.Run{Name: filepath.Base(out)}
	for _, l := range layers {
		run.Layers = append(run.Layers, htmlreport.Layer{Name: l.Name, Filters: l.Filters, KeptFilters: l.FiltersKept,
			Cols: l.Cols, KeptCols: l.ColsKept, WBits: l.Bits, Subarrays: l.SubAfter})
	}
	if !math.IsNaN(res.AccAfter) && test != nil {
		run.Accuracy, run.HasAccuracy, run.Images = res.AccAfter, true, test.Len()
	}
	return run
}
