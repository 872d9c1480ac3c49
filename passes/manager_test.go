package passes

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
)

// Test-only passes that misbehave on purpose, to check the instruments.
func init() {
	Register(&Info{
		Name: "test-panic", Summary: "clears the graph, then panics", Produces: SameStage,
		New: func(Options) (Pass, error) {
			return PassFunc(func(_ *Context, g *ir.Graph) (bool, error) {
				g.Nodes = nil
				panic("BUG: test-panic: boom")
			}), nil
		},
	})
	Register(&Info{
		Name: "test-break", Summary: "records a wrong output type", Produces: SameStage,
		New: func(Options) (Pass, error) {
			return PassFunc(func(_ *Context, g *ir.Graph) (bool, error) {
				n := g.Nodes[len(g.Nodes)-1]
				n.Outputs[0].Type.Shape = []int{7}
				return true, nil
			}), nil
		},
	})
	Register(&Info{
		Name: "test-liar", Summary: "removes the last node but reports no change", Produces: SameStage,
		New: func(Options) (Pass, error) {
			return PassFunc(func(_ *Context, g *ir.Graph) (bool, error) {
				g.Nodes = g.Nodes[:len(g.Nodes)-1]
				return false, nil
			}), nil
		},
	})
	Register(&Info{
		Name: "test-fail", Summary: "returns an error", Produces: SameStage,
		New: func(Options) (Pass, error) {
			return PassFunc(func(*Context, *ir.Graph) (bool, error) { return false, errors.New("node x: cannot do it") }), nil
		},
	})
	Register(&Info{
		Name: "test-bad-stage", Summary: "claims to produce the canonical stage but does not", Produces: ir.StageCanonical,
		New: func(Options) (Pass, error) {
			return PassFunc(func(*Context, *ir.Graph) (bool, error) { return false, nil }), nil
		},
	})
	Register(&Info{
		Name: "test-quantized-only", Summary: "needs a quantized graph", Needs: []ir.Stage{ir.StageQuantized}, Produces: SameStage,
		New: func(Options) (Pass, error) {
			return PassFunc(func(*Context, *ir.Graph) (bool, error) { return false, nil }), nil
		},
	})
}

// smallGraph: x -> identity -> relu -> dropout -> out, plus a dead node.
func smallGraph(t *testing.T) *ir.Graph {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 4, 4)
	i := b.node(ir.OpIdentity, nil, x)
	r := b.node(ir.OpRelu, nil, i)
	b.node(ir.OpSigmoid, nil, r) // dead
	d := b.node(ir.OpDropout, nil, r)
	g := b.output(d)
	b.randConst("unused", 0, 1, 3)
	mustVerify(t, g)
	return g
}

func printed(g *ir.Graph) string {
	var buf bytes.Buffer
	if err := ir.Print(&buf, g, ir.PrintOptions{}); err != nil {
		return "print error: " + err.Error()
	}
	return buf.String()
}

func TestManagerPanicDump(t *testing.T) {
	g := smallGraph(t)
	m := NewManager()
	m.DumpDir, m.Files = t.TempDir(), outfile.Disk{}
	err := m.RunString(g, "identity-elim,test-panic")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, s := range []string{"pass test-panic panicked", "BUG: test-panic: boom", "the IR before the pass is in " + m.DumpDir} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	path := regexp.MustCompile(`\S+\.pir`).FindString(msg)
	data, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatalf("dump %q: %v", path, rerr)
	}
	if !strings.Contains(string(data), "manager_test.go") {
		t.Error("dump lacks the stack trace")
	}
	// The dump is the graph as the pass got it (after identity-elim), and
	// parses back.
	want := smallGraph(t)
	if err := NewManager().RunString(want, "identity-elim"); err != nil {
		t.Fatal(err)
	}
	back, perr := ir.Parse(path, data)
	if perr != nil {
		t.Fatalf("dump does not parse: %v", perr)
	}
	if printed(back) != printed(want) {
		t.Errorf("dump differs from the graph before the pass:\n%s\nwant:\n%s", printed(back), printed(want))
	}
}

func TestManagerVerifyEach(t *testing.T) {
	g := smallGraph(t)
	m := NewManager()
	m.DumpDir, m.Files = t.TempDir(), outfile.Disk{}
	err := m.RunString(g, "dce,test-break")
	if err == nil || !strings.Contains(err.Error(), "pass test-break produced an invalid graph") || !strings.Contains(err.Error(), "[7]") {
		t.Fatalf("error = %v", err)
	}
	if path := regexp.MustCompile(`\S+\.pir`).FindString(err.Error()); path == "" {
		t.Errorf("error names no IR dump: %v", err)
	} else if data, rerr := os.ReadFile(path); rerr != nil || !strings.Contains(string(data), "which broke verification") {
		t.Errorf("dump %s: %v", path, rerr)
	}
	var ve *ir.VerifyError
	if !errors.As(err, &ve) || len(ve.Diagnostics) == 0 {
		t.Errorf("error does not wrap the *ir.VerifyError: %v", err)
	}
	// Without verification the broken graph goes through.
	g = smallGraph(t)
	m = &Manager{}
	if err := m.RunString(g, "test-break"); err != nil {
		t.Errorf("VerifyEach off: %v", err)
	}
	// A broken input is reported as such, not blamed on the first pass.
	err = NewManager().RunString(g, "dce")
	if err == nil || !strings.Contains(err.Error(), "input graph does not verify") {
		t.Errorf("broken input: %v", err)
	}
}

func TestManagerErrors(t *testing.T) {
	for _, tc := range []struct {
		pipeline string
		setup    func(m *Manager)
		want     string
	}{
		{"test-fail", nil, "passes: pass test-fail: node x: cannot do it"},
		{"test-quantized-only", nil, "pass test-quantized-only needs a graph at stage quantized, this one is at stage import"},
		{"dce", func(m *Manager) { m.PrintAfter = []string{"bn-fodl"} }, `unknown pass "bn-fodl" (did you mean bn-fold?)`},
		{"test-liar", func(m *Manager) { m.CheckChanged = true }, "pass test-liar changed the IR but reported no change"},
		{"dce", func(m *Manager) { m.CheckChanged = true; m.PrintBefore = []string{"dce"} }, ""},
		{"test-bad-stage", nil, "BUG: pass test-bad-stage declares it produces stage canonical but left the graph at stage import"},
	} {
		m := NewManager()
		m.VerifyEach = false
		if tc.setup != nil {
			tc.setup(m)
		}
		m.PrintOut = io.Discard
		err := m.RunString(smallGraph(t), tc.pipeline)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.pipeline, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.pipeline, err, tc.want)
		}
	}
}

func TestManagerPrintAfter(t *testing.T) {
	run := func(setup func(m *Manager)) string {
		var buf bytes.Buffer
		m := NewManager()
		m.PrintOut = &buf
		setup(m)
		if err := m.RunString(smallGraph(t), "identity-elim,reshape-canon,dce"); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	headers := func(s string) []string { return regexp.MustCompile(`# ===== IR (\w+ [\w-]+)`).FindAllString(s, -1) }
	all := run(func(m *Manager) { m.PrintAfter = []string{"all"} })
	if h := headers(all); len(h) != 3 || !strings.HasSuffix(h[2], "after dce") {
		t.Errorf("print-after=all headers: %q", h)
	}
	changed := run(func(m *Manager) { m.PrintAfterChange = true })
	if h := headers(changed); len(h) != 2 || !strings.HasSuffix(h[0], "after identity-elim") || !strings.HasSuffix(h[1], "after dce") {
		t.Errorf("print-after-change headers: %q", h)
	}
	some := run(func(m *Manager) { m.PrintAfter = []string{"dce"}; m.PrintBefore = []string{"dce"} })
	if h := headers(some); len(h) != 2 || !strings.HasSuffix(h[0], "before dce") || !strings.HasSuffix(h[1], "after dce") {
		t.Errorf("print-before/after=dce headers: %q", h)
	}
	if strings.Contains(some[strings.LastIndex(some, "after dce"):], "sigmoid") {
		t.Error("dead sigmoid printed after dce")
	}

	viaAlias := func() string {
		var buf bytes.Buffer
		m := NewManager()
		m.PrintOut = &buf
		m.PrintAfter = []string{"canonicalize"}
		if err := m.RunString(smallGraph(t), "canonicalize,dce"); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}()
	if h := headers(viaAlias); len(h) != 13 || !strings.HasSuffix(h[12], "after canonical-stage") {
		t.Errorf("print-after=canonicalize headers: %q", h)
	}

	// To a directory: one parseable file per dump.
	dir := filepath.Join(t.TempDir(), "dumps")
	m := NewManager()
	m.PrintDir, m.Files = dir, outfile.Disk{}
	m.PrintAfterChange = true
	if err := m.RunString(smallGraph(t), "identity-elim,reshape-canon,dce"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pir"))
	if len(files) != 2 || filepath.Base(files[0]) != "001-identity-elim.pir" || filepath.Base(files[1]) != "002-dce.pir" {
		t.Fatalf("files: %q", files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if _, err := ir.Parse(f, data); err != nil {
			t.Errorf("%s does not parse: %v", f, err)
		}
	}
}

func TestManagerReport(t *testing.T) {
	m := NewManager()
	m.TimePasses = true
	if err := m.RunString(smallGraph(t), "identity-elim,dce,dce"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Report(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{"=== pass timing ===", "identity-elim", "total", "=== pass statistics ===", "nodes removed"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	ts := m.Timings()
	if len(ts) != 2 || ts[1].Pass != "dce" || ts[1].Runs != 2 || ts[1].Changed != 1 {
		t.Errorf("timings: %+v %+v", ts[0], ts[1])
	}
	if got := m.Stats().Get("identity-elim", "nodes removed"); got != 2 {
		t.Errorf("identity-elim removed %d nodes, want 2", got)
	}
	if got := m.Stats().Get("dce", "constants removed"); got != 1 {
		t.Errorf("dce removed %d constants, want 1", got)
	}
}
