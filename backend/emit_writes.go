package backend

import (
	"slices"

	"github.com/pimc-dev/pimc/isa"
)

// A row write holds its sub-array's write unit for row_write (2 ns on the
// default target; a gwrp row_write + row_broadcast), longer than an issue
// slot, and a segment's N input planes go to the same sub-arrays: written
// plane after plane, the controller waits row_write per plane. A
// depthwise layer has one segment per channel in its own slot of one
// sub-array (MobileNetV2 features.1: 32 channels per pixel, 9 plds and 8
// wrps each), so its input path ran at one wrp per 2 ns. Interleaved, a
// batch of segments with disjoint sub-arrays is gathered into their own
// patch registers first, and then written plane-major (plane p of every
// segment's tiles, then plane p+1), so consecutive writes go to other
// sub-arrays and issue one per slot. The same rows get the same bits
// before the rounds: outputs are bit-identical.

// interleavedWrites says whether m's input planes are written
// plane-major over batches of segments (emitSegmentWrites): on a target
// with a plane sequencer, whose rounds are one gdot per filter slot, so
// that the input path is a large part of the controller's work. Programs
// for targets without one keep the segment-major order byte for byte.
func (m *matrix) interleavedWrites(e *emitter) bool {
	return e.arch.PlaneSequencer
}

// segWrite is one segment's input planes: its kept-column runs gathered
// into patch register preg, then written into the tiles ts (indices into
// tiles) in the runs of wrpRuns.
type segWrite struct {
	preg int64
	plds [][3]int64 // patch column, buffer offset, words
	ts   []int
	runs [][2]int
}

// emitSegmentWrites gathers and writes the input planes of replicas rl
// (as body's segment-major loop does) in batches of at most
// isa.NumPatchRegs segments whose tiles lie in disjoint sub-arrays: each
// batch's plds, then its writes plane-major.
func (c *compiler) emitSegmentWrites(m *matrix, segs [][][2]int, tiles []tile, bySeg map[[3]int][]int, rl []int, px int64, inOff []int, rs int64, saBase int, bases *groupBases) {
	e := c.e
	var batch []segWrite
	used := map[int]bool{} // the batch's sub-arrays
	// unheld counts the batch's group writes whose base is not in a
	// register (each needs one while the batch writes).
	unheld := 0
	baseFree := func(sa int) bool {
		_, ok := bases.regs[sa]
		return ok || sa == 0
	}
	flush := func() {
		for _, u := range batch {
			if m.pm {
				// The rows hold only this segment's columns: the ±1
				// correction counts every set bit.
				e.emit(isa.OpPzero, u.preg)
			}
			for _, l := range u.plds {
				e.emit(isa.OpPld, u.preg, l[0], px, l[1], l[2])
			}
		}
		type dst struct {
			preg, ra int64
			n        int
			t        *tile
		}
		// ds: the writes interleaved; rest: group writes left without a
		// base register (a segment of more runs than free registers),
		// each written as before, its base loaded into the scratch
		// register.
		var ds, rest []dst
		var dones []func()
		for _, u := range batch {
			for _, run := range u.runs {
				t := &tiles[u.ts[run[0]]]
				d := dst{preg: u.preg, n: run[1] - run[0], t: t}
				if d.n > 1 {
					if !baseFree(t.sa) && e.freeRegs() <= holdMin {
						rest = append(rest, d)
						continue
					}
					ra, done := bases.reg(t.sa)
					d.ra = ra
					dones = append(dones, done)
				}
				ds = append(ds, d)
			}
		}
		write := func(d dst, p int) {
			if d.n > 1 {
				e.emit(isa.OpGwrp, d.ra, int64(d.n), 0, int64(c.inRowOf(d.t)+p), d.preg, int64(p))
				return
			}
			e.emit(isa.OpWrp, rs, int64(d.t.sa-saBase), 0, int64(c.inRowOf(d.t)+p), d.preg, int64(p))
		}
		for p := 0; p < m.N; p++ {
			for _, d := range ds {
				write(d, p)
			}
		}
		for _, done := range slices.Backward(dones) {
			done()
		}
		for _, d := range rest {
			ra, done := bases.reg(d.t.sa)
			d.ra = ra
			for p := 0; p < m.N; p++ {
				write(d, p)
			}
			done()
		}
		batch, unheld = batch[:0], 0
		clear(used)
	}
	m.eachSegment(segs, bySeg, rl, func(i, g int, sg [2]int, ts []int, preg int64) {
		u := segWrite{preg: preg, plds: m.groups[g].segPlds(sg, inOff[i]), ts: ts, runs: wrpRuns(e, tiles, ts)}
		need := 0
		clash := false
		for _, run := range u.runs {
			t := &tiles[ts[run[0]]]
			if run[1]-run[0] > 1 && !baseFree(t.sa) {
				need++
			}
			for k := run[0]; k < run[1]; k++ {
				clash = clash || used[tiles[ts[k]].sa]
			}
		}
		if len(batch) > 0 && (clash || len(batch) == isa.NumPatchRegs || unheld+need > e.freeRegs()-holdMin) {
			flush()
		}
		batch = append(batch, u)
		unheld += need
		for _, run := range u.runs {
			for k := run[0]; k < run[1]; k++ {
				used[tiles[ts[k]].sa] = true
			}
		}
	})
	flush()
}

// segPlds is the gather of segment sg (columns [sg[0], sg[1]) of g) for
// an input at buffer offset inOff: one pld per contiguous run of offsets,
// as (patch column, buffer offset, words).
func (g *matGroup) segPlds(sg [2]int, inOff int) [][3]int64 {
	var plds [][3]int64
	for j := sg[0]; j < sg[1]; {
		k := j + 1
		for k < sg[1] && g.offs[k] == g.offs[k-1]+1 {
			k++
		}
		plds = append(plds, [3]int64{int64(j - sg[0]), int64(g.offs[j] + inOff), int64(k - j)})
		j = k
	}
	return plds
}

// clearPatchRegs zeroes every patch register before a matrix layer's
// gathers, on each controller that runs a piece of it (a layer whose
// rows hold only one segment's columns, m.pm, zeroes its register per
// segment instead). The simulator charges a row write and the ANDs on
// it for the columns that may hold a 1, the highest column gathered
// into the register since its last pzero (docs/ISA.md "Driven
// columns"); without the clear, a piece that follows a wider layer (or
// a window helper's weight writes) on the same controller writes and
// senses the wider extent, with the stale columns ANDed against zero
// weights: the same outputs at up to 1.8x the sense energy (MobileNetV2
// one image 35.0 -> 29.35 uJ). Four instructions per piece and frame.
func clearPatchRegs(e *emitter) {
	for p := 0; p < isa.NumPatchRegs; p++ {
		e.emit(isa.OpPzero, int64(p))
	}
}

// emitSegmentMajorWrites gathers and writes the input planes of replicas
// rl segment by segment: each segment's plds into the next patch
// register, then its rows, group writes where its tiles' sub-arrays
// are consecutive (the order emitSegmentWrites interleaves instead).
func (c *compiler) emitSegmentMajorWrites(m *matrix, segs [][][2]int, tiles []tile, bySeg map[[3]int][]int, rl []int, px int64, inOff []int, rs int64, saBase int, bases *groupBases) {
	e := c.e
	m.eachSegment(segs, bySeg, rl, func(i, g int, sg [2]int, ts []int, preg int64) {
		if m.pm {
			// The rows hold only this segment's columns:
			// the ±1 correction counts every set bit.
			e.emit(isa.OpPzero, preg)
		}
		for _, l := range m.groups[g].segPlds(sg, inOff[i]) {
			e.emit(isa.OpPld, preg, l[0], px, l[1], l[2])
		}
		for _, run := range wrpRuns(e, tiles, ts) {
			t := &tiles[ts[run[0]]]
			if n := run[1] - run[0]; n > 1 {
				ra, done := bases.reg(t.sa)
				for p := 0; p < m.N; p++ {
					e.emit(isa.OpGwrp, ra, int64(n), 0, int64(c.inRowOf(t)+p), preg, int64(p))
				}
				done()
				continue
			}
			for n := 0; n < m.N; n++ {
				e.emit(isa.OpWrp, rs, int64(t.sa-saBase), 0, int64(c.inRowOf(t)+n), preg, int64(n))
			}
		}
	})
}

// eachSegment calls fn for every segment of replicas rl's pixels that
// has a tile of this piece (bySeg), replica by replica, group by group,
// segment by segment, with the replica's index i in rl and the patch
// register the segment's gather takes (round-robin over the
// registers): the order both input-write forms gather in.
func (m *matrix) eachSegment(segs [][][2]int, bySeg map[[3]int][]int, rl []int, fn func(i, g int, sg [2]int, ts []int, preg int64)) {
	preg := int64(0)
	for i, r := range rl {
		for g := range m.groups {
			for s, sg := range segs[g] {
				ts := bySeg[[3]int{r, g, s}]
				if len(ts) == 0 {
					continue // no tile of this piece's chunks
				}
				fn(i, g, sg, ts, preg)
				preg = (preg + 1) % isa.NumPatchRegs
			}
		}
	}
}
