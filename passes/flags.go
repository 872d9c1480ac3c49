package passes

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// DebugFlags are the pass-manager flags every compiling subcommand shares
// (-passes, -print-after, -print-before, -print-after-change, -print-dir,
// -print-consts, -verify-each, -time-passes), so they read the same
// everywhere. A command registers them, parses its flag set, then calls
// Setup:
//
//	var df passes.DebugFlags
//	df.Register(fs, "canonicalize")
//	... fs.Parse(args) ...
//	if df.WantsHelp() { passes.WriteHelp(stdout); return exitOK }
//	m, p, err := df.Setup(stderr)   // err: bad -passes or -print-after (exit 2)
//	err = m.Run(g, p)               // err: a pass failed (exit 1; 3 if it panicked)
//	m.Report(stderr)                // timing table and statistics
type DebugFlags struct {
	Passes           string
	PrintAfter       string
	PrintBefore      string
	PrintAfterChange bool
	PrintDir         string
	PrintConsts      bool
	VerifyEach       bool
	TimePasses       bool
}

// Register defines the flags on fs; defaultPipeline is the command's
// pipeline when -passes is not given.
func (f *DebugFlags) Register(fs *flag.FlagSet, defaultPipeline string) {
	fs.StringVar(&f.Passes, "passes", defaultPipeline, "pass pipeline, e.g. canonicalize,dce or quantize{wbits=4}; -passes=help lists passes and options")
	fs.StringVar(&f.PrintAfter, "print-after", "", "print the IR after these passes (comma-separated names, or all)")
	fs.StringVar(&f.PrintBefore, "print-before", "", "print the IR before these passes (comma-separated names, or all)")
	fs.BoolVar(&f.PrintAfterChange, "print-after-change", false, "print the IR after every pass that changed it (only those in -print-after, if given)")
	fs.StringVar(&f.PrintDir, "print-dir", "", "write IR dumps to files NNN-<pass>.pir in this directory (made if missing) instead of stderr")
	fs.BoolVar(&f.PrintConsts, "print-consts", false, "print constant payloads in full in dumps (parseable .pir; large)")
	fs.BoolVar(&f.VerifyEach, "verify-each", true, "verify the IR after every pass")
	fs.BoolVar(&f.TimePasses, "time-passes", false, "report the time spent in each pass")
}

// WantsHelp reports whether -passes=help was given.
func (f *DebugFlags) WantsHelp() bool { return strings.TrimSpace(f.Passes) == "help" }

// Setup parses the pipeline and builds a manager whose dumps go to dumpOut
// (unless -print-dir is set). Errors are usage errors: a malformed
// pipeline or an unknown pass name in a print list.
func (f *DebugFlags) Setup(dumpOut io.Writer) (*Manager, *Pipeline, error) {
	p, err := Parse(f.Passes)
	if err != nil {
		return nil, nil, err
	}
	m := &Manager{
		VerifyEach:       f.VerifyEach,
		PrintAfter:       SplitList(f.PrintAfter),
		PrintBefore:      SplitList(f.PrintBefore),
		PrintAfterChange: f.PrintAfterChange,
		PrintOut:         dumpOut,
		PrintDir:         f.PrintDir,
		TimePasses:       f.TimePasses,
	}
	if !f.PrintConsts {
		m.PrintOptions = ir.PrintOptions{ElideConstsOver: ir.HumanElideConstsOver}
	}
	if err := m.checkPrintNames(); err != nil {
		return nil, nil, fmt.Errorf("-print-after/-print-before: %w", err)
	}
	return m, p, nil
}

// SplitList splits a comma-separated flag value, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// IsPanic reports whether err (from Manager.Run) is a pass that panicked —
// a bug in pimc (exit code 3) rather than bad input.
func IsPanic(err error) bool {
	var pe *PassPanicError
	return errors.As(err, &pe)
}
