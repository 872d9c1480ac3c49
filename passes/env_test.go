package passes

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// TestQuantizeWithCalibSource: the quantize pass works as a library: its
// calibration inputs come from Env.Calib (here made in memory, no file and
// no global hook), the source's warnings reach Manager.Warn under the
// pass's name, and without a source only random:N calibrates.
func TestQuantizeWithCalibSource(t *testing.T) {
	g := resBlockGraph(t)
	var specs, warns []string
	m := NewManager()
	m.Warn = func(s string) { warns = append(warns, s) }
	m.Env.Calib = func(g *ir.Graph, spec string, warn func(string)) ([][]*tensor.Tensor, error) {
		specs = append(specs, spec)
		warn("calib " + spec + ": a warning")
		var samples [][]*tensor.Tensor
		for i := range 4 {
			x := tensor.New(tensor.Float32, g.Inputs[0].Type.Shape...)
			for j := range x.F32 {
				x.F32[j] = float32((i+j)%5) / 5
			}
			samples = append(samples, []*tensor.Tensor{x})
		}
		return samples, nil
	}
	qg := ir.Clone(g)
	if err := m.RunString(qg, "quantize{calib=my-images}"); err != nil {
		t.Fatal(err)
	}
	if qg.Stage != ir.StageQuantized || len(specs) != 1 || specs[0] != "my-images" {
		t.Errorf("stage %s, source asked for %q", qg.Stage, specs)
	}
	if len(warns) != 1 || warns[0] != "quantize: calib my-images: a warning" {
		t.Errorf("warnings %q", warns)
	}
	err := NewManager().RunString(ir.Clone(g), "quantize{calib=my-images}")
	if err == nil || !strings.Contains(err.Error(), "no calibration source") {
		t.Errorf("no source: %v", err)
	}
	if err := NewManager().RunString(ir.Clone(g), "quantize{calib=random:2}"); err != nil {
		t.Errorf("random:2 without a source: %v", err)
	}
}

// TestMapTakesTheEnvTarget: the map pass maps onto Env.Target (here a
// target of 16x16-cell sub-arrays, which takes more of them), loads a named
// one through Env.LoadTarget, and without a loader knows presets only.
func TestMapTakesTheEnvTarget(t *testing.T) {
	g := resBlockGraph(t)
	if err := NewManager().RunString(g, "quantize{calib=random:1}"); err != nil {
		t.Fatal(err)
	}
	subarrays := func(m *Manager, pipe string) int {
		t.Helper()
		mg := ir.Clone(g)
		if err := m.RunString(mg, pipe); err != nil {
			t.Fatal(err)
		}
		return m.Stats().Get("map", "sub-arrays")
	}
	def := subarrays(NewManager(), "map")
	small := target.Default()
	small.Geometry.Rows.Value, small.Geometry.Cols.Value = 16, 16
	m := NewManager()
	m.Env.Target = small
	if got := subarrays(m, "map"); got <= def {
		t.Errorf("sub-arrays on a target of 16x16 cells: %d, default %d", got, def)
	}
	var asked []string
	m = NewManager()
	m.Env.LoadTarget = func(name string) (*target.Target, error) { asked = append(asked, name); return small, nil }
	if got := subarrays(m, "map{target=big.yaml}"); got <= def || len(asked) != 1 || asked[0] != "big.yaml" {
		t.Errorf("map{target=big.yaml}: %d sub-arrays, loader asked for %q", got, asked)
	}
	if err := NewManager().RunString(ir.Clone(g), "map{target=big.yaml}"); err == nil || !strings.Contains(err.Error(), `no preset "big.yaml"`) {
		t.Errorf("a file without a loader: %v", err)
	}
}

// memFS is a DumpFS in memory.
type memFS map[string][]byte

func (m memFS) MkdirAll(string) error                    { return nil }
func (m memFS) WriteFile(name string, data []byte) error { m[name] = data; return nil }
func (m memFS) WriteTemp(dir, pattern string, data []byte) (string, error) {
	name := filepath.Join(dir, strings.Replace(pattern, "*", "1", 1))
	m[name] = data
	return name, nil
}

// TestDumpsGoThroughFiles: -print-dir dumps and crash dumps are written
// through Manager.Files (so passes opens no file); without Files a crash
// dump is reported as not written.
func TestDumpsGoThroughFiles(t *testing.T) {
	files := memFS{}
	m := NewManager()
	m.PrintDir, m.PrintAfter, m.DumpDir, m.Files = "dumps", []string{"all"}, "crash", files
	if err := m.RunString(smallGraph(t), "identity-elim,dce"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dumps/001-identity-elim.pir", "dumps/002-dce.pir"} {
		if !strings.HasPrefix(string(files[name]), "# IR after ") {
			t.Errorf("%s: %q", name, files[name])
		}
	}
	err := m.RunString(smallGraph(t), "test-panic")
	if err == nil || !strings.Contains(err.Error(), "the IR before the pass is in crash/pimc-test-panic-1.pir") || files["crash/pimc-test-panic-1.pir"] == nil {
		t.Errorf("crash dump: %v", err)
	}
	err = NewManager().RunString(smallGraph(t), "test-panic")
	var pe *PassPanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "writing the IR dump failed too: no file system") {
		t.Errorf("crash without Files: %v", err)
	}
	m = NewManager()
	m.PrintDir, m.PrintAfter = "dumps", []string{"all"}
	if err := m.RunString(smallGraph(t), "dce"); err == nil || !strings.Contains(err.Error(), "print directory") {
		t.Errorf("-print-dir without Files: %v", err)
	}
}
