package admm

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
)

// Budget is a hardware budget of pimc compress -budget: at most Limit
// sub-arrays, picojoules or nanoseconds per inference (Resource
// "subarrays", "energy" or "latency").
type Budget struct {
	Resource string
	Limit    float64
}

func (b Budget) String() string {
	switch b.Resource {
	case "energy":
		return fmt.Sprintf("energy <= %.4g uJ", b.Limit/1e6)
	case "latency":
		return fmt.Sprintf("latency <= %.4g us", b.Limit/1e3)
	}
	return fmt.Sprintf("sub-arrays <= %.0f", b.Limit)
}

// ParseBudget reads subarrays=N, energy=X[pJ|nJ|uJ|mJ] (default uJ) or
// latency=Y[ns|us|ms] (default us).
func ParseBudget(s string) (Budget, error) {
	key, val, ok := strings.Cut(s, "=")
	if !ok {
		return Budget{}, fmt.Errorf("%q: want subarrays=N, energy=XuJ or latency=Yus", s)
	}
	units := map[string]map[string]float64{
		"subarrays": {"": 1},
		"energy":    {"": 1e6, "pJ": 1, "nJ": 1e3, "uJ": 1e6, "mJ": 1e9},
		"latency":   {"": 1e3, "ns": 1, "us": 1e3, "ms": 1e6},
	}[key]
	if units == nil {
		return Budget{}, fmt.Errorf("%q: unknown resource %q (want subarrays, energy or latency)", s, key)
	}
	num := strings.TrimRight(val, "pnumJs")
	f, err := strconv.ParseFloat(num, 64)
	scale, known := units[val[len(num):]]
	if err != nil || !known || !(f > 0) || math.IsInf(f, 0) {
		return Budget{}, fmt.Errorf("%q: want a positive number%s", s, map[string]string{"subarrays": "", "energy": " with pJ, nJ, uJ or mJ", "latency": " with ns, us or ms"}[key])
	}
	if key == "subarrays" && f != math.Trunc(f) {
		return Budget{}, fmt.Errorf("%q: want a whole number of sub-arrays", s)
	}
	return Budget{Resource: key, Limit: f * scale}, nil
}

// Cost is what a compiled model costs on the target: the sub-arrays of its
// mapping and the simulator's energy (pJ) and latency (ns) per inference.
type Cost struct {
	Subarrays           int
	EnergyPJ, LatencyNS float64
}

// Of is the part of c that b limits.
func (b Budget) Of(c Cost) float64 {
	switch b.Resource {
	case "energy":
		return c.EnergyPJ
	case "latency":
		return c.LatencyNS
	}
	return float64(c.Subarrays)
}

// Ladder is the pruning ratios the planner tries per layer, in order: level
// l prunes Ladder[l] of the groups of every kind the layer's config entry
// names (a layer without pruning kinds, like the unpruned first layer,
// has level 0 only).
var Ladder = []float64{0, 0.25, 0.5, 0.65, 0.75, 0.85, 0.9}

// MinPlanBits is the narrowest weight width the planner's bit-width search
// tries: 2-bit codes are {-1, 0, +1}, the narrowest a layer with pruned
// zeros is stored at (a binary layer with zeros is recorded as 2-bit).
const MinPlanBits = 2

// WidthLadder is the weight widths the planner tries for a layer whose
// config width is bits, widest first: bits, bits-1, ..., MinPlanBits, never
// wider than the config's. A float layer (0) and a binary one (1) keep
// their width.
func WidthLadder(bits int) []int {
	if bits <= MinPlanBits {
		return []int{bits}
	}
	var out []int
	for b := bits; b >= MinPlanBits; b-- {
		out = append(out, b)
	}
	return out
}

// Planner allocates per-layer pruning ratios, and with SearchBits weight
// widths, under a Budget: a sensitivity analysis on Val (each layer alone
// projected to every cell of its grid, Ladder ratio x width, the rest of
// the model at ratio 0 and its config width, each cell also costed) and
// an allocation: by default Knapsack (the least summed sensitivity whose
// summed per-cell costs fit the budget), compiled and, if it does not fit,
// repaired by Allocate's greedy steps; with Greedy, Allocate alone from no
// pruning at the config widths. Costs come from Cost, the compiler's own
// (driver: compile the projected model, run one image on the simulator).
type Planner struct {
	Graph      *ir.Graph
	Specs      map[string]Spec // the config's: pruning kinds and widths
	Val        *data.Dataset
	Cost       func(*ir.Graph) (Cost, error)
	SearchBits bool      // also lower widths (WidthLadder; not of layers with block pruning); false: the config's widths
	Greedy     bool      // allocate with Allocate alone; false: Knapsack, repaired by Allocate
	Progress   io.Writer // may be nil
}

// Plan is the outcome of Planner.Plan.
type Plan struct {
	Specs    map[string]Spec
	Rows     []PlanRow
	Cost     Cost    // of the planned projection (no training)
	Dense    Cost    // of the model with no pruning at the config widths
	ValDense float64 // validation accuracy of that model
	Rule     string  // "knapsack" or "greedy"
}

// PlanRow is one layer of a Plan.
type PlanRow struct {
	Layer  string
	Ratio  float64 // Ladder ratio chosen
	Kinds  []Kind  // pruned kinds
	Bits   int     // width chosen
	Ratios []float64
	Widths []int // tried: Ratios = Ladder[:n] (just 0 without kinds), Widths = WidthLadder (just the config's without SearchBits)
	// ValAcc[w][r] is the validation accuracy with only this layer
	// projected, to Ratios[r] at Widths[w].
	ValAcc [][]float64
}

// Plan runs the sensitivity analysis and the allocation for b.
func (p Planner) Plan(b Budget) (*Plan, error) {
	layers, _ := Layers(p.Graph)
	var rows []PlanRow
	for _, l := range layers {
		sp, ok := p.Specs[l.Name]
		if !ok {
			continue
		}
		r := PlanRow{Layer: l.Name, Bits: sp.Bits, Ratios: Ladder[:1], Widths: []int{sp.Bits}}
		for _, pr := range sp.Prunes {
			r.Kinds = append(r.Kinds, pr.Kind)
		}
		if len(r.Kinds) > 0 {
			r.Ratios = Ladder
		}
		// Blocks are the mapper's tiles at the config's width (BlockTile):
		// at another width they would no longer be, so such a layer keeps it.
		if p.SearchBits && !slices.Contains(r.Kinds, Block) {
			r.Widths = WidthLadder(sp.Bits)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("budget %s: the config constrains no layer, nothing to plan", b)
	}
	specsAt := func(at []Cell) map[string]Spec {
		out := map[string]Spec{}
		for i, r := range rows {
			out[r.Layer] = p.cellSpec(r.Layer, r.Ratios[at[i].Ratio], r.Widths[at[i].Width])
		}
		return out
	}
	cost := func(at []Cell) (Cost, error) {
		g, err := Apply(p.Graph, specsAt(at))
		if err != nil {
			return Cost{}, err
		}
		return p.Cost(g)
	}
	dense, err := cost(make([]Cell, len(rows)))
	if err != nil {
		return nil, err
	}
	// Sensitivity, and for the knapsack each cell's cost: one layer at a
	// time, the others at ratio 0 and their config widths.
	delta := make([][][]float64, len(rows))
	for i := range rows {
		r := &rows[i]
		r.ValAcc = make([][]float64, len(r.Widths))
		delta[i] = make([][]float64, len(r.Widths))
		for w := range r.Widths {
			var costs []string
			for l := range r.Ratios {
				at := make([]Cell, len(rows))
				at[i] = Cell{Ratio: l, Width: w}
				g, err := Apply(p.Graph, specsAt(at))
				if err != nil {
					return nil, err
				}
				acc, err := Accuracy(g, p.Val)
				if err != nil {
					return nil, err
				}
				r.ValAcc[w] = append(r.ValAcc[w], acc)
				c := dense
				if !p.Greedy && at[i] != (Cell{}) {
					if c, err = p.Cost(g); err != nil {
						return nil, err
					}
				}
				delta[i][w] = append(delta[i][w], b.Of(c)-b.Of(dense))
				costs = append(costs, fmt.Sprintf("%.2f:%s", r.Ratios[l], costText(b, c)))
			}
			if p.Progress != nil {
				fmt.Fprintf(p.Progress, "sensitivity %-14s %-4s %s\n", r.Layer, widthText(r.Widths[w]), curveText(r.Ratios, r.ValAcc[w]))
				if !p.Greedy {
					fmt.Fprintf(p.Progress, "cost        %-14s %-4s %s\n", r.Layer, widthText(r.Widths[w]), strings.Join(costs, " "))
				}
			}
		}
	}
	var step func(layer int, at Cell, c Cost)
	if p.Progress != nil {
		step = func(i int, at Cell, c Cost) {
			fmt.Fprintf(p.Progress, "plan: %-14s -> %.2f %s, %s\n", rows[i].Layer, rows[i].Ratios[at.Ratio], widthText(rows[i].Widths[at.Width]), costText(b, c))
		}
	}
	grids := make([]Grid, len(rows))
	for i, r := range rows {
		grids[i] = Grid{ValAcc: r.ValAcc}
	}
	var from []Cell
	if !p.Greedy {
		var est float64
		if from, est, err = Knapsack(b, b.Of(dense), grids, delta); err != nil {
			return nil, err
		}
		if p.Progress != nil {
			fmt.Fprintf(p.Progress, "knapsack: estimated %s; compiling it (greedy steps follow if it does not fit)\n", costText(b, b.with(est)))
		}
	}
	at, cur, err := Allocate(b, grids, from, cost, step)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Ratio, rows[i].Bits = rows[i].Ratios[at[i].Ratio], rows[i].Widths[at[i].Width]
	}
	rule := "knapsack"
	if p.Greedy {
		rule = "greedy"
	}
	return &Plan{Specs: specsAt(at), Rows: rows, Cost: cur, Dense: dense, ValDense: rows[0].ValAcc[0][0], Rule: rule}, nil
}

func costText(b Budget, c Cost) string {
	switch b.Resource {
	case "energy":
		return fmt.Sprintf("%.4g uJ", c.EnergyPJ/1e6)
	case "latency":
		return fmt.Sprintf("%.4g us", c.LatencyNS/1e3)
	}
	return fmt.Sprintf("%d sub-arrays", c.Subarrays)
}

// cellSpec is layer's config spec with every pruning ratio set to r and
// the width set to bits.
func (p Planner) cellSpec(layer string, r float64, bits int) Spec {
	sp := p.Specs[layer]
	out := Spec{Bits: bits}
	for _, pr := range sp.Prunes {
		if r > 0 {
			pr.Ratio = r
			out.Prunes = append(out.Prunes, pr)
		}
	}
	return out
}

func widthText(bits int) string {
	if bits == 0 {
		return "f32"
	}
	return fmt.Sprintf("W%d", bits)
}

// curveText is a sensitivity curve: ratio:accuracy per level.
func curveText(ratios, acc []float64) string {
	var parts []string
	for l, a := range acc {
		parts = append(parts, fmt.Sprintf("%.2f:%.2f%%", ratios[l], 100*a))
	}
	return strings.Join(parts, " ")
}

// Apply returns a copy of g with every layer of specs projected onto its
// sets (ProjectPrune, then ProjectQuant on the kept entries), the bias and
// the batch-norm shift and mean of every all-zero filter set to 0 (as the
// hard prune's masks leave them), unused paths removed and the widths
// recorded: the model a compression to specs would give without any
// training, so that the compiler can cost it.
func Apply(g *ir.Graph, specs map[string]Spec) (*ir.Graph, error) {
	c := ir.Clone(g)
	layers, _ := Layers(c)
	uses := c.Uses()
	bits := map[string]int{}
	for _, l := range layers {
		sp, ok := specs[l.Name]
		if !ok {
			continue
		}
		bits[l.Name] = sp.Bits
		w := append([]float32(nil), l.Weight.Const.F32...)
		keep, err := ProjectPrune(w, w, l.Shape, sp.Prunes)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %v", l.Name, err)
		}
		if sp.Bits > 0 {
			if _, err := ProjectQuant(w, w, keep, l.Shape, sp.Bits); err != nil {
				return nil, fmt.Errorf("layer %q: %v", l.Name, err)
			}
		}
		t := l.Weight.Const.Clone()
		copy(t.F32, w)
		replaceConst(c, l.Node, 1, t)
		dead := make([]bool, l.Shape.Rows)
		for f := range dead {
			dead[f] = true
			for _, x := range w[f*l.Shape.Cols : (f+1)*l.Shape.Cols] {
				if x != 0 {
					dead[f] = false
					break
				}
			}
		}
		zeroRows := func(n *ir.Node, i int) {
			if v := n.Input(i); v != nil && v.IsConst() && v.Const.Len() == len(dead) {
				t := v.Const.Clone()
				for f, d := range dead {
					if d {
						t.F32[f] = 0
					}
				}
				replaceConst(c, n, i, t)
			}
		}
		zeroRows(l.Node, 2)
		if rd := uses[l.Node.Outputs[0]]; len(rd) == 1 && rd[0].Op == ir.OpBatchNorm {
			zeroRows(rd[0], 2)
			zeroRows(rd[0], 3) // shift and running mean
		}
	}
	if _, err := RemoveUnusedPaths(c); err != nil {
		return nil, err
	}
	if err := Record(c, bits); err != nil {
		return nil, err
	}
	return c, nil
}

// WritePlan prints the plan: one line per layer with the chosen ratio and
// kinds and the chosen width ("  fc1  filter 0.50, column 0.50  W3"), each
// followed by the validation accuracy of every cell tried, one line per
// width, then the costs.
func WritePlan(w io.Writer, b Budget, p *Plan) {
	fmt.Fprintf(w, "plan for %s by %s (ratio and width per layer; below each, the validation accuracy with only that layer compressed, per width and ladder ratio):\n", b, p.Rule)
	for _, r := range p.Rows {
		var kinds []string
		for _, k := range r.Kinds {
			kinds = append(kinds, fmt.Sprintf("%s %.2f", k, r.Ratio))
		}
		if len(kinds) == 0 || r.Ratio == 0 {
			kinds = []string{"not pruned"}
		}
		fmt.Fprintf(w, "  %-14s %-28s %s\n", r.Layer, strings.Join(kinds, ", "), widthText(r.Bits))
		for i, acc := range r.ValAcc {
			fmt.Fprintf(w, "      %-4s %s\n", widthText(r.Widths[i]), curveText(r.Ratios, acc))
		}
	}
	fmt.Fprintf(w, "cost: %s (at the config widths without pruning: %s); validation accuracy without pruning %.2f%%\n",
		costText(b, p.Cost), costText(b, p.Dense), 100*p.ValDense)
}
