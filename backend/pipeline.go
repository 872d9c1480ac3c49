package backend

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// A pipelined program (pimc compile -pipeline, docs/PARALLEL.md §7.1,
// docs/BACKEND.md §8): the device segment's ops are cut into stages
// (stages.go) and stage s runs on controller s as stream s, looping over the
// n frames of the run (n read from the count word). Each stage computes in
// buffers of its own (an arena of ABUF no other stage uses), with the code
// the non-pipelined compiler emits for its ops; values cross stages through
// rings:
//
//	stage s, per frame:
//	  per input port it reads:   bcopy frame f of the port -> local copy
//	  per input edge e:          twait full[e]; bcopy ring slot -> local copy; tsig free[e]
//	  the stage's ops
//	  per output edge e:         twait free[e]; bcopy local value -> ring slot; tsig full[e]
//	  per output port it makes:  bcopy local value -> frame f of the port
//
// An edge is a value produced in stage p and read in stage c > p (a value
// read by several later stages is one edge per reader). Its ring has
// depth c - p + 1 slots, each the size of the producer's buffer (zero
// margins included), and two tokens (full, free); the consumer grants the
// producer depth free slots at its start. The consumer signals free right
// after copying the slot in, so the producer may refill it while the
// consumer computes. Slot and frame offsets live in stage-private ABUF words
// (zero at reset), so a stage holds one register across its ops: the frame
// counter.

// DefaultFrames is the frames per run of a pipelined program when
// Options.Frames is 0: 16, the batch issue 11's FPS is measured on, so one
// run streams the whole batch.
const DefaultFrames = 16

// pipePlan says how to pipeline: the frames per run, the stage of every
// device op, the controller (stream) of every stage, and the layers split
// over controllers (split.go).
type pipePlan struct {
	frames  int
	stageOf map[*ir.Node]int
	stages  int
	ctrl    []int // by stage
	// split is the number of pixel pieces of a matrix op split over
	// controllers (split.go; absent: 1), chunks its chunk pieces
	// (chunks.go; absent: 1); pieceCtrl the controller of each piece of
	// every op, pixel piece p's chunk piece j at p*chunks+j (piece 0: its
	// stage's controller).
	split     map[*ir.Node]int
	chunks    map[*ir.Node]int
	pieceCtrl map[*ir.Node][]int
	nextTok   int // the next token a split layer takes
	// loadTok: the first of the weight loads' tokens (reprogram_loader.go),
	// once loadTokSet.
	loadTok    int
	loadTokSet bool
	// lanes: the target's DPU lanes (the lane chunks of chunk pieces).
	lanes int
	// local: the pieces are placed in their controllers' banks where the
	// rest still fits (else packed); allLocal: every piece is.
	local, allLocal bool
	// remote: the banks each piece of every matrix op reaches over a
	// link as placed (noteRemote; by node, piece).
	remote map[*ir.Node][]map[int]float64
	// window is the window stage (the last; -1: none), which loops over
	// its ops outside and the run's frames inside (window.go);
	// windowCtrls its own controllers (its stream's first, then the
	// helpers its split ops share), which renumber leaves as they are;
	// late the controllers its later ops' pieces run on besides them,
	// after whatever earlier stage or helper runs there (windowSplits).
	window      int
	windowCtrls []int
	late        []int
	// nodes: the device ops, in program order.
	nodes []*ir.Node
	// caps fixes the spread of the layers it names in the placement in
	// their controllers' banks (mapping.Piece.Cap; boundSpread).
	caps map[*ir.Node]int
	// reps: the replicas on each pixel piece of the layers it names
	// (mapping.Piece.Replicas; absent: the mapping's), opSplit.reps.
	reps map[*ir.Node]int
	// dense: every matrix layer as the map pass laid it out (not spread),
	// which its chunk cuts follow (cutsOf; nil: the layer as placed).
	dense map[*ir.Node]*mapping.Layer
}

// compilePipeline compiles g once without pipelining to estimate the work
// of every op (estimate.go), partitions the ops into stages, splits the
// slowest stages' matrix layers over the controllers the stages leave
// (balanceStages) and compiles again with that plan.
func compilePipelineOn(g *ir.Graph, tgt *target.Target, opts Options) (*Result, error) {
	if opts.rows == nil {
		opts.rows = newWeightRowCache() // for every compile below
	}
	frames, maxStages := opts.Frames, int(tgt.Controllers())
	if frames == 0 {
		frames = DefaultFrames
	}
	if !opts.Pipeline { // Split: one stage, one image per run
		frames, maxStages = 1, 1
	}
	if frames < 1 || frames > isa.MaxFrames {
		return nil, fmt.Errorf("backend: -pipeline: %d frames per run, want 1..%d", frames, isa.MaxFrames)
	}
	flat, err := compileWith(g, tgt, opts, nil)
	if err != nil {
		return nil, err
	}
	// win: the first op of the window stage (docs/PARALLEL.md §8.2), the
	// first reprogrammed layer's; len(devNodes) when every weight is
	// stationary (no window stage).
	win := len(flat.devNodes)
	if r := flat.Reprogram; r.Layers > 0 {
		if !opts.Pipeline {
			return nil, fmt.Errorf("backend: -split needs every weight stationary: this model's weights need more sub-arrays than the target %q has (%d), and %d of its layers are reprogrammed per image from the DRAM (compile without -split, or with -pipeline: a window stage reprograms them once per run)", tgt.Name, flat.TotalSubarrays, r.Layers)
		}
		if tgt.Controllers() < 2 {
			return nil, fmt.Errorf("backend: -pipeline: %d of this model's layers are reprogrammed from the DRAM, which needs a window stage on a controller of its own; the target %q has %d controller", r.Layers, tgt.Name, tgt.Controllers())
		}
		for i, n := range flat.devNodes {
			if reprogrammedOp(flat, n) {
				win = i
				break
			}
		}
	}
	if flat.Segments != 1 {
		return nil, fmt.Errorf("backend: -pipeline needs a model with one device segment; this one has %d (host ops between device ops)", flat.Segments)
	}
	work, err := estimateWork(flat.Prog, tgt)
	if err != nil {
		return nil, fmt.Errorf("backend: -pipeline: %w", err)
	}
	ops := make([]opCost, len(flat.devNodes))
	for i, n := range flat.devNodes {
		ops[i] = costOf(&work[flat.srcOf[n]+1])
	}
	plan, err := mapping.DecodeGraph(g, mapping.GeometryOf(tgt))
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	controllers := int(tgt.Controllers())
	// place: the stages at starts with their ops split as sp placed in
	// their controllers' banks where the rest still fits (placePieces):
	// the busiest bank link's work and whether they fit the target's
	// sub-arrays.
	reps := make([]int, len(plan.Layers)) // the mapping's (placing sets the total)
	for i, l := range plan.Layers {
		reps[i] = l.Replicas
	}
	lanes := int(tgt.Geometry.DPULanes.Value)
	// withWindow adds the window stage (ops win..) to a partition of the
	// ops before it.
	// winSp: the window stage's ops' splits (by chunks, over winCtrls,
	// the controllers local to the window's banks, the first winCore of
	// them its own and the rest late; windowSplits).
	var winSp []opSplit
	var winCtrls []int
	var winCore int
	withWindow := func(starts []int, sp []opSplit) ([]int, []opSplit) {
		if win == len(ops) {
			return starts, sp
		}
		return append(slices.Clone(starts), win), append(slices.Clone(sp), winSp...)
	}
	flatLayer := map[*ir.Node]*mapping.Layer{} // the mapping's, as the flat program placed it
	if fp, err := mapping.DecodeGraph(g, mapping.GeometryOf(tgt)); err == nil {
		flatLayer = fp.ByNode
	}
	newPlan := func(starts []int, sp []opSplit) *pipePlan {
		starts, sp = withWindow(starts, sp)
		pp := &pipePlan{nodes: flat.devNodes, stageOf: map[*ir.Node]int{}, stages: len(starts), split: map[*ir.Node]int{}, chunks: map[*ir.Node]int{}, pieceCtrl: map[*ir.Node][]int{}, local: true, lanes: lanes, window: -1, dense: flatLayer, caps: map[*ir.Node]int{}, reps: map[*ir.Node]int{}}
		if win < len(ops) {
			pp.window = len(starts) - 1
		}
		n := make([]int, len(sp))
		for i := range sp {
			n[i] = sp[i].pieces()
		}
		ctrls, first := assignControllers(starts, n)
		pp.ctrl = first
		if pp.window >= 0 {
			// The window stage's controllers are fixed (renumber leaves
			// them): its stream on the first, helpers shared by its ops.
			used := maxPieces(winSp)
			pp.windowCtrls = winCtrls[:min(used, winCore)]
			if used > winCore {
				pp.late = winCtrls[winCore:used]
			}
			pp.ctrl[pp.window] = winCtrls[0]
			for i := win; i < len(sp); i++ {
				ctrls[i] = slices.Clone(winCtrls[:sp[i].pieces()])
			}
		}
		for s, lo := range starts {
			hi := len(sp)
			if s+1 < len(starts) {
				hi = starts[s+1]
			}
			for i := lo; i < hi; i++ {
				nd := flat.devNodes[i]
				pp.stageOf[nd] = s
				pp.pieceCtrl[nd] = ctrls[i]
				if sp[i].kp > 1 {
					pp.split[nd] = sp[i].kp
				}
				if sp[i].kc > 1 {
					pp.chunks[nd] = sp[i].kc
				}
				if sp[i].cap > 0 {
					pp.caps[nd] = sp[i].cap
				}
				if sp[i].reps > 0 {
					pp.reps[nd] = sp[i].reps
				}
			}
		}
		return pp
	}
	// costs: the estimates of the ops as placed (a spread layer's are
	// not the dense program's, placed.go).
	costs := newPlacedCosts(g, tgt, opts, flat, ops)
	place := func(starts []int, sp []opSplit) ([]float64, []opCost, bool) {
		for i, l := range plan.Layers {
			l.Replicas = reps[i]
		}
		pp := newPlan(starts, sp)
		if pp.placePieces(plan, controllers) != nil || plan.FitError() != nil {
			return nil, nil, false
		}
		placed, ok := costs.of(plan, pp.reps)
		if !ok {
			return nil, nil, false
		}
		cur := ops
		if placed != nil {
			cur = placed
		}
		_, full := withWindow(nil, sp)
		loads := pp.linkLoads(flat.devNodes, cur, full)
		var out []float64
		for _, b := range slices.Sorted(maps.Keys(loads)) {
			out = append(out, loads[b])
		}
		// The stream of a piece outside its controller's bank waits for
		// its link on every sub-array instruction.
		if far, ok := pp.remoteStreams(flat.devNodes, cur); ok {
			placed = far
		}
		return out, placed, true
	}
	chunkBatch := max(1, mapping.GeometryOf(tgt).ChunkBatch)
	share := func(i int, s opSplit) (pieceShare, bool) {
		l := plan.ByNode[flat.devNodes[i]]
		fl := flatLayer[flat.devNodes[i]]
		if l == nil || fl == nil {
			return pieceShare{}, false
		}
		// The shares of a layer given its own replicas per piece are
		// of its program with that many on one controller (placed.go).
		r, packed := reps[slices.Index(plan.Layers, l)], flat.packed[l.Node]
		if s.reps > 0 {
			pc := costs.at(i, pieceLayout{reps: s.reps})
			if !pc.ok {
				return pieceShare{}, false
			}
			r, packed = s.reps, pc.packed
		}
		ps, ok := splitShare(l.Node, r, s.kp, packed)
		if !ok {
			return pieceShare{}, false
		}
		cs, ok := chunkShare(fl, lanes, s.kc)
		if !ok {
			return pieceShare{}, false
		}
		// The emitter's batches: with a plane sequencer, as many lane
		// chunks as unhoisted accumulator registers (chunkAccs: 4, and
		// v1 without an output zero point); one at a time otherwise.
		batch := 1
		if chunkBatch > 1 && !fl.PlusMinus {
			batch = len(chunkAccs(false, fl.Node.Int("y_zero", 0) == 0))
		}
		cw, ok := chunkWaitShare(fl, lanes, s.kc, batch)
		if !ok {
			return pieceShare{}, false
		}
		return pieceShare{issue: ps * cs, sub: ps, wait: ps * cw}, true
	}
	var bl []balanceLayer
	for i, n := range flat.devNodes {
		l := flatLayer[n]
		if l == nil {
			continue
		}
		sas := map[int]bool{}
		for _, t := range l.Tiles {
			if t.Replica == 0 {
				sas[t.SA] = true
			}
		}
		bodies := nestIters(pixelDims(n), l.Replicas, flat.packed[n])
		bl = append(bl, balanceLayer{subarrays: len(sas), pixels: mapping.Pixels(n), work: ops[i].sub / float64(max(1, bodies))})
	}
	bound, hasBound := pixelBalanceBound(bl, int(tgt.Arch().Subarrays))
	// spread: the filters per tile with which op i's layer spreads one
	// tile per sub-array over at most a group's sub-arrays per replica
	// (-spread; 0: it does not spread, or no -spread).
	var spread func(i int) int
	if opts.Spread {
		geo := mapping.GeometryOf(tgt)
		n := geo.Group
		if geo.PerBank > 0 {
			n = min(n, geo.PerBank)
		}
		spread = func(i int) int {
			l := flatLayer[flat.devNodes[i]]
			if l == nil || l.Reprogrammed || n <= 0 {
				return 0
			}
			if c, ok := mapping.SpreadCap(l, geo.Rows, n); ok {
				return c
			}
			return 0
		}
	}
	// replicate: the replicas on each pixel piece of op i split as s with
	// one more (docs/PARALLEL.md §8.11): a stationary matrix layer whose
	// pieces would still have pixels for every replica, up to the most
	// the emitter runs on one controller (mapping.MaxReplicas; share
	// refuses a count it cannot compile); 0: none more.
	replicate := func(i int, s opSplit) int {
		n := flat.devNodes[i]
		l := flatLayer[n]
		if !opts.PieceReplicas || l == nil || l.Reprogrammed {
			return 0
		}
		r := reps[slices.Index(plan.Layers, plan.ByNode[n])]
		if s.reps > 0 {
			r = s.reps
		}
		if r+1 > mapping.MaxReplicas(l, lanes) || (r+1)*s.kp > mapping.Pixels(n) {
			return 0
		}
		return r + 1
	}
	costs.replicable = map[int]int{}
	for i, n := range flat.devNodes {
		if replicate(i, whole) > 0 {
			costs.replicable[i] = mapping.MaxReplicas(flatLayer[n], lanes)
		}
	}
	var starts []int
	var sp []opSplit
	placedOps := ops // the ops' costs as the chosen pipeline places them
	// split: the window stage's op i split in kc chunk pieces.
	split := func(i, kc int) (opSplit, bool) {
		s := opSplit{kp: 1, kc: kc}
		sh, ok := share(win+i, s)
		s.set(sh)
		return s, ok
	}
	// choices: the pipelines to compile, the estimated fastest first;
	// without a window stage, the balance's one. With one, the others
	// follow by estimate: a target whose tokens take the first not even
	// without late controllers compiles the next (fewer helpers).
	// A choice's window stage has core own controllers, ctrls (and its
	// ops split as wsp over them).
	type choice struct {
		t       float64
		starts  []int
		sp, wsp []opSplit
		ctrls   []int
		core    int
		placed  []opCost
	}
	var choices []choice
	if win == len(ops) {
		starts, sp, placedOps = balanceStages(ops, controllers, maxStages, share, spread, replicate, place)
		choices = append(choices, choice{starts: starts, sp: sp, placed: placedOps})
	} else {
		// The window stage on 1, 2, ... of the controllers local to its
		// banks, the stages before it balanced over the rest: the
		// choice whose run of frames is estimated shortest
		// (windowRunTime).
		writes := windowWrites(flat, work, flat.devNodes[win:]) / float64(frames)
		best := -1
		// The window's own controllers are chosen on its ops split over
		// them alone (before §8.8's late controllers: counting those,
		// the estimate chose 1 own controller for VGG-11-BN, which ran
		// 6.67 ms per run against 6.49 ms with 3, its stages before the
		// window slower than estimated); the later ops then take the
		// late controllers too, which changes none of the stages before.
		_, _, most := windowSplits(plan, controllers, flat.devNodes[win:], split, win > 0, controllers, 0)
		for k := 1; k <= most; k++ {
			cs, wsp, core := windowSplits(plan, controllers, flat.devNodes[win:], split, win > 0, k, 0)
			if k > 1 && maxPieces(wsp) < k {
				break // no op takes k pieces
			}
			winCtrls, winSp, winCore = cs, wsp, core
			var st []int
			var ssp []opSplit
			before := ops[:0]
			if win > 0 {
				st, ssp, before = balanceStages(ops[:win], controllers-min(core, maxPieces(wsp)), maxStages-1, share, spread, replicate, place)
			}
			all := append(slices.Clone(before), ops[win:]...)
			t := windowRunTime(all, win, st, ssp, wsp, writes, frames)
			if best < 0 || t < choices[best].t*(1-1e-9) {
				best = len(choices)
			}
			choices = append(choices, choice{t, st, ssp, wsp, cs, core, all})
		}
		first := choices[best]
		rest := slices.Delete(slices.Clone(choices), best, best+1)
		slices.SortStableFunc(rest, func(a, b choice) int { return cmp.Compare(a.t, b.t) })
		choices = append([]choice{first}, rest...)
	}
	var plan2 *pipePlan
	var res *Result
	var firstErr error
	for _, ch := range choices {
		starts = ch.starts
		// late: the most late controllers the window's later ops take
		// (window_late.go); half as many when the program does not
		// compile with them (each piece takes two tokens), none at last:
		// the pipeline as chosen without them.
		late := 0
		if win < len(ops) {
			late = controllers
		}
		for {
			sp, placedOps = ch.sp, ch.placed
			if win < len(ops) {
				winCtrls, winSp, winCore = windowSplits(plan, controllers, flat.devNodes[win:], split, win > 0, ch.core, late)
				if !slices.Equal(ch.ctrls, winCtrls[:ch.core]) || len(ch.wsp) == 0 || ch.wsp[0] != winSp[0] {
					return nil, fmt.Errorf("backend: BUG: -pipeline: the window's late controllers changed its own (%v, then %v)", ch.ctrls, winCtrls)
				}
			}
			if opts.Spread {
				dense := func(i int) int {
					most := 0
					if l := flatLayer[flat.devNodes[i]]; l != nil {
						for _, t := range l.Tiles {
							most = max(most, t.To-t.From)
						}
					}
					return most
				}
				sp = boundSpread(ops, starts, sp, dense, place, withWindow)
				if _, p, ok := place(starts, sp); ok && p != nil {
					placedOps = p
				}
			}
			plan2 = newPlan(starts, sp)
			plan2.frames = frames
			var err error
			res, err = compileWith(g, tgt, opts, plan2) // places plan2: its controllers numbered by banks
			if err == nil || len(plan2.late) == 0 {
				if firstErr == nil {
					firstErr = err
				}
				break
			}
			late = len(plan2.late) / 2
		}
		if res != nil {
			break
		}
	}
	if res == nil {
		return nil, firstErr
	}
	starts, sp = withWindow(starts, sp)
	scaled := scaleOps(placedOps, sp)
	var stages []Stage
	for s, lo := range starts {
		hi := len(ops)
		if s+1 < len(starts) {
			hi = starts[s+1]
		}
		st := Stage{Controller: plan2.ctrl[s]}
		for i, n := range flat.devNodes[lo:hi] {
			st.Controllers = append(st.Controllers, plan2.pieceCtrl[n]...)
			st.Layers = append(st.Layers, layerName(n, flat.Prog, flat.srcOf[n]))
			if x := splitName(sp[lo+i]); x != "" {
				st.Split = append(st.Split, st.Layers[len(st.Layers)-1]+" "+x)
			}
		}
		slices.Sort(st.Controllers)
		st.Controllers = slices.Compact(st.Controllers)
		st.EstimatedNS, st.Busiest = stageCost(scaled[lo:hi])
		if s == plan2.window {
			st.Window = true
			st.Late = slices.Sorted(slices.Values(plan2.late))
			st.EstimatedNS += windowWrites(flat, work, flat.devNodes[lo:hi]) / float64(frames)
		}
		stages = append(stages, st)
	}
	res.Stages = stages
	res.LinkBank = -1
	loads := plan2.linkLoads(flat.devNodes, placedOps, sp) // placed by compileWith
	for _, b := range slices.Sorted(maps.Keys(loads)) {
		if loads[b] > res.LinkNS {
			res.LinkNS, res.LinkBank = loads[b], b
		}
	}
	if hasBound {
		res.BusyBound = &bound
	}
	for s := range stages {
		if stages[s].EstimatedNS > stages[res.Slowest].EstimatedNS {
			res.Slowest = s
		}
	}
	res.RunNS = estimatedRun(ops, win, starts, sp, windowWrites(flat, work, flat.devNodes[win:])/float64(frames), res.LinkNS, frames)
	return res, nil
}

// splitName says how an op is split in the stage summary: "x7" (7
// pixel pieces), "x9 by chunks", "x6 (2 by pixels x 3 by chunks)", or ""
// for an op on one controller; "x3, 4 replicas each" (or "4 replicas" on
// one controller) for an op given its own replicas per piece (§8.11).
func splitName(s opSplit) string {
	name := ""
	switch {
	case s.pieces() == 1:
	case s.kc == 1:
		name = fmt.Sprintf("x%d", s.kp)
	case s.kp == 1:
		name = fmt.Sprintf("x%d by chunks", s.kc)
	default:
		name = fmt.Sprintf("x%d (%d by pixels x %d by chunks)", s.pieces(), s.kp, s.kc)
	}
	switch {
	case s.reps > 0 && name == "":
		name = fmt.Sprintf("%d replicas", s.reps)
	case s.reps > 0:
		name += fmt.Sprintf(", %d replicas each", s.reps)
	}
	return name
}

// layerName is the layer of op n's source in prog.
func layerName(n *ir.Node, prog *isa.Program, src int32) string {
	if src >= 0 && int(src) < len(prog.Sources) {
		return prog.Sources[src].Layer
	}
	return n.Name
}

// loadFrames sets register r to the frames of the run: the count word's,
// or 1 in a program of one frame per run (Split), which has none.
func (c *compiler) loadFrames(r int64, count int) {
	if c.pipe.frames <= 1 {
		c.e.emit(isa.OpLi, r, 1)
		return
	}
	c.e.emit(isa.OpLd, r, 0, int64(count))
}

// emitIdle gives every controller below the highest one that runs a stage
// or a helper and runs neither a stream that halts at once: streams are
// numbered as the controllers (stream i runs on controller i, without
// gaps), and controllers numbered by banks (renumber) may leave some
// between them idle.
func (c *compiler) emitIdle() {
	used := map[int]bool{}
	top := -1
	for _, x := range c.pipe.ctrl {
		used[x], top = true, max(top, x)
	}
	for _, h := range c.helpers {
		used[h.ctrl], top = true, max(top, h.ctrl)
	}
	for x := range top {
		if !used[x] {
			label := fmt.Sprintf("idle_%d", x)
			c.e.b.Label(label)
			c.e.b.Stream(x, label)
			c.e.b.ClearSource()
			c.e.emit(isa.OpHalt)
		}
	}
}

// edge is a value crossing from stage from to stage to through a ring.
type edge struct {
	v        *ir.Value
	from, to int
	ring     int // first word of the ring (depth slots of size words)
	size     int // words of a slot: the producer's buffer
	src      int // the producer's buffer's first word
	depth    int
	tok      int // full = tok, free = tok + 1
	// stage-private words holding the slot offset of the producer and of
	// the consumer
	prodOff, consOff int
	prodLay          *layout // the producer's layout of v
}

// runPipeline emits the pipelined device segment (one segment: checked by
// compilePipeline).
func (c *compiler) runPipeline() error {
	e, p := c.e, c.pipe
	const k = 0
	c.buf = abuf{size: e.arch.ActBufferWords}
	c.seg = k
	c.lay = map[*ir.Value]*layout{}
	count, _, ok := c.buf.take(1, false)
	if !ok {
		return fmt.Errorf("backend: -pipeline: activation buffer full")
	}
	e.b.SetFrames(p.frames, uint32(count))
	// Ports hold the frames back to back.
	portAddr := map[*ir.Value]int{}
	for _, vs := range [][]*ir.Value{c.part.segIn[k], c.part.segOut[k]} {
		for _, v := range vs {
			if _, done := portAddr[v]; done {
				continue
			}
			n := numElems(v.Type.Shape)
			a, _, ok := c.buf.take(n*p.frames, false)
			if !ok {
				return fmt.Errorf("backend: -pipeline: port %q: %d frames of %d words do not fit the activation buffer (%d words; lower -pipeline-frames or raise act_buffer_words)", c.names[v], p.frames, n, c.buf.size)
			}
			portAddr[v] = a
		}
	}
	isIn := map[*ir.Value]bool{}
	for _, v := range c.part.segIn[k] {
		isIn[v] = true
	}
	// Device ops by stage, and the stage that produces each value.
	byStage := make([][]int, p.stages)
	prod := map[*ir.Value]int{}
	for i, n := range c.g.Nodes {
		if !onDevice(n) || (c.part.phase[n]-1)/2 != k {
			continue
		}
		s := p.stageOf[n]
		byStage[s] = append(byStage[s], i)
		for _, o := range n.Outputs {
			prod[o] = s
		}
	}
	// Edges, by consumer; the stage that writes each output port.
	var edges []*edge
	outStage := map[*ir.Value]int{}
	for _, v := range c.part.segOut[k] {
		s, ok := prod[v]
		if !ok {
			return fmt.Errorf("backend: -pipeline: output %q is a device input passed through unchanged; not supported", c.names[v])
		}
		outStage[v] = s
	}
	for s, idx := range byStage {
		seen := map[*ir.Value]bool{}
		for _, i := range idx {
			for _, v := range c.g.Nodes[i].Inputs {
				if from, ok := prod[v]; v != nil && ok && from < s && !seen[v] {
					seen[v] = true
					edges = append(edges, &edge{v: v, from: from, to: s, depth: s - from + 1, tok: 2 * len(edges)})
				}
			}
		}
	}
	if t := 2 * len(edges); t > e.arch.Tokens {
		return fmt.Errorf("backend: -pipeline: %d stages exchange %d values, which need %d tokens; the target %q has %d (parallel.tokens)", p.stages, len(edges), t, c.tgt.Name, e.arch.Tokens)
	}
	p.nextTok = 2 * len(edges)
	c.pf = c.planPrefetch(byStage, edges)
	for s := range p.stages {
		emit := c.emitStage
		if s == p.window {
			emit = c.emitWindowStage
		}
		lo := c.buf.top
		if err := emit(s, byStage[s], edges, portAddr, isIn, outStage, count); err != nil {
			return err
		}
		if c.pf != nil && s != p.window {
			c.pf.regions[s] = region{start: lo, size: c.buf.top - lo}
		}
	}
	if p.nextTok > e.arch.Tokens {
		loader := ""
		if p.loadTokSet {
			loader = fmt.Sprintf(" and the window's weight loader (%d)", loaderTokens)
		}
		if c.pf != nil {
			loader += fmt.Sprintf(" and the window's weight prefetch (%d)", len(c.pf.done)+2+3*len(c.pf.writerTok))
		}
		return fmt.Errorf("backend: -pipeline: %d values between stages and %d helper controllers of split layers%s need %d tokens; the target %q has %d (parallel.tokens)", len(edges), len(c.helpers), loader, p.nextTok, c.tgt.Name, e.arch.Tokens)
	}
	if c.pf != nil {
		c.addPrefetcher()
	}
	// Helpers on one controller (a window stage's, shared by its split
	// ops) run one after the other in one stream, as the stage does.
	var byCtrl [][]helperStream
	for _, h := range c.helpers {
		k := slices.IndexFunc(byCtrl, func(hs []helperStream) bool { return hs[0].ctrl == h.ctrl })
		if k < 0 {
			byCtrl = append(byCtrl, nil)
			k = len(byCtrl) - 1
		}
		byCtrl[k] = append(byCtrl[k], h)
	}
	for _, hs := range byCtrl {
		c.emitHelpers(hs, count)
	}
	if c.pf != nil {
		c.emitPrefetcher()
	}
	c.emitIdle()
	// Declare the ports (frame 0 at the recorded address).
	for _, v := range c.part.segIn[k] {
		t, err := portType(v)
		if err != nil {
			return fmt.Errorf("backend: device input: %w", err)
		}
		e.b.AddPort(isa.Port{Name: c.portIn(v, k), Dir: isa.PortIn, Addr: uint32(portAddr[v]), Shape: u32s(portShape(v.Type.Shape)), Type: t, Scale: portScale(v)})
	}
	for _, v := range c.part.segOut[k] {
		t, err := portType(v)
		if err != nil {
			return fmt.Errorf("backend: device output: %w", err)
		}
		e.b.AddPort(isa.Port{Name: c.names[v], Dir: isa.PortOut, Addr: uint32(portAddr[v]), Shape: u32s(portShape(v.Type.Shape)), Type: t, Scale: portScale(v)})
	}
	return nil
}

func numElems(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// emitStage emits stream s: its frame loop over the ops idx (indices in
// g.Nodes), copying its inputs in and its outputs out.
func (c *compiler) emitStage(s int, idx []int, edges []*edge, portAddr map[*ir.Value]int, isIn map[*ir.Value]bool, outStage map[*ir.Value]int, count int) error {
	e := c.e
	// A fresh arena: nothing freed by an earlier stage is reused.
	c.buf.free = nil
	c.padded = map[*ir.Value]*layout{}
	c.regVals = map[*region][]*ir.Value{}
	c.valRegs = map[*ir.Value][]*region{}
	c.lastUse = map[*ir.Value]int{}
	fail := func(err error) error {
		if strings.Contains(err.Error(), "activation buffer full") {
			return fmt.Errorf("backend: -pipeline: stage %d: %w (the stages' buffers, rings and %d frames per port do not fit; lower -pipeline-frames or raise act_buffer_words)", s, err, c.pipe.frames)
		}
		return err
	}
	var ins, outs []*edge
	for _, ed := range edges {
		if ed.to == s {
			ins = append(ins, ed)
		}
		if ed.from == s {
			outs = append(outs, ed)
		}
	}
	// Input ports this stage reads, in port order.
	reads := map[*ir.Value]bool{}
	for _, i := range idx {
		for _, v := range c.g.Nodes[i].Inputs {
			if v != nil && isIn[v] {
				reads[v] = true
			}
		}
	}
	var portIns, portOuts []*ir.Value
	for _, v := range c.part.segIn[0] {
		if reads[v] {
			portIns = append(portIns, v)
		}
	}
	for _, v := range c.part.segOut[0] {
		if st, ok := outStage[v]; ok && st == s {
			portOuts = append(portOuts, v)
		}
	}
	for _, i := range idx {
		for _, v := range c.g.Nodes[i].Inputs {
			c.lastUse[v] = i
		}
	}
	for _, ed := range outs {
		c.lastUse[ed.v] = math.MaxInt
	}
	for _, v := range portOuts {
		c.lastUse[v] = math.MaxInt
	}
	// Stage-private offset words, zero at reset: taken first, never freed.
	portOff := map[*ir.Value]int{}
	for _, v := range append(append([]*ir.Value{}, portIns...), portOuts...) {
		a, err := c.takeWord()
		if err != nil {
			return fail(err)
		}
		portOff[v] = a
	}
	for _, ed := range ins {
		a, err := c.takeWord()
		if err != nil {
			return fail(err)
		}
		ed.consOff = a
	}
	for _, ed := range outs {
		a, err := c.takeWord()
		if err != nil {
			return fail(err)
		}
		ed.prodOff = a
	}

	c.openStage(s)
	frames := e.reg()
	c.loadFrames(frames, count)
	c.freeRingSlots(ins)
	top := e.b.NewLabel("frame")
	e.b.Label(top)
	e.forgetVL()
	for _, v := range portIns {
		l, err := c.alloc(v.Type.Shape, nil, false)
		if err != nil {
			return fail(err)
		}
		n := numElems(v.Type.Shape)
		c.copySlot(portAddr[v], l.reg.start, n, portOff[v], 0, false)
		c.setLay(v, l)
	}
	for _, ed := range ins {
		e.emit(isa.OpTwait, int64(ed.tok))
		start, _, ok := c.buf.take(ed.size, false)
		if !ok {
			return fail(fmt.Errorf("activation buffer full: a copy of %q needs %d words", c.names[ed.v], ed.size))
		}
		c.copySlot(ed.ring, start, ed.size, ed.consOff, ed.depth*ed.size, false)
		e.emit(isa.OpTsig, int64(ed.tok+1))
		l := *ed.prodLay
		l.reg = &region{start: start, size: ed.size}
		l.base += start - ed.src
		c.setLay(ed.v, &l)
	}
	for _, i := range idx {
		if err := c.emitNode(c.g.Nodes[i], i); err != nil {
			return fail(err)
		}
	}
	e.b.ClearSource()
	for _, ed := range outs {
		l := c.lay[ed.v]
		if l == nil || l.reg == nil {
			return fmt.Errorf("backend: BUG: -pipeline: value %q crossing stages has no buffer", c.names[ed.v])
		}
		ed.prodLay, ed.src, ed.size = l, l.reg.start, l.reg.size
	}
	// The rings, now that the producer's buffers are known; they lie
	// between this stage's arena and the next one's (never in words the
	// stage freed: the stage reuses them every frame).
	c.buf.free = nil
	for _, ed := range outs {
		a, _, ok := c.buf.take(ed.depth*ed.size, false)
		if !ok {
			return fail(fmt.Errorf("activation buffer full: the ring of %q needs %d slots of %d words", c.names[ed.v], ed.depth, ed.size))
		}
		ed.ring = a
		e.emit(isa.OpTwait, int64(ed.tok+1))
		c.copySlot(ed.ring, ed.src, ed.size, ed.prodOff, ed.depth*ed.size, true)
		e.emit(isa.OpTsig, int64(ed.tok))
	}
	for _, v := range portOuts {
		l := c.lay[v]
		if l == nil {
			return fmt.Errorf("backend: BUG: output %q has no layout", c.names[v])
		}
		if !l.isCanonical() {
			d, err := c.alloc(v.Type.Shape, nil, false)
			if err != nil {
				return fail(err)
			}
			if err := c.copyTo("output "+c.names[v], d, l); err != nil {
				return fmt.Errorf("backend: %w", err)
			}
			l = d
		}
		c.copySlot(portAddr[v], l.base, numElems(v.Type.Shape), portOff[v], 0, true)
	}
	e.b.Branch(isa.OpDbnz, top, frames)
	e.free(frames)
	c.endStage(s)
	return nil
}

// copySlot emits a copy of n words between local and the slot at slots +
// offset (the offset kept in the stage-private ABUF word off): into the
// slot when toSlot, else out of it. It then advances the offset by n,
// wrapping to 0 at wrap words (a ring; 0: no wrap, the frames of a port).
func (c *compiler) copySlot(slots, local, n, off, wrap int, toSlot bool) {
	e := c.e
	ro, ra, rb, rl := e.reg(), e.reg(), e.reg(), e.reg()
	e.emit(isa.OpLd, ro, 0, int64(off))
	e.emit(isa.OpAddi, ra, ro, int64(slots))
	e.emit(isa.OpLi, rb, int64(local))
	e.emit(isa.OpLi, rl, int64(n))
	if toSlot {
		e.emit(isa.OpBcopy, ra, rb, rl)
	} else {
		e.emit(isa.OpBcopy, rb, ra, rl)
	}
	e.emit(isa.OpAddi, ro, ro, int64(n))
	if wrap > 0 {
		skip := e.b.NewLabel("slot")
		e.emit(isa.OpLi, rl, int64(wrap))
		e.b.Branch(isa.OpBne, skip, ro, rl)
		e.emit(isa.OpLi, ro, 0)
		e.b.Label(skip)
	}
	e.emit(isa.OpSt, ro, 0, int64(off))
	e.free(ro, ra, rb, rl)
}

// takeWord takes one word of the activation buffer for a stage's private
// offset (a ring's or a port's slot index), zero at reset and never freed.
func (c *compiler) takeWord() (int, error) {
	a, _, ok := c.buf.take(1, false)
	if !ok {
		return 0, fmt.Errorf("activation buffer full")
	}
	return a, nil
}

// openStage starts stage s's stream: its label on its controller, no
// source attributed yet, the full vector length.
func (c *compiler) openStage(s int) {
	e := c.e
	label := fmt.Sprintf("stage_%d", s)
	e.b.Label(label)
	e.b.Stream(c.pipe.ctrl[s], label)
	e.b.ClearSource()
	e.vl = e.arch.DPULanes
}

// freeRingSlots signals one free token per slot of each input ring: the
// rings start empty, so every slot is free for the producer.
func (c *compiler) freeRingSlots(ins []*edge) {
	for _, ed := range ins {
		for range ed.depth {
			c.e.emit(isa.OpTsig, int64(ed.tok+1))
		}
	}
}
