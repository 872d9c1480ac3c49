package backend

import (
	"slices"
	"testing"
)

// TestPartitionStages: the linear partition minimises the largest stage
// cost (a stage's ops run one after the other, each as long as its busiest
// resource), with the fewest stages that reach it.
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
		{iss(10, 1, 1, 1, 1, 1), 4, []int{0, 1}},                                 // 10 | 5: a third stage gains nothing
		{iss(4, 4, 4, 4), 2, []int{0, 2}},                                        // 8 | 8
		{iss(4, 4, 4, 4), 4, []int{0, 1, 2, 3}},                                  // 4 each
		{iss(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, []int{0, 5, 7}},                      // 15 | 13 | 17
		{iss(3, 0, 3), 16, []int{0, 1}},                                          // the zero-cost op joins a stage
		{[]opCost{{sub: 9, subIndex: 3}, {sub: 9, subIndex: 7}}, 2, []int{0, 1}}, // one stream runs its ops in turn: 9 | 9
		{iss(), 4, nil},
	}
	for i, c := range cases {
		if got := partitionStages(c.ops, c.max); !slices.Equal(got, c.want) {
			t.Errorf("case %d: starts %v, want %v", i, got, c.want)
		}
	}
	if c, b := stageCost([]opCost{{issue: 2, port: 1, sub: 5, subIndex: 12}, {issue: 2, port: 1, subIndex: -1}}); c != 7 || b != "sub-array 12" {
		t.Errorf("stageCost = %v %q", c, b)
	}
}

// TestBalanceStages: the slowest stage's costliest op that can split gets
// the controllers the stages leave while the pipeline gets faster: op 0
// (10) on 3 controllers is 3.3 | 2, a fourth would leave one stage (4.5);
// an op that cannot split, or a split that does not fit, stays whole.
func TestBalanceStages(t *testing.T) {
	ops := []opCost{{issue: 10, subIndex: -1}, {issue: 1, subIndex: -1}, {issue: 1, subIndex: -1}}
	byK := func(i, kp, kc int) (float64, float64, bool) {
		return 1 / float64(kp), 1 / float64(kp), i == 0 && kc == 1
	}
	fits := func([]int, []opSplit) ([]float64, []opCost, bool) { return nil, nil, true }
	starts, sp, _ := balanceStages(ops, 4, 4, byPieces(byK), nil, nil, fits)
	if !slices.Equal(starts, []int{0, 1}) || sp[0].kp != 3 || sp[0].kc != 1 || sp[1] != whole || sp[2] != whole || sp[0].issue != 1.0/3 {
		t.Errorf("starts %v split %v, want [0 1] op 0 x3", starts, sp)
	}
	starts, sp, _ = balanceStages(ops, 4, 4, byPieces(byK), nil, nil, func([]int, []opSplit) ([]float64, []opCost, bool) { return nil, nil, false })
	if !slices.Equal(starts, []int{0, 1}) || sp[0] != whole {
		t.Errorf("no fit: starts %v split %v", starts, sp)
	}
	_, sp, _ = balanceStages(ops, 4, 4, func(int, opSplit) (pieceShare, bool) { return pieceShare{}, false }, nil, nil, fits)
	if sp[0] != whole {
		t.Errorf("no split possible: split %v", sp)
	}
}

// TestBalanceChunks: a chunk piece lowers an op's controller work but not
// its sub-array work, and adds no sub-arrays. An issue-bound op whose
// pixel split does not fit is split by chunks instead; an op bound by its
// sub-arrays after its chunk split gets pixel pieces, each taking as many
// controllers as it has chunk pieces.
func TestBalanceChunks(t *testing.T) {
	share := func(i, kp, kc int) (float64, float64, bool) {
		return 1 / float64(kp*kc), 1 / float64(kp), i == 0
	}
	noPixels := func(_ []int, sp []opSplit) ([]float64, []opCost, bool) { return nil, nil, sp[0].kp == 1 }
	ops := []opCost{{issue: 12, sub: 2, subIndex: 0}, {issue: 3, subIndex: -1}}
	starts, sp, _ := balanceStages(ops, 6, 6, byPieces(share), nil, nil, noPixels)
	// 5 controllers for op 0: 12/5 = 2.4 > 2 (its sub-arrays), op 1 alone (3)
	// is then the slowest: 4 chunk pieces (3) suffice, fewest controllers.
	if !slices.Equal(starts, []int{0, 1}) || sp[0].kp != 1 || sp[0].kc != 4 {
		t.Errorf("pixels do not fit: starts %v split %+v, want op 0 x4 by chunks", starts, sp)
	}
	ops = []opCost{{issue: 12, sub: 8, subIndex: 0}, {issue: 1, subIndex: -1}}
	_, sp, _ = balanceStages(ops, 8, 8, byPieces(share), nil, nil, func([]int, []opSplit) ([]float64, []opCost, bool) { return nil, nil, true })
	t.Logf("split %+v", sp)
	if sp[0].kp < 2 || sp[0].kc < 2 {
		t.Errorf("sub-array bound: split %+v, want pixel and chunk pieces", sp)
	}
	if c := max(12*sp[0].issue, 8*sp[0].sub); c > 4 {
		t.Errorf("op 0 on %d controllers costs %.2f, want <= 4", sp[0].pieces(), c)
	}
}

// TestTrimPixelPieces: a pixel piece the pipeline no longer needs (its op
// is below the slowest stage with one piece less and a chunk piece more)
// is taken away, which frees sub-arrays; one that keeps the op below the
// slowest stage stays, and so does one the target's fit refuses to trim.
func TestTrimPixelPieces(t *testing.T) {
	share := func(i, kp, kc int) (float64, float64, bool) {
		return 1 / float64(kp*kc), 1 / float64(kp), true
	}
	all := func([]int, []opSplit) ([]float64, []opCost, bool) { return nil, nil, true }
	// op 0: 12 issue, 6 sub-array on 3 pixel pieces (4, 2); op 1 (9) on
	// one controller is the slowest. 2 pixel pieces x 1 chunk piece: 6, 3;
	// then 1 x 2: 6, 6 — both within 9, and the trim goes on to 1 x 2.
	ops := []opCost{{issue: 12, sub: 6, subIndex: 0}, {issue: 9, subIndex: -1}}
	sp := []opSplit{{kp: 3, kc: 1, issue: 1.0 / 3, sub: 1.0 / 3}, whole}
	_, got, _ := trimPixelPieces(ops, ops, 8, 8, byPieces(share), all, []int{0, 1}, sp, 9)
	if got[0].kp != 1 || got[0].kc != 2 {
		t.Errorf("trim: %+v, want op 0 on 1 pixel x 2 chunk pieces", got[0])
	}
	// With op 1 at 5, op 0 keeps 2 pixel pieces, with 2 chunk pieces
	// (issue 12 / 4 = 3, sub-array 6 / 2 = 3; one pixel piece would leave
	// its sub-arrays 6).
	ops[1].issue = 5
	_, got, _ = trimPixelPieces(ops, ops, 8, 8, byPieces(share), all, []int{0, 1}, sp, 5)
	if got[0].kp != 2 {
		t.Errorf("trim at 5: %+v, want op 0 on 2 pixel pieces", got[0])
	}
	_, got, _ = trimPixelPieces(ops, ops, 8, 8, byPieces(share), func([]int, []opSplit) ([]float64, []opCost, bool) { return nil, nil, false }, []int{0, 1}, sp, 9)
	if got[0] != sp[0] {
		t.Errorf("trim that does not fit: %+v, want %+v", got[0], sp[0])
	}
}

// TestTakeOutside: a window stage's frame store avoids the words its
// op's loop touches: first fit in the free space less them (the free
// block split around the taken words), else the never-used top; the
// regions taken while a log is set are logged.
func TestTakeOutside(t *testing.T) {
	b := abuf{size: 100, top: 60, free: []region{{start: 10, size: 30, dirty: true}}}
	var log []region
	b.log = &log
	if a, _, ok := b.take(5, false); !ok || a != 10 || len(log) != 1 || log[0] != (region{start: 10, size: 5}) {
		t.Fatalf("take: %d %v, log %v", a, ok, log)
	}
	b.log = nil
	// Free [15, 40); avoid [15, 22) and [30, 33): [22, 30) is too short
	// for 9, [33, 40) too; 6 fit at 22.
	avoid := []region{{start: 15, size: 7}, {start: 30, size: 3}}
	if a, ok := b.takeOutside(9, avoid); !ok || a != 60 || b.top != 69 {
		t.Errorf("9 words: at %d (%v), top %d; want the top, 60", a, ok, b.top)
	}
	if a, ok := b.takeOutside(6, avoid); !ok || a != 22 {
		t.Errorf("6 words: at %d (%v), want 22", a, ok)
	}
	want := []region{{start: 15, size: 7, dirty: true}, {start: 28, size: 12, dirty: true}}
	if len(b.free) != 2 || b.free[0] != want[0] || b.free[1] != want[1] {
		t.Errorf("free %v, want %v", b.free, want)
	}
	if _, ok := b.takeOutside(40, nil); ok {
		t.Error("40 words beyond the buffer were taken")
	}
}

// TestScaleOpsStream: a split op's time in its stream is the layer's
// times the piece's share: a chunk piece runs its chunks' rounds, which
// the flat program runs one chunk after the other with their waits, and a
// pixel piece its pixels' (with the plane sequencer the waits are most of
// it: VGG-11-BN's window stage split by chunks, else estimated at its
// whole layer's waits per piece; its features.8 x2 by pixels, estimated
// without waits until s8, ran 438.6 us against 328 us estimated).
func TestScaleOpsStream(t *testing.T) {
	op := []opCost{{issue: 100, stream: 160, sub: 50, subIndex: 0}}
	for _, c := range []struct {
		sp   opSplit
		want float64
	}{
		{whole, 160},
		{opSplit{kp: 2, kc: 1, issue: 0.5, sub: 0.5}, 80},
		{opSplit{kp: 1, kc: 2, issue: 0.5, sub: 1}, 80},
		{opSplit{kp: 2, kc: 2, issue: 0.25, sub: 0.5}, 40},
	} {
		if got := scaleOps(op, []opSplit{c.sp})[0].stream; got != c.want {
			t.Errorf("%+v: stream %v, want %v", c.sp, got, c.want)
		}
	}
}

// byPieces is a shareFunc from the shares of op i in kp pixel and kc chunk
// pieces (the balance tests' layers have the mapping's replicas).
func byPieces(f func(i, kp, kc int) (float64, float64, bool)) shareFunc {
	return func(i int, s opSplit) (pieceShare, bool) {
		fi, fs, ok := f(i, s.kp, s.kc)
		return pieceShare{issue: fi, sub: fs, wait: fi}, ok
	}
}
