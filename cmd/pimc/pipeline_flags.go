package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/pprof"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// pipelineFlags are the flags shared by every command that runs passes
// (pimc ir, pimc compile): the pass manager's debug flags (passes.DebugFlags:
// -passes, -print-after, -print-before, -print-after-change, -print-dir,
// -print-consts, -verify-each, -time-passes) plus -cpuprofile.
type pipelineFlags struct {
	passes.DebugFlags
	cpuprofile  string
	stopProfile func()
	command     string // "compile", "ir": the prefix of the passes' warnings
}

func (pf *pipelineFlags) register(fs *flag.FlagSet, defaultPipeline string) {
	pf.command = fs.Name()
	pf.DebugFlags.Register(fs, defaultPipeline)
	fs.StringVar(&pf.cpuprofile, "cpuprofile", "", "write a CPU profile to this file (- for stdout)")
}

// outputs are the files and folders the flags write, for checkPaths.
func (pf *pipelineFlags) outputs() []outfile.Path {
	return []outfile.Path{outfile.Output("-cpuprofile", pf.cpuprofile), outfile.OutputDir("-print-dir", pf.PrintDir)}
}

// helpRequested reports whether -passes=help was given; it then prints the list.
func (pf *pipelineFlags) helpRequested(w io.Writer) bool {
	if !pf.WantsHelp() {
		return false
	}
	passes.WriteHelp(w)
	return true
}

// startProfile starts the CPU profile if requested ("-": on stdout); call
// pf.stop when done. The profile is an output like any other: written to a
// temporary file and published by pf.stop, so an interrupted run leaves
// none behind.
func (pf *pipelineFlags) startProfile(stdout io.Writer) error {
	pf.stopProfile = func() {}
	if pf.cpuprofile == "" {
		return nil
	}
	w, err := outfile.Open(pf.cpuprofile, stdout)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(w); err != nil {
		w.Abort()
		return err
	}
	pf.stopProfile = func() { pprof.StopCPUProfile(); w.Commit() }
	return nil
}

func (pf *pipelineFlags) stop() {
	if pf.stopProfile != nil {
		pf.stopProfile()
	}
}

// warn prints the passes' warnings to stderr: "pimc compile: warning:
// quantize: calib DIR: 2 NaN ...".
func (pf *pipelineFlags) warn(stderr io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(stderr, "pimc %s: warning: %s\n", pf.command, msg) }
}

// pipeline is the pass manager run of the flags: dumps, timing and
// statistics to stderr, tgt for the map pass.
func (pf *pipelineFlags) pipeline(tgt *target.Target, stderr io.Writer) *driver.Pipeline {
	return &driver.Pipeline{Flags: pf.DebugFlags, Target: tgt, Log: stderr, Warn: pf.warn(stderr)}
}

// passErrorCode maps a pipeline error to an exit code: a malformed -passes
// value is a usage error, a panicking pass a bug, anything else a user error
// (the model does not go through the pipeline).
func passErrorCode(err error) int {
	var syn *passes.SyntaxError
	switch {
	case errors.As(err, &syn):
		return exitUsage
	case passes.IsPanic(err):
		return exitInternal
	}
	return exitUser
}
