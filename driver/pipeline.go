package driver

import (
	"io"
	"strings"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// Pipeline is one run of the pass manager as the commands make it.
type Pipeline struct {
	// Flags are the pipeline (Flags.Passes) and the manager's instruments
	// (pimc's -print-after, -print-dir, -verify-each, -time-passes, ...).
	Flags passes.DebugFlags
	// Target is the hardware the map pass maps onto (nil: the default
	// preset); see FileEnv.
	Target *target.Target
	// Log receives the IR dumps printed to a stream, the timing table and
	// the statistics; Warn the passes' warnings, one line each without a
	// trailing newline (nil drops them).
	Log  io.Writer
	Warn func(msg string)
}

// Run applies the pipeline to g in place, its passes given the file system
// (FileEnv) and its dumps written to disk (outfile.Disk). A blank pipeline
// only verifies g (unless Flags.VerifyEach is off). Errors are those of
// passes.DebugFlags.Setup (a malformed pipeline: *passes.SyntaxError) and
// of the manager (passes.IsPanic tells a pass that panicked).
func (p *Pipeline) Run(g *ir.Graph) error {
	if strings.TrimSpace(p.Flags.Passes) == "" {
		if p.Flags.VerifyEach {
			return ir.Verify(g)
		}
		return nil
	}
	m, pl, err := p.Flags.Setup(p.Log)
	if err != nil {
		return err
	}
	m.Warn, m.Env, m.Files = p.Warn, FileEnv(p.Target), outfile.Disk{}
	if err := m.Run(g, pl); err != nil {
		return err
	}
	if p.Flags.TimePasses {
		return m.Report(p.Log)
	}
	return nil
}
