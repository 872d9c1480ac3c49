package backend

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// Reprogrammed layers (docs/BACKEND.md §10). The map pass leaves a layer's
// weights out of the chip's stationary image when the model's weights do
// not all fit its sub-arrays (mapping.Layer.Reprogrammed): such layers
// share a window of sub-arrays, and each one's weight rows are written
// there from the DRAM every time, just before the layer runs.
//
// The rows travel as codes: a chunk of h consecutive weight rows of one
// sub-array (h <= 31 and below the ABUF word width) is one code of type
// u<h> per column, whose bit j is column c of row row0+j. The chunks of a
// layer are the program's DRAM image (isa.Program.DRAM, one block per
// height), so a transfer moves exactly the rows' bits. Per batch of chunks
// the code dloads them into an ABUF scratch block; per chunk it gathers the
// cols codes into a patch register (pld) and writes the h rows (wrp bit j
// to row row0+j): the SOT write time and energy are the target's row_write
// costs, the transfer's the DRAM's. Chunks go round-robin over the layer's
// sub-arrays so the writes of different sub-arrays overlap. The simulator
// computes from the bits these writes store.

// weightRow is one row of a layer's weight image (sub-array, row, bits).
type weightRow struct {
	sa, row int
	bits    []byte
}

// wchunk is h consecutive weight rows of one sub-array as cols codes.
type wchunk struct {
	sa, row0, h int
	codes       []int32
}

// reprogramScratch bounds the ABUF scratch block of one dload, in words.
const reprogramScratch = 1 << 15

// ReprogramStat sums what the reprogramming code of a program writes
// (Result.Reprogram).
type ReprogramStat struct {
	// Layers and Rows: the layers reprogrammed per image and their weight
	// rows; DRAMWords the DRAM image holding them.
	Layers, Rows, DRAMWords int
	// Window is the first sub-array of the window they share.
	Window int
	// Chosen: the weights fit, and a pipeline put these layers in a
	// window stage by choice (Options.Window, window_choice.go).
	Chosen bool
}

// reprogram emits the code that writes rows (a reprogrammed layer's
// weight image, op n's) into their sub-arrays from the DRAM, under its own
// source (the layer's, "[weights]" added), and adds the codes to the DRAM
// image. In a window stage whose op n has a helper controller, that
// helper loads the batches (reprogram_loader.go).
func (c *compiler) reprogram(name string, n *ir.Node, rows []weightRow) error {
	e := c.e
	cols := e.arch.Cols
	hmax := min(31, e.arch.ActWordBits-1)
	slices.SortFunc(rows, func(a, b weightRow) int {
		if a.sa != b.sa {
			return a.sa - b.sa
		}
		return a.row - b.row
	})
	// Chunks, in order inside each sub-array.
	var per [][]wchunk // by sub-array, in the order met
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && j-i < hmax && rows[j].sa == rows[i].sa && rows[j].row == rows[j-1].row+1 {
			j++
		}
		ch := wchunk{sa: rows[i].sa, row0: rows[i].row, h: j - i, codes: make([]int32, cols)}
		for k, r := range rows[i:j] {
			for by, v := range r.bits {
				for ; v != 0; v &= v - 1 {
					ch.codes[by*8+bits.TrailingZeros8(v)] |= 1 << k
				}
			}
		}
		if len(per) == 0 || per[len(per)-1][0].sa != ch.sa {
			per = append(per, nil)
		}
		per[len(per)-1] = append(per[len(per)-1], ch)
		i = j
	}
	// Round-robin over sub-arrays, grouped by height (one DRAM block and
	// one code type each).
	byH := map[int][]wchunk{}
	var heights []int
	for k := 0; ; k++ {
		any := false
		for _, cs := range per {
			if k < len(cs) {
				any = true
				h := cs[k].h
				if _, ok := byH[h]; !ok {
					heights = append(heights, h)
				}
				byH[h] = append(byH[h], cs[k])
			}
		}
		if !any {
			break
		}
	}
	src := c.src
	src.Layer += " [weights]"
	e.b.SetSource(src)
	defer e.b.SetSource(c.src)
	if ctrl, ok := c.weightLoader(n); ok {
		return c.reprogramLoaded(name, n, byH, heights, ctrl, len(rows))
	}
	rb := e.reg()
	defer e.free(rb)
	for _, h := range heights {
		chunks := byH[h]
		addr, typ, err := c.weightsToDRAM(name, h, chunks)
		if err != nil {
			return err
		}
		batch := max(1, min(len(chunks), min(reprogramScratch, c.buf.largestFree())/cols))
		start, _, ok := c.buf.take(batch*cols, false)
		if !ok {
			return fmt.Errorf("%w: reprogramming the layer's weights needs %d words of scratch, %d of the target's %d (act_buffer_words) are in use by live values",
				errBufferFull, cols, c.buf.top-c.freeWords(), c.buf.size)
		}
		e.emit(isa.OpLi, rb, int64(start))
		for i := 0; i < len(chunks); i += batch {
			nb := min(batch, len(chunks)-i)
			c.dmove(isa.OpDload, start, addr+i*cols, nb*cols, typ)
			c.writeChunks(chunks[i:i+nb], rb)
		}
		c.buf.release(&region{start: start, size: batch * cols})
	}
	c.res.Reprogram.Layers++
	c.res.Reprogram.Rows += len(rows)
	return nil
}

// writeChunks emits the writes of chunks, whose codes are at ABUF rb+k*cols
// (k: the chunk's index): per chunk one pld and h wrps. A run of at least
// loopRun chunks of consecutive sub-arrays at the same rows (what the
// round-robin order gives: the k-th chunk of every sub-array of a layer)
// is a counted loop, two chunks per iteration (two patch registers, their
// rows written alternately to the two sub-arrays), so the code does not
// grow with the sub-arrays.
func (c *compiler) writeChunks(chunks []wchunk, rb int64) {
	e := c.e
	cols := e.arch.Cols
	// one writes chunk ch from ABUF [ra+off] through patch register p into
	// sub-array [rs+sa].
	one := func(ch wchunk, ra int64, off int, rs, sa, p int64) {
		e.emit(isa.OpPld, p, 0, ra, int64(off), int64(cols))
		for j := range ch.h {
			e.emit(isa.OpWrp, rs, sa, 0, int64(ch.row0+j), p, int64(j))
		}
	}
	// pair writes two chunks at the same rows of sub-arrays [rs+0] and
	// [rs+1] from ABUF [ra] and [ra+cols]: both gathers first, then the
	// rows alternating between the two sub-arrays, so each sub-array's
	// row write overlaps the other's instead of the stream waiting for
	// one sub-array's writes back to back.
	pair := func(ch wchunk, ra, rs int64) {
		e.emit(isa.OpPld, 0, 0, ra, 0, int64(cols))
		e.emit(isa.OpPld, 1, 0, ra, int64(cols), int64(cols))
		for j := range ch.h {
			for p := range int64(2) {
				e.emit(isa.OpWrp, rs, p, 0, int64(ch.row0+j), p, int64(j))
			}
		}
	}
	static := func(k int, p int64) {
		ch := chunks[k]
		rs, sa := int64(0), int64(ch.sa)
		if sa >= 1<<14 {
			rs = e.reg()
			defer e.free(rs)
			e.emit(isa.OpLi, rs, sa)
			sa = 0
		}
		one(ch, rb, k*cols, rs, sa, p)
	}
	for i := 0; i < len(chunks); {
		j := i + 1
		for j < len(chunks) && chunks[j].sa == chunks[j-1].sa+1 && chunks[j].row0 == chunks[i].row0 && chunks[j].h == chunks[i].h {
			j++
		}
		if j-i < loopRun {
			for k := i; k < j; k++ {
				static(k, int64(k%2))
			}
			i = j
			continue
		}
		if (j-i)%2 == 1 {
			static(i, 0)
			i++
		}
		rs, rp, rc := e.reg(), e.reg(), e.reg()
		e.emit(isa.OpLi, rs, int64(chunks[i].sa))
		e.emit(isa.OpAddi, rp, rb, int64(i*cols))
		e.emit(isa.OpLi, rc, int64((j-i)/2))
		top := e.b.NewLabel("W")
		e.b.Label(top)
		pair(chunks[i], rp, rs)
		e.emit(isa.OpAddi, rs, rs, 2)
		e.emit(isa.OpAddi, rp, rp, int64(2*cols))
		e.b.Branch(isa.OpDbnz, top, rc)
		e.free(rs, rp, rc)
		i = j
	}
}

// loopRun is the fewest chunks writeChunks puts in a loop.
const loopRun = 4

// weightsToDRAM places the codes of a reprogrammed layer's chunks of h
// rows in the program's DRAM image (named NAME.wH) and returns their
// address and type.
func (c *compiler) weightsToDRAM(name string, h int, chunks []wchunk) (int, isa.IntType, error) {
	e := c.e
	typ := isa.MakeIntType(h, false)
	words := len(chunks) * e.arch.Cols
	if c.dramTop+words > e.arch.DRAMWords {
		return 0, typ, fmt.Errorf("DRAM full: the weights of the layer need %d words, %d of the target's %d are in use", words, c.dramTop, e.arch.DRAMWords)
	}
	addr := c.dramTop
	c.dramTop += words
	data := make([]int32, 0, words)
	for _, ch := range chunks {
		data = append(data, ch.codes...)
	}
	e.b.AddDRAM(fmt.Sprintf("%s.w%d", name, h), uint32(addr), typ, data)
	c.res.Reprogram.DRAMWords += words
	return addr, typ, nil
}
