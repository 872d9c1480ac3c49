package backend

import (
	"fmt"
	"io"
	"strings"
)

// Stage is one stage of a pipelined program (pimc compile -pipeline,
// docs/PARALLEL.md §7.1): consecutive device ops on one controller and
// stream, with their estimated time per frame.
type Stage struct {
	Controller int
	Layers     []string // the ops' layer names, in program order
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

// WriteStages prints the stages of a pipelined program, one line each
// (controller, layers, estimated time per frame and its busiest resource),
// then the slowest stage, whose time bounds the pipeline's FPS; nothing for
// a program that is not pipelined.
func (r *Result) WriteStages(w io.Writer) {
	for s, st := range r.Stages {
		fmt.Fprintf(w, "  stage %d (controller %d): %-12s est. %s (%s): %s\n", s, st.Controller, fmt.Sprintf("%d op(s)", len(st.Layers)), formatUS(st.EstimatedNS), st.Busiest, strings.Join(st.Layers, " "))
	}
	if len(r.Stages) > 0 {
		sl := r.Stages[r.Slowest]
		fmt.Fprintf(w, "  slowest stage %d: est. %s per frame (FPS <= %.0f est.), %d frames per run\n", r.Slowest, formatUS(sl.EstimatedNS), 1e9/sl.EstimatedNS, r.Prog.FrameCount())
	}
}

func formatUS(ns float64) string { return fmt.Sprintf("%.1f us", ns/1000) }
