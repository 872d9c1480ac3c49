package opsdoc

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/passes"
)

const docPath = "../../docs/OPS.md"

// TestOpsDoc keeps docs/OPS.md equal to what the code says
// (PIMC_UPDATE=1 rewrites it).
func TestOpsDoc(t *testing.T) {
	got, err := Markdown()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PIMC_UPDATE") != "" {
		if err := os.WriteFile(docPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if d := golden.Diff(string(want), got); string(want) != got {
		t.Errorf("docs/OPS.md is stale (PIMC_UPDATE=1 go test ./internal/opsdoc):\n%s", d)
	}
}

// TestDeviceRules checks every quantized op the device column names
// against the backend's rule of what runs on the device.
func TestDeviceRules(t *testing.T) {
	for op, d := range device {
		for _, q := range d.qops {
			if ir.Lookup(q) == nil {
				t.Errorf("%s: %s is no IR op", op, q)
			} else if !backend.OnDeviceOp(q) {
				t.Errorf("%s: %s does not run on the device", op, q)
			}
		}
	}
	if backend.OnDeviceOp(ir.OpResize) || backend.OnDeviceOp(ir.OpSoftmax) {
		t.Error("backend.OnDeviceOp claims a float op for the device")
	}
}

// TestTableActivationsListed: the device column names qlut for exactly the
// ONNX ops whose IR op the quantize pass makes a table of (passes.TableOps;
// gelu_tanh is Gelu's tanh approximation).
func TestTableActivationsListed(t *testing.T) {
	listed := map[string]bool{}
	for op, d := range device {
		if slices.Contains(d.qops, ir.OpQLut) {
			listed[strings.ToLower(op)] = true
		}
	}
	seen := map[string]bool{}
	for _, op := range passes.TableOps() {
		name := strings.ReplaceAll(strings.TrimSuffix(string(op), "_tanh"), "_", "")
		seen[name] = true
		if !listed[name] {
			t.Errorf("the quantize pass makes a table of %s, docs/OPS.md does not say so", op)
		}
	}
	for name := range listed {
		if !seen[name] {
			t.Errorf("docs/OPS.md lists %s as a table, the quantize pass makes none", name)
		}
	}
}

// TestImportedOpsRun: every op the frontend may emit (stages up to
// canonical) has an interpreter kernel, so "import" implies "float
// interpreter" in the table.
func TestImportedOpsRun(t *testing.T) {
	for _, info := range ir.Ops() {
		if info.FirstStage <= ir.StageCanonical && !interp.HasKernel(info.Op) {
			t.Errorf("op %s has no interpreter kernel", info.Op)
		}
	}
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	imported := 0
	for _, r := range rows {
		if r.Imported {
			imported++
		}
	}
	if n := len(frontend.SupportedOps()); imported != n {
		t.Errorf("%d rows imported, the frontend lowers %d op types", imported, n)
	}
}

// TestContribOpsHaveNotes: every contrib op the frontend imports is
// described in docs/OPS.md.
func TestContribOpsHaveNotes(t *testing.T) {
	for _, op := range frontend.ContribOps() {
		if contribNotes[op] == "" {
			t.Errorf("contrib op %s has no note", op)
		}
	}
}
