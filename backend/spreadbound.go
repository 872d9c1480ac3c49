package backend

import "slices"

// A spread bounded by what the pipeline needs (-spread, docs/PARALLEL.md
// §8.2). Spreading a layer one tile per sub-array cuts the instructions it
// issues per pixel, but every sub-array it adds idles for the rest of the
// period: LeNet-5 with every layer spread as far as its bank allows uses
// 804 sub-arrays instead of 102 and keeps them 20% busy instead of 62%.
// The balance spreads a layer of the slowest stage as one of its steps
// (balanceStages), at the fewest filters per tile one group instruction
// reaches (mapping.SpreadCap); afterwards each spread layer, in op order,
// takes back the least spread that keeps the pipeline as fast: dense if
// that does, else the most filters per tile that do. So a layer stays
// spread only as far as its stage needs to keep up with the period.

// boundSpread returns sp with every spread op's cap bounded (above):
// in op order, dense (cap 0) when the pipeline of stages at starts (the
// window stage added by withWindow), placed by place, stays as cheap as
// with sp (its slowest stage or busiest link, at the ops' costs as
// placed), else the largest cap from the op's to dense(i) (the most
// filters of one of its dense tiles) that does: more filters per tile are
// more rounds per pixel, so the cost grows with the cap.
func boundSpread(ops []opCost, starts []int, sp []opSplit, dense func(i int) int, place placeFunc, withWindow func([]int, []opSplit) ([]int, []opSplit)) []opSplit {
	sp = slices.Clone(sp)
	cost := func() (float64, bool) {
		links, placed, ok := place(starts, sp)
		if !ok {
			return 0, false
		}
		if placed == nil {
			placed = ops
		}
		st, all := withWindow(starts, sp)
		w, _ := stagesCost(placed, all, st)
		return max(w, busiest(links)), true
	}
	target, ok := cost()
	if !ok {
		return sp
	}
	keeps := func() bool {
		w, ok := cost()
		return ok && w <= target*(1+1e-9)
	}
	for i := range sp {
		room := sp[i].cap
		if room <= 0 {
			continue
		}
		sp[i].cap = 0
		if keeps() {
			continue
		}
		lo, hi := room, max(room, dense(i))
		for lo < hi {
			sp[i].cap = (lo + hi + 1) / 2
			if keeps() {
				lo = sp[i].cap
			} else {
				hi = sp[i].cap - 1
			}
		}
		sp[i].cap = lo
	}
	return sp
}
