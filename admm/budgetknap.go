package admm

import (
	"fmt"
	"sort"
)

// Knapsack is the planner's default rule, a multiple-choice knapsack:
// every layer takes exactly one cell of its grid, the cost of an
// assignment is estimated as the start's cost plus the sum of what each
// layer's cell changes alone (delta[i][w][r] = cost with only layer i at
// Cell{r, w}, minus the start's, from the compiler), the accuracy lost as
// the sum of each cell's sensitivity (clipped at 0, as in Allocate) plus
// 1e-6 per ratio level and width step (so a step that measures free is
// still not taken unless the budget needs it), and the assignment with
// the least loss whose estimate fits the budget is returned (ties: the
// lower cost, then the wider and less pruned cells, ratio steps before
// width steps). It is exact for those sums: the
// Pareto front of (cost, loss) is merged one layer at a time, so a
// narrower width and a higher ratio of the same layer are weighed
// against every other layer's choices, where Allocate's one step at a
// time can spend the budget on a step that a later, larger step makes
// useless. The compiler's costs are not exactly additive (replication,
// segments shared across layers): the caller compiles the result and
// repairs it with Allocate when it does not fit.
func Knapsack(b Budget, start float64, grids []Grid, delta [][][]float64) ([]Cell, float64, error) {
	type point struct {
		cost, loss float64
		cells      []Cell
	}
	front := []point{{cost: start}}
	for i, g := range grids {
		var next []point
		for _, p := range front {
			for w, row := range g.ValAcc {
				for r, acc := range row {
					c := Cell{Ratio: r, Width: w}
					loss := max(g.ValAcc[0][0]-acc, 0) + 1e-6*float64(r+w)
					next = append(next, point{p.cost + delta[i][w][r], p.loss + loss, append(p.cells[:len(p.cells):len(p.cells)], c)})
				}
			}
		}
		// Keep the Pareto front: by cost, then loss, each point strictly
		// less lossy than every cheaper one (stable: the earlier cells,
		// i.e. wider and less pruned, win ties).
		sort.SliceStable(next, func(a, b int) bool {
			if next[a].cost != next[b].cost {
				return next[a].cost < next[b].cost
			}
			return next[a].loss < next[b].loss
		})
		front = front[:0:0]
		for _, p := range next {
			if len(front) == 0 || p.loss < front[len(front)-1].loss {
				front = append(front, p)
			}
		}
	}
	// front is sorted by cost with falling loss: the last point within the
	// budget loses least.
	best := -1
	for k, p := range front {
		if p.cost <= b.Limit {
			best = k
		}
	}
	if best < 0 {
		return nil, 0, fmt.Errorf("budget %s cannot be met: the cheapest assignment of ladder ratios and widths is estimated at %s", b, costText(b, b.with(front[0].cost)))
	}
	return front[best].cells, front[best].cost, nil
}

// with is a Cost whose part b limits is v (for messages).
func (b Budget) with(v float64) Cost {
	switch b.Resource {
	case "energy":
		return Cost{EnergyPJ: v}
	case "latency":
		return Cost{LatencyNS: v}
	}
	return Cost{Subarrays: int(v + 0.5)}
}
