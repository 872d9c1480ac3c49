package admm

import (
	"fmt"
	"io"
	"math"
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

// Planner allocates per-layer pruning ratios under a Budget: a
// sensitivity analysis on Val (each layer alone projected to every level
// of the Ladder, with its config width, the rest of the model as it is)
// and a greedy allocation that, starting from no pruning, raises the
// level of the layer that loses the least validation accuracy per unit of
// cost saved (by the fewest levels that save anything) until the budget
// is met. Costs come from Cost, the
// compiler's own (driver: compile the projected model, run one image on
// the simulator).
type Planner struct {
	Graph    *ir.Graph
	Specs    map[string]Spec // the config's: pruning kinds and widths
	Val      *data.Dataset
	Cost     func(*ir.Graph) (Cost, error)
	Progress io.Writer // may be nil
}

// Plan is the outcome of Planner.Plan.
type Plan struct {
	Specs    map[string]Spec
	Rows     []PlanRow
	Cost     Cost    // of the planned projection (no training)
	Dense    Cost    // of the model with no pruning at the config widths
	ValDense float64 // validation accuracy of that model
}

// PlanRow is one layer of a Plan.
type PlanRow struct {
	Layer  string
	Ratio  float64   // Ladder ratio chosen
	Kinds  []Kind    // pruned kinds
	Bits   int       // width
	ValAcc []float64 // validation accuracy with only this layer at each level
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
		r := PlanRow{Layer: l.Name, Bits: sp.Bits}
		for _, pr := range sp.Prunes {
			r.Kinds = append(r.Kinds, pr.Kind)
		}
		rows = append(rows, r)
	}
	level := make([]int, len(rows))
	specsAt := func(lv []int) map[string]Spec {
		out := map[string]Spec{}
		for i, r := range rows {
			out[r.Layer] = p.levelSpec(r.Layer, Ladder[lv[i]])
		}
		return out
	}
	// Sensitivity: one layer at a time, the others at level 0.
	for i := range rows {
		levels := 1
		if len(rows[i].Kinds) > 0 {
			levels = len(Ladder)
		}
		for l := range levels {
			lv := make([]int, len(rows))
			lv[i] = l
			g, err := Apply(p.Graph, specsAt(lv))
			if err != nil {
				return nil, err
			}
			acc, err := Accuracy(g, p.Val)
			if err != nil {
				return nil, err
			}
			rows[i].ValAcc = append(rows[i].ValAcc, acc)
		}
		if p.Progress != nil {
			fmt.Fprintf(p.Progress, "sensitivity %-14s", rows[i].Layer)
			for l, a := range rows[i].ValAcc {
				fmt.Fprintf(p.Progress, " %.2f:%.2f%%", Ladder[l], 100*a)
			}
			fmt.Fprintln(p.Progress)
		}
	}
	cost := func(lv []int) (Cost, error) {
		g, err := Apply(p.Graph, specsAt(lv))
		if err != nil {
			return Cost{}, err
		}
		return p.Cost(g)
	}
	cur, err := cost(level)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Dense: cur, ValDense: rows[0].ValAcc[0]}
	for b.Of(cur) > b.Limit {
		best, step, bestScore := -1, 0, math.Inf(1)
		var bestCost Cost
		for i := range rows {
			// The fewest levels up that save something (a sub-array frees
			// only once a layer's rows or segments fit fewer), scored by
			// the validation accuracy lost per unit saved.
			for k := 1; level[i]+k < len(rows[i].ValAcc); k++ {
				level[i] += k
				c, err := cost(level)
				level[i] -= k
				if err != nil {
					return nil, err
				}
				saved := b.Of(cur) - b.Of(c)
				if saved <= 0 {
					continue
				}
				loss := math.Max(rows[i].ValAcc[level[i]]-rows[i].ValAcc[level[i]+k], 0) + 1e-6
				if score := loss / saved; score < bestScore {
					best, step, bestScore, bestCost = i, k, score, c
				}
				break
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("budget %s cannot be met: no layer's next ladder ratios (up to %.4g) save more, and the model costs %s", b, Ladder[len(Ladder)-1], costText(b, cur))
		}
		level[best] += step
		cur = bestCost
		if p.Progress != nil {
			fmt.Fprintf(p.Progress, "plan: %-14s -> %.2f, %s\n", rows[best].Layer, Ladder[level[best]], costText(b, cur))
		}
	}
	for i := range rows {
		rows[i].Ratio = Ladder[level[i]]
	}
	plan.Specs, plan.Rows, plan.Cost = specsAt(level), rows, cur
	return plan, nil
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

// levelSpec is layer's config spec with every pruning ratio set to r.
func (p Planner) levelSpec(layer string, r float64) Spec {
	sp := p.Specs[layer]
	out := Spec{Bits: sp.Bits}
	for _, pr := range sp.Prunes {
		if r > 0 {
			pr.Ratio = r
			out.Prunes = append(out.Prunes, pr)
		}
	}
	return out
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

// WritePlan prints the plan: per layer the chosen ratio, kinds and width
// and the validation accuracy of every level tried, then the costs.
func WritePlan(w io.Writer, b Budget, p *Plan) {
	fmt.Fprintf(w, "plan for %s (validation accuracy with only that layer compressed, per ladder ratio):\n", b)
	for _, r := range p.Rows {
		var kinds []string
		for _, k := range r.Kinds {
			kinds = append(kinds, fmt.Sprintf("%s %.2f", k, r.Ratio))
		}
		if len(kinds) == 0 || r.Ratio == 0 {
			kinds = []string{"not pruned"}
		}
		bits := "f32"
		if r.Bits > 0 {
			bits = fmt.Sprintf("W%d", r.Bits)
		}
		fmt.Fprintf(w, "  %-14s %-28s %-4s", r.Layer, strings.Join(kinds, ", "), bits)
		for l, a := range r.ValAcc {
			fmt.Fprintf(w, " %.2f:%.2f%%", Ladder[l], 100*a)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "cost: %s (at the config widths without pruning: %s); validation accuracy without pruning %.2f%%\n",
		costText(b, p.Cost), costText(b, p.Dense), 100*p.ValDense)
}
