package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/frontend"
)

// TestCompressBudgetWidths runs pimc compress -budget subarrays=5 on
// LeNet-5 (W4A4, conv1 and fc3 W8 by end_bits, -replicate off: 1 + 1 + 4
// + 2 + 1 = 9 sub-arrays dense) with a tiny schedule. Only fc1 has pruning
// kinds, so fc2's second sub-array (84 filters, 63 per 256-row sub-array
// at W4 with 4 activation rows) can only go by a narrower width (84 fit at
// W3): the plan must narrow fc2 and free three of fc1's four. The test
// reads the plan lines ("  fc2  not pruned  W3"), checks the written
// model records exactly the printed widths, and that it compiles to the
// planned 5 sub-arrays.
func TestCompressBudgetWidths(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	model := embeddedLenet5
	cfg := writeConfig(t, dir, "c.yaml", `defaults: {wbits: 4}
geometry: {abits: 4}
layers:
  fc1: {prune: {filter: 0.5, column: 0.5}}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, limit: 128}
`)
	out := filepath.Join(dir, "b.onnx")
	var stdout, stderr bytes.Buffer
	code := run([]string{"compress", model, "-dataset", "mnist", "-config", cfg, "-budget", "subarrays=5", "-replicate", "off", "-val", "300", "-eval", "50", "-o", out}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	plan := map[string]int{}
	ratio := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\S+) +(not pruned|(?:\w+ \d\.\d\d(?:, )?)+) +W(\d)$`).FindAllStringSubmatch(stdout.String(), -1) {
		plan[m[1]] = int(m[3][0] - '0')
		ratio[m[1]] = m[2]
	}
	if len(plan) != 5 {
		t.Fatalf("plan lines for %d layers (%v), want 5", len(plan), plan)
	}
	if !strings.Contains(stdout.String(), "plan for sub-arrays <= 5 by knapsack") || !strings.Contains(stdout.String(), "cost: 5 sub-arrays (at the config widths without pruning: 9 sub-arrays)") {
		t.Error("plan header or cost line missing")
	}
	for layer, cfgBits := range map[string]int{"conv1": 8, "conv2": 4, "fc1": 4, "fc2": 4, "fc3": 8} {
		if plan[layer] > cfgBits || plan[layer] < admm.MinPlanBits {
			t.Errorf("%s planned at W%d, outside W%d..W%d", layer, plan[layer], admm.MinPlanBits, cfgBits)
		}
		if layer != "fc1" && ratio[layer] != "not pruned" {
			t.Errorf("%s pruned (%s) without pruning kinds in the config", layer, ratio[layer])
		}
	}
	if plan["fc2"] >= 4 {
		t.Errorf("fc2 at W%d: only a narrower width frees its second sub-array", plan["fc2"])
	}
	g, err := frontend.Load(out, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := admm.ReadRecord(g)
	if err != nil || rec == nil {
		t.Fatalf("no weight record in %s: %v", out, err)
	}
	for layer, bits := range plan {
		if lc := rec.Layers[layer]; lc == nil || lc.WBits != bits {
			t.Errorf("%s: the plan printed W%d, the model records %+v", layer, bits, lc)
		}
	}
	var o2, e2 bytes.Buffer
	if code := run([]string{"compile", out, "-abits", "4", "-calib", "mnist", "-replicate", "off", "-o", filepath.Join(dir, "b.pimb")}, &o2, &e2); code != exitOK || !strings.Contains(o2.String(), " 5/") {
		t.Errorf("compile: exit %d, want 5 sub-arrays:\n%s%s", code, o2.String(), e2.String())
	}
}
