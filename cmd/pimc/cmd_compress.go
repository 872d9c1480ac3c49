package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/outfile"
)

func init() {
	register(&command{name: "compress", summary: "ADMM structured pruning + quantization of an ONNX CNN (docs/ADMM.md)", run: runCompress})
}

func runCompress(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compress", "MODEL.onnx -dataset mnist|fashion-mnist|DIR -config C.yaml -o OUT.onnx [-mode admm|layerwise] [-resume] [-html R.html]", stderr)
	addLimitFlags(fs)
	dataset := fs.String("dataset", "", "training data (admm) or calibration data (layerwise): mnist, fashion-mnist or a folder")
	config := fs.String("config", "", "compression config (YAML, docs/ADMM.md); required")
	out := fs.String("o", "", "output ONNX model, with the weight codes recorded in metadata pimc.quant (- for stdout)")
	htmlPath := fs.String("html", "", "also write a self-contained HTML page of the layers kept after compression (filters and columns kept, weight bits, estimated sub-arrays) and the accuracy (- for stdout)")
	mode := fs.String("mode", "admm", "admm (training with labels) or layerwise (calibration images only, no training)")
	resume := fs.Bool("resume", false, "continue the run whose checkpoint is -checkpoint; without one yet, start from the beginning (admm mode; layerwise keeps none)")
	ckpt := fs.String("checkpoint", "", "checkpoint file, written atomically after every epoch and removed at the end (default OUT.onnx.ckpt; with -o -, pimc-compress.ckpt)")
	eval := fs.Int("eval", 0, "evaluate on the first N test images (0: all)")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
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
	case *eval < 0:
		return usageError(fs, "-eval %d: want 0 (all test images) or a positive count", *eval)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		return exitUser
	}
	if *ckpt == "" {
		*ckpt = *out + ".ckpt"
		if *out == "-" {
			*ckpt = "pimc-compress.ckpt"
		}
	}
	paths := []outfile.Path{outfile.Input("input", pos[0]), outfile.Input("-config", *config), outfile.DatasetInput(*dataset),
		outfile.Output("-o", *out), outfile.Output("-html", *htmlPath), outfile.NamedOutput("-checkpoint", *ckpt)}
	if *resume {
		paths = append(paths, outfile.Input("-checkpoint", *ckpt))
	}
	if code := checkPaths(fs, paths...); code != exitOK {
		return code
	}
	report := reportTo(stdout, stderr, *out, *htmlPath)
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
	// The checkpoint is checked before the (slow) dataset loads.
	digest := admm.RunDigest(modelBytes, cfgBytes, *dataset)
	var resumeFrom *admm.State
	switch {
	case *mode == "admm":
		var note string
		if resumeFrom, note, err = admm.ResumeFrom(*ckpt, *resume, admm.StateLimit(g, cfg.ADMM), digest); err != nil {
			return fail(err)
		}
		if note != "" {
			fmt.Fprintf(stderr, "pimc compress: %s\n", note)
		}
	case *resume:
		fmt.Fprintf(stderr, "pimc compress: -resume: the layer-wise mode keeps no checkpoint (it has no epochs to lose); running it from the beginning\n")
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
	start := time.Now()
	var res *admm.Result
	switch *mode {
	case "admm":
		if trainSet == nil {
			return fail(fmt.Errorf("%s has no training set; use -mode layerwise", *dataset))
		}
		o := admm.Options{Specs: specs, Hyper: cfg.ADMM, Train: trainSet, Test: testSet, Progress: stderr, Resume: resumeFrom, Checkpoint: admm.CheckpointWriter(*ckpt, digest)}
		ntrain := trainSet.Len()
		if cfg.ADMM.Limit > 0 {
			ntrain = min(ntrain, cfg.ADMM.Limit)
		}
		fmt.Fprintf(stderr, "pimc compress: ADMM on %s (%d training, %d test images), %d layers constrained\n", *dataset, ntrain, lenOf(testSet), admm.Constrained(specs))
		if res, err = admm.Compress(g, o); err != nil {
			if errors.Is(err, admm.ErrCheckpointMismatch) {
				err = fmt.Errorf("-resume: checkpoint %s: %v", *ckpt, err)
			}
			return fail(err)
		}
	case "layerwise":
		calib := trainSet
		if calib == nil {
			calib = testSet
		}
		h := cfg.ADMM
		n := h.CalibImages
		if n <= 0 {
			n = 256
		}
		samples := admm.Samples(calib, n, g)
		if len(samples) == 0 {
			return fail(fmt.Errorf("no calibration images in %s", *dataset))
		}
		fmt.Fprintf(stderr, "pimc compress: layer-wise ADMM on %d calibration images of %s, %d layers constrained\n", len(samples), *dataset, admm.Constrained(specs))
		if res, err = admm.RunLayerwise(g, specs, samples, testSet, h, stderr); err != nil {
			return fail(err)
		}
	}
	save := func(b []byte) error { return outfile.WriteOutput(*out, b, stdout) }
	ps, err := admm.Finish(g, res, layers, specs, testSet, *out, save)
	if ie := (*admm.InternalError)(nil); errors.As(err, &ie) {
		fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		return exitInternal
	} else if err != nil {
		return fail(err)
	}
	fmt.Fprintf(report, "%s: %s compression in %.0fs; unused paths removed %d channels\n", *out, *mode, time.Since(start).Seconds(), ps.Channels)
	layerReport := admm.Report(g, res.Graph, specs, cfg.Geometry)
	admm.WriteReport(report, layerReport, res.AccBefore, res.AccAfter)
	if err := writeHTMLReport(*htmlPath, "pimc compress "+pos[0], "compress", args, []htmlreport.Run{compressRun(*out, layerReport, res, testSet)}, stdout); err != nil {
		return fail(err)
	}
	if *mode == "admm" {
		if err := os.Remove(*ckpt); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "pimc compress: %v\n", err)
		}
		outfile.RemoveStale(*ckpt) // what writes killed before this run left (none: each run rewrites it)
	}
	return exitOK
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
