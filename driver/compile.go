package driver

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// DefaultReplicate is the default of Options.Replicate, pimc compile
// -replicate and pimc demo -replicate: auto (docs/RESULTS.md "Replication of
// small layers": LeNet-5 17% faster, same energy per inference, 2 more
// sub-arrays).
const DefaultReplicate = "auto"

// Options configures Compile. The zero value compiles for the default
// preset at W8A8, calibrated on random:8, with replicate=auto, verifying the
// IR after every pass.
type Options struct {
	// Target is the hardware compiled for; nil: the default preset.
	Target *target.Target
	// WBits and ABits (1..8; 0: 8), Calib (quantize's calib option:
	// random:N, mnist, fashion-mnist or a folder; "": random:8) and
	// Replicate (map's replicate option: off, auto or N; "":
	// DefaultReplicate) make the default pipeline.
	WBits, ABits int
	Calib        string
	Replicate    string
	// Calibrator and Percentile are quantize's calibrator and percentile
	// options (docs/QUANT.md): "" or "minmax" leaves the pass's default
	// (max |x|); "percentile" takes the Percentile-th percentile of |x|
	// (0: the pass's default, 99.99).
	Calibrator string
	Percentile float64
	// Pipeline compiles a layer pipeline across images with Frames images
	// per run (0: backend.DefaultFrames); backend.Options.
	Pipeline bool
	Frames   int
	// Split splits the slowest layers of a program of one image per run
	// over the controllers (backend.Options.Split; pimc compile -split).
	Split bool
	// Spread spreads the pieces of -pipeline or -split over the free
	// sub-arrays of their banks (backend.Options.Spread; pimc compile
	// -spread).
	Spread bool
	// Window chooses a pipeline's window stage for a model whose weights
	// fit (backend.Options.Window; pimc compile -window).
	Window int
	// Flags, when not nil, are the pass manager's instruments (pimc
	// compile's -print-after, -print-dir, -verify-each, -time-passes, ...)
	// and, in Flags.Passes when not empty, a pipeline that replaces the
	// default one. Nil: the default pipeline, verified after every pass,
	// nothing printed.
	Flags *passes.DebugFlags
	// Log receives the IR dumps printed to a stream, the pass timing and
	// statistics; Warn the passes' warnings (see Pipeline).
	Log  io.Writer
	Warn func(msg string)
	// MaxProgramBytes bounds the encoded program (a larger one is a
	// *ProgramSizeError, checked before encoding) and its host section as
	// the backend builds it; 0: no bound.
	MaxProgramBytes int64
}

// Result is a compiled model: what the backend made (the program, the
// per-layer mapping summary, the device ports' values for Verify), the
// program's .pimb bytes and the target it was compiled for.
type Result struct {
	*backend.Result
	Binary []byte
	Target *target.Target
	// Asked is the widths the default pipeline quantized with
	// (Options.WBits, ABits: pimc compile -wbits -abits), zero when the
	// graph was not quantized by it (a .pir, a custom pipeline): see
	// BitsNotes.
	Asked Widths
}

// ProgramSizeError is a program whose .pimb would take more than
// Options.MaxProgramBytes (pimc's -max-program-bytes).
type ProgramSizeError struct{ Size, Max int64 }

func (e *ProgramSizeError) Error() string {
	return fmt.Sprintf("the program would take %s (%d bytes), above the %s limit (-max-program-bytes); nothing written",
		ir.FormatBytes(e.Size), e.Size, ir.FormatBytes(e.Max))
}

// CheckProgramSize refuses a program whose .pimb would be larger than max
// bytes, before it is encoded (isa.EncodedSize).
func CheckProgramSize(p *isa.Program, max int64) error {
	if n := isa.EncodedSize(p); n > max {
		return &ProgramSizeError{Size: n, Max: max}
	}
	return nil
}

// InternalError is a failure that is a bug in pimc, not a problem of the
// input (pimc exits 3).
type InternalError struct{ Err error }

func (e *InternalError) Error() string { return "BUG: " + e.Err.Error() }
func (e *InternalError) Unwrap() error { return e.Err }

// Compile compiles g in place for opt.Target into a program:
//
//   - a graph not yet quantized goes through the default pipeline
//     canonicalize,quantize{wbits,abits,calib},map{replicate}, or through
//     opt.Flags.Passes when given;
//   - an already-quantized graph (a .pir) has only the mapping left to do:
//     map{replicate}; a custom pipeline is not run on it, nor on a mapped
//     graph, which compiles as it is;
//   - a graph the pipeline leaves quantized (a custom pipeline without
//     map) is mapped without replication, quietly, as the backend did when
//     it mapped graphs itself;
//
// then the backend emits the mapped graph and the program is encoded.
// Errors: those of the pipeline (Pipeline.Run), of the backend, a
// *ProgramSizeError and an *InternalError.
func Compile(g *ir.Graph, opt Options) (*Result, error) {
	tgt := opt.Target
	if tgt == nil {
		tgt = target.Default()
	}
	pl := Pipeline{Flags: passes.DebugFlags{VerifyEach: true}, Target: tgt, Log: opt.Log, Warn: opt.Warn}
	if opt.Flags != nil {
		pl.Flags = *opt.Flags
	}
	run := true
	var asked Widths
	switch custom := pl.Flags.Passes != ""; {
	case custom && g.Stage < ir.StageQuantized:
	case custom || g.Stage == ir.StageMapped:
		run = false
	case g.Stage == ir.StageQuantized:
		pl.Flags.Passes = mapPass(opt)
	default:
		pl.Flags.Passes = defaultPipeline(opt)
		asked = opt.widths()
	}
	if run {
		if err := pl.Run(g); err != nil {
			return nil, err
		}
	}
	switch {
	case g.Stage < ir.StageQuantized:
		return nil, fmt.Errorf("backend: graph is at stage %s, want quantized or mapped (run the quantize pass first)", g.Stage)
	case g.Stage == ir.StageQuantized:
		// The error reads as the backend's did, when it mapped itself.
		m := &passes.Manager{Env: FileEnv(tgt), Files: outfile.Disk{}}
		if err := m.RunString(g, "map"); err != nil {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner
			}
			return nil, fmt.Errorf("backend: %w", err)
		}
	}
	res, err := backend.Compile(g, tgt, backend.Options{MaxHostBytes: opt.MaxProgramBytes, Pipeline: opt.Pipeline, Frames: opt.Frames, Split: opt.Split, Spread: opt.Spread, Window: opt.Window,
		PieceReplicas: opt.replicateAuto()})
	if err != nil {
		return nil, err
	}
	if opt.MaxProgramBytes > 0 {
		if err := CheckProgramSize(res.Prog, opt.MaxProgramBytes); err != nil {
			return nil, err
		}
	}
	bin, err := isa.EncodeBinary(res.Prog)
	if err != nil {
		return nil, &InternalError{err}
	}
	return &Result{Result: res, Binary: bin, Target: tgt, Asked: asked}, nil
}

// CheckReplicate tells whether s is a replicate setting of the map pass
// (off, auto or a count 1..4), as Options.Replicate takes it.
func CheckReplicate(s string) error {
	_, err := mapping.ParseReplicate(s)
	return err
}

// defaultPipeline is the pipeline of pimc compile -wbits -abits -calib
// -replicate and of every pimc demo column.
func defaultPipeline(opt Options) string {
	w, calib := opt.widths(), opt.Calib
	wbits, abits := w.W, w.A
	if calib == "" {
		calib = "random:8"
	}
	return fmt.Sprintf("canonicalize,quantize{wbits=%d,abits=%d,calib=%q%s},%s", wbits, abits, calib, calibratorOptions(opt), mapPass(opt))
}

// calibratorOptions are the quantize options of opt.Calibrator and
// opt.Percentile, "" for the default calibrator (the pipeline text, and so
// every program compiled without them, stays as it was).
func calibratorOptions(opt Options) string {
	if opt.Calibrator == "" || opt.Calibrator == "minmax" {
		return ""
	}
	s := ",calibrator=" + opt.Calibrator
	if opt.Percentile != 0 {
		s += ",percentile=" + strconv.FormatFloat(opt.Percentile, 'g', -1, 64)
	}
	return s
}

// mapPass is the map step of the default pipeline: onto the pipeline's
// target (FileEnv), with opt.Replicate.
func mapPass(opt Options) string {
	return fmt.Sprintf("map{replicate=%q}", opt.replicate())
}

// replicate is opt.Replicate, DefaultReplicate when unset.
func (opt Options) replicate() string {
	if opt.Replicate == "" {
		return DefaultReplicate
	}
	return opt.Replicate
}

// replicateAuto reports whether opt's replicate setting is auto, which
// also lets a pipeline's balance give layers' pieces copies of their own
// (backend.Options.PieceReplicas).
func (opt Options) replicateAuto() bool {
	r, err := mapping.ParseReplicate(opt.replicate())
	return err == nil && r == mapping.Auto
}
