package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
)

// pipelineFlags are the debug flags shared by every command that runs passes
// (pimc ir, and later pimc compile).
type pipelineFlags struct {
	passes           string
	printAfter       string
	printBefore      string
	printAfterChange bool
	printDir         string
	verifyEach       bool
	timePasses       bool
	cpuprofile       string
	stopProfile      func()
}

func (pf *pipelineFlags) register(fs *flag.FlagSet, defaultPipeline string) {
	fs.StringVar(&pf.passes, "passes", defaultPipeline, "pass pipeline, e.g. canonicalize or bn-fold,dce; 'help' lists passes")
	fs.StringVar(&pf.printAfter, "print-after", "", "print the IR after these passes (comma list, or all)")
	fs.StringVar(&pf.printBefore, "print-before", "", "print the IR before these passes (comma list, or all)")
	fs.BoolVar(&pf.printAfterChange, "print-after-change", false, "print the IR after every pass that changed it")
	fs.StringVar(&pf.printDir, "print-dir", "", "write printed IR to numbered files in this folder instead of stderr")
	fs.BoolVar(&pf.verifyEach, "verify-each", true, "verify the IR after every pass")
	fs.BoolVar(&pf.timePasses, "time-passes", false, "print the time spent in every pass")
	fs.StringVar(&pf.cpuprofile, "cpuprofile", "", "write a CPU profile to this file")
}

// helpRequested reports whether -passes=help was given; it then prints the list.
func (pf *pipelineFlags) helpRequested(w io.Writer) bool {
	if pf.passes != "help" {
		return false
	}
	passes.WriteHelp(w)
	return true
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
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

// run applies the pipeline to g with the requested instruments; timing and
// dumps go to stderr.
func (pf *pipelineFlags) run(g *ir.Graph, stderr io.Writer) error {
	if strings.TrimSpace(pf.passes) == "" {
		if pf.verifyEach {
			return ir.Verify(g)
		}
		return nil
	}
	m := passes.NewManager()
	m.VerifyEach = pf.verifyEach
	m.PrintAfter = splitList(pf.printAfter)
	m.PrintBefore = splitList(pf.printBefore)
	m.PrintAfterChange = pf.printAfterChange
	m.PrintDir = pf.printDir
	m.PrintOut = stderr
	m.PrintOptions = ir.PrintOptions{ElideConstsOver: 16}
	m.TimePasses = pf.timePasses
	if err := m.RunString(g, pf.passes); err != nil {
		return err
	}
	if pf.timePasses {
		if err := m.Report(stderr); err != nil {
			return fmt.Errorf("pass report: %w", err)
		}
	}
	return nil
}
