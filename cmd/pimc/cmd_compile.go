package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

func init() {
	register(&command{name: "compile", summary: "compile an ONNX model (or quantized .pir) to a .pimb program for the PIM engine", run: runCompile})
}

// readTensorFile reads the tensors of one .pb/.npy/.npz file (an .npz by
// array name, others under "").
func readTensorFile(path string) (map[string]*tensor.Tensor, error) {
	if strings.HasSuffix(path, ".npz") {
		return tensorio.ReadNPZ(path)
	}
	t, err := tensorio.Read(path)
	if err != nil {
		return nil, err
	}
	return map[string]*tensor.Tensor{"": t}, nil
}

func runCompile(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compile", "MODEL.onnx|MODEL.pir -o PROG.pimb [-wbits M] [-abits N] [-calib SRC] [-target FILE|PRESET] [-replicate off|auto|N] [-S PROG.pasm] [-verify-with IN.pb] [-shape name=DIMS] [-bind name=FILE]", stderr)
	addLimitFlags(fs)
	var pf pipelineFlags
	pf.register(fs, "")
	out := fs.String("o", "", "write the program to this .pimb file (required; - for stdout)")
	wbits := fs.Int("wbits", 8, "weight bits (1..8) for the default pipeline")
	abits := fs.Int("abits", 8, "activation bits (1..8) for the default pipeline")
	calib := fs.String("calib", "random:8", "calibration inputs: random:N, mnist, fashion-mnist or a folder of .pb/.npy/.npz")
	tflag := fs.String("target", "", "hardware description file or preset (default "+target.DefaultPreset+")")
	asm := fs.String("S", "", "also write the assembly to this .pasm file (- for stdout)")
	verify := fs.String("verify-with", "", "run the quantized interpreter and the simulator on this input (.pb/.npy/.npz) and require bit-exact agreement")
	shapes := shapeFlag{}
	fs.Var(shapes, "shape", "pin the shape of an input with dynamic dimensions: name=1x3x32x32 (repeatable)")
	binds := bindFlag{}
	fs.Var(binds, "bind", "fix a graph input to the tensor in a file, making it a constant (e.g. weights passed as an input): name=FILE.pb|FILE.npy (repeatable)")
	replicate := fs.String("replicate", defaultReplicate, "copies of small layers computing different output pixels: off, auto or N (the map pass's replicate option; docs/BACKEND.md §2)")
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
	if _, err := mapping.ParseReplicate(*replicate); err != nil {
		return usageError(fs, "-replicate: %v", err)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc compile: %v\n", err)
		return exitUser
	}
	paths := append(bindInputs(binds), input("input", pos[0]), targetInput(*tflag), input("-verify-with", *verify),
		calibInput(*calib), output("-o", *out), output("-S", *asm))
	if code := checkPaths(fs, append(paths, pf.outputs()...)...); code != exitOK {
		return code
	}
	report := reportTo(stdout, stderr, *out, *asm, pf.cpuprofile)
	// The map pass gets the target of -target, so -print-after map shows
	// the mapping the backend emits.
	mapPass := fmt.Sprintf("map{target=%q,replicate=%q}", *tflag, *replicate)
	passesSet := pf.Passes != ""
	calibNote := false
	if !passesSet {
		pf.Passes = fmt.Sprintf("canonicalize,quantize{wbits=%d,abits=%d,calib=%q},%s", *wbits, *abits, *calib, mapPass)
		calibSet := false
		fs.Visit(func(f *flag.Flag) { calibSet = calibSet || f.Name == "calib" })
		calibNote = !calibSet
	}
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
	g, err := loadGraph(pos[0], opt)
	if err != nil {
		return fail(err)
	}
	if g.Stage == ir.StageQuantized && !passesSet {
		pf.Passes = mapPass // a quantized .pir: only the mapping is left to do
		calibNote = false
	}
	if calibNote {
		// Random inputs rarely span the ranges real data reaches, so
		// outputs may clip; say so rather than degrade silently (once the
		// target and the model have loaded, so the note does not precede
		// an unrelated error).
		fmt.Fprintf(stderr, "pimc compile: note: activation ranges calibrated on %s (uniform in [-1, 1)); pass -calib mnist|fashion-mnist|DIR to calibrate on real inputs\n", *calib)
	}
	if g.Stage < ir.StageQuantized || (g.Stage == ir.StageQuantized && !passesSet) {
		if err := pf.run(g, stderr); err != nil {
			fmt.Fprintf(stderr, "pimc compile: %s: %v\n", pos[0], err)
			return passErrorCode(err)
		}
	}
	res, err := backend.Compile(g, tgt, backend.Options{MaxHostBytes: maxProg.n})
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pos[0], err))
	}
	if err := checkProgramSize("-o", *out, res.Prog, maxProg.n); err != nil {
		return fail(err)
	}
	bin, err := isa.EncodeBinary(res.Prog)
	if err != nil {
		fmt.Fprintf(stderr, "pimc compile: BUG: %v\n", err)
		return exitInternal
	}
	// -verify-with runs before anything is written: a program that fails
	// the check leaves no .pimb behind to be mistaken for a good one.
	if *verify != "" {
		if code := verifyCompiled(g, res, tgt, *verify, report, stderr); code != exitOK {
			fmt.Fprintf(stderr, "pimc compile: %s not written\n", *out)
			return code
		}
	}
	// The assembly streams to a pending file first, so a text above
	// -max-program-bytes leaves neither output behind.
	var asmOut *stream
	if *asm != "" {
		if asmOut, err = startAsm("-S", *asm, res.Prog, maxProg.n, stdout); err != nil {
			return fail(err)
		}
		defer asmOut.abort()
	}
	if err := writeOutput(*out, bin, stdout); err != nil {
		return fail(err)
	}
	if asmOut != nil {
		if err := asmOut.commit(); err != nil {
			return fail(err)
		}
	}
	writeCompileSummary(report, *out, res, len(bin))
	return exitOK
}

// defaultReplicate is -replicate of pimc compile and pimc demo: auto
// (docs/RESULTS.md "Replication of small layers": LeNet-5 17% faster, same
// energy per inference, 2 more sub-arrays).
const defaultReplicate = "auto"

func writeCompileSummary(w io.Writer, path string, res *backend.Result, size int) {
	p := res.Prog
	fmt.Fprintf(w, "%s: %d matrix layers, %d/%d sub-arrays, %d weight rows, %d instructions (%d bytes), %d device segment(s), %d host op(s), target %s\n",
		path, len(res.Layers), res.Subarrays, res.TotalSubarrays, res.WeightRows, len(p.Code), size, res.Segments, res.HostOps, p.TargetName)
	for _, l := range res.Layers {
		rep := ""
		if l.Replicas > 1 {
			rep = fmt.Sprintf(" replicas %d", l.Replicas)
		}
		fmt.Fprintf(w, "  %-6s %-24q filters %d/%d cols %d/%d W%d A%d segments %d sub-arrays %d (from %d) weight rows %d pixels %d%s\n",
			l.Op, l.Node, l.KeptFilters, l.Filters, l.KeptCols, l.Cols, l.M, l.N, l.Segments, l.Subarrays, l.FirstSubarray, l.WeightRows, l.Pixels, rep)
	}
}

// verifyCompiled compares the simulator with the quantized interpreter on
// one input: every device output port (in layer order) and every model
// output, bit for bit.
func verifyCompiled(g *ir.Graph, res *backend.Result, tgt *target.Target, path string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc compile: verify: %v\n", err)
		return exitUser
	}
	inputs, err := readModelInputs(g, path, stderr)
	if err != nil {
		return fail(err)
	}
	m, err := pimrt.Load(res.Prog, tgt)
	if err != nil {
		return fail(err)
	}
	got, err := m.Run(inputs)
	if err != nil {
		return fail(err)
	}
	// The oracle with every device port as an extra output.
	og := *g
	og.Outputs = append([]*ir.Value{}, g.Outputs...)
	var names []string
	for _, s := range m.Host.Segments {
		for _, name := range s.Out {
			if v := res.PortValues[name]; v != nil {
				og.Outputs = append(og.Outputs, v)
				names = append(names, name)
			}
		}
	}
	want, err := interp.Run(&og, inputs)
	if err != nil {
		return fail(fmt.Errorf("quantized interpreter: %w", err))
	}
	total := 0
	check := func(what string, w, gt *tensor.Tensor) bool {
		if gt == nil || w.Len() != gt.Len() {
			fmt.Fprintf(stdout, "verify: %s: shape %v from the interpreter, %v from the simulator\n", what, w.Shape, shapeOf(gt))
			return false
		}
		for i := 0; i < w.Len(); i++ {
			if a, b := w.Float64At(i), gt.Float64At(i); a != b {
				fmt.Fprintf(stdout, "verify: %s: first difference at index %d: expected %v, got %v\n", what, i, a, b)
				return false
			}
		}
		total += w.Len()
		return true
	}
	for i, name := range names {
		v := og.Outputs[len(g.Outputs)+i]
		layer := name
		if v.Def != nil && v.Def.Name != "" {
			layer = fmt.Sprintf("%s (node %q)", name, v.Def.Name)
		}
		if !check("layer "+layer, want[len(g.Outputs)+i], got.Ports[name]) {
			return exitUser
		}
	}
	for i := range g.Outputs {
		if !check(fmt.Sprintf("output %d", i), want[i], got.Outputs[i]) {
			return exitUser
		}
	}
	fmt.Fprintf(stdout, "verify: bit-exact (%d values)\n", total)
	return exitOK
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

// readModelInputs reads one tensor per model input from a .pb/.npy file
// (single-input models) or an .npz (arrays named like the inputs, or in
// order), checked with fitInput (one inference each), and warns on stderr
// about NaN and infinite values.
func readModelInputs(g *ir.Graph, path string, stderr io.Writer) ([]*tensor.Tensor, error) {
	m, err := readTensorFile(path)
	if err != nil {
		return nil, err
	}
	var ts []*tensor.Tensor
	if len(g.Inputs) == 1 && m[g.Inputs[0].Name] == nil && (len(m) == 1 || m["inputs"] != nil) {
		// A single-input model: the only array, or the one named "inputs"
		// (the ONNX model zoo's .npz test data).
		t := m["inputs"]
		for _, x := range m {
			if t == nil {
				t = x
			}
		}
		ts = append(ts, t)
	} else {
		for _, in := range g.Inputs {
			t := m[in.Name]
			if t == nil {
				return nil, fmt.Errorf("%s: no array named %q (the model's input)", filepath.Base(path), in.Name)
			}
			ts = append(ts, t)
		}
	}
	if len(ts) != len(g.Inputs) {
		return nil, fmt.Errorf("%s: %d tensors for %d model inputs", path, len(ts), len(g.Inputs))
	}
	for i, in := range g.Inputs {
		what := path
		if len(g.Inputs) > 1 {
			what += fmt.Sprintf(": input %q", in.Name)
		}
		warnNonFinite(stderr, "compile", what, ts[i])
		t, _, err := fitInput(path, ts[i], specOf(in), batchRule{one: "-verify-with"})
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}
