package backend

import (
	"errors"
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// Feature maps in bands (docs/BACKEND.md §9). A program that does not fit
// the activation buffer is compiled again in banded mode (Compile) on a
// target with an off-chip DRAM (ISA v1.6): there a convolution or pooling
// whose output does not fit ABUF writes it to DRAM in bands of output rows,
// and one that reads a DRAM-resident input loads the input rows each band
// needs (its window rows, the halo included). Any other reader of a
// DRAM-resident value loads it whole (dload) when it fits. Programs that fit
// are compiled exactly as before: banded mode only starts after the normal
// compile ran out of buffer.
//
// A DRAM-resident value has the layout an ABUF buffer would have (NHWC, the
// zero margins its convolution readers need), at DRAM word addresses: its
// region is marked dram and is never freed or reused (a bump allocator; the
// DRAM is zero at load, so the margins read zero without being written).
// Bands are of batch size 1.

// BandStat is one layer computed in row bands (Result.Bands): its source
// layer, its rows per band and its bands.
type BandStat struct {
	Layer       string
	Rows, Bands int
}

// noteBands records a layer of oh rows computed in bands of rows.
func (c *compiler) noteBands(oh, rows int) {
	c.res.Bands = append(c.res.Bands, BandStat{Layer: c.src.Layer, Rows: rows, Bands: (oh + rows - 1) / rows})
}

// errBufferFull marks the allocation failures banded mode may get around.
var errBufferFull = errors.New("activation buffer full")

// dramAlloc returns a fresh DRAM-resident layout of logical shape s with
// the given zero margins (alloc's layout at DRAM addresses).
func (c *compiler) dramAlloc(s []int, margin []int) (*layout, error) {
	rank := len(s)
	if margin == nil {
		margin = make([]int, rank)
	}
	ord := canonicalOrder(rank)
	l := &layout{phys: append([]int(nil), s...), shape: append([]int(nil), s...), strides: make([]int, rank), margin: append([]int(nil), margin...)}
	stride, off := 1, 0
	for i := rank - 1; i >= 0; i-- {
		d := ord[i]
		l.strides[d] = stride
		off += margin[d] * stride
		stride *= s[d] + 2*margin[d]
	}
	if c.dramTop+stride > c.e.arch.DRAMWords {
		return nil, fmt.Errorf("DRAM full: a tensor of shape %v needs %d words, %d of the target's %d are in use", s, stride, c.dramTop, c.e.arch.DRAMWords)
	}
	l.reg = &region{start: c.dramTop, size: stride, dram: true}
	l.base = c.dramTop + off
	l.dram = true
	c.dramTop += stride
	return l, nil
}

// dramOut puts output i of n in DRAM (banded mode, after out failed).
func (c *compiler) dramOut(n *ir.Node, i int) (*layout, error) {
	v := n.Outputs[i]
	l, err := c.dramAlloc(v.Type.Shape, c.marginFor(v))
	if err != nil {
		return nil, err
	}
	c.setLay(v, l)
	return l, nil
}

// outOrDRAM is out, or in banded mode a DRAM-resident output when ABUF
// cannot hold it (the caller computes it in bands).
func (c *compiler) outOrDRAM(n *ir.Node, i int) (*layout, error) {
	l, err := c.out(n, i)
	if err != nil && c.banded && errors.Is(err, errBufferFull) && len(n.Outputs[i].Type.Shape) == 4 && n.Outputs[i].Type.Shape[0] == 1 {
		return c.dramOut(n, i)
	}
	return l, err
}

// loadWhole brings DRAM-resident value v (layout l) into a fresh ABUF
// buffer of the same layout and records it as v's layout.
func (c *compiler) loadWhole(v *ir.Value, l *layout) (*layout, error) {
	typ, err := codeType(v)
	if err != nil {
		return nil, err
	}
	start, _, ok := c.buf.take(l.reg.size, false)
	if !ok {
		return nil, fmt.Errorf("%w: %q (shape %v) is held in DRAM and its reader needs it whole: %d words, %d of the target's %d (act_buffer_words) are in use by live values",
			errBufferFull, c.names[v], l.shape, l.reg.size, c.buf.top-c.freeWords(), c.buf.size)
	}
	c.dmove(isa.OpDload, start, l.reg.start, l.reg.size, typ)
	w := *l
	w.reg = &region{start: start, size: l.reg.size}
	w.base = l.base - l.reg.start + start
	w.dram = false
	c.setLay(v, &w)
	return &w, nil
}

// dmove emits a DRAM transfer (dload: ABUF dst <- DRAM src; dstore: DRAM
// dst <- ABUF src) of n codes of type typ (moved at its width).
func (c *compiler) dmove(op isa.Opcode, dst, src, n int, typ isa.IntType) {
	e := c.e
	rd, rs, rn := e.reg(), e.reg(), e.reg()
	e.emit(isa.OpLi, rd, int64(dst))
	e.emit(isa.OpLi, rs, int64(src))
	e.emit(isa.OpLi, rn, int64(n))
	e.emit(op, rd, rs, rn, int64(typ))
	e.free(rd, rs, rn)
}

// codeType is the ISA type of v's codes, which a DRAM-resident v is
// stored and moved at.
func codeType(v *ir.Value) (isa.IntType, error) {
	t, err := portType(v)
	if err != nil {
		return 0, fmt.Errorf("a value in DRAM: %w", err)
	}
	return t, nil
}

// largestFree is the most words one allocation can take now.
func (b *abuf) largestFree() int {
	n := b.size - b.top
	for _, f := range b.free {
		n = max(n, f.size)
	}
	return n
}

// bandPlan is the row bands of a layer with a DRAM-resident input or
// output (4-D, batch 1): rows output rows per band, the band buffers in
// ABUF (xbuf for input rows when x is in DRAM, ybuf for output rows when y
// is), and how many input rows (padded) a band of r output rows reads.
type bandPlan struct {
	x, y       *layout     // 4-D, as the layer sees them
	xt, yt     isa.IntType // their code types (DRAM transfers move codes at their width)
	rows       int
	xbuf, ybuf int
	reg        *region
	inRows     func(r int) int
}

// planBands sizes the bands of a layer of oh output rows: the most rows
// whose buffers fit the largest free ABUF block.
func (c *compiler) planBands(what string, n *ir.Node, x, y *layout, oh int, inRows func(r int) int) (*bandPlan, error) {
	xt, err := codeType(n.Inputs[0])
	if err != nil {
		return nil, err
	}
	yt, err := codeType(n.Outputs[0])
	if err != nil {
		return nil, err
	}
	words := func(r int) int {
		w := 0
		if x.dram {
			w += inRows(r) * x.strides[2]
		}
		if y.dram {
			w += r * y.strides[2]
		}
		return w
	}
	free := c.buf.largestFree()
	r := 0
	for r < oh && words(r+1) <= free {
		r++
	}
	if r == 0 {
		return nil, fmt.Errorf("%w: %s in bands: one band of 1 output row needs %d words, the largest free block of the target's %d (act_buffer_words) has %d",
			errBufferFull, what, words(1), c.buf.size, free)
	}
	p := &bandPlan{x: x, y: y, xt: xt, yt: yt, rows: r, inRows: inRows}
	c.noteBands(oh, r)
	nw := words(r)
	start, dirty, ok := c.buf.take(nw, y.dram)
	if !ok {
		panic("BUG: backend: a band buffer that fits does not allocate")
	}
	if y.dram && dirty { // the output band's margins must read zero
		ra, rl := c.e.reg(), c.e.reg()
		c.e.emit(isa.OpLi, ra, int64(start))
		c.e.emit(isa.OpLi, rl, int64(nw))
		c.e.emit(isa.OpBfill, ra, rl, 0)
		c.e.free(ra, rl)
	}
	p.reg = &region{start: start, size: nw}
	p.xbuf = start
	if x.dram {
		p.ybuf = start + inRows(r)*x.strides[2]
	} else {
		p.ybuf = start
	}
	return p, nil
}

// release frees the band buffers.
func (p *bandPlan) release(c *compiler) { c.buf.release(p.reg) }

// band is one band: output rows [oy0, oy0+n), and the layer's input and
// output as seen from inside it (a DRAM-resident one rebased onto its band
// buffer: element (y, x, c) of rows the band holds at the same offsets).
type band struct {
	oy0, n int
	x, y   *layout
}

// each emits the bands: for each, the load of its input rows (iy0: the
// first logical input row it reads, may be negative into the margin), body,
// then the store of its output rows.
func (p *bandPlan) each(c *compiler, oh int, firstIn func(oy0 int) int, body func(b band)) {
	for oy0 := 0; oy0 < oh; oy0 += p.rows {
		b := band{oy0: oy0, n: min(p.rows, oh-oy0), x: p.x, y: p.y}
		if p.x.dram {
			sH := p.x.strides[2]
			pr0 := firstIn(oy0) + p.x.margin[2] // padded row
			rows := min(p.inRows(b.n), p.x.phys[2]+2*p.x.margin[2]-pr0)
			c.dmove(isa.OpDload, p.xbuf, p.x.reg.start+pr0*sH, rows*sH, p.xt)
			b.x = p.x.rebased(p.xbuf - pr0*sH)
		}
		if p.y.dram {
			b.y = p.y.rebased(p.ybuf - (oy0+p.y.margin[2])*p.y.strides[2])
		}
		body(b)
		if p.y.dram {
			sH := p.y.strides[2]
			c.dmove(isa.OpDstore, p.y.reg.start+(oy0+p.y.margin[2])*sH, p.ybuf, b.n*sH, p.yt)
		}
	}
}

// rebased is DRAM-resident l seen at ABUF address at (where padded row 0
// of l would start): the same strides and margins, in ABUF.
func (l *layout) rebased(at int) *layout {
	w := *l
	w.base = l.base - l.reg.start + at
	w.reg = nil
	w.dram = false
	return &w
}

// bandable reports whether l can be read or written in row bands: a
// strided 4-D layout of batch 1.
func bandable(l *layout) bool {
	return l.strided() && len(l.shape) == 4 && l.shape[0] == 1
}

// inBandable returns input i of n where it is when it can be read in
// bands (a DRAM-resident 4-D batch-1 value stays in DRAM), else in ABUF.
func (c *compiler) inBandable(n *ir.Node, i int) (*layout, error) {
	l, err := c.inRaw(n, i)
	if err != nil || !l.dram || bandable(l) {
		return l, err
	}
	return c.in(n, i)
}

// vecBands is vecLoop over layouts of one logical shape (the output
// first), any of them DRAM-resident (banded mode): in bands of rows, each
// DRAM-resident input's rows loaded and the output's rows stored around the
// band's vector loop. Without a DRAM-resident operand it is vecLoop.
// vals are the values of lays (their code types: DRAM transfers move codes
// at their width).
func (c *compiler) vecBands(what string, lays []*layout, vals []*ir.Value, body func(ops []vecOperand, lanes int)) error {
	dram := false
	for _, l := range lays {
		dram = dram || l.dram
	}
	if !dram {
		return c.vecLoop(what, lays, body)
	}
	for _, l := range lays {
		if !bandable(l) || !slicesEqual(l.shape, lays[0].shape) {
			return fmt.Errorf("%s in bands: operands of shapes %v and %v (broadcasting is not done in bands)", what, lays[0].shape, l.shape)
		}
	}
	types := make([]isa.IntType, len(lays))
	for i, v := range vals {
		t, err := codeType(v)
		if err != nil {
			return err
		}
		types[i] = t
	}
	h := lays[0].shape[2]
	words := func(r int) int {
		w := 0
		for _, l := range lays {
			if l.dram {
				w += r * l.strides[2]
			}
		}
		return w
	}
	free := c.buf.largestFree()
	rows := 0
	for rows < h && words(rows+1) <= free {
		rows++
	}
	if rows == 0 {
		return fmt.Errorf("%w: %s in bands: one band of 1 row needs %d words, the largest free block of the target's %d (act_buffer_words) has %d",
			errBufferFull, what, words(1), c.buf.size, free)
	}
	c.noteBands(h, rows)
	n := words(rows)
	start, dirty, ok := c.buf.take(n, lays[0].dram)
	if !ok {
		panic("BUG: backend: a band buffer that fits does not allocate")
	}
	if lays[0].dram && dirty { // the output band's margins must read zero
		ra, rl := c.e.reg(), c.e.reg()
		c.e.emit(isa.OpLi, ra, int64(start))
		c.e.emit(isa.OpLi, rl, int64(n))
		c.e.emit(isa.OpBfill, ra, rl, 0)
		c.e.free(ra, rl)
	}
	bufs := make([]int, len(lays))
	at := start
	for i, l := range lays {
		if l.dram {
			bufs[i] = at
			at += rows * l.strides[2]
		}
	}
	var err error
	for y0 := 0; y0 < h && err == nil; y0 += rows {
		r := min(rows, h-y0)
		band := make([]*layout, len(lays))
		for i, l := range lays {
			bl := l
			if l.dram {
				sH, pr0 := l.strides[2], y0+l.margin[2]
				if i > 0 {
					c.dmove(isa.OpDload, bufs[i], l.reg.start+pr0*sH, r*sH, types[i])
				}
				bl = l.rebased(bufs[i] - pr0*sH)
			}
			band[i] = bl.slice(2, y0, r)
		}
		err = c.vecLoop(what, band, body)
		if l := lays[0]; l.dram {
			sH := l.strides[2]
			c.dmove(isa.OpDstore, l.reg.start+(y0+l.margin[2])*sH, bufs[0], r*sH, types[0])
		}
	}
	c.buf.release(&region{start: start, size: n})
	return err
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
