package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
)

// pipelineFlags are the flags shared by every command that runs passes
// (pimc ir, pimc compile): the pass manager's debug flags (passes.DebugFlags:
// -passes, -print-after, -print-before, -print-after-change, -print-dir,
// -print-consts, -verify-each, -time-passes) plus -cpuprofile.
type pipelineFlags struct {
	passes.DebugFlags
	cpuprofile  string
	stopProfile func()
}

func (pf *pipelineFlags) register(fs *flag.FlagSet, defaultPipeline string) {
	pf.DebugFlags.Register(fs, defaultPipeline)
	fs.StringVar(&pf.cpuprofile, "cpuprofile", "", "write a CPU profile to this file")
}

// helpRequested reports whether -passes=help was given; it then prints the list.
func (pf *pipelineFlags) helpRequested(w io.Writer) bool {
	if !pf.WantsHelp() {
		return false
	}
	passes.WriteHelp(w)
	return true
}

// startProfile starts the CPU profile if requested; call pf.stop when done.
func (pf *pipelineFlags) startProfile() error {
	pf.stopProfile = func() {}
	if pf.cpuprofile == "" {
		return nil
	}
	f, err := os.Create(pf.cpuprofile)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	pf.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
	return nil
}

func (pf *pipelineFlags) stop() {
	if pf.stopProfile != nil {
		pf.stopProfile()
	}
}

// run applies the pipeline to g; dumps, timing and statistics go to stderr.
// An empty pipeline only verifies (unless -verify-each=false).
func (pf *pipelineFlags) run(g *ir.Graph, stderr io.Writer) error {
	if strings.TrimSpace(pf.Passes) == "" {
		if pf.VerifyEach {
			return ir.Verify(g)
		}
		return nil
	}
	m, p, err := pf.Setup(stderr)
	if err != nil {
		return err
	}
	if err := m.Run(g, p); err != nil {
		return err
	}
	if pf.TimePasses {
		return m.Report(stderr)
	}
	return nil
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
