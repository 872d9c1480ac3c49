package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// TestMappedForAnotherTarget: a graph mapped for one sub-array geometry is
// rejected on another, with the command that fixes it.
func TestMappedForAnotherTarget(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:1")
	if err := passes.NewManager().RunString(g, "map"); err != nil {
		t.Fatal(err)
	}
	if g.Stage != ir.StageMapped {
		t.Fatalf("stage %s after map", g.Stage)
	}
	tgt, err := target.LoadOrPreset("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Compile(g, tgt, backend.Options{}); err != nil {
		t.Fatalf("mapped graph on its own target: %v", err)
	}
	other := *tgt
	other.Geometry.Rows.Value = 512
	_, err = backend.Compile(g, &other, backend.Options{})
	if err == nil || !strings.Contains(err.Error(), "re-run the map pass") || !strings.Contains(err.Error(), `"conv1"`) {
		t.Fatalf("mapped for 256 rows, compiled for 512: %v", err)
	}
}

// TestCompileRefusesUnmapped: the map pass is the one way to a mapping, so
// a quantized (or float) graph is refused, naming its stage and the pass
// to run.
func TestCompileRefusesUnmapped(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:1")
	_, err := backend.Compile(g, target.Default(), backend.Options{})
	if err == nil || !strings.Contains(err.Error(), "graph is at stage quantized, want mapped (run the map pass first") {
		t.Fatalf("quantized graph: %v", err)
	}
	g.Stage = ir.StageCanonical
	if _, err := backend.Compile(g, target.Default(), backend.Options{}); err == nil || !strings.Contains(err.Error(), "stage canonical") {
		t.Fatalf("canonical graph: %v", err)
	}
}
