package backend

import (
	"slices"
	"testing"
)

// TestPartitionStages: the linear partition minimises the largest stage
// cost (issue and port add up within a stage, sub-arrays do not), with the
// fewest stages that reach it.
func TestPartitionStages(t *testing.T) {
	iss := func(xs ...float64) []opCost {
		var o []opCost
		for _, x := range xs {
			o = append(o, opCost{issue: x, subIndex: -1})
		}
		return o
	}
	cases := []struct {
		ops  []opCost
		max  int
		want []int
	}{
		{iss(10, 1, 1, 1, 1, 1), 4, []int{0, 1}},                              // 10 | 5: a third stage gains nothing
		{iss(4, 4, 4, 4), 2, []int{0, 2}},                                     // 8 | 8
		{iss(4, 4, 4, 4), 4, []int{0, 1, 2, 3}},                               // 4 each
		{iss(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, []int{0, 5, 7}},                   // 15 | 13 | 17
		{iss(3, 0, 3), 16, []int{0, 1}},                                       // the zero-cost op joins a stage
		{[]opCost{{sub: 9, subIndex: 3}, {sub: 9, subIndex: 7}}, 2, []int{0}}, // sub-arrays in parallel: one stage
		{iss(), 4, nil},
	}
	for i, c := range cases {
		if got := partitionStages(c.ops, c.max); !slices.Equal(got, c.want) {
			t.Errorf("case %d: starts %v, want %v", i, got, c.want)
		}
	}
	if c, b := stageCost([]opCost{{issue: 2, port: 1, sub: 5, subIndex: 12}, {issue: 2, port: 1, subIndex: -1}}); c != 5 || b != "sub-array 12" {
		t.Errorf("stageCost = %v %q", c, b)
	}
}

// TestBalanceStages: the slowest stage's costliest op that can split gets
// the controllers the stages leave while the pipeline gets faster: op 0
// (10) on 3 controllers is 3.3 | 2, a fourth would leave one stage (4.5);
// an op that cannot split, or a split that does not fit, stays whole.
func TestBalanceStages(t *testing.T) {
	ops := []opCost{{issue: 10, subIndex: -1}, {issue: 1, subIndex: -1}, {issue: 1, subIndex: -1}}
	byK := func(i, k int) (float64, bool) { return 1 / float64(k), i == 0 }
	fits := func(_, _ []int) bool { return true }
	starts, split, share := balanceStages(ops, 4, byK, fits)
	if !slices.Equal(starts, []int{0, 1}) || !slices.Equal(split, []int{3, 1, 1}) || share[0] != 1.0/3 {
		t.Errorf("starts %v split %v share %v, want [0 1] [3 1 1] [0.33 1 1]", starts, split, share)
	}
	starts, split, _ = balanceStages(ops, 4, byK, func(_, _ []int) bool { return false })
	if !slices.Equal(starts, []int{0, 1}) || !slices.Equal(split, []int{1, 1, 1}) {
		t.Errorf("no fit: starts %v split %v", starts, split)
	}
	_, split, _ = balanceStages(ops, 4, func(int, int) (float64, bool) { return 0, false }, fits)
	if !slices.Equal(split, []int{1, 1, 1}) {
		t.Errorf("no split possible: split %v", split)
	}
}
