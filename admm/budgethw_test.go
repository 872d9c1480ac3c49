package admm_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
)

// TestBudgetPlan: the planner brings LeNet-5 (conv1 W8, the rest W4, A4,
// no replication: 9 sub-arrays dense) to a 5-sub-array budget with the
// compiler's own counts, pruning only the kinds the config names (conv1
// not at all, fc3 columns only), and the planned projection compiles to
// what the plan says.
func TestBudgetPlan(t *testing.T) {
	tr, _ := testcorpus.Dataset(t, data.MNIST, data.Load)
	val := tr.Head(300) // the mechanics only: the model was trained on these
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, specs := configured(t, g, "defaults: {prune: {filter: 0.5, column: 0.5}, wbits: 4}\ngeometry: {abits: 4}\nlayers: {fc3: {prune: {column: 0.5}, wbits: 4}}\n")
	opt := driver.Options{ABits: 4, Calib: "random:2", Replicate: "off"}
	cost := func(pg *ir.Graph) (admm.Cost, error) {
		n, e, l, err := driver.HardwareCost(pg, opt, val)
		return admm.Cost{Subarrays: n, EnergyPJ: e, LatencyNS: l}, err
	}
	b, _ := admm.ParseBudget("subarrays=5")
	plan, err := admm.Planner{Graph: g, Specs: specs, Val: val, Cost: cost}.Plan(b)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	admm.WritePlan(&out, b, plan)
	t.Log("\n" + out.String())
	if plan.Dense.Subarrays != 9 || plan.Cost.Subarrays > 5 {
		t.Errorf("sub-arrays %d dense, %d planned; want 9 and at most 5", plan.Dense.Subarrays, plan.Cost.Subarrays)
	}
	if len(plan.Specs["conv1"].Prunes) != 0 {
		t.Errorf("conv1 pruned: %v", plan.Specs["conv1"].Prunes)
	}
	for _, p := range plan.Specs["fc3"].Prunes {
		if p.Kind != admm.Column {
			t.Errorf("fc3 pruned by %s", p.Kind)
		}
	}
	if len(plan.Specs["conv2"].Prunes) != 0 {
		t.Errorf("conv2 pruned %v: it has one sub-array, pruning saves none", plan.Specs["conv2"].Prunes)
	}
	if !strings.Contains(out.String(), "cost: ") {
		t.Error("plan without its cost line")
	}
	pg, err := admm.Apply(g, plan.Specs)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cost(pg)
	if err != nil || c != plan.Cost {
		t.Errorf("the planned projection costs %+v (%v), the plan says %+v", c, err, plan.Cost)
	}
	if _, err := (admm.Planner{Graph: g, Specs: specs, Val: val, Cost: cost}).Plan(admm.Budget{Resource: "subarrays", Limit: 4}); err == nil || !strings.Contains(err.Error(), "cannot be met") {
		t.Errorf("4 sub-arrays for 5 layers: error %v", err)
	}
}

// TestBudgetPlanWidths: with SearchBits every layer's grid has the widths
// from its config width down to MinPlanBits (conv1 W8 by end_bits: 7),
// except a layer pruned by blocks, whose blocks are the mapper's tiles at
// its config width only; the plan's specs carry the chosen widths. A
// cost that every cell meets leaves every layer at ratio 0 and its config
// width.
func TestBudgetPlanWidths(t *testing.T) {
	val := randomImages(16, 1, 28, 28)
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, specs := configured(t, g, "defaults: {prune: {filter: 0.5}, wbits: 4}\nlayers: {fc1: {prune: {block: 0.5}}, fc3: {prune: {column: 0.5}, wbits: 3}}\n")
	calls := 0
	cost := func(pg *ir.Graph) (admm.Cost, error) { calls++; return admm.Cost{Subarrays: 9}, nil }
	plan, err := admm.Planner{Graph: g, Specs: specs, Val: val, Cost: cost, SearchBits: true}.Plan(admm.Budget{Resource: "subarrays", Limit: 9})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"conv1": {8, 7, 6, 5, 4, 3, 2}, "conv2": {4, 3, 2}, "fc1": {4}, "fc2": {4, 3, 2}, "fc3": {3, 2}}
	for _, r := range plan.Rows {
		if !slices.Equal(r.Widths, want[r.Layer]) || len(r.ValAcc) != len(r.Widths) {
			t.Errorf("%s: widths %v (%d sensitivity rows), want %v", r.Layer, r.Widths, len(r.ValAcc), want[r.Layer])
		}
		if r.Ratio != 0 || r.Bits != want[r.Layer][0] || plan.Specs[r.Layer].Bits != r.Bits || len(plan.Specs[r.Layer].Prunes) != 0 {
			t.Errorf("%s: planned %v W%d (spec %+v) under a budget the dense model meets", r.Layer, r.Ratio, r.Bits, plan.Specs[r.Layer])
		}
	}
	if calls == 0 {
		t.Error("the knapsack costed no cell")
	}
	if _, err := (admm.Planner{Graph: g, Specs: map[string]admm.Spec{}, Val: val, Cost: cost}).Plan(admm.Budget{Resource: "subarrays", Limit: 9}); err == nil || !strings.Contains(err.Error(), "nothing to plan") {
		t.Errorf("no constrained layer: error %v", err)
	}
}
