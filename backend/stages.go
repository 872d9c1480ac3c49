package backend

import (
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
}

// opCost is the estimated work of one device op per frame: its controller
// issue slots, buffer port transfers and its busiest sub-array (an op's
// sub-arrays are its own, never another op's).
type opCost struct {
	issue, port, sub float64
	subIndex         int // the busiest sub-array, -1 none
}

func costOf(w *workEstimate) opCost {
	c := opCost{issue: w.issue, port: w.port, subIndex: -1}
	for s, x := range w.sub {
		if x > c.sub || x == c.sub && s < c.subIndex {
			c.sub, c.subIndex = x, s
		}
	}
	return c
}

// stageCost is the estimated time of ops as one stage: the ops share the
// controller's issue slots and buffer port, each keeps its sub-arrays.
func stageCost(ops []opCost) (float64, string) {
	var issue, port, sub float64
	si := -1
	for _, o := range ops {
		issue += o.issue
		port += o.port
		if o.sub > sub {
			sub, si = o.sub, o.subIndex
		}
	}
	switch {
	case issue >= port && issue >= sub:
		return issue, "controller issue"
	case port >= sub:
		return port, "buffer port"
	}
	return sub, fmt.Sprintf("sub-array %d", si)
}

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
		var issue, port, sub float64
		for j := i + 1; j <= n; j++ {
			o := ops[j-1]
			issue += o.issue
			port += o.port
			sub = max(sub, o.sub)
			cost[i][j] = max(issue, port, sub)
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

// scaleOps is the cost of every op with op i's work scaled by share[i]:
// the part of it that the busiest controller of a split op does (its issue
// slots, port transfers and sub-array work all follow its pixel bodies;
// each piece drives as many replicas as the unsplit op, docs/BACKEND.md §8).
func scaleOps(ops []opCost, share []float64) []opCost {
	out := make([]opCost, len(ops))
	for i, o := range ops {
		f := share[i]
		out[i] = opCost{issue: o.issue * f, port: o.port * f, sub: o.sub * f, subIndex: o.subIndex}
	}
	return out
}

// balanceStages partitions ops into stages and splits ops over the
// controllers the stages leave (docs/PARALLEL.md §7.1 "Splitting one layer
// over controllers"): while a controller is left, the costliest op of the
// slowest stage that can run on one more controller gets it (share(i, k):
// the part of op i's work its busiest piece does on k controllers, false
// when it cannot split so), and the stages are partitioned again over the
// controllers left (a split op's helpers take controllers from the
// stages); fits says whether the sub-arrays of the stages and splits fit the target. It
// returns the stage starts and every op's pieces of the cheapest pipeline
// seen (fewest controllers among equals). A step that does not make the
// pipeline slower is taken, so stages tied for the slowest, and pixel
// ranges that only divide evenly at a larger split, are split on.
func balanceStages(ops []opCost, controllers int, share func(i, k int) (float64, bool), fits func(starts, split []int) bool) ([]int, []int, []float64) {
	split := make([]int, len(ops))
	frac := make([]float64, len(ops))
	for i := range split {
		split[i], frac[i] = 1, 1
	}
	extra := 0
	eval := func() ([]int, float64, int) {
		scaled := scaleOps(ops, frac)
		starts := partitionStages(scaled, controllers-extra)
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
		return starts, worst, slow
	}
	starts, worst, slow := eval()
	bestStarts, bestWorst := starts, worst
	bestSplit, bestFrac := slices.Clone(split), slices.Clone(frac)
	for len(ops) > 0 && controllers-extra-1 >= 1 {
		lo, hi := starts[slow], len(ops)
		if slow+1 < len(starts) {
			hi = starts[slow+1]
		}
		pick, pickCost, pickFrac := -1, 0.0, 0.0
		for i := lo; i < hi; i++ {
			o := ops[i]
			c := max(o.issue, o.port, o.sub) * frac[i]
			if c <= pickCost {
				continue
			}
			if f, ok := share(i, split[i]+1); ok {
				pick, pickCost, pickFrac = i, c, f
			}
		}
		if pick < 0 {
			break
		}
		oldFrac := frac[pick]
		split[pick]++
		frac[pick] = pickFrac
		extra++
		st, w, sl := eval()
		if w > worst*(1+1e-9) || !fits(st, split) {
			split[pick]--
			frac[pick] = oldFrac
			extra--
			break
		}
		starts, worst, slow = st, w, sl
		if w < bestWorst*(1-1e-9) {
			bestStarts, bestWorst = st, w
			bestSplit, bestFrac = slices.Clone(split), slices.Clone(frac)
		}
	}
	return bestStarts, bestSplit, bestFrac
}

// WriteStages prints the stages of a pipelined program, one line each
// (controller, layers, estimated time per frame and its busiest resource),
// then the slowest stage, whose time bounds the pipeline's FPS; nothing for
// a program that is not pipelined.
func (r *Result) WriteStages(w io.Writer) {
	for s, st := range r.Stages {
		ctrl := fmt.Sprintf("controller %d", st.Controller)
		if n := len(st.Controllers); n > 1 {
			ctrl = fmt.Sprintf("controllers %d-%d", st.Controllers[0], st.Controllers[n-1])
		}
		split := ""
		if len(st.Split) > 0 {
			split = "; split: " + strings.Join(st.Split, ", ")
		}
		fmt.Fprintf(w, "  stage %d (%s): %-12s est. %s (%s): %s%s\n", s, ctrl, fmt.Sprintf("%d op(s)", len(st.Layers)), formatUS(st.EstimatedNS), st.Busiest, strings.Join(st.Layers, " "), split)
	}
	if len(r.Stages) > 0 {
		sl := r.Stages[r.Slowest]
		where := "every layer in its controller's bank"
		if !r.StagesLocal {
			where = "some layers outside their controllers' banks (no room: link hops)"
		}
		fmt.Fprintf(w, "  slowest stage %d: est. %s per frame (FPS <= %.0f est.), %d frames per run; %s\n", r.Slowest, formatUS(sl.EstimatedNS), 1e9/sl.EstimatedNS, r.Prog.FrameCount(), where)
	}
}

func formatUS(ns float64) string { return fmt.Sprintf("%.1f us", ns/1000) }
