package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/train"
)

func init() {
	register(&command{name: "train", summary: "train a built-in CNN (lenet5, resnet-small) and write it as ONNX", run: runTrain})
}

func runTrain(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("train", "ARCH -dataset mnist|fashion-mnist|DIR -o MODEL.onnx [-epochs N] [-batch 64] [-opt sgd|nesterov|adam] [-lr LR] [-schedule cosine] [-seed S]", stderr)
	dataset := fs.String("dataset", "", "training data: mnist, fashion-mnist, or a folder with train/ and test/ (.npy files + labels.txt)")
	out := fs.String("o", "", "output ONNX model, rewritten after every epoch (- for stdout: once, at the end)")
	epochs := fs.Int("epochs", 12, "training epochs")
	batch := fs.Int("batch", 64, "minibatch size")
	opt := fs.String("opt", "sgd", "optimizer: sgd (momentum 0.9), nesterov or adam")
	lr := fs.Float64("lr", 0, "base learning rate (default 0.05 for sgd/nesterov, 0.002 for adam)")
	sched := fs.String("schedule", "cosine", "learning-rate schedule: const, step:EVERY:GAMMA, cosine or cosine:RESTARTS")
	wd := fs.Float64("wd", 5e-4, "weight decay (L2) on conv/fc weights")
	seed := fs.Uint64("seed", 1, "seed of the initial weights and the shuffling order")
	limit := fs.Int("limit", 0, "train on the first N training images only (0: all)")
	foldBN := fs.Bool("fold-bn", false, "fold batch_norm into the convolutions before writing (default: keep it)")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one ARCH argument (lenet5 or resnet-small)", pos))
	case *dataset == "":
		return usageError(fs, "-dataset is required")
	case *out == "":
		return usageError(fs, "-o MODEL.onnx is required")
	case *epochs < 1:
		return usageError(fs, "-epochs %d: want a positive count", *epochs)
	case *batch < 1:
		return usageError(fs, "-batch %d: want a positive size", *batch)
	case *limit < 0:
		return usageError(fs, "-limit %d: want 0 (all images) or a positive count", *limit)
	case !slices.Contains(train.Archs, pos[0]):
		return usageError(fs, "unknown architecture %q (want one of %s)", pos[0], strings.Join(train.Archs, ", "))
	}
	if _, err := train.NewOptimizer(*opt); err != nil {
		return usageError(fs, "-opt: %v", err)
	}
	if _, err := train.ParseSchedule(*sched, 0.05, *epochs); err != nil {
		return usageError(fs, "-schedule: %v", err)
	}
	arch := pos[0]
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc train: %v\n", err)
		return exitUser
	}
	if code := checkPaths(fs, outfile.DatasetInput(*dataset), outfile.Output("-o", *out)); code != exitOK {
		return code
	}
	report := reportTo(stdout, stderr, *out)
	trainSet, testSet, err := data.Load(*dataset)
	if err != nil {
		return fail(err)
	}
	warnDataset(stderr, "train", trainSet)
	warnDataset(stderr, "train", testSet)
	if trainSet == nil {
		return fail(fmt.Errorf("%s has no train/ folder to train on", *dataset))
	}
	if *limit > 0 {
		trainSet = trainSet.Head(*limit)
	}
	g, err := train.Build(arch, trainSet.Shape, trainSet.Classes, *seed)
	if err != nil {
		return fail(err)
	}
	m, err := train.NewModel(g)
	if err != nil {
		return fail(err)
	}
	o, err := train.NewOptimizer(*opt)
	if err != nil {
		return fail(err)
	}
	if *lr == 0 {
		*lr = 0.05
		if *opt == "adam" {
			*lr = 0.002
		}
	}
	s, err := train.ParseSchedule(*sched, *lr, *epochs)
	if err != nil {
		return fail(err)
	}
	nparams := 0
	for _, p := range m.Params() {
		nparams += p.Len()
	}
	fmt.Fprintf(stderr, "pimc train: %s on %s (%d training, %d test images), %d parameters, %d epochs, batch %d, %s lr %g %s, seed %d\n",
		arch, *dataset, trainSet.Len(), lenOf(testSet), nparams, *epochs, *batch, *opt, *lr, *sched, *seed)
	start := time.Now()
	// The model is written after every epoch, so a long run that is
	// stopped still leaves its latest state; but only once, at the end, to
	// stdout (-o -), a device or a pipe, which would get every epoch's.
	perEpoch := *out != "-" && !outfile.WritesThrough(*out)
	var model []byte // the latest epoch's model file
	save := func(m *train.Model, _ train.EpochStats) error {
		trained := m.Graph()
		if *foldBN {
			if err := passes.NewManager().RunString(trained, "bn-fold,dce"); err != nil {
				return err
			}
		}
		b, err := frontend.Marshal(trained, frontend.ExportOptions{Producer: "pimc train"})
		if err != nil {
			return err
		}
		model = b
		if perEpoch {
			return outfile.WriteOutput(*out, model, stdout)
		}
		return nil
	}
	hist, err := train.Fit(m, trainSet, testSet, train.Config{
		Epochs: *epochs, Batch: *batch, Seed: *seed, Optimizer: o, Schedule: s, WeightDecay: *wd,
		Progress: stderr, Bar: isTerminal(stderr), OnEpoch: save,
	})
	if err != nil {
		return fail(err)
	}
	if !perEpoch {
		if err := outfile.WriteOutput(*out, model, stdout); err != nil {
			return fail(err)
		}
	}
	last := hist[len(hist)-1]
	var sec float64
	for _, h := range hist {
		sec += h.Seconds
	}
	fmt.Fprintf(report, "%s: %s trained %d epochs in %.0fs (%.1fs/epoch): train acc %.2f%%", *out, arch, len(hist), time.Since(start).Seconds(), sec/float64(len(hist)), 100*last.TrainAcc)
	if !math.IsNaN(last.TestAcc) {
		fmt.Fprintf(report, ", test acc %.2f%%", 100*last.TestAcc)
	}
	fmt.Fprintln(report)
	// Check the written file: it must re-import and agree with the trained model.
	if testSet != nil {
		g, err := frontend.Import(*out, model, frontend.Options{})
		if err == nil {
			err = train.CheckExported(g, testSet)
		}
		if err != nil {
			fmt.Fprintf(stderr, "pimc train: internal error: the written model does not reproduce the trained one: %v\n", err)
			return exitInternal
		}
	}
	return exitOK
}

func lenOf(d *data.Dataset) int {
	if d == nil {
		return 0
	}
	return d.Len()
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress bar redrawn in place is readable.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
