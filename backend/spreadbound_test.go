package backend

import (
	"testing"
)

// spreadOps is a model for the spread tests: op i issues per[i] ns per
// filter of a tile (its rounds), dense[i] filters per dense tile; place
// returns the ops' costs at their caps (as placed.go does from the
// layers' spread layouts) and no link.
func spreadOps(per []float64, dense []int) ([]opCost, placeFunc) {
	ops := make([]opCost, len(per))
	for i := range per {
		ops[i] = opCost{issue: per[i] * float64(dense[i]), subIndex: -1}
	}
	place := func(_ []int, sp []opSplit) ([]float64, []opCost, bool) {
		out := make([]opCost, len(ops))
		copy(out, ops)
		spread := false
		for i := range sp {
			if i < len(ops) && sp[i].cap > 0 {
				out[i].issue = per[i] * float64(min(sp[i].cap, dense[i]))
				spread = true
			}
		}
		if !spread {
			return nil, nil, true
		}
		return nil, out, true
	}
	return ops, place
}

// TestBoundSpread: every spread layer takes back the least spread that
// keeps the pipeline's cost: dense where that keeps it, else the most
// filters per tile within the cost, in op order.
func TestBoundSpread(t *testing.T) {
	// Stages {a, b} and {c}: a 10 ns per filter (dense 8), b 3 (dense
	// 6), c 1 (dense 5), all spread to 1 filter: the slowest stage is
	// {a, b} at 13 ns, c's stage 1 ns.
	ops, place := spreadOps([]float64{10, 3, 1}, []int{8, 6, 5})
	dense := func(i int) int { return []int{8, 6, 5}[i] }
	none := func(st []int, sp []opSplit) ([]int, []opSplit) { return st, sp }
	sp := []opSplit{{kp: 1, kc: 1, issue: 1, sub: 1, cap: 1}, {kp: 1, kc: 1, issue: 1, sub: 1, cap: 1}, {kp: 1, kc: 1, issue: 1, sub: 1, cap: 1}}
	got := boundSpread(ops, []int{0, 2}, sp, dense, place, none)
	// a and b must stay at 1 filter (13 ns); c goes dense (5 ns).
	if got[0].cap != 1 || got[1].cap != 1 || got[2].cap != 0 {
		t.Errorf("caps %d %d %d, want 1 1 0", got[0].cap, got[1].cap, got[2].cap)
	}
	// Stages {a} {b} {c}: a at 1 filter (10 ns) is the slowest; b may
	// take 3 filters (9 ns), c dense (5 ns).
	got = boundSpread(ops, []int{0, 1, 2}, sp, dense, place, none)
	if got[0].cap != 1 || got[1].cap != 3 || got[2].cap != 0 {
		t.Errorf("caps %d %d %d, want 1 3 0", got[0].cap, got[1].cap, got[2].cap)
	}
	if sp[1].cap != 1 {
		t.Error("boundSpread changed its argument")
	}
}

// TestBalanceSpread: the balance spreads a layer of the slowest stage as
// one of its steps (at the cap spread gives) when that makes the pipeline
// cheaper than a split, and never spreads without -spread (spread nil).
func TestBalanceSpread(t *testing.T) {
	ops, place := spreadOps([]float64{10, 1}, []int{8, 5})
	share := func(i, kp, kc int) (float64, float64, bool) { return 1 / float64(kp*kc), 1 / float64(kp), true }
	spread := func(i int) int { return []int{1, 0}[i] }
	starts, sp, cur := balanceStages(ops, 2, 2, byPieces(share), spread, nil, place)
	if sp[0].cap != 1 || sp[1].cap != 0 {
		t.Fatalf("caps %d %d, want 1 0 (starts %v)", sp[0].cap, sp[1].cap, starts)
	}
	if cur[0].issue != 10 {
		t.Errorf("op 0 costs %v as placed, want 10 (1 filter per tile)", cur[0].issue)
	}
	_, sp, _ = balanceStages(ops, 2, 2, byPieces(share), nil, nil, place)
	if sp[0].cap != 0 {
		t.Errorf("without spread: cap %d", sp[0].cap)
	}
}
