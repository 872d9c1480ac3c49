package sim

import (
	"slices"

	"github.com/pimc-dev/pimc/isa"
)

// The device bound of one run (docs/PARALLEL.md §6), from the resource
// accounting of resources.go and the data flow of dataflow.go:
//
//   - A source's work on a resource is the occupancy it charged there; its
//     cost is the work of its busiest resource: the time the layer needs
//     with no waiting, if nothing else ran.
//   - The layer graph: source B depends on A if B read an ABUF word A wrote
//     last, or if both used one sub-array (its rows, latch and accumulators
//     are state that orders them; they are ordered by the first pc each
//     executed, the program's order). Sources that depend on each other both
//     ways (a cycle) form one node whose cost is the busiest resource's work
//     for all of them together.
//   - The critical path is the longest path through the graph, costs added.
//   - The pipeline bound is the busiest resource's total work per image: a
//     perfectly pipelined program, images streaming through, cannot finish
//     images faster than one per that (its FPS bound is 1 / it).
//   - The device bound of one image is the larger of the two: the critical
//     path alone is not a lower bound when independent layers share a
//     resource (the one controller of the serial machine: two independent
//     layers cannot both have it to themselves).
//
// Each cost is a throughput bound: it ignores the latency of filling and
// draining a unit pipeline (one bmac's sense, count and shift-add in a row).

// imageBound is the analysis of one run.
type imageBound struct {
	devicePS, pipelinePS, pathPS int64
	pipeRes                      Resource
	cost                         []int64    // per source index (src+1): work of its busiest resource
	busiest                      []Resource // that resource
	critical                     []bool     // on the critical path
	shared                       []int64    // per shared resource: total work
	stages                       []stageBound
}

// srcRes is the work of the sources on the resources of one run.
type srcRes struct {
	shared []int64   // [src*R + r]
	pairs  []srcSA   // (source, sub-array) pairs that did work or touched state
	work   []saUnits // per pair
}

// charges collects the work of run st per source and resource.
func (e *Executable) charges(st *RunStats) *srcRes {
	ns, nr := len(e.Prog.Sources)+1, e.shared.total
	w := &srcRes{shared: slices.Clone(st.Work)}
	if len(w.shared) != ns*nr {
		w.shared = make([]int64, ns*nr)
	}
	// Issue slots: the controller of the instruction's stream, issue_width
	// instructions per clock (shared code charged at run time).
	width := issueWidth(e.Target)
	pw := make([]saUnits, len(e.pairs))
	used := make([]bool, len(e.pairs))
	for pc, p := range st.PC {
		if p.Count == 0 {
			continue
		}
		if c := e.ctlOf[pc]; c >= 0 {
			w.shared[int(e.src[pc]+1)*nr+e.shared.id(ResIssue, int(c))] += p.Count * e.cost.cycle / width
		}
		for _, c := range e.saChg[e.saChgAt[pc]:e.saChgAt[pc+1]] {
			pw[c.pair][c.unit] += p.Count * c.lat
			used[c.pair] = true
		}
	}
	extra := map[srcSA]int{}
	for _, c := range st.SubarrayWork {
		p := srcSA{c.Src + 1, c.Subarray}
		if k, ok := e.pairIdx[p]; ok {
			for u := range c.Work {
				pw[k][u] += c.Work[u]
			}
			used[k] = true
			continue
		}
		k, ok := extra[p]
		if !ok {
			k = len(w.pairs)
			extra[p] = k
			w.pairs = append(w.pairs, p)
			w.work = append(w.work, saUnits{})
		}
		for u := range c.Work {
			w.work[k][u] += c.Work[u]
		}
	}
	var pairs []srcSA
	var work []saUnits
	for k, u := range used {
		if u {
			pairs = append(pairs, e.pairs[k])
			work = append(work, pw[k])
		}
	}
	w.pairs, w.work = append(pairs, w.pairs...), append(work, w.work...)
	return w
}

// bound analyses run st.
func (e *Executable) bound(st *RunStats) *imageBound {
	ns, nr := len(e.Prog.Sources)+1, e.shared.total
	w := e.charges(st)
	b := &imageBound{cost: make([]int64, ns), busiest: make([]Resource, ns), critical: make([]bool, ns), shared: make([]int64, nr)}

	// Per-source costs and per-resource totals.
	best := func(src int, work int64, r Resource) {
		if work > b.cost[src] || work == b.cost[src] && work > 0 && r.less(b.busiest[src]) {
			b.cost[src], b.busiest[src] = work, r
		}
	}
	for src := range ns {
		for r := range nr {
			x := w.shared[src*nr+r]
			b.shared[r] += x
			best(src, x, e.shared.resource(r))
		}
	}
	saTotal := map[int32]saUnits{}
	for k, p := range w.pairs {
		t := saTotal[p.sa]
		for u, x := range w.work[k] {
			t[u] += x
			best(int(p.src), x, Resource{ResArray + ResourceKind(u), int(p.sa)})
		}
		saTotal[p.sa] = t
	}
	pipe := func(x int64, r Resource) {
		if x > b.pipelinePS || x == b.pipelinePS && x > 0 && r.less(b.pipeRes) {
			b.pipelinePS, b.pipeRes = x, r
		}
	}
	for r, x := range b.shared {
		pipe(x, e.shared.resource(r))
	}
	for sa, t := range saTotal {
		for u, x := range t {
			pipe(x, Resource{ResArray + ResourceKind(u), int(sa)})
		}
	}

	// The layer graph and its longest path.
	g := e.layerGraph(st, w)
	b.pathPS = g.longestPath(b, w, nr)
	b.devicePS = max(b.pathPS, b.pipelinePS)
	b.stages = e.stages(st, w)
	return b
}

// stageBound is the work of one stream of a program with several (a
// pipeline stage): the sources its controller executes (the controller
// that executes most of a source's instructions), and their busiest
// resource's joint work.
type stageBound struct {
	srcs    []int
	cost    int64
	busiest Resource
}

// stages returns the stage of every controller of a program with several
// streams (nil otherwise), by controller.
func (e *Executable) stages(st *RunStats, w *srcRes) []stageBound {
	nc := len(e.Prog.Streams)
	if nc < 2 {
		return nil
	}
	ns := len(e.Prog.Sources) + 1
	count := make([]int64, ns*nc) // instructions of source s executed by controller c
	for pc, p := range st.PC {
		if c := e.ctlOf[pc]; c >= 0 && int(c) < nc && p.Count > 0 {
			count[int(e.src[pc]+1)*nc+int(c)] += p.Count
		}
	}
	out := make([]stageBound, nc)
	for s := range ns {
		best := -1
		for c := range nc {
			if n := count[s*nc+c]; n > 0 && (best < 0 || n > count[s*nc+best]) {
				best = c
			}
		}
		if best >= 0 {
			out[best].srcs = append(out[best].srcs, s)
		}
	}
	for c := range out {
		out[c].cost, out[c].busiest = componentCost(out[c].srcs, w, e.shared.total, &e.shared)
	}
	return out
}

// layerGraph is the dependence graph of the sources that ran.
type layerGraph struct {
	ns   int
	ran  []bool
	succ [][]int
}

func (e *Executable) layerGraph(st *RunStats, w *srcRes) *layerGraph {
	ns := len(e.Prog.Sources) + 1
	g := &layerGraph{ns: ns, ran: make([]bool, ns), succ: make([][]int, ns)}
	first := make([]int, ns)
	for i := range first {
		first[i] = -1
	}
	for pc, p := range st.PC {
		if s := int(e.src[pc] + 1); p.Count > 0 && first[s] < 0 {
			first[s] = pc
		}
	}
	for s := range ns {
		g.ran[s] = first[s] >= 0
	}
	for a := range ns {
		for r := range ns {
			if a != r && g.ran[a] && g.ran[r] && hasDep(st.Deps, ns, a, r) {
				g.succ[a] = append(g.succ[a], r)
			}
		}
	}
	// Sources sharing a sub-array, in program order.
	bySA := map[int32][]int{}
	for _, p := range w.pairs {
		if g.ran[p.src] {
			bySA[p.sa] = append(bySA[p.sa], int(p.src))
		}
	}
	for _, srcs := range bySA {
		slices.SortFunc(srcs, func(a, b int) int { return first[a] - first[b] })
		for i := 1; i < len(srcs); i++ {
			if a, r := srcs[i-1], srcs[i]; a != r && !slices.Contains(g.succ[a], r) {
				g.succ[a] = append(g.succ[a], r)
			}
		}
	}
	for a := range g.succ {
		slices.Sort(g.succ[a])
	}
	return g
}

// sccs returns the strongly connected components of the sources that ran,
// in topological order (Tarjan's algorithm emits them in reverse).
func (g *layerGraph) sccs() [][]int {
	index := make([]int, g.ns)
	low := make([]int, g.ns)
	on := make([]bool, g.ns)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, u := range g.succ[v] {
			if index[u] < 0 {
				visit(u)
				low[v] = min(low[v], low[u])
			} else if on[u] {
				low[v] = min(low[v], index[u])
			}
		}
		if low[v] == index[v] {
			var c []int
			for {
				u := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[u] = false
				c = append(c, u)
				if u == v {
					break
				}
			}
			slices.Sort(c)
			out = append(out, c)
		}
	}
	for v := range g.ns {
		if g.ran[v] && index[v] < 0 {
			visit(v)
		}
	}
	slices.Reverse(out)
	return out
}

// longestPath returns the critical path length through the components of
// g (costs from b, and for a multi-source component from w) and marks its
// sources in b.critical.
func (g *layerGraph) longestPath(b *imageBound, w *srcRes, nr int) int64 {
	comps := g.sccs()
	comp := make([]int, g.ns)
	for c, vs := range comps {
		for _, v := range vs {
			comp[v] = c
		}
	}
	cost := make([]int64, len(comps))
	for c, vs := range comps {
		if len(vs) == 1 {
			cost[c] = b.cost[vs[0]]
			continue
		}
		cost[c], _ = componentCost(vs, w, nr, nil)
	}
	best := make([]int64, len(comps)) // longest path into each component
	dist := make([]int64, len(comps))
	pred := make([]int, len(comps))
	for c := range comps {
		pred[c] = -1
	}
	end := -1
	for c, vs := range comps { // topological order: best[c] is final here
		dist[c] = best[c] + cost[c]
		if end < 0 || dist[c] > dist[end] {
			end = c
		}
		for _, v := range vs {
			for _, u := range g.succ[v] {
				if d := comp[u]; d != c && (pred[d] < 0 || dist[c] > best[d]) {
					best[d], pred[d] = dist[c], c
				}
			}
		}
	}
	if end < 0 {
		return 0
	}
	for c := end; c >= 0; c = pred[c] {
		for _, v := range comps[c] {
			b.critical[v] = true
		}
	}
	return dist[end]
}

// componentCost is the cost of sources vs together: the work of their
// busiest resource, and that resource (shared resource ids named by sh).
func componentCost(vs []int, w *srcRes, nr int, sh *sharedRes) (int64, Resource) {
	var cost int64
	var res Resource
	for r := range nr {
		var x int64
		for _, v := range vs {
			x += w.shared[v*nr+r]
		}
		if x > cost {
			cost = x
			if sh != nil {
				res = sh.resource(r)
			}
		}
	}
	sa := map[int32]saUnits{}
	var order []int32
	for k, p := range w.pairs {
		if slices.Contains(vs, int(p.src)) {
			t, ok := sa[p.sa]
			if !ok {
				order = append(order, p.sa)
			}
			for u, x := range w.work[k] {
				t[u] += x
			}
			sa[p.sa] = t
		}
	}
	for _, s := range order {
		for u, x := range sa[s] {
			if r := (Resource{ResArray + ResourceKind(u), int(s)}); x > cost || x == cost && x > 0 && r.less(res) {
				cost, res = x, r
			}
		}
	}
	return cost, res
}

// addBound folds the analysis of one run of nf frames (1 but for a
// pipelined program) into the summary and its phase.
func (s *Summary) addBound(b *imageBound, ph *Phase, nf int) {
	ph.DeviceBoundNS, ph.PipelineBoundNS = float64(b.devicePS)/1000, float64(b.pipelinePS)/1000
	ph.CriticalPathNS = float64(b.pathPS) / 1000
	s.devPS += b.devicePS
	s.pathPS += b.pathPS
	s.pipePS += b.pipelinePS
	if b.pipelinePS > s.pipeMax || b.pipelinePS == s.pipeMax && b.pipeRes.less(s.pipeRes) {
		s.pipeMax, s.pipeRes = b.pipelinePS, b.pipeRes
	}
	for src, c := range b.cost {
		s.srcCost[src] += c
		if c > s.srcBusyWork[src] || c == s.srcBusyWork[src] && c > 0 && b.busiest[src].less(s.srcBusy[src]) {
			s.srcBusyWork[src], s.srcBusy[src] = c, b.busiest[src]
		}
		if b.critical[src] {
			s.srcCrit[src] += int64(nf)
		}
	}
	for r, x := range b.shared {
		s.sharedWork[r] += x
	}
	s.addStages(b.stages)
}

// StageReport is one stream of a program with several (a pipeline stage):
// its controller, the layers it executes, the work of their busiest
// resource per image (BoundNS) and that resource.
type StageReport struct {
	Controller int      `json:"controller"`
	Layers     []string `json:"layers"`
	BoundNS    float64  `json:"bound_ns"`
	Busiest    string   `json:"busiest,omitempty"`
	Slowest    bool     `json:"slowest,omitempty"` // the stage with the largest bound (the first of equals)
}

// stageSum is the sum of one stage's bounds over the images of a summary.
type stageSum struct {
	srcs     []int
	cost     int64
	busy     Resource // busiest resource of its largest one-run cost
	busyWork int64
}

func (s *Summary) addStages(st []stageBound) {
	if s.stages == nil && st != nil {
		s.stages = make([]stageSum, len(st))
	}
	for c, b := range st {
		s.mergeStage(c, stageSum{b.srcs, b.cost, b.busiest, b.cost})
	}
}

func (s *Summary) mergeStage(c int, o stageSum) {
	t := &s.stages[c]
	for _, src := range o.srcs {
		if !slices.Contains(t.srcs, src) {
			t.srcs = append(t.srcs, src)
		}
	}
	slices.Sort(t.srcs)
	t.cost += o.cost
	if o.busyWork > t.busyWork || o.busyWork == t.busyWork && o.busyWork > 0 && o.busy.less(t.busy) {
		t.busy, t.busyWork = o.busy, o.busyWork
	}
}

// mergeBound adds the bound accounting of o to s (Summary.Merge).
func (s *Summary) mergeBound(o *Summary) {
	s.devPS += o.devPS
	s.pathPS += o.pathPS
	s.pipePS += o.pipePS
	if o.pipeMax > s.pipeMax || o.pipeMax == s.pipeMax && o.pipeRes.less(s.pipeRes) {
		s.pipeMax, s.pipeRes = o.pipeMax, o.pipeRes
	}
	for src := range s.srcCost {
		s.srcCost[src] += o.srcCost[src]
		if w := o.srcBusyWork[src]; w > s.srcBusyWork[src] || w == s.srcBusyWork[src] && w > 0 && o.srcBusy[src].less(s.srcBusy[src]) {
			s.srcBusyWork[src], s.srcBusy[src] = w, o.srcBusy[src]
		}
		s.srcCrit[src] += o.srcCrit[src]
	}
	for r := range s.sharedWork {
		s.sharedWork[r] += o.sharedWork[r]
	}
	if s.stages == nil && o.stages != nil {
		s.stages = make([]stageSum, len(o.stages))
	}
	for c, t := range o.stages {
		s.mergeStage(c, t)
	}
	s.busyPS += o.busyPS
	s.mergeBusy(o)
	s.winPS += o.winPS
	s.winBusyPS += o.winBusyPS
	s.winWork = addWork(s.winWork, o.winWork)
	s.runs += o.runs
}

// reportResources fills the bound figures and resource utilisation of rep
// (n images).
func (s *Summary) reportResources(rep *Report, n float64) {
	rep.Runs = s.runs
	slowest := -1
	for c, t := range s.stages {
		sr := StageReport{Controller: c, Layers: []string{}, BoundNS: float64(t.cost) / 1000 / n}
		for _, src := range t.srcs {
			sr.Layers = append(sr.Layers, sourceLabel(s.e.Prog, src))
		}
		if t.busyWork > 0 {
			sr.Busiest = t.busy.String()
		}
		if slowest < 0 || sr.BoundNS > rep.Stages[slowest].BoundNS {
			slowest = c
		}
		rep.Stages = append(rep.Stages, sr)
	}
	if slowest >= 0 {
		rep.Stages[slowest].Slowest = true
	}
	if p := rep.PerInference.PipelineBoundNS; p > 0 {
		rep.FPSBound = 1e9 / p
		rep.PipelineBusiest = s.pipeRes.String()
	}
	rep.Resources = []ResourceUse{}
	rep.ResourceCounts = map[string]int{}
	for k, c := range s.e.shared.n {
		if ResourceKind(k) == ResDRAM && (c == 0 || s.sharedWork[s.e.shared.id(ResDRAM, 0)] == 0) {
			continue // listed when a transfer used it: reports of programs without are unchanged
		}
		rep.ResourceCounts[ResourceKind(k).String()] = c
	}
	for r, w := range s.sharedWork {
		if w == 0 {
			continue
		}
		res := s.e.shared.resource(r)
		u := ResourceUse{Resource: res.String(), Kind: res.Kind.String(), Index: res.Index, BusyNS: float64(w) / 1000 / n}
		if s.latPS > 0 {
			u.Utilisation = float64(w) / float64(s.latPS)
		}
		if s.winPS > 0 && s.winWork != nil { // a pipelined batch (window.go)
			u.Utilisation, u.SteadyState = float64(s.winWork[r])/float64(s.winPS), true
		}
		rep.Resources = append(rep.Resources, u)
	}
}

// sourceBound fills the bound columns of source index src (src+1).
func (s *Summary) sourceBound(sr *SourceReport, src int, n float64) {
	sr.BoundNS = float64(s.srcCost[src]) / 1000 / n
	if s.srcBusyWork[src] > 0 {
		sr.Busiest = s.srcBusy[src].String()
	}
	sr.Critical = float64(2*s.srcCrit[src]) >= n && s.srcCrit[src] > 0
}

// sourceLabel names source index src (src+1) as the per-source table does.
func sourceLabel(p *isa.Program, src int) string {
	if src == 0 {
		return "(unattributed)"
	}
	return p.Sources[src-1].Layer
}
