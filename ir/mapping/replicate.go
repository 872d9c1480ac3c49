package mapping

import (
	"fmt"
	"sort"
	"strconv"
)

// Replication: a replica is an identical copy of a layer's tiles on its own
// sub-arrays. The backend gives replica r of R the r-th of R slices of the
// output pixels and interleaves the replicas' bmacs, so sub-arrays that
// would wait for their own AND-sense (one bmac per sense latency on one
// sub-array) are fed one bmac per controller cycle instead (docs/ISA.md §4:
// units of different sub-arrays run in parallel, the controller issues one
// instruction per cycle). The instruction count does not change, so once a
// layer's bmacs are issue-bound more replicas gain nothing.

// MaxReplicas is the most replicas the backend can run for l: one per
// output pixel, and one DPU accumulator register each (v0 and v6 always;
// v4 and v5 too when the layer's channels fit one lane chunk, because the
// bias and multiplier vectors of a single chunk only use v2 and v3), or,
// when the channels of R replicas fit one DPU vector (R*F <= lanes), R
// replicas packed side by side in one register (the backend then gives
// them adjacent pixels, docs/BACKEND.md §3).
func MaxReplicas(l *Layer, lanes int) int {
	r := 2
	if lanes > 0 && l.F <= lanes {
		r = max(4, lanes/max(l.F, 1))
	}
	return max(1, min(r, Pixels(l.Node)))
}

// ParseReplicate reads a replicate setting (the map pass option, pimc
// compile -replicate): off (1), auto (Auto) or a count 1..4.
func ParseReplicate(s string) (int, error) {
	switch s {
	case "off":
		return 1, nil
	case "auto":
		return Auto, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want off, auto or a count 1..4, got %q", s)
	}
	if n > 4 {
		return 0, fmt.Errorf("replicas %d: want 1..4 (one DPU accumulator register each)", n)
	}
	return n, nil
}

// chooseReplicas is the auto policy. On a serial target each layer wants as
// many replicas as make its bmacs issue-bound: ceil(sense / (A x cycle))
// where A is the number of sub-arrays of one replica (whose bmacs already
// interleave). With group instructions every replica divides the layer's
// instructions (see above): a layer wants the most replicas the backend
// runs (MaxReplicas) that keep it within one group (group / A).
// Layers are served slowest first (estimated bmac time: pixels x bmacs per
// pixel x max(cycle, sense/A)) from the sub-arrays left idle by the
// unreplicated placement; a layer gets fewer replicas when the idle
// sub-arrays do not cover its wish, none when it has one output pixel.
func chooseReplicas(p *Plan) []int {
	reps := make([]int, len(p.Layers))
	for i, l := range p.Layers {
		reps[i] = l.Replicas
	}
	budget := p.Geom.Subarrays - p.Used
	if budget <= 0 || p.Geom.CyclePS <= 0 || p.Geom.SensePS <= 0 {
		return reps
	}
	type cand struct {
		i    int
		time float64
		want int
	}
	var cs []cand
	for i, l := range p.Layers {
		a := l.Subarrays
		px := Pixels(l.Node)
		if a == 0 || px < 2 {
			continue
		}
		want := int((p.Geom.SensePS + int64(a)*p.Geom.CyclePS - 1) / (int64(a) * p.Geom.CyclePS))
		per := max(float64(p.Geom.CyclePS), float64(p.Geom.SensePS)/float64(a))
		if p.Geom.Group > 0 {
			// Group instructions: a replica joins the layer's gbmacs
			// (one instruction for every sub-array of a round), so R
			// replicas divide the pixel loop by R as long as the layer
			// stays one group.
			want = p.Geom.Group / a
			per = max(float64(p.Geom.CyclePS), float64(p.Geom.SensePS)) / float64(a)
		}
		want = min(want, MaxReplicas(l, p.Geom.DPULanes))
		if want < 2 {
			continue
		}
		bmacs := float64(l.M * l.N * (l.WeightRows() / l.M))
		cs = append(cs, cand{i, float64(px) * bmacs * per, want})
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].time > cs[b].time })
	for _, c := range cs {
		size := p.Layers[c.i].Subarrays
		r := min(c.want, 1+budget/size)
		if r > 1 {
			reps[c.i] = r
			budget -= (r - 1) * size
		}
	}
	return reps
}
