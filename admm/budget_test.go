package admm

import (
	"slices"
	"strings"
	"testing"
)

func TestParseBudget(t *testing.T) {
	for s, want := range map[string]Budget{
		"subarrays=5":   {"subarrays", 5},
		"energy=1.2uJ":  {"energy", 1.2e6},
		"energy=900nJ":  {"energy", 900e3},
		"energy=2":      {"energy", 2e6},
		"latency=300us": {"latency", 300e3},
		"latency=1ms":   {"latency", 1e6},
		"latency=250":   {"latency", 250e3},
	} {
		b, err := ParseBudget(s)
		if err != nil || b.Resource != want.Resource || b.Limit != want.Limit {
			t.Errorf("ParseBudget(%q) = %+v, %v; want %+v", s, b, err, want)
		}
	}
	for s, want := range map[string]string{
		"subarrays":       "want subarrays=N",
		"area=3":          `unknown resource "area"`,
		"subarrays=2.5":   "whole number",
		"energy=-1uJ":     "positive number with pJ",
		"latency=3 hours": "positive number with ns",
		"energy=1kJ":      "positive number",
		"subarrays=0":     "positive",
	} {
		if _, err := ParseBudget(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBudget(%q): error %v, want one containing %q", s, err, want)
		}
	}
}

func TestWidthLadder(t *testing.T) {
	for bits, want := range map[int][]int{8: {8, 7, 6, 5, 4, 3, 2}, 4: {4, 3, 2}, 3: {3, 2}, 2: {2}, 1: {1}, 0: {0}} {
		if got := WidthLadder(bits); !slices.Equal(got, want) {
			t.Errorf("WidthLadder(%d) = %v, want %v", bits, got, want)
		}
	}
}

// TestAllocate runs the greedy rule on synthetic tables: layer "a" (3
// widths x 3 ratios) can meet a 3-sub-array budget either by a narrower
// width or by a higher ratio; layer "b" costs 1 whatever it does. The
// rule takes whichever loses less validation accuracy per sub-array saved,
// and the fewest steps that save anything.
func TestAllocate(t *testing.T) {
	b := Budget{Resource: "subarrays", Limit: 3}
	flat := [][]float64{{0.99, 0.99, 0.99}, {0.99, 0.99, 0.99}, {0.99, 0.99, 0.99}}
	for _, c := range []struct {
		name string
		subs [][]int     // layer a's sub-arrays [width][ratio]
		acc  [][]float64 // layer a's validation accuracy [width][ratio]
		want Cell
	}{
		{"narrower width is cheaper", [][]int{{4, 4, 2}, {2, 2, 1}, {2, 1, 1}},
			[][]float64{{0.99, 0.98, 0.90}, {0.985, 0.97, 0.88}, {0.95, 0.9, 0.8}}, Cell{Ratio: 0, Width: 1}},
		{"pruning is cheaper", [][]int{{4, 4, 2}, {2, 2, 1}, {2, 1, 1}},
			[][]float64{{0.99, 0.98, 0.97}, {0.80, 0.79, 0.7}, {0.5, 0.4, 0.3}}, Cell{Ratio: 2, Width: 0}},
		{"the fewest widths that save", [][]int{{4, 4, 2}, {4, 4, 2}, {2, 1, 1}},
			[][]float64{{0.99, 0.98, 0.90}, {0.99, 0.98, 0.90}, {0.985, 0.9, 0.8}}, Cell{Ratio: 0, Width: 2}},
	} {
		calls := 0
		cost := func(at []Cell) (Cost, error) {
			calls++
			return Cost{Subarrays: c.subs[at[0].Width][at[0].Ratio] + 1}, nil
		}
		var steps []Cell
		at, got, err := Allocate(b, []Grid{{ValAcc: c.acc}, {ValAcc: flat}}, nil, cost, func(layer int, at Cell, _ Cost) {
			if layer != 0 {
				t.Errorf("%s: step on layer %d, which saves nothing", c.name, layer)
			}
			steps = append(steps, at)
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if at[0] != c.want || at[1] != (Cell{}) || got.Subarrays != 3 || len(steps) != 1 {
			t.Errorf("%s: cells %v, cost %d, steps %v; want a at %v, b at {0 0}, cost 3 in one step", c.name, at, got.Subarrays, steps, c.want)
		}
	}
	// Not meetable: the cheapest a can be is 1, b is 1.
	cost := func(at []Cell) (Cost, error) {
		return Cost{Subarrays: [][]int{{4, 4, 2}, {2, 2, 1}, {2, 1, 1}}[at[0].Width][at[0].Ratio] + 1}, nil
	}
	if _, _, err := Allocate(Budget{Resource: "subarrays", Limit: 1}, []Grid{{ValAcc: flat}, {ValAcc: flat}}, nil, cost, nil); err == nil || !strings.Contains(err.Error(), "cannot be met") || !strings.Contains(err.Error(), "2 sub-arrays") {
		t.Errorf("budget 1 with a floor of 2: error %v", err)
	}
}

// TestAllocateEnergy: with an energy budget the rule mixes both moves:
// each width down of layer a saves 30 pJ at 0.1 points, each ratio level
// 20 pJ at 0.5 points; from 200 pJ to 120 pJ it narrows a twice (the
// width ladder's end) and then prunes once.
func TestAllocateEnergy(t *testing.T) {
	acc := make([][]float64, 3)
	for w := range acc {
		for r := range 4 {
			acc[w] = append(acc[w], 0.99-0.001*float64(w)-0.005*float64(r))
		}
	}
	cost := func(at []Cell) (Cost, error) {
		return Cost{EnergyPJ: 200 - 30*float64(at[0].Width) - 20*float64(at[0].Ratio)}, nil
	}
	at, c, err := Allocate(Budget{Resource: "energy", Limit: 120}, []Grid{{ValAcc: acc}}, nil, cost, nil)
	if err != nil || at[0] != (Cell{Ratio: 1, Width: 2}) || c.EnergyPJ != 120 {
		t.Errorf("cells %v, %v pJ, %v; want {1 2} at 120 pJ", at, c.EnergyPJ, err)
	}
}

// additive is a synthetic compiler: the sub-arrays of each layer's cell,
// summed; deltas are what Planner measures for Knapsack (each cell alone
// against all-zero cells).
type additive [][][]int

func (t additive) cost(at []Cell) (Cost, error) {
	n := 0
	for i, c := range at {
		n += t[i][c.Width][c.Ratio]
	}
	return Cost{Subarrays: n}, nil
}

func (t additive) deltas() [][][]float64 {
	out := make([][][]float64, len(t))
	for i, g := range t {
		for _, row := range g {
			var d []float64
			for _, n := range row {
				d = append(d, float64(n-g[0][0]))
			}
			out[i] = append(out[i], d)
		}
	}
	return out
}

// TestKnapsack: LeNet-5's fc1 and fc2 at a 5-sub-array budget with the
// sensitivities measured on its validation split (3 ratios x widths W4,
// W3, W2; conv1, conv2, fc3 one sub-array whatever they do). Greedy
// narrows fc2 (free) and fc1 to W2 (0.16 points for 2 sub-arrays, the
// best rate) and must then prune fc1 0.5 at W2 as well (1.84 points in
// all); the knapsack weighs the whole assignment and prunes fc1 0.5 at
// W4 (1.24 points). With the narrower width made cheaper in accuracy
// both take it; and a budget below the floor is refused.
func TestKnapsack(t *testing.T) {
	one := [][]int{{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}
	tab := additive{one, one, {{4, 4, 1}, {4, 4, 1}, {2, 2, 1}}, {{2, 1, 1}, {1, 1, 1}, {1, 1, 1}}, one}
	flat := [][]float64{{0.9988, 0.9988, 0.9988}, {0.9988, 0.9988, 0.9988}, {0.9988, 0.9988, 0.9988}}
	fc1 := [][]float64{{0.9988, 0.9990, 0.9864}, {0.9986, 0.9986, 0.9834}, {0.9972, 0.9968, 0.9788}}
	fc2 := [][]float64{{0.9988, 0.9988, 0.9966}, {0.9992, 0.9990, 0.9952}, {0.9982, 0.9982, 0.9908}}
	grids := []Grid{{flat}, {flat}, {fc1}, {fc2}, {flat}}
	b := Budget{Resource: "subarrays", Limit: 5}

	at, est, err := Knapsack(b, 9, grids, tab.deltas())
	if err != nil {
		t.Fatal(err)
	}
	want := []Cell{{}, {}, {Ratio: 2}, {Ratio: 1}, {}}
	if !slices.Equal(at, want) || est != 5 {
		t.Errorf("knapsack: %v (estimated %v); want %v at 5", at, est, want)
	}
	greedy, c, err := Allocate(b, grids, nil, tab.cost, nil)
	if err != nil || c.Subarrays != 5 || greedy[2] != (Cell{Ratio: 2, Width: 2}) {
		t.Errorf("greedy: %v at %d sub-arrays (%v); want fc1 at {2 2}", greedy, c.Subarrays, err)
	}
	// Repair: a start that already fits is returned as it is.
	if fixed, c, err := Allocate(b, grids, at, tab.cost, nil); err != nil || !slices.Equal(fixed, at) || c.Subarrays != 5 {
		t.Errorf("Allocate from a fitting start moved it: %v, %d, %v", fixed, c.Subarrays, err)
	}

	// W2 costs fc1 0.02 points only: narrowing it (2 sub-arrays) and fc2
	// (1) is not enough, so fc1 still needs its 0.5 ratio; at 6 it narrows.
	fc1cheap := [][]float64{{0.9988, 0.9990, 0.9864}, {0.9986, 0.9986, 0.9834}, {0.9986, 0.9986, 0.9788}}
	grids[2] = Grid{fc1cheap}
	if at, _, err := Knapsack(Budget{Resource: "subarrays", Limit: 6}, 9, grids, tab.deltas()); err != nil || at[2] != (Cell{Width: 2}) {
		t.Errorf("budget 6 with a cheap W2: fc1 at %v (%v); want W2 unpruned, {0 2}", at, err)
	}
	if _, _, err := Knapsack(Budget{Resource: "subarrays", Limit: 4}, 9, grids, tab.deltas()); err == nil || !strings.Contains(err.Error(), "cannot be met") || !strings.Contains(err.Error(), "5 sub-arrays") {
		t.Errorf("budget 4 below the floor of 5: error %v", err)
	}
}
