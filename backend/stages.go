package backend

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Stage is one stage of a pipelined program (pimc compile -pipeline,
// docs/PARALLEL.md §7.1): consecutive device ops on one controller and
// stream, with their estimated time per frame.
type Stage struct {
	// Controller runs the stage's stream; Controllers are it and the
	// helper controllers of its split layers (Split: "layer xK", the
	// layer on K controllers).
	Controller  int
	Controllers []int
	Split       []string
	Layers      []string // the ops' layer names, in program order
	// EstimatedNS is the estimated time of one frame: the work of the
	// stage's busiest resource (estimate.go); Busiest names it.
	EstimatedNS float64
	Busiest     string
	// Window: the window stage (docs/PARALLEL.md §8.2), looping over its
	// ops outside and the run's frames inside; its estimate includes its
	// layers' weight writes / the frames per run.
	Window bool
	// Late: the window stage's late controllers (docs/PARALLEL.md §8.8),
	// which run pieces of its later ops after their stages before the
	// window (among Controllers).
	Late []int
}

// opCost is the estimated work of one device op per frame: its controller
// issue slots, buffer port transfers and its busiest sub-array (an op's
// sub-arrays are its own, never another op's); stream the time it holds
// its controller's stream, waits for its sub-arrays included
// (estimate.go), as placed (remoteStreams: more where its sub-arrays are
// reached over a link); remote that time with every sub-array reached over
// a link; link the work its sub-array instructions put on a bank's link
// when its controller is not local to the bank (links.go).
type opCost struct {
	issue, port, sub     float64
	stream, remote, link float64
	subIndex             int // the busiest sub-array, -1 none
}

func costOf(w *workEstimate) opCost {
	c := opCost{issue: w.issue, port: w.port, stream: w.stream, remote: w.remote, link: w.link, subIndex: -1}
	for s, x := range w.sub {
		if x > c.sub || x == c.sub && s < c.subIndex {
			c.sub, c.subIndex = x, s
		}
	}
	return c
}

// stageCost is the estimated time of ops as one stage: one stream runs
// them one after the other, each as long as its busiest resource (its
// controller's issue slots, its buffer port transfers or its busiest
// sub-array: a stream dispatches in order, so an op's sub-array work does
// not overlap the next op's instructions). The busiest resource named is
// the one that bounds the ops holding most of that time.
func stageCost(ops []opCost) (float64, string) {
	var total, issue, port float64
	sub := map[int]float64{}
	for _, o := range ops {
		t := opTime(o)
		total += t
		switch {
		case o.issue >= t || o.stream >= t && o.sub < t:
			issue += t // issue slots, or waits on more than its busiest sub-array
		case o.port >= t:
			port += t
		default:
			sub[o.subIndex] += t
		}
	}
	si, st := -1, 0.0
	for s, t := range sub {
		if t > st || t == st && s < si {
			si, st = s, t
		}
	}
	switch {
	case issue >= port && issue >= st:
		return total, "controller issue"
	case port >= st:
		return total, "buffer port"
	}
	return total, fmt.Sprintf("sub-array %d", si)
}

// opTime is op o's time in its stage's stream: its busiest resource.
func opTime(o opCost) float64 { return max(o.issue, o.port, o.sub, o.stream) }

// partitionStages cuts ops (in program order) into at most maxStages
// consecutive stages minimising the largest stage cost (dynamic programming
// over the cut points, O(maxStages x n^2)), and among the partitions that
// reach that minimum takes the one with the fewest stages. It returns the
// first op of every stage.
func partitionStages(ops []opCost, maxStages int) []int {
	n := len(ops)
	if n == 0 {
		return nil
	}
	maxStages = max(1, min(maxStages, n))
	// cost[i][j]: ops [i, j) as one stage.
	cost := make([][]float64, n+1)
	for i := range n {
		cost[i] = make([]float64, n+1)
		t := 0.0
		for j := i + 1; j <= n; j++ {
			t += opTime(ops[j-1])
			cost[i][j] = t
		}
	}
	inf := 1e300
	// best[k][j]: the least largest cost of ops [0, j) in k stages; cut
	// the start of the last stage.
	best := make([][]float64, maxStages+1)
	cut := make([][]int, maxStages+1)
	for k := range best {
		best[k] = make([]float64, n+1)
		cut[k] = make([]int, n+1)
		for j := range best[k] {
			best[k][j] = inf
		}
	}
	best[0][0] = 0
	for k := 1; k <= maxStages; k++ {
		for j := 1; j <= n; j++ {
			for i := k - 1; i < j; i++ {
				if best[k-1][i] >= inf {
					continue
				}
				if c := max(best[k-1][i], cost[i][j]); c < best[k][j] {
					best[k][j], cut[k][j] = c, i
				}
			}
		}
	}
	bestK := 1
	for k := 2; k <= maxStages; k++ {
		// Another stage must gain more than rounding: each one costs a
		// controller, tokens and ring buffers.
		if best[k][n] < best[bestK][n]*(1-1e-9) {
			bestK = k
		}
	}
	starts := make([]int, bestK)
	for k, j := bestK, n; k > 0; k-- {
		starts[k-1] = cut[k][j]
		j = cut[k][j]
	}
	return starts
}

// opSplit is how an op runs over controllers: kp pixel pieces (split.go)
// times kc chunk pieces (chunks.go), and the part of its work the busiest
// piece does: issue of its controller issue slots and port transfers (they
// follow the piece's pixel bodies and channels), sub of its sub-array work
// (a chunk split adds no sub-arrays, so only pixel pieces lower it). cap >
// 0 spreads the op's layer one tile of at most cap filters per sub-array
// (-spread, mapping.Piece.Cap; its work is then its spread layout's,
// placed.go); a spread layer is not split by chunks (kc 1). reps > 0 gives
// each pixel piece reps replicas of the layer (mapping.Piece.Replicas;
// 0: the mapping's), which the controller drives together, every round's
// group instruction covering all of them (docs/PARALLEL.md §8.11); its
// work is then the layout's with reps replicas on one controller
// (placed.go).
//
// wait is the busiest piece's share of the op's stream waits (its stream
// time beyond its issue slots; 0: as issue). A pixel piece waits for its
// pixels' rounds; a chunk piece for its chunks' rounds, which with a plane
// sequencer run in batches of lane chunks as one (emit_matrix.go), each
// batch as long as its longest chunk: so a piece may wait for nearly as
// many rounds as the whole layer while issuing half its drains
// (chunkWaitShare, docs/PARALLEL.md §8.11).
type opSplit struct {
	kp, kc     int
	issue, sub float64
	wait       float64
	cap        int
	reps       int
}

// pieceShare is the busiest piece's shares of an op's work (opSplit's
// issue, sub and wait).
type pieceShare struct{ issue, sub, wait float64 }

// set sets s's shares to sh.
func (s *opSplit) set(sh pieceShare) { s.issue, s.sub, s.wait = sh.issue, sh.sub, sh.wait }

// pieces is the number of controllers of the op.
func (s opSplit) pieces() int { return s.kp * s.kc }

// shareFunc is the busiest piece's shares of op i split as s (its kp, kc
// and reps); false when op i cannot split so.
type shareFunc func(i int, s opSplit) (pieceShare, bool)

// whole is an op on one controller.
var whole = opSplit{kp: 1, kc: 1, issue: 1, sub: 1}

// scaleOps is the cost of every op with op i's work scaled by its busiest
// piece's shares sp[i] (docs/BACKEND.md §8), its stream time too: until
// s8 a pixel piece had none (its own code's waits, which the flat program
// does not show, were taken as overstated: VGG-11-BN's features.4 on 9
// controllers ran in under the 131 us its share of the waits gave), which
// on the plane sequencer, where a stream's waits for its sequences are
// most of its time, put VGG-11-BN's features.8 x2 by pixels at 328 us
// against 438.6 us run (docs/PARALLEL.md §8.4).
func scaleOps(ops []opCost, sp []opSplit) []opCost {
	out := make([]opCost, len(ops))
	for i, o := range ops {
		out[i] = opCost{issue: o.issue * sp[i].issue, port: o.port * sp[i].issue, sub: o.sub * sp[i].sub, link: o.link * sp[i].issue, remote: o.remote * sp[i].issue, subIndex: o.subIndex}
		// A piece runs its share of the layer's rounds (its pixels, its
		// chunks' rounds): its issue slots are the layer's times its
		// share, its waits the layer's times its share of them.
		w := sp[i].wait
		if w == 0 {
			w = sp[i].issue
		}
		out[i].stream = o.issue*sp[i].issue + max(0, o.stream-o.issue)*w
	}
	return out
}

// maxDetour is how many steps the balance takes through pipelines slower
// than the cheapest it has seen before it stops (balanceStages).
const maxDetour = 2

// balanceStages partitions ops into stages and splits ops over the
// controllers the stages leave (docs/PARALLEL.md §7.1 "Splitting one layer
// over controllers"): while controllers are left, the costliest op of the
// slowest stage that can run on more controllers without making the
// pipeline slower (the next costliest where it cannot) gets one more pixel piece
// (kp+1: kc more controllers) or one more chunk piece (kc+1: kp more),
// whichever makes the pipeline cheaper (fewer controllers, then the chunk
// piece, among equals; share(i, kp, kc): the busiest piece's shares, false
// when op i cannot split so), and the stages are partitioned again over
// the controllers left (a split op's helpers take controllers from the
// stages); place places the stages and splits on the target and returns
// the work of its busiest bank link per frame (links.go) and whether the
// sub-arrays fit. A pipeline's cost is its slowest stage or its busiest
// link, whichever is more: a link is one resource that every controller
// reaching the bank shares, so work placed beyond a controller's bank
// costs where it lands. It returns the stage starts and every op's split of the
// cheapest pipeline seen (fewest controllers among equals), trimmed: an
// op keeps one pixel piece less (with chunk pieces instead where needed)
// wherever the pipeline stays as fast, since every pixel piece copies the
// layer's sub-arrays. A step that
// does not make the pipeline slower is taken, so stages tied for the
// slowest, and pixel ranges that only divide evenly at a larger split, are
// split on. When every step makes it slower, the one that makes it least
// slower is taken, up to maxDetour steps past the cheapest pipeline seen:
// a split whose pieces push a later layer out of its controller's bank
// (where its stream waits for the link, links.go) pays off once that
// layer is split in turn (TestBalanceDetour).
func balanceStages(ops []opCost, controllers, maxStages int, share shareFunc, spread func(i int) int, replicate func(i int, s opSplit) int, place placeFunc) ([]int, []opSplit, []opCost) {
	sp := slices.Repeat([]opSplit{whole}, len(ops))
	extra := 0
	// cur: the ops' costs as the last pipeline taken placed them (a
	// spread layer's differ from ops, placed.go).
	starts, worst, slow, cur, _ := placedCost(ops, ops, sp, controllers, maxStages, place)
	bestStarts, bestWorst, bestSplit, bestCur := starts, worst, slices.Clone(sp), cur
	detour := 0 // steps taken since the cheapest pipeline, slower than it
	// candidates are the splits of op i with one more pixel or chunk
	// piece that share allows, its layer spread (spread(i) filters per
	// tile, 0: not) where it is not yet and not split by chunks, and one
	// more replica on each of its pixel pieces (replicate(i, sp[i]): the
	// replicas per piece, 0: none more), which takes sub-arrays but no
	// controller.
	candidates := func(i int) []opSplit {
		var out []opSplit
		for _, c := range []opSplit{{kp: sp[i].kp, kc: sp[i].kc + 1}, {kp: sp[i].kp + 1, kc: sp[i].kc}} {
			c.cap, c.reps = sp[i].cap, sp[i].reps
			if controllers-extra-(c.pieces()-sp[i].pieces()) < 1 || c.cap > 0 && c.kc > 1 || c.reps > 0 && c.kc > 1 {
				continue
			}
			if sh, ok := share(i, c); ok {
				c.set(sh)
				out = append(out, c)
			}
		}
		if spread != nil && sp[i].cap == 0 && sp[i].kc == 1 && sp[i].reps == 0 {
			if c := spread(i); c > 0 {
				x := sp[i]
				x.cap = c
				out = append(out, x)
			}
		}
		if replicate != nil && sp[i].cap == 0 && sp[i].kc == 1 {
			if r := replicate(i, sp[i]); r > 0 {
				x := sp[i]
				x.reps = r
				if sh, ok := share(i, x); ok {
					x.set(sh)
					out = append(out, x)
				}
			}
		}
		return out
	}
	for len(ops) > 0 {
		lo, hi := starts[slow], len(ops)
		if slow+1 < len(starts) {
			hi = starts[slow+1]
		}
		// The slowest stage's ops that can take more controllers (or
		// spread), the costliest first: the first that has a step which
		// does not make the pipeline slower takes it.
		var picks []int
		cost := func(i int) float64 { return opTime(scaleOps(cur[i:i+1], sp[i:i+1])[0]) }
		for i := lo; i < hi; i++ {
			if cost(i) > 0 && len(candidates(i)) > 0 {
				picks = append(picks, i)
			}
		}
		slices.SortStableFunc(picks, func(a, b int) int { return cmp.Compare(cost(b), cost(a)) })
		pick := -1
		var take *opSplit
		var tStarts []int
		var tCur []opCost
		tWorst, tSlow := 0.0, 0
		// up: the step that makes the pipeline least slower, taken when
		// no step keeps it as fast (a way out of a local minimum; the
		// cheapest pipeline seen wins in the end).
		var up struct {
			pick   int
			take   *opSplit
			starts []int
			cur    []opCost
			worst  float64
			slow   int
		}
		for _, i := range picks {
			old := sp[i]
			for _, c := range candidates(i) {
				sp[i] = c
				extra += c.pieces() - old.pieces()
				st, w, sl, pc, fits := placedCost(ops, cur, sp, controllers, maxStages, place)
				ok := fits && w <= worst*(1+1e-9)
				extra -= c.pieces() - old.pieces()
				if ok && (take == nil || w < tWorst*(1-1e-9) || w <= tWorst*(1+1e-9) && c.pieces() < take.pieces()) {
					take, tStarts, tWorst, tSlow, tCur = &c, st, w, sl, pc
				}
				if fits && !ok && (up.take == nil || w < up.worst*(1-1e-9)) {
					up.pick, up.take, up.starts, up.cur, up.worst, up.slow = i, &c, st, pc, w, sl
				}
			}
			sp[i] = old
			if take != nil {
				pick = i
				break
			}
		}
		if take == nil && up.take != nil {
			pick, take, tStarts, tCur, tWorst, tSlow = up.pick, up.take, up.starts, up.cur, up.worst, up.slow
		}
		if take == nil {
			break
		}
		extra += take.pieces() - sp[pick].pieces()
		sp[pick] = *take
		starts, worst, slow, cur = tStarts, tWorst, tSlow, tCur
		if worst < bestWorst*(1-1e-9) {
			bestStarts, bestWorst, bestSplit, bestCur = starts, worst, slices.Clone(sp), cur
			detour = 0
		} else if worst > bestWorst*(1+1e-9) {
			if detour++; detour > maxDetour {
				break
			}
		}
	}
	starts, sp, cur = trimPixelPieces(ops, bestCur, controllers, maxStages, share, place, bestStarts, bestSplit, bestWorst)
	starts = refineCuts(ops, sp, min(controllers, maxStages+extraOf(sp)), place, starts)
	if _, placed, ok := place(starts, sp); ok && placed != nil {
		cur = placed[:len(ops)]
	} else if ok {
		cur = ops
	}
	return starts, sp, cur
}

// placedCost partitions ops split as sp (costs as cur estimates them: as
// an earlier pipeline placed them) into stages, places them (place) and
// returns the stage starts, the pipeline's cost (its slowest stage or its
// busiest link, whichever is more, at the ops' costs as placed), the
// slowest stage, the ops' costs as placed and whether it fits. Where the
// placement changes an op's cost (a layer spread one tile per sub-array,
// placed.go) the ops are partitioned again on the costs as placed, up to
// twice more, and the cheapest of these partitions wins (a partition moves
// the pieces, so the room they are spread over: the costs need not settle).
// With no layer spread it is one partition and one placement.
func placedCost(ops, cur []opCost, sp []opSplit, controllers, maxStages int, place placeFunc) ([]int, float64, int, []opCost, bool) {
	var bStarts []int
	var bPlaced []opCost
	bWorst, bSlow, found := 0.0, 0, false
	for try := 0; try < 3; try++ {
		st, w, sl := pipelineCost(cur, sp, controllers, maxStages)
		links, placed, ok := place(st, sp)
		if !ok {
			if !found && try == 0 {
				bStarts, bWorst, bSlow, bPlaced = st, w, sl, cur
			}
			break
		}
		if placed == nil {
			placed = ops
		}
		placed = placed[:len(ops)]
		w, sl = stagesCost(placed, sp, st)
		w = max(w, busiest(links))
		if !found || w < bWorst*(1-1e-9) {
			bStarts, bWorst, bSlow, bPlaced, found = st, w, sl, placed, true
		}
		if slices.Equal(placed, cur) {
			break
		}
		cur = placed
	}
	return bStarts, bWorst, bSlow, bPlaced, found
}

// stagesCost is the slowest stage's time and index of ops split as sp in
// stages at starts.
func stagesCost(ops []opCost, sp []opSplit, starts []int) (float64, int) {
	scaled := scaleOps(ops, sp)
	worst, slow := -1.0, 0
	for s, lo := range starts {
		hi := len(ops)
		if s+1 < len(starts) {
			hi = starts[s+1]
		}
		if t, _ := stageCost(scaled[lo:hi]); t > worst {
			worst, slow = t, s
		}
	}
	return worst, slow
}

// refineCuts moves the cuts between the stages at starts (ops split as sp)
// one op at a time, drops cuts and adds cuts (while controllers are left)
// while the pipeline gets cheaper: its cost (the slowest stage or the
// busiest link, whichever is more) falls, or, for a moved cut, stays and
// the sum of the squares of every stage's and every link's work falls (a
// more even spread, from which a later move may lower the cost). The partition
// balances the stages alone; the links depend on which controller, so
// which bank, each stage lands on, which only placing tells: a stage of
// ops in another stage's bank moves work onto that bank's link, and
// moving its ops to the stage local to the bank trades link work for that
// controller's issue slots. It returns the new starts.
func refineCuts(ops []opCost, sp []opSplit, controllers int, place placeFunc, starts []int) []int {
	eval := func(st []int) (float64, float64, bool) {
		links, placed, ok := place(st, sp)
		if !ok {
			return 0, 0, false
		}
		if placed == nil {
			placed = ops
		}
		scaled := scaleOps(placed[:len(ops)], sp)
		worst, sq := busiest(links), 0.0
		for _, x := range links {
			sq += x * x
		}
		for s, lo := range st {
			hi := len(ops)
			if s+1 < len(st) {
				hi = st[s+1]
			}
			t, _ := stageCost(scaled[lo:hi])
			worst = max(worst, t)
			sq += t * t
		}
		return worst, sq, true
	}
	cost, sq, ok := eval(starts)
	if !ok {
		return starts
	}
	starts = slices.Clone(starts)
	stages := controllers
	for _, x := range sp {
		stages -= x.pieces() - 1
	}
	// try takes st when it is cheaper, or (even only) as cheap with the
	// work spread more evenly.
	try := func(st []int, even bool) bool {
		w, q, ok := eval(st)
		if ok && (w < cost*(1-1e-9) || even && w <= cost*(1+1e-9) && q < sq*(1-1e-9)) {
			cost, sq = w, q
			return true
		}
		return false
	}
	for moves := 0; moves < 64*len(ops); moves++ {
		var next []int
		// Move a cut by one op, drop one (two stages become one), or add
		// one (while controllers are left).
		for s := 1; s < len(starts) && next == nil; s++ {
			hi := len(ops)
			if s+1 < len(starts) {
				hi = starts[s+1]
			}
			for _, c := range []int{starts[s] - 1, starts[s] + 1} {
				if c > starts[s-1] && c < hi {
					st := slices.Clone(starts)
					st[s] = c
					if try(st, true) {
						next = st
						break
					}
				}
			}
			if next == nil {
				if st := slices.Delete(slices.Clone(starts), s, s+1); try(st, false) {
					next = st
				}
			}
		}
		for c := 1; c < len(ops) && next == nil && len(starts) < stages; c++ {
			if i, found := slices.BinarySearch(starts, c); !found {
				if st := slices.Insert(slices.Clone(starts), i, c); try(st, false) {
					next = st
				}
			}
		}
		if next == nil {
			break
		}
		starts = next
	}
	return starts
}

// placeFunc places a pipeline (stages at starts, ops split as sp) on the
// target: the work per frame of every bank link that works (links.go),
// the ops' costs as placed (placed.go; nil when no layer's cost changes:
// nothing spread) and whether its sub-arrays fit.
type placeFunc func(starts []int, sp []opSplit) ([]float64, []opCost, bool)

// busiest is the most work in loads (0 for none).
func busiest(loads []float64) float64 {
	m := 0.0
	for _, x := range loads {
		m = max(m, x)
	}
	return m
}

// extraOf is the helper controllers of the ops split as sp.
func extraOf(sp []opSplit) int {
	extra := 0
	for _, x := range sp {
		extra += x.pieces() - 1
	}
	return extra
}

// pipelineCost partitions ops split as sp into at most maxStages stages
// over the controllers their pieces leave: the stage starts and the
// slowest stage's time and index.
func pipelineCost(ops []opCost, sp []opSplit, controllers, maxStages int) ([]int, float64, int) {
	starts := partitionStages(scaleOps(ops, sp), min(maxStages, controllers-extraOf(sp)))
	worst, slow := stagesCost(ops, sp, starts)
	return starts, worst, slow
}

// trimPixelPieces takes pixel pieces away where the pipeline of ops split
// as sp (stages at starts, slowest worst) stays as fast: every pixel piece
// copies its layer's sub-arrays, which then idle for the rest of the
// period. In op order, repeatedly, an op with kp > 1 becomes kp-1 pixel
// pieces of the fewest chunk pieces (kc or more) that keep the pipeline
// (slowest stage or busiest link) at worst and fit. It returns the new
// starts and splits.
func trimPixelPieces(ops, cur []opCost, controllers, maxStages int, share shareFunc, place placeFunc, starts []int, sp []opSplit, worst float64) ([]int, []opSplit, []opCost) {
	sp = slices.Clone(sp)
	used := func() int {
		n := 0
		for _, x := range sp {
			n += x.pieces() - 1
		}
		return n
	}
	for changed := true; changed; {
		changed = false
		for i := range sp {
			old := sp[i]
			if old.kp < 2 {
				continue
			}
			for kc := old.kc; kc <= old.kc*old.kp; kc++ {
				c := opSplit{kp: old.kp - 1, kc: kc, cap: old.cap, reps: old.reps}
				if (c.cap > 0 || c.reps > 0) && kc > 1 {
					break // a spread or replicated layer is not split by chunks
				}
				if controllers-used()-(c.pieces()-old.pieces()) < 1 {
					break
				}
				sh, ok := share(i, c)
				if !ok {
					continue
				}
				c.set(sh)
				sp[i] = c
				if st, w, _, pc, ok := placedCost(ops, cur, sp, controllers, maxStages, place); ok && w <= worst*(1+1e-9) {
					starts, cur, changed = st, pc, true
					break
				}
				sp[i] = old
			}
		}
	}
	return starts, sp, cur
}

// WriteStages prints the stages of a pipelined program, one line each
// (controller, layers, estimated time per frame and its busiest resource),
// then the slowest stage, whose time bounds the pipeline's FPS; nothing for
// a program that is not pipelined.
func (r *Result) WriteStages(w io.Writer) {
	for s, st := range r.Stages {
		ctrl := fmt.Sprintf("controller %d", st.Controller)
		if len(st.Controllers) > 1 {
			ctrl = "controllers " + ranges(st.Controllers)
		}
		split := ""
		if len(st.Split) > 0 {
			split = "; split: " + strings.Join(st.Split, ", ")
		}
		if st.Window {
			split += fmt.Sprintf("; window stage: op by op over the %d frames of a run, weights written once per run", r.Prog.FrameCount())
			if len(st.Late) > 0 {
				split += fmt.Sprintf("; its later ops also on controller(s) %s once their stages are done", ranges(st.Late))
			}
		}
		fmt.Fprintf(w, "  stage %d (%s): %-12s est. %s (%s): %s%s\n", s, ctrl, fmt.Sprintf("%d op(s)", len(st.Layers)), formatUS(st.EstimatedNS), st.Busiest, strings.Join(st.Layers, " "), split)
	}
	if len(r.Stages) > 0 {
		sl := r.Stages[r.Slowest]
		where := "every layer in its controller's bank"
		if !r.StagesLocal {
			where = "some layers outside their controllers' banks (no room: link hops)"
		}
		period := sl.EstimatedNS
		if r.LinkNS > period {
			period = r.LinkNS
			where += fmt.Sprintf("; busiest link: bank %d, est. %s per frame (the bound)", r.LinkBank, formatUS(r.LinkNS))
		} else if r.LinkBank >= 0 {
			where += fmt.Sprintf("; busiest link: bank %d, est. %s per frame", r.LinkBank, formatUS(r.LinkNS))
		}
		fmt.Fprintf(w, "  slowest stage %d: est. %s per frame (FPS <= %.0f est.), %d frames per run; %s\n", r.Slowest, formatUS(sl.EstimatedNS), 1e9/period, r.Prog.FrameCount(), where)
		if r.BusyBound != nil {
			r.BusyBound.WriteBusyBound(w)
		}
	}
}

// ranges writes sorted distinct numbers as runs: "0-6", "3, 5, 8-9".
func ranges(xs []int) string {
	var out []string
	for i := 0; i < len(xs); {
		j := i
		for j+1 < len(xs) && xs[j+1] == xs[j]+1 {
			j++
		}
		if j > i {
			out = append(out, fmt.Sprintf("%d-%d", xs[i], xs[j]))
		} else {
			out = append(out, fmt.Sprint(xs[i]))
		}
		i = j + 1
	}
	return strings.Join(out, ", ")
}

func formatUS(ns float64) string { return fmt.Sprintf("%.1f us", ns/1000) }
