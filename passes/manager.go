package passes

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pimc-dev/pimc/ir"
)

// Manager runs pipelines with instruments around every pass. The zero value
// runs passes with no instrument at all; NewManager turns verification on,
// which is what every command should use.
type Manager struct {
	// VerifyEach runs ir.Verify on the input graph and after every pass; a
	// pass that breaks the IR is reported by name with all diagnostics.
	VerifyEach bool

	// PrintBefore and PrintAfter select the passes whose IR is printed
	// before/after they run: pass names, named pipelines (meaning the
	// passes they expand to), or "all".
	PrintBefore []string
	PrintAfter  []string
	// PrintAfterChange prints the IR after every pass that reported a
	// change (restricted to PrintAfter when that is set).
	PrintAfterChange bool
	// PrintOut receives the dumps (os.Stderr when nil), unless PrintDir is
	// set: then each dump is its own file, NNN-<pass>[-before].pir.
	PrintOut     io.Writer
	PrintDir     string
	PrintOptions ir.PrintOptions

	// TimePasses measures every pass (and its verification) for Report.
	TimePasses bool
	// CheckChanged compares the graph's structure before and after every
	// pass (see fingerprint) and fails a pass that changed the graph but
	// reported no change, or the reverse. For tests and debugging.
	CheckChanged bool
	// Warn receives the warnings passes report with Context.Warnf, one
	// line each without a trailing newline; nil drops them.
	Warn func(msg string)
	// DumpDir is where the IR dump of a crashed or IR-breaking pass is
	// written (the system's temporary folder when empty).
	DumpDir string
	// Files writes the dumps of PrintDir and DumpDir: passes opens no file
	// itself. The driver gives outfile.Disk; nil: -print-dir fails and the
	// dump of a crashed pass is not written (its error says why).
	Files DumpFS
	// Env is what the passes get from outside the graph (the target,
	// calibration inputs, files their options name); see Env.
	Env Env

	stats   Stats
	timings []*Timing
	seq     int // number of dumps written to PrintDir
}

// NewManager returns a manager with VerifyEach on.
func NewManager() *Manager { return &Manager{VerifyEach: true} }

// Stats returns the counters passes reported, over every Run so far.
func (m *Manager) Stats() *Stats { return &m.stats }

// Timings returns the per-pass timings measured so far (TimePasses).
func (m *Manager) Timings() []*Timing { return m.timings }

// Report writes the timing table (when TimePasses is on) and the statistics.
func (m *Manager) Report(w io.Writer) error {
	if m.TimePasses && len(m.timings) > 0 {
		fmt.Fprintln(w, "=== pass timing ===")
		if err := writeTimings(w, m.timings); err != nil {
			return err
		}
	}
	if m.stats.Len() > 0 {
		fmt.Fprintln(w, "=== pass statistics ===")
		if _, err := m.stats.WriteTo(w); err != nil {
			return err
		}
	}
	return nil
}

// RunString parses a pipeline and runs it.
func (m *Manager) RunString(g *ir.Graph, pipeline string) error {
	p, err := Parse(pipeline)
	if err != nil {
		return err
	}
	return m.Run(g, p)
}

// Run applies the pipeline's passes to g in order, in place. It stops at the
// first failing pass; the error names it. After a failure g is in whatever
// state the failing pass left it.
func (m *Manager) Run(g *ir.Graph, p *Pipeline) error {
	if g == nil {
		return fmt.Errorf("passes: no graph to run on")
	}
	if p == nil {
		p = &Pipeline{}
	}
	if err := m.checkPrintNames(); err != nil {
		return err
	}
	if m.VerifyEach {
		if err := ir.Verify(g); err != nil {
			return fmt.Errorf("passes: the input graph does not verify (before any pass ran): %w", err)
		}
	}
	if err := ir.CheckGraphSize(g); err != nil {
		return fmt.Errorf("passes: the input graph: %w", err)
	}
	for _, step := range p.Steps {
		if err := m.runStep(g, step); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) runStep(g *ir.Graph, step *Step) error {
	name := step.Info.Name
	if !step.Info.Accepts(g.Stage) {
		return fmt.Errorf("passes: pass %s needs a graph at stage %s, this one is at stage %s", name, needsText(step.Info), g.Stage)
	}
	// The snapshot is what a crash dump shows: the graph as the pass got it.
	// Constant payloads are shared, which is safe since passes never mutate them.
	before := ir.Clone(g)
	var beforePrint string
	if m.CheckChanged {
		beforePrint = fingerprint(g)
	}
	if selected(m.PrintBefore, step) {
		if err := m.dump(g, name, "before"); err != nil {
			return err
		}
	}
	ctx := &Context{pass: name, stats: &m.stats, warn: m.Warn, env: &m.Env}
	start := time.Now()
	changed, err := runRecovered(ctx, step.Pass, g)
	elapsed := time.Since(start)
	if err != nil {
		if pe, ok := err.(*panicError); ok {
			path, derr := m.writeCrashDump(before, name, pe)
			return &PassPanicError{Pass: name, Value: pe.value, Dump: path, DumpErr: derr}
		}
		return fmt.Errorf("passes: pass %s: %w", name, err)
	}
	if step.Info.Produces != SameStage && g.Stage != step.Info.Produces {
		return fmt.Errorf("passes: BUG: pass %s declares it produces stage %s but left the graph at stage %s", name, step.Info.Produces, g.Stage)
	}
	if m.CheckChanged {
		same := beforePrint == fingerprint(g)
		if same && changed {
			return fmt.Errorf("passes: BUG: pass %s reported a change but the graph is identical", name)
		}
		if !same && !changed {
			return fmt.Errorf("passes: BUG: pass %s changed the IR but reported no change", name)
		}
	}
	var verifyTime time.Duration
	if m.VerifyEach {
		vstart := time.Now()
		verr := ir.Verify(g)
		verifyTime = time.Since(vstart)
		if verr != nil {
			where := "writing the IR dump failed"
			if path, derr := m.writeDump(before, name, fmt.Sprintf("# IR before pass %s, which broke verification:\n%s", name, commentLines(verr.Error()))); derr == nil {
				where = "the IR before the pass is in " + path
			}
			return fmt.Errorf("passes: pass %s produced an invalid graph (%s):\n%w", name, where, verr)
		}
	}
	// A pass may grow the graph (new weight constants next to the old
	// ones, integers held in 8 bytes, zero_insert): the size limits hold
	// after every pass, verified or not. Above them the graph is valid, so
	// this is no broken-pass report and leaves no dump.
	if err := ir.CheckGraphSize(g); err != nil {
		return fmt.Errorf("passes: after pass %s: %w", name, err)
	}
	// Timings are cheap to keep; Report shows them only with TimePasses.
	m.recordTiming(name, changed, elapsed, verifyTime)
	if m.printAfter(step, changed) {
		if err := m.dump(g, name, ""); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) recordTiming(name string, changed bool, run, verify time.Duration) {
	var t *Timing
	for _, x := range m.timings {
		if x.Pass == name {
			t = x
		}
	}
	if t == nil {
		t = &Timing{Pass: name}
		m.timings = append(m.timings, t)
	}
	t.Runs++
	if changed {
		t.Changed++
	}
	t.Run += run
	t.Verify += verify
}

// PassPanicError reports a pass that panicked: a bug in pimc. Dump is the
// file holding the IR the pass was given (and the stack), DumpErr why it
// could not be written.
type PassPanicError struct {
	Pass    string
	Value   any
	Dump    string
	DumpErr error
}

func (e *PassPanicError) Error() string {
	if e.DumpErr != nil {
		return fmt.Sprintf("passes: pass %s panicked: %v (writing the IR dump failed too: %v)", e.Pass, e.Value, e.DumpErr)
	}
	return fmt.Sprintf("passes: pass %s panicked: %v; the IR before the pass is in %s", e.Pass, e.Value, e.Dump)
}

// panicError carries a recovered panic out of runRecovered.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprint(p.value) }

func runRecovered(ctx *Context, p Pass, g *ir.Graph) (changed bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return p.Run(ctx, g)
}

func (m *Manager) writeCrashDump(before *ir.Graph, pass string, pe *panicError) (string, error) {
	header := fmt.Sprintf("# IR before pass %s, which panicked:\n%s# stack:\n%s", pass, commentLines(fmt.Sprint(pe.value)), commentLines(string(pe.stack)))
	return m.writeDump(before, pass, header)
}

// writeDump writes header and the printed graph to a new file in DumpDir.
func (m *Manager) writeDump(g *ir.Graph, pass, header string) (string, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	perr := ir.Print(&buf, g, m.PrintOptions)
	if perr != nil {
		fmt.Fprintf(&buf, "\n# printing failed: %v\n", perr)
	}
	return m.files().WriteTemp(m.DumpDir, "pimc-"+pass+"-*.pir", buf.Bytes())
}

// commentLines prefixes every line of s with "# " so it stays a comment in
// a .pir file.
func commentLines(s string) string {
	s = strings.TrimRight(s, "\n")
	return "# " + strings.ReplaceAll(s, "\n", "\n# ") + "\n"
}

// selected reports whether a print list names the step: "all", its pass,
// or the named pipeline it came from (-print-after=canonicalize).
func selected(list []string, step *Step) bool {
	for _, s := range list {
		if s == "all" || s == step.Info.Name || s != "" && s == step.From {
			return true
		}
	}
	return false
}

func (m *Manager) printAfter(step *Step, changed bool) bool {
	if m.PrintAfterChange {
		return changed && (len(m.PrintAfter) == 0 || selected(m.PrintAfter, step))
	}
	return selected(m.PrintAfter, step)
}

// checkPrintNames rejects print lists naming no registered pass or named
// pipeline, so a typo
// in -print-after does not silently print nothing.
func (m *Manager) checkPrintNames() error {
	for _, list := range [][]string{m.PrintBefore, m.PrintAfter} {
		for _, n := range list {
			if n != "all" && Lookup(n) == nil && LookupPipeline(n) == nil {
				return fmt.Errorf("passes: cannot print around %s", unknownPassMsg(n))
			}
		}
	}
	return nil
}

// dump prints g after (when is "") or before pass to PrintOut or a new file
// in PrintDir.
func (m *Manager) dump(g *ir.Graph, pass, when string) error {
	label := "after " + pass
	if when != "" {
		label = when + " " + pass
	}
	if m.PrintDir != "" {
		m.seq++
		file := fmt.Sprintf("%03d-%s", m.seq, pass)
		if when != "" {
			file += "-" + when
		}
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# IR %s\n", label)
		if err := ir.Print(&buf, g, m.PrintOptions); err != nil {
			return fmt.Errorf("passes: printing the IR %s: %w", label, err)
		}
		if err := m.files().MkdirAll(m.PrintDir); err != nil {
			return fmt.Errorf("passes: print directory: %w", err)
		}
		if err := m.files().WriteFile(filepath.Join(m.PrintDir, file+".pir"), buf.Bytes()); err != nil {
			return fmt.Errorf("passes: writing the IR %s: %w", label, err)
		}
		return nil
	}
	w := m.PrintOut
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "# ===== IR %s =====\n", label)
	if err := ir.Print(w, g, m.PrintOptions); err != nil {
		return fmt.Errorf("passes: printing the IR %s: %w", label, err)
	}
	return nil
}
