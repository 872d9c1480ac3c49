package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

func init() {
	register(&command{name: "demo", summary: "compile the embedded LeNet-5 at W8A8, W4A4 and ADMM-compressed W4A4, run MNIST on the simulator, compare accuracy and hardware cost", run: runDemo})
}

// demoDefaultLimit is the number of MNIST test images the demo simulates by
// default: the whole test set. Measured on the 2-core machine with no other
// load (2026-11-26, after the simulator's bmac fast paths), `pimc demo` over
// all 10000 images takes 57.4 s wall (112 CPU-seconds: about 3.7 ms of
// simulation per image and column, three compiled columns). On a loaded
// machine use -limit for a quicker run.
const demoDefaultLimit = 10000

// demoReport is the visual report's file name in the demo's -o folder.
const demoReport = "report.html"

// demoCalibImages is the number of MNIST training images the demo
// calibrates the activation ranges on.
const demoCalibImages = 32

// demoVariant is one compiled column of the demo.
type demoVariant struct {
	name         string // column title
	wbits, abits int    // pimc compile -wbits -abits (a compressed model's recorded weight bits win)
	file         string // the ONNX model to compile, written into the demo folder
	onnx         []byte
	// made is the command that produced file from the float model (empty
	// for the float model itself).
	made string
	// replicate is -replicate (off, auto or N).
	replicate string
}

// demoColumn is the outcome of one column.
type demoColumn struct {
	name    string
	m       *driver.Measured
	comp    *driver.Result
	prog    string // written .pimb
	made    string // command that made the compiled model, if any
	compile string // command reproducing the program
	took    time.Duration
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "[-limit N] [-j N] [-o DIR] [-target FILE|PRESET] [-replicate off|auto|N]", stderr)
	limit := fs.Int("limit", demoDefaultLimit, "simulate the first N MNIST test images")
	jobs := fs.Int("j", -1, "simulate this many images at once (-1: all cores)")
	outDir := fs.String("o", "", "write the model, calibration images, programs and report.html (the visual report) to this folder, made if missing (default: a new temporary folder, removed if the demo is interrupted; no report.html)")
	tflag := fs.String("target", "", "hardware description file or preset (default "+target.DefaultPreset+")")
	replicate := fs.String("replicate", driver.DefaultReplicate, "copies of small layers computing different output pixels: off, auto or N (as pimc compile)")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	switch {
	case len(pos) != 0:
		return usageError(fs, "unexpected arguments %q (demo takes flags only)", pos)
	case *limit < 1:
		return usageError(fs, "-limit %d: want a positive count of test images", *limit)
	case *jobs == 0 || *jobs < -1:
		return usageError(fs, "-j %d: want -1 (all cores) or a positive count", *jobs)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc demo: %v\n", err)
		return exitUser
	}
	if *outDir != "" {
		if code := checkPaths(fs, append(demoOutputs(*outDir), outfile.TargetInput(*tflag))...); code != exitOK {
			return code
		}
	}
	start := time.Now()
	if err := driver.CheckReplicate(*replicate); err != nil {
		return fail(fmt.Errorf("-replicate: %w", err))
	}
	tgt, err := target.LoadOrPreset(*tflag)
	if err != nil {
		return fail(err)
	}
	train, test, err := data.Load(data.MNIST)
	if err != nil {
		return fail(err)
	}
	fullTest := test.Len()
	test = test.Head(*limit)
	dir := *outDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "pimc-demo-"); err != nil {
			return fail(err)
		}
		// Only this run uses the folder: an interrupt removes it whole.
		defer outfile.RemoveOnAbort(dir)()
	} else if err := outfile.MkdirAll(dir); err != nil {
		return fail(err)
	}
	modelPath := filepath.Join(dir, lenet5.Name)
	if err := outfile.WriteFile(modelPath, lenet5.ONNX, 0o644); err != nil {
		return fail(err)
	}
	calibDir := filepath.Join(dir, "calib")
	if err := data.WriteCalibFolder(calibDir, train, demoCalibImages); err != nil {
		return fail(err)
	}
	opt := func(label string) (evaluate.Options, *progress) {
		bar := newProgress(stderr, label)
		return evaluate.Options{Jobs: *jobs, Progress: bar.update, Timeline: *outDir != ""}, bar
	}

	fmt.Fprintf(stderr, "pimc demo: LeNet-5 on %d MNIST test images, files in %s\n", test.Len(), dir)
	g, err := frontend.Import(modelPath, lenet5.ONNX, frontend.Options{})
	if err != nil {
		return fail(fmt.Errorf("the embedded model: %w", err))
	}
	o, bar := opt("float")
	floatRes, err := evaluate.Float(g, test, o)
	bar.done()
	if err != nil {
		return fail(err)
	}
	floatBits := 32 * driver.MatrixWeights(g)

	variants := []demoVariant{
		{name: "W8A8", wbits: 8, abits: 8, file: modelPath, onnx: lenet5.ONNX},
		{name: "W4A4", wbits: 4, abits: 4, file: modelPath, onnx: lenet5.ONNX},
	}
	compressed, err := demoCompressed(dir, modelPath)
	if err != nil {
		return fail(err)
	}
	variants = append(variants, compressed...)
	var cols []*demoColumn
	for _, v := range variants {
		if v.file != modelPath {
			if err := outfile.WriteFile(v.file, v.onnx, 0o644); err != nil {
				return fail(err)
			}
		}
		v.replicate = *replicate
		c, err := runDemoVariant(v, tgt, test, dir, calibDir, *tflag, opt)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", v.name, err))
		}
		cols = append(cols, c)
	}
	writeDemoTable(stdout, test, fullTest, floatRes, floatBits, cols)
	for _, c := range cols {
		if i := c.m.FirstMismatch(); i >= 0 {
			fmt.Fprintf(stdout, "\n%s: the simulator disagrees with the quantized interpreter on image %d (class %d vs %d): please report this as a bug\n",
				c.name, i, c.m.Simulated.Pred[i], c.m.Quantized.Pred[i])
			return exitInternal
		}
	}
	fmt.Fprintf(stdout, "\nThe simulator's predictions equal the quantized reference interpreter's on all %d images for every column.\n", test.Len())
	if *outDir != "" {
		var runs []htmlreport.Run
		for _, c := range cols {
			r := c.m.Simulated
			runs = append(runs, htmlreport.Run{Name: c.name, Report: r.Report, Accuracy: r.Accuracy(), HasAccuracy: true,
				Images: r.Images, Confusion: htmlreport.NewConfusion(test.Y, r.Pred, test.Classes), Layers: htmlLayers(c.comp)})
		}
		page := filepath.Join(*outDir, demoReport)
		if err := writeHTMLReport(page, "pimc demo: LeNet-5 on MNIST", "demo", args, runs, stdout); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "\nvisual report: %s\n", page)
	}
	writeDemoCommands(stdout, test.Len() < fullTest, modelPath, test.Len(), cols)
	fmt.Fprintf(stdout, "\ndemo done in %s (%d cores)\n", fmtWall(time.Since(start)), goruntime.GOMAXPROCS(0))
	return exitOK
}

// runDemoVariant compiles, writes and measures one column: the quantized
// interpreter and the simulator on the test images.
func runDemoVariant(v demoVariant, tgt *target.Target, test *data.Dataset, dir, calibDir, tflag string,
	opt func(string) (evaluate.Options, *progress)) (*demoColumn, error) {
	t0 := time.Now()
	g, err := frontend.Import(v.file, v.onnx, frontend.Options{})
	if err != nil {
		return nil, err
	}
	// Compiled as pimc compile -wbits -abits -calib -replicate compiles, so
	// the printed compile command writes the same program byte for byte.
	comp, err := driver.Compile(g, driver.Options{Target: tgt, WBits: v.wbits, ABits: v.abits, Calib: calibDir, Replicate: v.replicate})
	if err != nil {
		return nil, err
	}
	prog := demoProgram(dir, v.name)
	if err := outfile.WriteFile(prog, comp.Binary, 0o644); err != nil {
		return nil, err
	}
	m, err := driver.Measure(g, comp, test, func(what string) (evaluate.Options, func()) {
		o, bar := opt(v.name + " " + what)
		return o, bar.done
	})
	if err != nil {
		return nil, err
	}
	c := &demoColumn{name: v.name, m: m, comp: comp, prog: prog, made: v.made, took: time.Since(t0)}
	c.compile = fmt.Sprintf("pimc compile %s -wbits %d -abits %d -calib %s -o %s", shellQuote(v.file), v.wbits, v.abits, shellQuote(calibDir), shellQuote(prog))
	if tflag != "" {
		c.compile += " -target " + shellQuote(tflag)
	}
	if v.replicate != driver.DefaultReplicate {
		c.compile += " -replicate " + v.replicate
	}
	return c, nil
}

// demoProgram is the .pimb file of the column name in the folder dir.
func demoProgram(dir, name string) string {
	return filepath.Join(dir, "lenet5-"+strings.ToLower(strings.ReplaceAll(name, " ", "-"))+".pimb")
}

// demoOutputs are the files and folders pimc demo -o DIR writes, for
// checkPaths.
func demoOutputs(dir string) []outfile.Path {
	outs := []outfile.Path{outfile.OutputDir("-o", dir), outfile.OutputDir("-o", filepath.Join(dir, "calib"))}
	for _, f := range []string{lenet5.Name, lenet5.ADMMName, lenet5.ADMMConfigName} {
		outs = append(outs, outfile.Output("-o", filepath.Join(dir, f)))
	}
	for _, col := range []string{"W8A8", "W4A4", "ADMM W4A4"} {
		outs = append(outs, outfile.Output("-o", demoProgram(dir, col)))
	}
	return append(outs, outfile.Output("-o", filepath.Join(dir, demoReport)))
}

// writeDemoTable prints float and compiled columns side by side.
func writeDemoTable(w io.Writer, test *data.Dataset, full int, fl *evaluate.Result, floatBits int, cols []*demoColumn) {
	fmt.Fprintf(w, "LeNet-5 trained on MNIST (embedded model: float accuracy %.2f%% on the %d test images)\n", 100*lenet5.TestAccuracy, full)
	if test.Len() < full {
		fmt.Fprintf(w, "evaluated on the first %d of the %d test images", test.Len(), full)
		if test.Len() == demoDefaultLimit {
			fmt.Fprintf(w, " (the demo's default, to stay under a minute on 2 cores; -limit %d runs them all)", full)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "evaluated on all %d test images\n", full)
	}
	fmt.Fprintf(w, "compiled for %s; first and last layers stay 8-bit (quantize defaults); activation ranges calibrated on %d MNIST training images\n\n",
		cols[0].m.Simulated.Report.Target, demoCalibImages)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', tabwriter.AlignRight)
	row := func(label, fv string, f func(c *demoColumn) string) {
		fmt.Fprintf(tw, "%s\t%s\t", label, fv)
		for _, c := range cols {
			fmt.Fprintf(tw, "%s\t", f(c))
		}
		fmt.Fprintln(tw)
	}
	row("", "float", func(c *demoColumn) string {
		if n := c.comp.EndsNote(); n != "" {
			return c.name + " (" + n + ")"
		}
		return c.name
	})
	acc := func(r *evaluate.Result) string {
		return fmt.Sprintf("%.2f%% (%d/%d)", 100*r.Accuracy(), r.Correct, r.Images)
	}
	row("accuracy", acc(fl)+" *", func(c *demoColumn) string { return acc(c.m.Simulated) })
	row("latency / image", "-", func(c *demoColumn) string { return sim.FormatNS(c.m.Simulated.Report.PerInference.LatencyNS) })
	row("energy / image", "-", func(c *demoColumn) string { return sim.FormatPJ(c.m.Simulated.Report.PerInference.Energy.Total) })
	row("average power", "-", func(c *demoColumn) string {
		return fmt.Sprintf("%.4g mW", c.m.Simulated.Report.PerInference.AvgPowerMW)
	})
	row("throughput", "-", func(c *demoColumn) string { return sim.FormatFPS(c.m.Simulated.Report.FPS) + " FPS" })
	row("GOPS", "-", func(c *demoColumn) string { return fmt.Sprintf("%.4g", c.m.Simulated.Report.GOPS) })
	row("TOPS/W", "-", func(c *demoColumn) string { return fmt.Sprintf("%.4g", c.m.Simulated.Report.TOPSPerW) })
	row("MACs / image", "-", func(c *demoColumn) string { return fmt.Sprintf("%.0f", c.m.Simulated.Report.MACs) })
	row("sub-arrays used", "-", func(c *demoColumn) string {
		return fmt.Sprintf("%d of %d", c.m.Simulated.Report.SubarraysUsed, c.m.Simulated.Report.SubarraysTotal)
	})
	row("chip area", "-", func(c *demoColumn) string { return fmt.Sprintf("%.4g mm2", c.m.Simulated.Report.AreaTotalUM2/1e6) })
	row("area used", "-", func(c *demoColumn) string { return fmt.Sprintf("%.4g mm2", c.m.Simulated.Report.AreaUsedUM2/1e6) })
	row("weight storage (conv/fc)", fmtBits(floatBits), func(c *demoColumn) string { return fmtBits(c.comp.WeightBits()) })
	row("weight rows programmed", "-", func(c *demoColumn) string { return fmt.Sprintf("%d", c.comp.WeightRows) })
	row("wall time", fmtWall(fl.Wall), func(c *demoColumn) string { return fmtWall(c.took) })
	tw.Flush()
	fmt.Fprintln(w, "* float: reference interpreter (float32); the other columns: the simulator running the compiled program.")
	fmt.Fprintln(w, "  Hardware figures are per image (means over the images), device only; GOPS and TOPS/W count the MACs executed")
	fmt.Fprintln(w, "  (pruned weights are not computed), weight storage counts the weight codes (no sparsity index).")
	for _, c := range cols {
		var per []string
		for i, n := range c.comp.BitsNotes() {
			if n != "" {
				per = append(per, c.comp.Layers[i].Node+" "+n)
			}
		}
		if len(per) > 0 {
			fmt.Fprintf(w, "  %s, layers not at its widths: %s\n", c.name, strings.Join(per, "; "))
		}
	}
}

func fmtBits(b int) string {
	switch {
	case b >= 8e6:
		return fmt.Sprintf("%.4g Mbit", float64(b)/1e6)
	case b >= 8e3:
		return fmt.Sprintf("%.4g kbit", float64(b)/1e3)
	}
	return fmt.Sprintf("%d bit", b)
}

// writeDemoCommands prints the commands that reproduce every step.
func writeDemoCommands(w io.Writer, limited bool, modelPath string, n int, cols []*demoColumn) {
	lim := ""
	if limited {
		lim = fmt.Sprintf(" -limit %d", n)
	}
	fmt.Fprintln(w, "\nreproduce step by step:")
	fmt.Fprintf(w, "  %s    # the embedded model (%s)\n", lenet5.TrainCommand, "~2 min on 2 cores")
	fmt.Fprintf(w, "  pimc eval %s -dataset mnist%s\n", shellQuote(modelPath), lim)
	for _, c := range cols {
		if c.made != "" {
			fmt.Fprintf(w, "  %s\n", c.made)
		}
		fmt.Fprintf(w, "  %s\n", c.compile)
		fmt.Fprintf(w, "  pimc eval %s -dataset mnist%s -v\n", shellQuote(c.prog), lim)
	}
}

// demoCompressed returns the demo's compressed columns: the embedded
// ADMM-compressed LeNet-5 (pimc compress with lenet5.ADMMConfig: filters and
// columns pruned, 4-bit weights recorded in the model), compiled with 4-bit
// activations like the W4A4 column. Its config is written next to the float
// model so the printed compress command runs as is.
func demoCompressed(dir, floatModel string) ([]demoVariant, error) {
	cfg := filepath.Join(dir, lenet5.ADMMConfigName)
	if err := outfile.WriteFile(cfg, lenet5.ADMMConfig, 0o644); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, lenet5.ADMMName)
	return []demoVariant{{
		name: "ADMM W4A4", wbits: 4, abits: 4, file: file, onnx: lenet5.ADMM,
		made: fmt.Sprintf("pimc compress %s -dataset mnist -config %s -o %s    # ADMM pruning, 4-bit weights, 4-bit activation QAT (~7 min on 2 shared cores)",
			shellQuote(floatModel), shellQuote(cfg), shellQuote(file)),
	}}, nil
}

// shellQuote returns s as one POSIX shell word: unchanged when it holds only
// characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
