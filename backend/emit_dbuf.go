package backend

import (
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
)

// Double-buffered input planes (docs/PARALLEL.md §8.7). A pixel's N input
// planes go into rows every gdot of its rounds reads, so, in order, the
// next pixel's writes wait for this pixel's last sequence (its last
// drain), and the next pixel's first gdot waits for those writes: the
// sub-arrays idle for the writes (and their gathers) once per pixel. With
// a second set of N rows in every sub-array of the layer (the same rows
// in all of them, so a gdot run stays one gdot), pixels alternate between
// the tiles' own input rows (buffer 0) and the second rows (buffer 1),
// and each pixel's last round writes the next pixel's planes into the
// other buffer between issuing its gdots and draining them, while the
// sequences run. The innermost pixel loop is unrolled by two (a gdot's
// input row is an immediate); the first pixel of each run of the
// innermost dimension is written as before, and the last one prefetches
// nothing. Every pixel's planes are the same bits written before its
// rounds read them: the outputs are bit-identical, and the same rows,
// ANDs and counts are charged.

// secondInputRows is the shift S > 0 of the second input rows: every
// tile t of m gets rows [t.inRow+S, t.inRow+S+N), free in its sub-array
// (no tile of any layer of the plan holds them; tiles sharing a
// sub-array at other rows get their own second rows, and a gdot run,
// whose tiles share their input row, still shares it), or -1: no such
// rows, or the layer is not double-buffered (its rounds are not rotated
// sequences, emit_rotated.go; its weights are reprogrammed into shared
// sub-arrays; its replicas are packed).
func (c *compiler) secondInputRows(m *matrix, tiles []tile, packF int) int {
	e := c.e
	if !m.rotated(e) || m.lay.Reprogrammed || packF > 0 || c.plan == nil {
		return -1
	}
	mine := map[int]bool{}
	used := map[int][][2]int{} // rows [lo, hi) held in each of m's sub-arrays
	for _, t := range tiles {
		mine[t.sa] = true
		used[t.sa] = append(used[t.sa], [2]int{t.inRow, t.wRow + len(t.filters)*m.M})
	}
	for _, l := range c.plan.Layers {
		for i := range l.Tiles {
			t := &l.Tiles[i]
			if mine[t.SA] {
				used[t.SA] = append(used[t.SA], [2]int{t.Row, tileEnd(l, t)})
			}
		}
	}
	rows := e.arch.Rows
	free := func(sa, lo int) bool {
		if lo+m.N > rows {
			return false
		}
		for _, h := range used[sa] {
			if h[0] < lo+m.N && lo < h[1] {
				return false
			}
		}
		return true
	}
	for shift := m.N; shift < rows; shift++ {
		ok := true
		for i := range tiles {
			if !free(tiles[i].sa, tiles[i].inRow+shift) {
				ok = false
				break
			}
		}
		if ok {
			return shift
		}
	}
	return -1
}

// tileEnd is the row past tile t's input and weight rows.
func tileEnd(l *mapping.Layer, t *mapping.Tile) int {
	return t.WeightRow(l, t.To-t.From)
}

// inRowOf is tile t's first input-plane row in the buffer being emitted
// (c.inBuf: 0 the tiles' own rows, S the second rows S further).
func (c *compiler) inRowOf(t *tile) int { return t.inRow + c.inBuf }

// pixelBuf says how body emits one pixel of a double-buffered layer.
type pixelBuf struct {
	shift    int    // its input planes' buffer: 0 the tiles' own rows, else the second rows' shift
	written  bool   // its planes were written by the previous pixel's prefetch
	prefetch func() // writes the next pixel's planes into the other buffer; nil: none
}

// doubleBuffered emits the pixels of nest ns as pixelLoop does, the
// innermost dimension (at least two pixels) unrolled by two over the
// buffers: per run of that dimension, the first pixel's planes written
// as before, then pairs of pixels in a counted loop, each pixel
// prefetching the next one's planes, then the last one or two pixels, the
// last without a prefetch. write(ptrs, inOff) emits the planes of the
// pixels at inOff; pixel(ptrs, inOff, outOff, pb) one pixel's body.
func (c *compiler) doubleBuffered(ns pixelNest, second int, write func(px int64, inOff []int), pixel func(ptrs []int64, inOff, outOff []int, pb pixelBuf)) {
	e := c.e
	d := len(ns.dims) - 1
	w := ns.dims[d]
	sIn, sOut := ns.in.strides[d], ns.out.strides[d]
	outer := func(o operand) operand {
		return operand{base: o.base, strides: o.strides[:d]}
	}
	at := func(offs []int, j, s int) []int {
		r := make([]int, len(offs))
		for i, o := range offs {
			r[i] = o + j*s
		}
		return r
	}
	buf := func(j int) int { return j % 2 * second }
	// one emits pixel j (relative to the pointers) with buffer buf(j),
	// prefetching pixel j+1 when next.
	one := func(ptrs []int64, j int, next bool) {
		pb := pixelBuf{shift: buf(j), written: true}
		if next {
			pb.prefetch = func() {
				saved := c.inBuf
				c.inBuf = buf(j + 1)
				write(ptrs[0], at(ns.inOff, j+1, sIn))
				c.inBuf = saved
			}
		}
		pixel(ptrs, at(ns.inOff, j, sIn), at(ns.outOff, j, sOut), pb)
	}
	e.loopNest(ns.dims[:d], []operand{outer(ns.in), outer(ns.out)}, func(ptrs []int64) {
		px, po := ptrs[0], ptrs[1]
		c.inBuf = 0
		write(px, ns.inOff)
		pairs := (w - 1) / 2 // pairs whose second pixel prefetches a third
		if pairs > 0 {
			rc := e.reg()
			e.emit(isa.OpLi, rc, int64(pairs))
			top := e.b.NewLabel("D")
			e.b.Label(top)
			saved := e.vl
			e.forgetVL()
			one(ptrs, 0, true)
			one(ptrs, 1, true)
			if e.vl == -1 {
				e.vl = saved
			}
			e.emit(isa.OpAddi, px, px, int64(2*sIn))
			e.emit(isa.OpAddi, po, po, int64(2*sOut))
			e.b.Branch(isa.OpDbnz, top, rc)
			e.free(rc)
		}
		rest := w - 2*pairs // 1 or 2
		one(ptrs, 0, rest == 2)
		if rest == 2 {
			one(ptrs, 1, false)
		}
		if pairs > 0 {
			e.emit(isa.OpAddi, px, px, -int64(2*pairs*sIn))
			e.emit(isa.OpAddi, po, po, -int64(2*pairs*sOut))
		}
		c.inBuf = 0
	})
}
