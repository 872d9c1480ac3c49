package admm

import (
	"fmt"
	"math"
)

// Cell is one choice of a layer in the budget planner's grid: a ratio
// level (0: not pruned) and a width index (0: the config's width, higher:
// narrower).
type Cell struct{ Ratio, Width int }

// Grid is one layer's sensitivity table for Allocate: ValAcc[w][r] is the
// validation accuracy with only this layer compressed to Cell{r, w}. Every
// row has the same length.
type Grid struct{ ValAcc [][]float64 }

func (g Grid) holds(c Cell) bool {
	return c.Width < len(g.ValAcc) && c.Ratio < len(g.ValAcc[c.Width])
}

func (g Grid) acc(c Cell) float64 { return g.ValAcc[c.Width][c.Ratio] }

// Allocate is the planner's greedy rule (and its repair when Knapsack's
// estimate was off). It starts with every layer at from (nil: Cell{0, 0},
// no pruning at the config's width) and, while the cost is over
// the budget, takes one step of one layer: for each layer the candidates
// are the fewest ratio levels up that lower the budgeted cost (at its
// current width) and the fewest widths down that lower it (at its current
// ratio); each is scored by the validation accuracy it loses (sensitivity,
// clipped at 0, plus 1e-6 so that free steps prefer the larger saving)
// per unit of cost saved, and the lowest score wins (ties: the earlier
// layer, the ratio step). Cost prices a whole assignment (the compiler's
// model: it need not be additive over layers); step, if not nil, sees
// every step taken. It returns the cells and their cost; an error when
// no candidate saves anything and the budget is still not met.
func Allocate(b Budget, grids []Grid, from []Cell, cost func([]Cell) (Cost, error), step func(layer int, at Cell, c Cost)) ([]Cell, Cost, error) {
	at := make([]Cell, len(grids))
	copy(at, from)
	cur, err := cost(at)
	if err != nil {
		return nil, Cost{}, err
	}
	for b.Of(cur) > b.Limit {
		best, bestScore := -1, math.Inf(1)
		var bestAt Cell
		var bestCost Cost
		for i, g := range grids {
			from := at[i]
			for _, dir := range []Cell{{Ratio: 1}, {Width: 1}} {
				for k := 1; ; k++ {
					next := Cell{from.Ratio + k*dir.Ratio, from.Width + k*dir.Width}
					if !g.holds(next) {
						break
					}
					at[i] = next
					c, err := cost(at)
					at[i] = from
					if err != nil {
						return nil, Cost{}, err
					}
					saved := b.Of(cur) - b.Of(c)
					if saved <= 0 {
						continue
					}
					loss := math.Max(g.acc(from)-g.acc(next), 0) + 1e-6
					if score := loss / saved; score < bestScore {
						best, bestScore, bestAt, bestCost = i, score, next, c
					}
					break
				}
			}
		}
		if best < 0 {
			return nil, Cost{}, fmt.Errorf("budget %s cannot be met: no layer's next ladder ratio or narrower width saves more, and the model costs %s", b, costText(b, cur))
		}
		at[best], cur = bestAt, bestCost
		if step != nil {
			step(best, bestAt, cur)
		}
	}
	return at, cur, nil
}
