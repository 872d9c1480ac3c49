package passes

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
)

func parseDebugFlags(t *testing.T, args ...string) *DebugFlags {
	t.Helper()
	var df DebugFlags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	df.Register(fs, "canonicalize")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &df
}

func TestDebugFlags(t *testing.T) {
	df := parseDebugFlags(t)
	var out bytes.Buffer
	m, p, err := df.Setup(&out)
	if err != nil {
		t.Fatal(err)
	}
	if !m.VerifyEach || m.TimePasses || len(m.PrintAfter) != 0 || p.Steps[0].From != "canonicalize" {
		t.Errorf("defaults: %+v, pipeline %s", m, p)
	}
	if m.PrintOptions.ElideConstsOver != ir.HumanElideConstsOver {
		t.Error("dumps should summarise large constants by default")
	}

	df = parseDebugFlags(t, "-passes=dce, identity-elim", "-print-after=dce,identity-elim", "-print-before=all",
		"-print-after-change", "-print-dir=/tmp/x", "-verify-each=false", "-time-passes", "-print-consts")
	m, p, err = df.Setup(&out)
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != "dce,identity-elim" || m.VerifyEach || !m.TimePasses || !m.PrintAfterChange || m.PrintDir != "/tmp/x" ||
		strings.Join(m.PrintAfter, "|") != "dce|identity-elim" || strings.Join(m.PrintBefore, "|") != "all" || m.PrintOptions.ElideConstsOver != 0 {
		t.Errorf("parsed: %+v, pipeline %s", m, p)
	}

	if !parseDebugFlags(t, "-passes=help").WantsHelp() || parseDebugFlags(t).WantsHelp() {
		t.Error("WantsHelp")
	}
	if _, _, err := parseDebugFlags(t, "-passes=dce,bn-fodl").Setup(&out); err == nil || !strings.Contains(err.Error(), "did you mean bn-fold") {
		t.Errorf("bad pipeline: %v", err)
	}
	if _, _, err := parseDebugFlags(t, "-print-after=dce,nope").Setup(&out); err == nil || !strings.Contains(err.Error(), `unknown pass "nope"`) {
		t.Errorf("bad print list: %v", err)
	}
}

func TestIsPanic(t *testing.T) {
	m := NewManager()
	m.DumpDir, m.Files = t.TempDir(), outfile.Disk{}
	err := m.RunString(smallGraph(t), "test-panic")
	if !IsPanic(err) {
		t.Errorf("IsPanic(%v) = false", err)
	}
	if err := m.RunString(smallGraph(t), "test-fail"); err == nil || IsPanic(err) {
		t.Errorf("IsPanic(%v) = true", err)
	}
}
