package backend

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
)

// The window stage of a pipelined program (docs/PARALLEL.md §8.2): the
// last stage, holding every op from the first reprogrammed layer on. Its
// stream loops over its ops outside and the run's frames inside, so a
// reprogrammed layer's weights are written from the DRAM once per run
// (on the first frame of its loop) instead of once per image:
//
//	per op of the stage:
//	  for f in 0 .. n-1:
//	    first op: per input edge e: twait full[e]; ring slot -> buffer -> store[e][f]; tsig free[e]
//	    per input v: store[v][f] (or input port frame f) -> v's buffer
//	    the op's code (a reprogrammed layer writes its weights when f = 0)
//	    per output o read later: o's buffer -> store[o][f]; per output port: -> frame f
//
// A frame store holds F slots (the program's frames per run) of a value's
// buffer, zero margins included; it is taken when the value is made, from
// words the op's loop does not touch, and released after its last
// reader's loop.

// winLoop is the frame loop of the window stage being emitted: the
// register counting its frames down from n and the count word (a
// reprogrammed layer writes its weights when the counter is n).
type winLoop struct {
	ctr   int64
	count int
}

// onFirstFrame emits body so that it runs once per run: inside a window
// stage's frame loop, on the loop's first frame; elsewhere always.
func (c *compiler) onFirstFrame(body func() error) error {
	w := c.win
	if w == nil {
		return body()
	}
	e := c.e
	r := e.reg()
	c.loadFrames(r, w.count)
	skip := e.b.NewLabel("weights")
	e.b.Branch(isa.OpBne, skip, w.ctr, r)
	e.free(r)
	if err := body(); err != nil {
		return err
	}
	e.b.Label(skip)
	return nil
}

// emitWindowStage emits stream s, the window stage, over the ops idx
// (indices in g.Nodes); it must be the last stage (no output edges).
func (c *compiler) emitWindowStage(s int, idx []int, edges []*edge, portAddr map[*ir.Value]int, isIn map[*ir.Value]bool, outStage map[*ir.Value]int, count int) error {
	e, frames := c.e, c.pipe.frames
	c.buf.free = nil
	c.padded = map[*ir.Value]*layout{}
	c.regVals = map[*region][]*ir.Value{}
	c.valRegs = map[*ir.Value][]*region{}
	c.lastUse = map[*ir.Value]int{}
	fail := func(err error) error {
		if strings.Contains(err.Error(), "activation buffer full") {
			return fmt.Errorf("backend: -pipeline: window stage %d: %w (the stages' buffers, rings, the window's frame stores and %d frames per port do not fit; lower -pipeline-frames or raise act_buffer_words)", s, err, frames)
		}
		return err
	}
	var ins []*edge
	for _, ed := range edges {
		if ed.from == s {
			return fmt.Errorf("backend: BUG: -pipeline: the window stage %d feeds stage %d", s, ed.to)
		}
		if ed.to == s {
			ins = append(ins, ed)
		}
	}
	fromEdge := map[*ir.Value]*edge{}
	for _, ed := range ins {
		fromEdge[ed.v] = ed
	}
	// pos: each op's place in the stage; last: each value's last reader
	// there; isOut: the output ports the stage writes.
	pos := map[*ir.Node]int{}
	last := map[*ir.Value]int{}
	for k, i := range idx {
		n := c.g.Nodes[i]
		pos[n] = k
		for _, v := range n.Inputs {
			if v != nil {
				c.lastUse[v] = i
				last[v] = k
			}
		}
	}
	isOut := map[*ir.Value]bool{}
	for _, v := range c.part.segOut[0] {
		if st, ok := outStage[v]; ok && st == s {
			isOut[v] = true
			c.lastUse[v] = math.MaxInt
		}
	}
	for _, ed := range ins {
		a, err := c.takeWord()
		if err != nil {
			return fail(err)
		}
		ed.consOff = a
	}
	c.openStage(s)
	c.freeRingSlots(ins)
	// store: each value's frame store (an input port's: the port).
	type frameStore struct {
		reg   *region
		addr  int // frame 0's first word
		words int // a frame's
		port  bool
	}
	store := map[*ir.Value]*frameStore{}
	var stored []*ir.Value // the values with a store in ABUF, in order
	// The values of the earlier stages: a buffer (the producer's layout,
	// rebased) and a store each, for the whole stage.
	for _, ed := range ins {
		start, _, ok := c.buf.take(ed.size, false)
		if !ok {
			return fail(fmt.Errorf("activation buffer full: a copy of %q needs %d words", c.names[ed.v], ed.size))
		}
		l := *ed.prodLay
		l.reg = &region{start: start, size: ed.size}
		l.base += start - ed.src
		c.setLay(ed.v, &l)
		if last[ed.v] == 0 {
			continue // read by the first op alone, as it arrives
		}
		st, _, ok := c.buf.take(frames*ed.size, false)
		if !ok {
			return fail(fmt.Errorf("activation buffer full: the frame store of %q needs %d frames of %d words", c.names[ed.v], frames, ed.size))
		}
		store[ed.v] = &frameStore{reg: &region{start: st, size: frames * ed.size}, addr: st, words: ed.size}
		stored = append(stored, ed.v)
	}
	// The input ports the stage reads: a canonical buffer each; the port
	// holds the frames.
	for _, i := range idx {
		for _, v := range c.g.Nodes[i].Inputs {
			if v == nil || !isIn[v] || store[v] != nil {
				continue
			}
			l, err := c.alloc(v.Type.Shape, nil, false)
			if err != nil {
				return fail(err)
			}
			c.setLay(v, l)
			store[v] = &frameStore{addr: portAddr[v], words: numElems(v.Type.Shape), port: true}
		}
	}
	for k, i := range idx {
		n := c.g.Nodes[i]
		// A fresh frame offset word per copy of this op's loop, zeroed
		// before it (each copy advances its own by a frame per frame).
		var offs []int
		off := func() (int, error) {
			a, err := c.takeWord()
			if err != nil {
				return 0, fail(err)
			}
			offs = append(offs, a)
			return a, nil
		}
		type copyIn struct {
			v   *ir.Value
			off int
		}
		var restores []copyIn
		seen := map[*ir.Value]bool{}
		regOf := map[*region]*ir.Value{}
		for _, v := range n.Inputs {
			if v == nil || v.IsConst() || seen[v] {
				continue
			}
			seen[v] = true
			if store[v] == nil && (k > 0 || fromEdge[v] == nil) {
				return fmt.Errorf("backend: BUG: -pipeline: window stage: input %q of %s has no frame store", c.names[v], n.Name)
			}
			l := c.lay[v]
			if l == nil || l.reg == nil || l.reg.dram {
				return fmt.Errorf("backend: -pipeline: window stage: input %q of %s has no buffer of its own", c.names[v], n.Name)
			}
			if u := regOf[l.reg]; u != nil {
				return fmt.Errorf("backend: -pipeline: window stage: %s reads %q and %q from one buffer, which frame stores cannot restore separately (not supported in a window stage)", n.Name, c.names[u], c.names[v])
			}
			regOf[l.reg] = v
			if k == 0 && fromEdge[v] != nil {
				continue // received into its buffer by this loop
			}
			o, err := off()
			if err != nil {
				return err
			}
			restores = append(restores, copyIn{v, o})
		}
		var recv []int
		if k == 0 {
			for range ins {
				o, err := off()
				if err != nil {
					return err
				}
				recv = append(recv, o)
			}
		}
		// Per output: the offset of its frame store's copy, and of its
		// port's when it is an output port.
		outOffs, portOffs := make([]int, len(n.Outputs)), make([]int, len(n.Outputs))
		for j, o := range n.Outputs {
			var err error
			if lk, ok := last[o]; ok && lk > k {
				if outOffs[j], err = off(); err != nil {
					return err
				}
			}
			if isOut[o] {
				if portOffs[j], err = off(); err != nil {
					return err
				}
			}
		}
		for _, a := range offs {
			e.emit(isa.OpSt, 0, 0, int64(a))
		}
		ctr := e.reg()
		c.loadFrames(ctr, count)
		top := e.b.NewLabel("wframe")
		e.b.Label(top)
		e.forgetVL()
		// The words this loop touches, which no frame store may use.
		var touched []region
		c.buf.log = &touched
		if k == 0 {
			for j, ed := range ins {
				l := c.lay[ed.v]
				e.emit(isa.OpTwait, int64(ed.tok))
				c.copySlot(ed.ring, l.reg.start, ed.size, ed.consOff, ed.depth*ed.size, false)
				e.emit(isa.OpTsig, int64(ed.tok+1))
				if fs := store[ed.v]; fs != nil {
					c.copySlot(fs.addr, l.reg.start, fs.words, recv[j], 0, true)
				}
				touched = append(touched, *l.reg)
			}
		}
		for _, r := range restores {
			fs, l := store[r.v], c.lay[r.v]
			c.copySlot(fs.addr, l.reg.start, fs.words, r.off, 0, false)
			touched = append(touched, *l.reg)
		}
		c.padded = map[*ir.Value]*layout{} // a copy made by an earlier op's loop holds its last frame
		c.win = &winLoop{ctr: ctr, count: count}
		err := c.emitNode(n, i)
		c.win = nil
		if err != nil {
			c.buf.log = nil
			return fail(err)
		}
		e.b.ClearSource()
		for j, o := range n.Outputs {
			l := c.lay[o]
			if l == nil || l.reg == nil || l.reg.dram {
				c.buf.log = nil
				return fmt.Errorf("backend: -pipeline: window stage: %s's output %q has no buffer of its own", n.Name, c.names[o])
			}
			touched = append(touched, *l.reg)
			if isOut[o] {
				pl := l
				if !l.isCanonical() {
					d, err := c.alloc(o.Type.Shape, nil, false)
					if err != nil {
						c.buf.log = nil
						return fail(err)
					}
					if err := c.copyTo("output "+c.names[o], d, l); err != nil {
						c.buf.log = nil
						return fmt.Errorf("backend: %w", err)
					}
					pl = d
				}
				c.copySlot(portAddr[o], pl.base, numElems(o.Type.Shape), portOffs[j], 0, true)
			}
			if lk, ok := last[o]; ok && lk > k {
				words := l.reg.size
				st, ok := c.buf.takeOutside(frames*words, touched)
				if !ok {
					c.buf.log = nil
					return fail(fmt.Errorf("activation buffer full: the frame store of %q needs %d frames of %d words", c.names[o], frames, words))
				}
				store[o] = &frameStore{reg: &region{start: st, size: frames * words}, addr: st, words: words}
				stored = append(stored, o)
				c.copySlot(st, l.reg.start, words, outOffs[j], 0, true)
			}
		}
		c.buf.log = nil
		e.b.Branch(isa.OpDbnz, top, ctr)
		e.free(ctr)
		// Frame stores whose last reader this was.
		for _, v := range stored {
			if fs := store[v]; fs.reg != nil && last[v] <= k {
				c.buf.release(fs.reg)
				fs.reg = nil
			}
		}
	}
	e.emit(isa.OpHalt)
	return nil
}

// weightsSource is the index of the source under which op n's weights are
// written from the DRAM in res's program (reprogram.go: the layer's name
// and " [weights]"), or -1 when its weights are stationary.
func weightsSource(res *Result, n *ir.Node) int {
	src := res.srcOf[n]
	if src < 0 || int(src) >= len(res.Prog.Sources) {
		return -1
	}
	name := res.Prog.Sources[src].Layer + " [weights]"
	for i, s := range res.Prog.Sources {
		if s.Layer == name {
			return i
		}
	}
	return -1
}

// reprogrammedOp reports whether op n's weights are written from the DRAM
// in res's program.
func reprogrammedOp(res *Result, n *ir.Node) bool { return weightsSource(res, n) >= 0 }

// windowWrites is the estimated time the ops nodes spend writing their
// weights from the DRAM per run (work: estimateWork of res's program).
func windowWrites(res *Result, work []workEstimate, nodes []*ir.Node) float64 {
	t := 0.0
	for _, n := range nodes {
		if w := weightsSource(res, n); w >= 0 {
			t += work[w+1].time()
		}
	}
	return t
}

// windowSplits chooses the window stage's controllers and its ops' splits:
// the first core of the controllers local to the banks the window spans
// (from plan.WindowBase to the chip's end), at most limit and at most
// controllers - 1 when stages come before it, are the stage's own: its
// stream on the first, and the helpers of its first op, which computes
// while the earlier stages stream the run's frames. With late > 0 (and
// stages before it), at most late other controllers but 0 follow them, the window's
// other local controllers first: a *late* controller, idle once its
// earlier stage has run its last frame, which is before the window's first
// op has received it, so the window's later ops, which start only after
// that op's loop over every frame, have pieces there too (window_late.go,
// docs/PARALLEL.md §8.8; controller 0 is left out: its halt ends the
// steady state the simulator reports). Which controllers are late is
// decided once the stages before are placed (assignLate): here they are
// counted. The first op is split by chunks
// into as many of the core controllers as split (op i, kc pieces) allows,
// every later op into as many of all of them. The pieces share the
// controllers: piece j of every op runs on the j-th (one helper stream
// loops over the window's ops as the stage does, docs/PARALLEL.md §8.2).
func windowSplits(plan *mapping.Plan, controllers int, nodes []*ir.Node, split func(i, kc int) (opSplit, bool), before bool, limit, late int) (ctrls []int, sp []opSplit, core int) {
	ctrls = windowLocal(plan, controllers)
	most := min(controllers, limit)
	if before {
		most = min(most, controllers-1)
	}
	core = min(len(ctrls), most)
	if core == 0 {
		ctrls, core = []int{controllers - 1}, 1
	}
	more := slices.Clone(ctrls[core:])
	ctrls = ctrls[:core:core]
	if late > 0 && before {
		for c := 1; c < controllers; c++ {
			if !slices.Contains(more, c) {
				more = append(more, c)
			}
		}
		for _, c := range more {
			if c != 0 && !slices.Contains(ctrls, c) {
				ctrls = append(ctrls, c)
			}
		}
		// One left for the prefetcher, which is never late.
		ctrls = ctrls[:max(core, min(len(ctrls), controllers-2, core+late))]
	}
	sp = slices.Repeat([]opSplit{whole}, len(nodes))
	for i := range nodes {
		most := core
		if i > 0 {
			most = len(ctrls)
		}
		for kc := most; kc >= 2; kc-- {
			if x, ok := split(i, kc); ok {
				sp[i] = x
				break
			}
		}
	}
	return ctrls, sp, core
}

// maxPieces is the most pieces of any op of sp (at least 1): the
// controllers of a window stage, whose ops share their helpers.
func maxPieces(sp []opSplit) int {
	n := 1
	for _, x := range sp {
		n = max(n, x.pieces())
	}
	return n
}

// windowRunTime estimates a run of frames through stages starting at
// starts (ops before win, split as sp) and the window stage (ops win..,
// split as wsp, its weight writes per frame writes): frame 0 passes every
// stage before the window (the fill), the slowest of them or the window's
// first op then streams the frames, and the window's other ops follow
// over every frame.
func windowRunTime(ops []opCost, win int, starts []int, sp, wsp []opSplit, writes float64, frames int) float64 {
	fill, slowest := 0.0, 0.0
	scaled := scaleOps(ops[:win], sp)
	for s, lo := range starts {
		hi := win
		if s+1 < len(starts) {
			hi = starts[s+1]
		}
		t, _ := stageCost(scaled[lo:hi])
		fill += t
		slowest = max(slowest, t)
	}
	w := scaleOps(ops[win:], wsp)
	total, _ := stageCost(w)
	first := opTime(w[0])
	return fill + float64(frames)*(max(slowest, first)+total+writes-first)
}
