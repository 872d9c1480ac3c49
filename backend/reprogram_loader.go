package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// A reprogrammed layer's weight load in a window stage (docs/PARALLEL.md
// §8.5). The plain code (reprogram.go) dloads a batch of chunks and then
// writes it, on one stream: a dload keeps its controller's buffer port
// until the DRAM has delivered the batch, so the next batch's transfer
// waits for this batch's writes and the writes wait for the transfer.
// When the layer has a helper controller (its ops are split in a window
// stage), that helper moves the batches from the DRAM into two ABUF slots
// while the stage's stream writes the other slot's rows:
//
//	stream: tsig start; per batch b: twait full; write slot b%2; tsig free (not for the last two)
//	helper: twait start; per batch b: twait free (from b = 2); dload slot b%2; tsig full
//
// so a batch's transfer overlaps the previous batch's row writes. The same
// dloads (bytes, DRAM energy), plds and wrps as the plain code; only their
// controllers and order change. The helper runs this once per run, before
// its piece of the layer's frame loop, and starts only at the stream's
// start: the slots are words the stream took for them, which nothing else
// touches until the stream's last write.

// loaderTokens are the tokens of a weight load (start, full, free), shared
// by every reprogrammed layer of the program (one load at a time).
const loaderTokens = 3

// weightLoader is the helper controller that loads op n's weights, when n
// runs in a window stage split over controllers.
func (c *compiler) weightLoader(n *ir.Node) (int, bool) {
	if c.win == nil {
		return 0, false
	}
	return c.loaderCtrl(n)
}

// loaderCtrl is the helper controller that loads op n's weights when n
// runs in a window stage (its first helper): op n split over
// controllers.
func (c *compiler) loaderCtrl(n *ir.Node) (int, bool) {
	if c.pipe == nil || n == nil {
		return 0, false
	}
	ctrls := c.pipe.pieceCtrl[n]
	if len(ctrls) < 2 || ctrls[1] == ctrls[0] {
		return 0, false
	}
	return ctrls[1], true
}

// weightBatch is one dload of a weight load: chunks (all of one height,
// codes of type typ) from DRAM word addr; at is the ABUF word a prefetched
// batch is moved to and ready the token its writer waits for
// (window_prefetch.go).
type weightBatch struct {
	addr      int
	typ       isa.IntType
	chunks    []wchunk
	at, ready int
}

// reprogramLoaded emits the weight load of op n's layer (its chunks by
// height, heights in order) with helper controller ctrl loading (see
// above), and adds the codes to the DRAM image. The batches a window
// prefetch moves ahead of time (window_prefetch.go) are written from
// where it put them, between the loader's.
func (c *compiler) reprogramLoaded(name string, n *ir.Node, byH map[int][]wchunk, heights []int, ctrl, rows int) error {
	e := c.e
	cols := e.arch.Cols
	slot := max(1, min(reprogramScratch, c.buf.largestFree()/2)/cols) // chunks
	// segs: the chunks of each height, in the DRAM image.
	var segs []weightBatch
	for _, h := range heights {
		chunks := byH[h]
		addr, typ, err := c.weightsToDRAM(name, h, chunks)
		if err != nil {
			return err
		}
		segs = append(segs, weightBatch{addr: addr, typ: typ, chunks: chunks})
	}
	start, _, ok := c.buf.take(2*slot*cols, false)
	if !ok {
		return fmt.Errorf("%w: reprogramming the layer's weights needs %d words of scratch, %d of the target's %d (act_buffer_words) are in use by live values",
			errBufferFull, 2*cols, c.buf.top-c.freeWords(), c.buf.size)
	}
	src := c.src
	src.Layer += " [weights]"
	pre, segs := c.prefetchBatches(n, segs, slot, src)
	var batches []weightBatch
	for _, sg := range segs {
		for i := 0; i < len(sg.chunks); i += slot {
			nb := min(slot, len(sg.chunks)-i)
			batches = append(batches, weightBatch{addr: sg.addr + i*cols, typ: sg.typ, chunks: sg.chunks[i : i+nb]})
		}
	}
	nb := len(batches)
	slotAddr := func(b int) int { return start + (b%2)*slot*cols }
	if !c.pipe.loadTokSet {
		c.pipe.loadTok, c.pipe.loadTokSet = c.pipe.nextTok, true
		c.pipe.nextTok += loaderTokens
	}
	tStart, tFull, tFree := int64(c.pipe.loadTok), int64(c.pipe.loadTok+1), int64(c.pipe.loadTok+2)
	load := func() {
		e.emit(isa.OpTwait, tStart)
		for b, wb := range batches {
			if b >= 2 {
				e.emit(isa.OpTwait, tFree)
			}
			c.dmove(isa.OpDload, slotAddr(b), wb.addr, len(wb.chunks)*cols, wb.typ)
			e.emit(isa.OpTsig, tFull)
		}
	}
	if nb > 0 {
		c.helpers = append(c.helpers, helperStream{ctrl: ctrl, src: src, once: true, emit: load})
	}
	rb := e.reg()
	defer e.free(rb)
	if nb > 0 {
		e.emit(isa.OpTsig, tStart)
	}
	bitNS, cycle := c.tgt.DRAMBitNS(), c.tgt.CycleNS()
	dram := func(b weightBatch) float64 {
		return float64(len(b.chunks)*cols*b.typ.Bits()) * bitNS
	}
	write := func(b weightBatch) float64 {
		w := 0
		for _, ch := range b.chunks {
			w += ch.h + 1
		}
		return float64(w) * cycle
	}
	own, writers := c.shareWrites(n, ctrl, pre, batches, write, src)
	for _, w := range writers {
		e.emit(isa.OpTsig, int64(w.start))
	}
	for _, k := range mergeBatches(pre[:own], batches, dram, write) {
		if k >= 0 {
			e.emit(isa.OpTwait, int64(pre[k].ready))
			e.emit(isa.OpLi, rb, int64(pre[k].at))
			c.writeChunks(pre[k].chunks, rb)
			continue
		}
		b := -k - 1
		e.emit(isa.OpTwait, tFull)
		e.emit(isa.OpLi, rb, int64(slotAddr(b)))
		c.writeChunks(batches[b].chunks, rb)
		if b+2 < nb {
			e.emit(isa.OpTsig, tFree)
		}
	}
	for _, w := range writers {
		e.emit(isa.OpTwait, int64(w.done))
	}
	if c.pf.prefetchesAfter(n) {
		e.emit(isa.OpTsig, int64(c.pf.consumed))
	}
	c.buf.release(&region{start: start, size: 2 * slot * cols})
	c.res.Reprogram.Layers++
	c.res.Reprogram.Rows += rows
	return nil
}
