package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
)

// Pass is one configured graph transformation. Run rewrites g in place and
// reports whether it changed anything; the manager relies on that flag for
// print-after-change and statistics, so a pass must not report false after a
// change. Bad input (a graph the pass cannot handle) is an error; a broken
// internal invariant may panic with "BUG:", which the manager turns into an
// error naming the pass and an IR dump.
type Pass interface {
	Run(ctx *Context, g *ir.Graph) (changed bool, err error)
}

// PassFunc adapts a function to the Pass interface.
type PassFunc func(ctx *Context, g *ir.Graph) (bool, error)

// Run calls f.
func (f PassFunc) Run(ctx *Context, g *ir.Graph) (bool, error) { return f(ctx, g) }

// SameStage is the Produces value of a pass that leaves the graph's stage as
// it found it (most passes).
const SameStage ir.Stage = 255

// Info describes a registered pass: its stable name (kebab-case, used in
// pipeline strings, -print-after lists and reports), a one-line summary, the
// stages it accepts, the stage it leaves the graph in, its options, and a
// constructor that builds a configured Pass from parsed options.
type Info struct {
	Name    string
	Summary string
	// Needs lists the stages the graph may be in when the pass runs; empty
	// means any stage.
	Needs []ir.Stage
	// Produces is the stage the graph is in after the pass, or SameStage.
	// A pass that changes the stage sets g.Stage itself (after checking the
	// graph is legal there); the manager checks it did.
	Produces ir.Stage
	Options  []OptionSpec
	// New builds the pass. opts holds every declared option, defaults filled
	// in, already type-checked.
	New func(opts Options) (Pass, error)
}

// Accepts reports whether the pass may run on a graph in stage s.
func (in *Info) Accepts(s ir.Stage) bool {
	if len(in.Needs) == 0 {
		return true
	}
	for _, n := range in.Needs {
		if n == s {
			return true
		}
	}
	return false
}

// Context is handed to every pass run: it collects the pass's statistics,
// passes its warnings on to Manager.Warn and carries the run's Env (the
// target, calibration inputs, files options name).
type Context struct {
	pass  string
	stats *Stats
	warn  func(string)
	env   *Env
}

// Warnf reports something the user should know that does not stop the
// pass (a NaN in a calibration input, say) as "pass: message" to
// Manager.Warn; without a Warn sink it is dropped.
func (c *Context) Warnf(format string, args ...any) {
	if c == nil || c.warn == nil {
		return
	}
	c.warn(c.pass + ": " + fmt.Sprintf(format, args...))
}

// Count adds delta to the statistic name of the running pass ("folded",
// "removed nodes", ...). Statistics are reported by Manager.Report.
func (c *Context) Count(name string, delta int) {
	if c == nil || c.stats == nil || delta == 0 {
		return
	}
	c.stats.add(c.pass, name, delta)
}

// Pass is the name of the running pass.
func (c *Context) Pass() string {
	if c == nil {
		return ""
	}
	return c.pass
}
