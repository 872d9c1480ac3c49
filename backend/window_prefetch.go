package backend

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// The window stage's weight prefetch (docs/PARALLEL.md §8.6). A
// reprogrammed layer of the window stage loads its weights only when the
// previous window layer has released the window (reprogram_loader.go), so
// after a run's last frame each later layer's DRAM transfers (216 us per
// VGG-11-BN layer on the default target) are on the run's path. Only the
// row writes need the window's sub-arrays; the transfers need words of
// ABUF and a controller. Both are idle before the layer starts:
//
//   - the words of the stages before the window (each stage's arena and
//     its output rings, laid out one stage after the other, pipeline.go)
//     are dead once the stage has run its last frame and every reader of
//     its rings has too, for the rest of the run (the machine clears ABUF
//     between runs);
//   - an early stage's controller has nothing to do after its last
//     frame.
//
// So the stream of the first stage not on controller 0 (normally the
// second: stream 0's halt ends the steady state the simulator reports),
// after its frame loop, jumps to a prefetch routine that moves the
// batches of the window's second, third, ...
// reprogrammed layers from the DRAM into those words, and the window's
// stream writes them from there. Per layer L (in op order):
//
//	prefetcher: twait consumed (L not the first prefetched); per region
//	            (a stage's words, once the stages it needs are done:
//	            twait done[t]): per batch: dload; tsig ready
//	stream:     per prefetched batch (in the same order): twait ready;
//	            write it; the rest through the loader as before; tsig
//	            consumed after L's writes when a later layer is prefetched
//	stage t:    tsig done[t] after its frame loop (t > 0, when needed)
//
// The first prefetched layer (the window's second reprogrammed op) is
// loaded while the window's first op still receives frames, so it uses
// only the words of stages none of whose rings the window reads; later
// ones are loaded after the window's stream signalled consumed, past its
// first op's loop (which receives every ring's frames), so they may use
// every earlier stage's words. The window's first reprogrammed layer is
// not prefetched: it writes its weights on the first frame the window
// receives, and a prefetch by a stage that finishes only after the window
// consumed its frames would deadlock. The same dloads (bytes, DRAM energy),
// plds and wrps as without prefetching; only their controllers, order and
// ABUF words change.

// prefetch is the window stage's weight prefetch plan of a pipelined
// program (nil: none).
type prefetch struct {
	// stage: the stage before the window whose controller ctrl
	// prefetches after its frame loop: its stream, which jumps to label
	// (jump), or one of its helpers, after its pieces' loops.
	stage, ctrl int
	jump        bool
	label       string
	// done: the token stage t signals after its frame loop (only the
	// stages some prefetch waits for).
	done map[int]int
	// ready, consumed: the tokens of prefetched batches and of a layer's
	// writes done (see above).
	ready, consumed int
	// layers: the window ops whose weights are prefetched, in op order.
	layers []*ir.Node
	// regions: each stage's words (from the stage's first word to the
	// next stage's), known once the stage is emitted; readers: the stages
	// that read each stage's rings.
	regions map[int]region
	readers map[int][]int
	window  int
	// waited: the done tokens the prefetcher has waited for.
	waited map[int]bool
	// code: the prefetcher's code for each layer, emitted after the
	// stages (addPrefetcher); routine all of it.
	code    []func()
	routine func()
	src     isa.Source // the first prefetched layer's weights
	// writerTok: the first of the three tokens (start, ready, done) of
	// each helper controller that writes prefetched batches (shareWrites).
	writerTok map[int]int
}

// planPrefetch plans the window stage's weight prefetch for the stages
// byStage exchanging edges (runPipeline, before the stages are emitted):
// nil unless the pipeline has stages before its window stage and the
// window has a reprogrammed op with a weight loader after its first one.
// It takes the tokens the plan signals.
func (c *compiler) planPrefetch(byStage [][]int, edges []*edge) *prefetch {
	p := c.pipe
	if p.window <= 0 || c.plan == nil {
		return nil
	}
	pf := &prefetch{stage: -1, window: p.window, done: map[int]int{}, regions: map[int]region{}, readers: map[int][]int{}, waited: map[int]bool{}}
	pf.stage, pf.ctrl, pf.jump = p.prefetcher()
	if pf.stage < 0 {
		return nil
	}
	first := true
	for _, i := range byStage[p.window] {
		n := c.g.Nodes[i]
		l := c.plan.ByNode[n]
		if l == nil || !l.Reprogrammed {
			continue
		}
		if first {
			first = false
			continue
		}
		if _, ok := c.loaderCtrl(n); ok {
			pf.layers = append(pf.layers, n)
		}
	}
	if len(pf.layers) == 0 {
		return nil
	}
	for _, ed := range edges {
		if !slices.Contains(pf.readers[ed.from], ed.to) {
			pf.readers[ed.from] = append(pf.readers[ed.from], ed.to)
		}
	}
	// The stages whose done some prefetch waits for: the first layer's
	// regions' stages and their readers; with a second layer, every
	// stage before the window.
	for s := range p.window {
		if len(pf.layers) > 1 || pf.early(s) {
			for _, t := range append([]int{s}, pf.readers[s]...) {
				if _, ok := pf.done[t]; !ok && !(pf.jump && t == pf.stage) && t != p.window {
					pf.done[t] = -1
				}
			}
		}
	}
	for t := range p.window {
		if _, ok := pf.done[t]; ok {
			pf.done[t] = p.nextTok
			p.nextTok++
		}
	}
	pf.ready, pf.consumed = p.nextTok, p.nextTok+1
	p.nextTok += 2
	pf.label = fmt.Sprintf("prefetch_%d", pf.ctrl)
	return pf
}

// prefetcher is the stage before the window whose controller would
// prefetch the window's weights (-1: none), the controller and whether it
// is the stage's stream (else a helper): the stream of the first stage
// that is not stream 0 (whose halt ends the steady state the simulator
// reports, sim/window.go: no new frame enters the pipeline), else the
// first helper of a split op before the window. It is never a late
// window controller (assignLate): its pieces of the window's later ops
// would wait behind the routine, whose later layers wait for the window's
// writes, which wait for those pieces.
func (p *pipePlan) prefetcher() (stage, ctrl int, jump bool) {
	if s := slices.IndexFunc(p.ctrl[:p.window], func(x int) bool { return x != 0 }); s >= 0 {
		return s, p.ctrl[s], true
	}
	for _, n := range p.nodes {
		if s, ok := p.stageOf[n]; ok && s < p.window {
			if ctrls := p.pieceCtrl[n]; len(ctrls) > 1 && ctrls[1] != 0 {
				return s, ctrls[1], false
			}
		}
	}
	return -1, 0, false
}

// early reports whether stage s's words may hold the first prefetched
// layer: the window reads none of its rings.
func (pf *prefetch) early(s int) bool {
	return s != pf.window && !slices.Contains(pf.readers[s], pf.window)
}

// endStage emits the end of stage s's stream after its frame loop: its
// done token, and the prefetching stage's jump to the prefetch routine,
// or a late window controller's jump to its pieces of the window's later
// ops (window_late.go; a halt when neither).
func (c *compiler) endStage(s int) {
	e, pf := c.e, c.pf
	if pf != nil {
		if tok, ok := pf.done[s]; ok {
			e.emit(isa.OpTsig, int64(tok))
		}
		if pf.jump && s == pf.stage {
			e.b.Branch(isa.OpJmp, pf.label)
			return
		}
	}
	if ctrl := c.pipe.ctrl[s]; c.pipe.isLate(ctrl) {
		e.b.Branch(isa.OpJmp, helperLabel(ctrl))
		return
	}
	e.emit(isa.OpHalt)
}

// prefetchBatches takes the batches of op n's weights that its prefetch
// moves (nil when n is not prefetched) from the front of segs (its chunks
// by height, DRAM image placed): batches of at most slot chunks that fill
// the regions the prefetch may use, in stage order. It returns them and
// what is left of segs, and records the prefetcher's code, which signals
// each batch's ready token once it is loaded (the stream's, pf.ready,
// unless the caller gives the batch to another writer before the code is
// emitted).
func (c *compiler) prefetchBatches(n *ir.Node, segs []weightBatch, slot int, src isa.Source) ([]weightBatch, []weightBatch) {
	pf := c.pf
	if pf == nil {
		return nil, segs
	}
	k := slices.Index(pf.layers, n)
	if k < 0 {
		return nil, segs
	}
	cols := c.e.arch.Cols
	type fill struct {
		wait    []int // done tokens to wait for first
		batches []int // into pre
	}
	var fills []fill
	var pre []weightBatch
	segs = slices.Clone(segs)
	// The words above the buffer's top first: nothing the run executes
	// before op n's writes uses them (the window stage's stream and
	// helpers take words in the order they run, and n's later code runs
	// after its writes), and they need no stage to finish. They are
	// taken and released dirty, so later buffers that need zeros there
	// clear them.
	top := region{start: c.buf.top, size: c.buf.size - c.buf.top}
	for s := -1; s < pf.window; s++ {
		r, ok := top, true
		if s >= 0 {
			r, ok = pf.regions[s]
		}
		if !ok || (s >= 0 && k == 0 && !pf.early(s)) {
			continue
		}
		var f fill
		if s >= 0 {
			for _, t := range append([]int{s}, pf.readers[s]...) {
				if tok, ok := pf.done[t]; ok && !pf.waited[t] {
					f.wait = append(f.wait, tok)
				}
			}
		}
		at, end := r.start, r.start+r.size
		for len(segs) > 0 {
			sg := &segs[0]
			nb := min(slot, len(sg.chunks), (end-at)/cols)
			if nb == 0 {
				break
			}
			f.batches = append(f.batches, len(pre))
			pre = append(pre, weightBatch{addr: sg.addr, typ: sg.typ, chunks: sg.chunks[:nb], at: at, ready: pf.ready})
			at += nb * cols
			sg.addr += nb * cols
			sg.chunks = sg.chunks[nb:]
			if len(sg.chunks) == 0 {
				segs = segs[1:]
			}
		}
		if len(f.batches) == 0 {
			continue
		}
		if s < 0 {
			c.buf.top = at
			c.buf.release(&region{start: r.start, size: at - r.start})
			fills = append(fills, f)
			continue
		}
		for _, t := range append([]int{s}, pf.readers[s]...) {
			if _, ok := pf.done[t]; ok {
				pf.waited[t] = true
			}
		}
		fills = append(fills, f)
	}
	e := c.e
	if len(pf.code) == 0 {
		pf.src = src
	}
	pf.code = append(pf.code, func() {
		e.b.SetSource(src)
		if k > 0 {
			e.emit(isa.OpTwait, int64(pf.consumed))
		}
		for _, f := range fills {
			for _, tok := range f.wait {
				e.emit(isa.OpTwait, int64(tok))
			}
			for _, i := range f.batches {
				b := pre[i]
				c.dmove(isa.OpDload, b.at, b.addr, len(b.chunks)*cols, b.typ)
				e.emit(isa.OpTsig, int64(b.ready))
			}
		}
	})
	return pre, segs
}

// prefetchesAfter reports whether a layer after op n has its weights
// prefetched (n's stream then signals consumed after its writes).
func (pf *prefetch) prefetchesAfter(n *ir.Node) bool {
	if pf == nil {
		return false
	}
	k := slices.Index(pf.layers, n)
	return k >= 0 && k+1 < len(pf.layers)
}

// addPrefetcher adds the prefetch routine (after the stages are emitted):
// every prefetched layer's loads, in op order; the done tokens no load
// waited for (a layer with no batches in some stage's words) are waited
// for last, so that every signal is consumed. On a helper it runs after
// the helper's pieces (a helper stream run once, emitted with the
// helper's); on the stage's stream it is code of its own that the stream
// jumps to (emitPrefetcher), ending in halt.
func (c *compiler) addPrefetcher() {
	pf, e := c.pf, c.e
	routine := func() {
		for _, code := range pf.code {
			code()
		}
		e.b.ClearSource()
		for t := range pf.window {
			if tok, ok := pf.done[t]; ok && !pf.waited[t] {
				e.emit(isa.OpTwait, int64(tok))
			}
		}
	}
	if pf.jump {
		pf.routine = routine
		return
	}
	if len(pf.code) > 0 {
		c.helpers = append(c.helpers, helperStream{ctrl: pf.ctrl, src: pf.src, once: true, emit: routine})
	}
}

// emitPrefetcher emits the prefetch routine the prefetching stage's stream
// jumps to, when it runs there.
func (c *compiler) emitPrefetcher() {
	pf := c.pf
	if !pf.jump {
		return
	}
	c.e.b.Label(pf.label)
	pf.routine()
	c.e.emit(isa.OpHalt)
}

// mergeBatches orders a layer's batches for the stream that writes them:
// pre are in ABUF already (prefetched), load arrive from the loader one
// after the other, each once the stream has written the one two before
// it (two slots). Greedy on the estimated times (dram: a batch's
// transfer, write: its writes): a loaded batch when it has arrived (or no
// prefetched one is left), else a prefetched one, so the stream writes
// prefetched batches while the loader's transfers run. The result lists
// indices: k >= 0 into pre, k < 0 is load[-k-1].
func mergeBatches(pre, load []weightBatch, dram, write func(weightBatch) float64) []int {
	var order []int
	ts := 0.0
	arrive := make([]float64, len(load))
	written := make([]float64, len(load))
	j, k := 0, 0
	for j < len(load) || k < len(pre) {
		if j < len(load) {
			start := 0.0
			if j > 0 {
				start = arrive[j-1]
			}
			if j > 1 {
				start = max(start, written[j-2])
			}
			arrive[j] = start + dram(load[j])
			if k == len(pre) || arrive[j] <= ts {
				ts = max(ts, arrive[j]) + write(load[j])
				written[j] = ts
				order = append(order, -j-1)
				j++
				continue
			}
		}
		ts += write(pre[k])
		order = append(order, k)
		k++
	}
	return order
}

// writerToks are the tokens of a helper that writes prefetched batches
// beside the window's stream: start (the stream has the window: the
// previous op's pieces are done), ready (a batch of its share is loaded),
// done (its share is written).
type writerToks struct{ start, ready, done int }

// shareWrites gives shares of op n's prefetched batches pre to the helper
// controllers of n that neither run the stream nor load (loader): they
// are idle while the stream writes, and the rows of different batches are
// different rows, so the writes run at once. Each helper writes a
// contiguous range from the end of pre, about an equal part of the
// estimated write time (write) of pre and the loaded batches load, which
// the stream keeps. It adds each helper's code (run once, before its
// piece of n's frame loop: twait start; per batch: twait ready, the
// writes; tsig done), sets the ready tokens of the shared batches, and
// returns how many batches of pre the stream writes (a prefix) and the
// helpers' tokens.
func (c *compiler) shareWrites(n *ir.Node, loader int, pre, load []weightBatch, write func(weightBatch) float64, src isa.Source) (int, []writerToks) {
	pf := c.pf
	if pf == nil || len(pre) == 0 {
		return len(pre), nil
	}
	ctrls := c.pipe.pieceCtrl[n]
	var helpers []int
	for _, x := range ctrls[1:] {
		if x != ctrls[0] && x != loader && !slices.Contains(helpers, x) {
			helpers = append(helpers, x)
		}
	}
	if len(helpers) == 0 {
		return len(pre), nil
	}
	total := 0.0
	for _, b := range append(slices.Clone(pre), load...) {
		total += write(b)
	}
	part := total / float64(len(helpers)+1)
	e := c.e
	own := len(pre)
	var toks []writerToks
	for _, h := range helpers {
		hi, t := own, 0.0
		for own > 0 && t < part {
			own--
			t += write(pre[own])
		}
		if own == hi {
			break
		}
		if pf.writerTok == nil {
			pf.writerTok = map[int]int{}
		}
		tok, ok := pf.writerTok[h]
		if !ok {
			tok = c.pipe.nextTok
			c.pipe.nextTok += 3
			pf.writerTok[h] = tok
		}
		w := writerToks{start: tok, ready: tok + 1, done: tok + 2}
		toks = append(toks, w)
		share := pre[own:hi]
		for i := range share {
			share[i].ready = w.ready
		}
		c.helpers = append(c.helpers, helperStream{ctrl: h, src: src, once: true, emit: func() {
			e.emit(isa.OpTwait, int64(w.start))
			rb := e.reg()
			for _, b := range share {
				e.emit(isa.OpTwait, int64(w.ready))
				e.emit(isa.OpLi, rb, int64(b.at))
				c.writeChunks(b.chunks, rb)
			}
			e.free(rb)
			// The patch registers the writes used hold weight codes in
			// every column; the helper's piece clears them before its
			// gathers (clearPatchRegs), so it drives only its columns.
			e.emit(isa.OpTsig, int64(w.done))
		}})
	}
	return own, toks
}
