package backend

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
)

// Splitting one matrix layer over controllers (docs/PARALLEL.md §7.1,
// docs/BACKEND.md §8): a layer split in k pieces has k times the replicas
// of its mapping, r per piece, each piece in the bank of its own
// controller. Replica i of the k x r computes slice i of the output pixels
// (pixelSplit), so piece j's controller drives replicas [j*r, (j+1)*r)
// with its own registers, DPU and accumulators. Piece 0 runs in the
// stage's stream; piece j > 0 in a helper stream of its own:
//
//	stage stream:   tsig go[1..k-1]; piece 0; twait done[1..k-1]
//	helper j:       per frame: twait go[j]; piece j; tsig done[j]
//
// The helpers read the layer's input and write its output in the stage's
// arena: the stage writes the input before its go and reads the output
// after the done, and its next frame's input waits for the done too, so
// the program is race-free.

// helperStream is the code of one piece j > 0 of a split layer, emitted
// after the stages' streams (its own stream, on controller ctrl).
type helperStream struct {
	ctrl int
	tok  int // go = tok, done = tok + 1
	src  isa.Source
	emit func()
	// once: emit runs once per run, without a frame loop or go and done
	// (a weight load, reprogram_loader.go).
	once bool
}

// splitOf is the number of pixel pieces of matrix op n: 1 unless a
// pipeline plan splits it by pixels.
func (c *compiler) splitOf(n *ir.Node) int {
	if c.pipe == nil {
		return 1
	}
	return max(1, c.pipe.split[n])
}

// chunkSplitOf is the number of chunk pieces of matrix op n (chunks.go):
// 1 unless a pipeline plan splits it by output-channel chunks.
func (c *compiler) chunkSplitOf(n *ir.Node) int {
	if c.pipe == nil {
		return 1
	}
	return max(1, c.pipe.chunks[n])
}

// emitPieces emits the code of matrix op n of nrep replicas over the
// pixels pl: kp pixel pieces of the replicas times kc chunk pieces
// (chunk ranges cuts, chunks.go), one per controller (see above); piece
// p*kc+j drives pixel piece p's replicas on its share of pl
// (piecePixels) for the lane chunks cuts[j]. piece(reps, ppl, cr) emits
// the code that drives the replicas reps on the pixels ppl for the chunks
// cr.
func (c *compiler) emitPieces(n *ir.Node, nrep int, pl pixelLoop, cuts [][2]int, piece func(reps []int, ppl pixelLoop, cr [2]int)) {
	kp, kc := c.splitOf(n), len(cuts)
	r := nrep / kp
	reps := func(j int) []int {
		out := make([]int, r)
		for i := range out {
			out[i] = j*r + i
		}
		return out
	}
	if kp*kc == 1 {
		piece(reps(0), pl, cuts[0])
		return
	}
	e := c.e
	var toks []int
	for j := 1; j < kp*kc; j++ {
		tok := c.pipe.nextTok
		c.pipe.nextTok += 2
		toks = append(toks, tok)
		rj, pj, cj := reps(j/kc), piecePixels(pl, kp, j/kc), cuts[j%kc]
		h := helperStream{ctrl: c.pipe.pieceCtrl[n][j], tok: tok, src: c.src, emit: func() { piece(rj, pj, cj) }}
		c.helpers = append(c.helpers, h)
		e.emit(isa.OpTsig, int64(tok))
	}
	piece(reps(0), piecePixels(pl, kp, 0), cuts[0])
	for _, tok := range toks {
		e.emit(isa.OpTwait, int64(tok+1))
	}
}

// piecePixels is piece j's share of the pixels pl split in k pieces: a
// contiguous range of the outermost dimension with at least k indices,
// the ranges as equal as they can be (splitDim; canSplit guarantees one).
func piecePixels(pl pixelLoop, k, j int) pixelLoop {
	d := splitDim(pl.dims, k)
	lo, hi := j*pl.dims[d]/k, (j+1)*pl.dims[d]/k
	out := pl
	out.dims = slices.Clone(pl.dims)
	out.dims[d] = hi - lo
	out.in.base += lo * pl.in.strides[d]
	out.out.base += lo * pl.out.strides[d]
	return out
}

// splitShare is the share of matrix op n's pixel bodies that the busiest
// of k pieces of r replicas each (packed: side by side in one register,
// emit_matrix.go) runs, relative to one piece (the most nestIters of a
// piece), and false when n cannot run as k pieces: some pixel dimension
// must have an index for each piece.
func splitShare(n *ir.Node, r, k int, packed bool) (float64, bool) {
	return splitShareDims(pixelDims(n), r, k, packed)
}

// splitShareDims is splitShare of a pixel loop over dims.
func splitShareDims(dims []int, r, k int, packed bool) (float64, bool) {
	if k == 1 {
		return 1, true
	}
	d := splitDim(dims, k)
	if d < 0 {
		return 0, false
	}
	most := 0
	for _, size := range []int{dims[d] / k, (dims[d] + k - 1) / k} { // the pieces' sizes
		piece := slices.Clone(dims)
		piece[d] = size
		most = max(most, nestIters(piece, r, packed))
	}
	return float64(most) / float64(nestIters(dims, r, packed)), true
}

// emitHelpers emits the helper stream of hs (pieces on one controller: one,
// or a window stage's, one per split op, in op order): per piece, per frame
// of the run (count: the count word), wait for go, run the piece, signal
// done.
func (c *compiler) emitHelpers(hs []helperStream, count int) {
	e := c.e
	label := helperLabel(hs[0].ctrl)
	e.b.Label(label)
	if c.pipe.isLate(hs[0].ctrl) && c.pipe.runsStage(hs[0].ctrl) {
		// A late window controller: its stage's stream jumps here
		// (endStage), with whatever vector length the stage left.
		e.forgetVL()
	} else {
		e.b.Stream(hs[0].ctrl, label)
	}
	for _, h := range hs {
		e.b.SetSource(h.src)
		if h.once {
			h.emit()
			continue
		}
		frames := e.reg()
		c.loadFrames(frames, count)
		top := e.b.NewLabel("frame")
		e.b.Label(top)
		e.forgetVL()
		e.emit(isa.OpTwait, int64(h.tok))
		h.emit()
		e.emit(isa.OpTsig, int64(h.tok+1))
		e.b.Branch(isa.OpDbnz, top, frames)
		e.free(frames)
	}
	e.emit(isa.OpHalt)
	e.b.ClearSource()
}

// helperLabel labels the helper code of controller ctrl.
func helperLabel(ctrl int) string { return fmt.Sprintf("split_%d", ctrl) }

// pixelDims are the pixel loop dimensions of matrix op n (pixelLoop.dims
// up to dimensions of size 1): batch and spatial for a convolution, rows
// for a fully connected layer.
func pixelDims(n *ir.Node) []int {
	sh := n.Outputs[0].Type.Shape
	if n.Op == ir.OpQFC {
		return []int{sh[0]}
	}
	return append([]int{sh[0]}, sh[2:]...)
}

// placePieces re-places plan for p: the pieces of every matrix op with
// the mapping's replicas each (pixel piece q of a layer split kp x kc on
// the controllers pieceCtrl[n][q*kc:(q+1)*kc], its sub-arrays cut between
// its chunk pieces at their first channels, mapping.Piece), packed from
// sub-array 0 in graph order; with p.local each chunk piece (a layer not
// split by chunks: each pixel piece) starts at the first sub-array of its
// controller's bank instead (bank of controller c: floor(c x banks /
// controllers), the bank local to it, docs/PARALLEL.md §5) where
// everything after it still fits packed: in placement order, a piece of
// s sub-arrays goes to its bank when the cursor (the end of what was
// placed before) moved there, plus s, plus the sub-arrays of every piece
// after it, is within the target; else it follows the cursor. p.allLocal
// says whether every piece is in its controller's bank, p.remote which
// banks each piece reaches over a link (noteRemote). Whether the result
// fits is plan.FitError's question.
func (p *pipePlan) placePieces(plan *mapping.Plan, controllers int) error {
	if err := p.place(plan, controllers); err != nil {
		return err
	}
	if err := p.assignLate(plan, controllers); err != nil {
		return err
	}
	return p.noteRemote(plan, controllers)
}

// ctrlsOf is the controllers of layer l's pieces, kc chunk pieces per
// pixel piece, and kc.
func (p *pipePlan) ctrlsOf(l *mapping.Layer) ([]int, int) {
	ctrls, ok := p.pieceCtrl[l.Node]
	if !ok {
		return []int{0}, 1
	}
	return ctrls, max(1, p.chunks[l.Node])
}

// cutsOf is the first channel of each of layer l's kc chunk pieces: the
// chunk ranges of its dense layout (p.dense; the mapping's, which the
// emitter cuts as well), whatever layout an earlier placement gave l.
func (p *pipePlan) cutsOf(l *mapping.Layer, kc int) ([]int, error) {
	if kc == 1 {
		return []int{0}, nil
	}
	if d := p.dense[l.Node]; d != nil {
		l = d
	}
	rs, ok := chunkRanges(l, p.lanes, kc)
	if !ok {
		return nil, fmt.Errorf("layer %s: no %d chunk pieces", l.Node.Name, kc)
	}
	chunks, _ := layerChunks(l, p.lanes)
	out := make([]int, kc)
	for j, r := range rs {
		out[j] = chunks[r[0]][0]
	}
	return out, nil
}

// place is placePieces without noting the remote banks.
func (p *pipePlan) place(plan *mapping.Plan, controllers int) error {
	banks := 1
	if plan.Geom.PerBank > 0 {
		banks = max(1, plan.Geom.Subarrays/plan.Geom.PerBank)
	}
	bankStart := func(ctrl int) int { return ctrl * banks / max(1, controllers) * plan.Geom.PerBank }
	ctrlsOf, cutsOf := p.ctrlsOf, p.cutsOf
	pieces := make([][]mapping.Piece, len(plan.Layers))
	channels := make([][]int, len(plan.Layers))
	for i, l := range plan.Layers {
		ctrls, kc := ctrlsOf(l)
		cuts, err := cutsOf(l, kc)
		if err != nil {
			return err
		}
		channels[i] = cuts
		for range len(ctrls) / kc {
			pc := mapping.Piece{Replicas: l.Replicas, Cap: p.caps[l.Node]}
			if r := p.reps[l.Node]; r > 0 {
				pc.Replicas = r
			}
			if kc > 1 {
				for _, ch := range cuts {
					pc.Cuts = append(pc.Cuts, mapping.Cut{Channel: ch})
				}
			}
			pieces[i] = append(pieces[i], pc)
		}
	}
	p.allLocal = false
	if err := plan.PlacePieces(pieces); err != nil || !p.local {
		return err
	}
	// Every chunk piece's sub-arrays in the packed placement, in order.
	type unit struct{ layer, piece, cut, size, ctrl int }
	var units []unit
	total := plan.WindowBase() // the stationary layers lie below the window
	for i, l := range plan.Layers {
		if l.Reprogrammed || p.inWindow(l.Node) {
			continue // the window stage's controllers are fixed
		}
		ctrls, kc := ctrlsOf(l)
		r := pieces[i][0].Replicas
		size := make([]map[int]bool, len(ctrls))
		for k := range size {
			size[k] = map[int]bool{}
		}
		for _, t := range l.Tiles {
			f := l.Groups[t.Grp].Filters[t.From]
			j := 0
			for j+1 < kc && f >= channels[i][j+1] {
				j++
			}
			size[t.Replica/r*kc+j][t.SA] = true
		}
		for k, ctrl := range ctrls {
			units = append(units, unit{i, k / kc, k % kc, len(size[k]), ctrl})
		}
	}
	rest := 0
	for _, u := range units {
		rest += u.size
	}
	if plan.Geom.PerBank > 0 {
		sizes, olds := make([]int, len(units)), make([]int, len(units))
		for k, u := range units {
			sizes[k], olds[k] = u.size, u.ctrl
		}
		newOf := p.renumber(sizes, olds, total, plan.Geom.PerBank, controllers)
		for k := range units {
			units[k].ctrl = newOf[units[k].ctrl]
		}
	}
	local := make([][]mapping.Piece, len(pieces))
	for i := range pieces {
		local[i] = slices.Clone(pieces[i])
		for q := range local[i] {
			local[i][q].Cuts = slices.Clone(pieces[i][q].Cuts)
		}
	}
	all, cursor := true, 0
	for _, u := range units {
		rest -= u.size
		from := bankStart(u.ctrl)
		if u.size == 0 || max(cursor, from)+u.size+rest > total {
			all = all && u.size == 0
			cursor += u.size
			continue
		}
		start := max(cursor, from)
		if plan.Geom.PerBank > 0 && start/plan.Geom.PerBank != from/plan.Geom.PerBank {
			all = false // the pieces before it reach into its bank
		}
		cursor = start + u.size
		pc := &local[u.layer][u.piece]
		if len(pc.Cuts) > 1 {
			pc.Cuts[u.cut].From = from
		} else {
			pc.From = from
		}
	}
	if err := plan.PlacePieces(local); err != nil {
		return err
	}
	if plan.FitError() != nil {
		return plan.PlacePieces(pieces)
	}
	p.allLocal = all
	return nil
}

// renumber numbers the controllers by the banks their pieces land in
// (docs/BACKEND.md §8 item 4): walking the pieces in placement order
// (sizes: their sub-arrays, olds: their controllers as assignControllers
// numbered them) with a cursor where the next piece would start, a
// controller met for the first time becomes the first free controller
// local to the cursor's bank, or else the first free one of a later bank
// (the piece then starts at that bank), or else the first free one; the
// cursor moves as place moves it (to the controller's bank where the rest
// still fits). Controllers without sub-arrays (stages of ops that have
// none) take the lowest numbers left, in order. It rewrites p.ctrl and
// p.pieceCtrl and returns the map old -> new. So a stage whose layers
// span several banks leaves the next stage the controller of the bank
// where that stage's layers start, rather than the next number, whose
// bank the first stage may fill.
func (p *pipePlan) renumber(sizes, olds []int, total, perBank, controllers int) map[int]int {
	banks := max(1, total/perBank)
	bankOf := func(c int) int { return c * banks / max(1, controllers) }
	var all []int
	for s, c := range p.ctrl {
		if s != p.window {
			all = append(all, c)
		}
	}
	for n, cs := range p.pieceCtrl {
		if !p.inWindow(n) {
			all = append(all, cs...)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	newOf := map[int]int{}
	if len(all) > controllers || len(all) > 0 && (all[0] < 0 || all[len(all)-1] >= controllers) {
		for _, c := range all {
			newOf[c] = c // not a plan for this target: left as it is
		}
		return newOf
	}
	taken := make([]bool, controllers)
	for _, c := range p.windowCtrls {
		taken[c] = true
	}
	take := func(b int) int {
		pick := -1
		for c := range controllers {
			if !taken[c] && (bankLocal(c, b, controllers, banks) || bankOf(c) > b) {
				pick = c
				break
			}
		}
		if pick < 0 {
			pick = slices.Index(taken, false)
		}
		taken[pick] = true
		return pick
	}
	rest := 0
	for _, n := range sizes {
		rest += n
	}
	cursor := 0
	for k, old := range olds {
		rest -= sizes[k]
		if sizes[k] == 0 {
			continue
		}
		c, ok := newOf[old]
		if !ok {
			c = take(min(cursor, total-1) / perBank)
			newOf[old] = c
		}
		from := bankOf(c) * perBank
		if max(cursor, from)+sizes[k]+rest > total {
			cursor += sizes[k]
		} else {
			cursor = max(cursor, from) + sizes[k]
		}
	}
	for _, old := range all {
		if _, ok := newOf[old]; !ok {
			c := slices.Index(taken, false)
			taken[c] = true
			newOf[old] = c
		}
	}
	for s := range p.ctrl {
		if s != p.window {
			p.ctrl[s] = newOf[p.ctrl[s]]
		}
	}
	for n, cs := range p.pieceCtrl {
		if p.inWindow(n) {
			continue
		}
		out := make([]int, len(cs))
		for k, c := range cs {
			out[k] = newOf[c]
		}
		p.pieceCtrl[n] = out
	}
	return newOf
}

// inWindow reports whether op n is in the window stage.
func (p *pipePlan) inWindow(n *ir.Node) bool {
	s, ok := p.stageOf[n]
	return ok && p.window >= 0 && s == p.window
}

// assignControllers gives out controllers in stage order (the stages
// starting at starts): a stage's stream takes the next one, each helper of
// its split ops (split[i] - 1 of op i) one more. It returns the
// controllers of every op's pieces (piece 0: its stage's) and every
// stage's first controller.
func assignControllers(starts, split []int) ([][]int, []int) {
	ctrls := make([][]int, len(split))
	first := make([]int, len(starts))
	next := 0
	for s, lo := range starts {
		hi := len(split)
		if s+1 < len(starts) {
			hi = starts[s+1]
		}
		first[s] = next
		next++
		for i := lo; i < hi; i++ {
			ctrls[i] = []int{first[s]}
			for range split[i] - 1 {
				ctrls[i] = append(ctrls[i], next)
				next++
			}
		}
	}
	return ctrls, first
}
