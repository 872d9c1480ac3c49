package backend

import (
	"slices"

	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
)

// pixelLoop describes the output pixels of a matrix layer: loop dims
// (outermost first), the patch origin in the input buffer and the output
// pixel address as operands of the loop nest, and the output channel stride.
type pixelLoop struct {
	dims    []int
	in, out operand
	outChan int
	// bands, when set, emits the layer in row bands (band.go): it calls
	// run with each band's pixel loop between the band's DRAM transfers.
	bands func(run func(pixelLoop))
}

// tile is one piece of a matrix in one sub-array, as emitMatrix walks it
// (from a mapping.Tile): the input bit-planes of one column segment of one
// group (N rows from inRow, written once per output pixel and shared by the
// tile's filters) and the weight planes of some of the group's filters (M
// rows each from wRow).
type tile struct {
	rep      int // replica
	grp, seg int
	sa       int   // global sub-array index
	inRow    int   // first input-plane row
	wRow     int   // first weight row
	filters  []int // indices into matGroup.filters
}

// matrixCode is what emitMatrix produced (for the summary and tests).
type matrixCode struct {
	tiles     []tile
	subarrays int
}

// emitMatrix emits a mapped qconv/qfc: the weight image, the bias and
// multiplier constants, and one loop over output pixels whose body
//  1. gathers each column segment into a patch register (one pld per
//     contiguous run of kept columns) and writes its N bit-planes into every
//     tile of that segment (shared by the tile's filters);
//  2. per chunk of at most dpu_lanes output channels: clears v0, walks the
//     filters of every tile in rounds (round r = the r-th filter of each
//     sub-array, so different sub-arrays overlap; one accumulator each,
//     drained by vacc into the filter's lane after the round), then one vrq
//     (+ vclip when [lo, hi] is narrower than the type) and one vst.
//
// Pruned filters get no partial sums: their lanes requantize the bias alone.
// On a target with group instructions the writes, bmacs and vaccs of
// consecutive sub-arrays are coalesced into gwrp, gbmac and gvacc
// (emit_group.go).
//
// With replicas (repTile[r][i] is replica r's copy of tile repTile[0][i])
// the pixels are split among them (see body below).
func (c *compiler) emitMatrix(m *matrix, segs [][][2]int, tiles []tile, repTile [][]int, pl pixelLoop) error {
	e := c.e
	b := e.b
	// Weight image: stationary, or written from the DRAM now
	// (reprogram.go).
	rowBytes := e.arch.Cols / 8
	var rows []weightRow
	for _, t := range tiles {
		for k, fi := range t.filters {
			for p, bits := range c.rows.planes(m, t.grp, fi, segs[t.grp][t.seg], rowBytes) {
				if m.lay.Reprogrammed {
					rows = append(rows, weightRow{t.sa, t.wRow + k*m.M + p, slices.Clone(bits)})
					continue
				}
				b.AddWeightRow(uint32(t.sa), uint32(t.wRow+k*m.M+p), bits)
			}
		}
	}
	name := c.constName(m.node)
	if m.lay.Reprogrammed {
		if err := c.onFirstFrame(func() error { return c.reprogram(name, m.node, rows) }); err != nil {
			return err
		}
	}
	chunks := laneChunks(m, tiles, e.arch.DPULanes)
	// tileChunk: the lane chunk of every tile, for layers split by
	// chunks over controllers (chunks.go).
	lchunks, tileChunk := layerChunks(m.lay, e.arch.DPULanes)
	if !slices.Equal(lchunks, chunks) || len(tileChunk) != len(tiles) {
		panic("BUG: backend: the mapping's lane chunks are not the emitter's")
	}
	// reps replicas per controller: a layer split over k controllers
	// (split.go) runs len(repTile)/k on each.
	reps := len(repTile) / c.splitOf(m.node)
	// packF > 0: a controller's replicas are packed side by side in one
	// DPU register (replica r's channels at lanes r*F...), with the bias
	// and multiplier vectors repeated once per replica.
	packF, copies := 0, 1
	if packedReplicas(m, pl, len(chunks), reps, e.arch.DPULanes) {
		packF, copies = m.F, reps
		c.res.packed[m.node] = true
	}
	biasAddr := int(b.AddConst(name+".bias", slices.Repeat(m.bias, copies)))
	multAddr := int(b.AddConst(name+".mult", slices.Repeat(m.mult, copies)))

	// The MAC rounds of every lane chunk, for replica 0's tiles (the
	// other replicas' rounds are the same on their own tiles).
	rounds := make([][][]job, len(chunks))
	for ci, ch := range chunks {
		var order []int
		perSA := map[int][]job{}
		for ti, t := range tiles {
			if t.rep != 0 {
				continue
			}
			for k, fi := range t.filters {
				f := m.groups[t.grp].filters[fi]
				if f < ch[0] || f >= ch[0]+ch[1] {
					continue
				}
				if _, ok := perSA[t.sa]; !ok {
					order = append(order, t.sa)
				}
				perSA[t.sa] = append(perSA[t.sa], job{ti, k, f - ch[0], 0})
			}
		}
		for r := 0; ; r++ {
			var act []job
			for _, sa := range order {
				if js := perSA[sa]; r < len(js) {
					act = append(act, js[r])
				}
			}
			if len(act) == 0 {
				break
			}
			rounds[ci] = append(rounds[ci], act)
		}
	}
	// An output zero point yz is added after the rounding: vrq clamps to
	// [lo-yz, hi-yz], a vbcast of yz into the drained accumulator
	// register and a vadd shift the codes into [lo, hi] (two DPU ops more
	// per output vector; docs/BACKEND.md).
	typ, clip := outType(m.lo-m.yZero, m.hi-m.yZero)
	// v2..v5 hold two chunks' bias and multiplier vectors (v7 is the zero
	// vector), unless the two chunks run as one batch that needs v4 and
	// v5 as accumulators (batchWantsAccs).
	hoist := len(chunks) <= 2 && !m.batchWantsAccs(e, tiles, rounds, repTile, reps, packF, c.chunkSplitOf(m.node))
	vB := func(ci int) int64 {
		if hoist {
			return int64(2 + 2*ci)
		}
		return 2
	}
	vM := func(ci int) int64 { return vB(ci) + 1 }
	// vl is the vector length of chunk ch with nrep replicas at work.
	vl := func(ch [2]int, nrep int) int {
		if packF > 0 {
			return nrep * packF
		}
		return ch[1]
	}
	// piece emits the code one controller runs for the replicas reps
	// (global indices, consecutive) on the pixels ppl and the lane chunks
	// cr ([lo, hi) indices into chunks): its registers (sub-array and
	// group bases, hoisted bias and multiplier) and loops. It writes the
	// input planes of the tiles of its chunks only.
	piece := func(reps []int, ppl pixelLoop, cr [2]int) {
		if !m.pm {
			// On every controller that runs a piece, before its gathers.
			clearPatchRegs(e)
		}
		bySeg := map[[3]int][]int{}
		for i, t := range tiles {
			if c := tileChunk[i]; c >= cr[0] && c < cr[1] {
				k := [3]int{t.rep, t.grp, t.seg}
				bySeg[k] = append(bySeg[k], i)
			}
		}
		rounds := rounds[cr[0]:cr[1]]
		if hoist {
			for ci := cr[0]; ci < cr[1]; ci++ {
				ch := chunks[ci]
				e.setVL(vl(ch, len(reps)))
				e.emit(isa.OpVldc, vB(ci), 0, int64(biasAddr+ch[0]))
				e.emit(isa.OpVldc, vM(ci), 0, int64(multAddr+ch[0]))
			}
		}
		// Sub-array operands are [rs+imm14]: layers beyond sub-array 16383 use
		// a base register holding the layer's first sub-array.
		rs, saBase := int64(0), 0
		if len(tiles) > 0 && tiles[len(tiles)-1].sa >= 1<<14 {
			last := tiles[len(tiles)-1].sa
			saBase = tiles[0].sa
			if last-saBase >= 1<<14 {
				panic("BUG: backend: one layer spans more than 16384 sub-arrays")
			}
			rs = e.reg()
			e.emit(isa.OpLi, rs, int64(saBase))
			defer e.free(rs)
		}
		bases := &groupBases{e: e}
		var rz int64 // the output zero point, for vbcast
		if m.yZero != 0 {
			rz = e.reg()
			e.emit(isa.OpLi, rz, m.yZero)
			defer e.free(rz)
		}
		// writes emits the input planes of replicas rl's pixels at inOff
		// into the buffer c.inBuf names: segment by segment, or
		// plane-major over batches of segments (emit_writes.go).
		writes := func(px int64, rl []int, inOff []int) {
			if m.interleavedWrites(e) {
				c.emitSegmentWrites(m, segs, tiles, bySeg, rl, px, inOff, rs, saBase, bases)
				return
			}
			c.emitSegmentMajorWrites(m, segs, tiles, bySeg, rl, px, inOff, rs, saBase, bases)
		}
		// body emits len(rl) output pixels at once: replica rl[i]'s pixel is
		// at offsets inOff[i], outOff[i] from the loop's pointers. The
		// replicas' patches are written first (unless pb says the previous
		// pixel wrote them, emit_dbuf.go), then every round issues the
		// bmacs of all replicas (different sub-arrays, so they overlap), the
		// i-th draining into its own accumulator register accRegs[i] (or,
		// packed, into lanes i*F of one).
		body := func(ptrs []int64, rl []int, inOff, outOff []int, pb pixelBuf) {
			px, po := ptrs[0], ptrs[1]
			nrep := len(rl)
			c.inBuf = pb.shift
			if !pb.written {
				writes(px, rl, inOff)
			}
			// The next pixel's planes go in before the last batch's
			// last drains (emit_dbuf.go), or, if no round takes them,
			// at the end of the body.
			prefetched := pb.prefetch == nil
			next := func() {
				if !prefetched {
					prefetched = true
					pb.prefetch()
				}
			}
			defer next()
			regs := nrep // DPU accumulator registers in use per chunk
			if packF > 0 {
				regs = 1
			}
			// With sequenced rounds a batch of lane chunks (disjoint
			// sub-arrays) runs as one: their rounds merged, each chunk
			// draining into its own accumulator registers (chunkAccs).
			// spare: v1, vrq's scratch register, may hold a chunk that
			// is requantized in place before the others (no output
			// zero point, whose vadd needs the scratch register).
			spare := m.yZero == 0
			batch := 1
			if m.chunkBatched(e) {
				batch = max(1, len(chunkAccs(hoist, spare))/regs)
			}
			for b0, b1 := cr[0], 0; b0 < cr[1]; b0 = b1 {
				b1 = disjointChunks(tiles, b0, min(b0+batch, cr[1]), func(ci int) [][]job {
					return withReplicas(rounds[ci-cr[0]], repTile, rl, packF)
				})
				acc := func(slot, r int) int64 {
					if b1-b0 == 1 {
						return accRegs[r]
					}
					return chunkAccs(hoist, spare)[slot*regs+r]
				}
				var all [][]job
				maxVL := 0
				for ci := b0; ci < b1; ci++ {
					maxVL = max(maxVL, vl(chunks[ci], nrep))
					ca := withReplicas(rounds[ci-cr[0]], repTile, rl, packF)
					for i, act := range ca {
						if i == len(all) {
							all = append(all, nil)
						}
						for _, j := range act {
							j.acc = acc(ci-b0, slices.Index(accRegs, j.acc))
							all[i] = append(all[i], j)
						}
					}
				}
				e.setVL(maxVL)
				if !hoist && b1-b0 == 1 {
					e.emit(isa.OpVldc, vB(b0), 0, int64(biasAddr+chunks[b0][0]))
					e.emit(isa.OpVldc, vM(b0), 0, int64(multAddr+chunks[b0][0]))
				}
				for ci := b0; ci < b1; ci++ {
					for r := 0; r < regs; r++ {
						e.emit(isa.OpVbcast, acc(ci-b0, r), 0)
					}
				}
				if m.pm {
					c.emitCorrection(m, tiles, all, rs, saBase, bases)
				}
				var prefetch func()
				if b1 == cr[1] && !prefetched {
					prefetch = next
				}
				if m.overlapped(e) {
					c.emitRoundsOverlapped(m, tiles, all, rs, saBase, bases)
				} else {
					c.emitRoundsInOrder(m, tiles, all, rs, saBase, bases, prefetch)
				}
				// The chunk drained into v1 goes first: the others'
				// vrqs write v1.
				order := make([]int, 0, b1-b0)
				for ci := b0; ci < b1; ci++ {
					if slices.Contains(accsOf(ci-b0, regs, acc), 1) {
						order = slices.Insert(order, 0, ci)
					} else {
						order = append(order, ci)
					}
				}
				for _, ci := range order {
					ch := chunks[ci]
					if b1-b0 > 1 {
						e.setVL(vl(ch, nrep))
						if !hoist {
							e.emit(isa.OpVldc, vB(ci), 0, int64(biasAddr+ch[0]))
							e.emit(isa.OpVldc, vM(ci), 0, int64(multAddr+ch[0]))
						}
					}
					for r := 0; r < regs; r++ {
						ra := acc(ci-b0, r)
						e.emit(isa.OpVrq, 1, ra, vB(ci), vM(ci), m.shift, m.round, int64(typ))
						if clip {
							e.emit(isa.OpVclip, 1, 1, m.lo-m.yZero, m.hi-m.yZero)
						}
						if m.yZero != 0 {
							e.emit(isa.OpVbcast, ra, rz)
							e.emit(isa.OpVadd, 1, 1, ra)
						}
						e.emit(isa.OpVst, 1, po, int64(ch[0]*pl.outChan+outOff[r]), int64(pl.outChan))
					}
				}
			}
		}
		bases.hoist(groupFirsts(e, m, tiles, bySeg, rounds, repTile, reps, packF))
		defer bases.release()
		nests := pixelSplit(ppl, len(reps))
		if packF > 0 {
			nests = packedSplit(ppl, len(reps))
		}
		second := c.secondInputRows(m, tiles, packF)
		for _, ns := range nests {
			rl := make([]int, len(ns.reps))
			for i, pos := range ns.reps {
				rl[i] = reps[pos]
			}
			if second >= 0 && len(ns.dims) > 0 && ns.dims[len(ns.dims)-1] >= 2 {
				c.doubleBuffered(ns, second,
					func(px int64, inOff []int) { writes(px, rl, inOff) },
					func(ptrs []int64, inOff, outOff []int, pb pixelBuf) { body(ptrs, rl, inOff, outOff, pb) })
				continue
			}
			e.loopNest(ns.dims, []operand{ns.in, ns.out}, func(ptrs []int64) { body(ptrs, rl, ns.inOff, ns.outOff, pixelBuf{}) })
		}
		c.inBuf = 0
	}
	cuts, ok := chunkRanges(m.lay, e.arch.DPULanes, c.chunkSplitOf(m.node))
	if !ok {
		panic("BUG: backend: a layer split by chunks where no cut is allowed")
	}
	if pl.bands != nil {
		pl.bands(func(bpl pixelLoop) { c.emitPieces(m.node, len(repTile), bpl, cuts, piece) })
		return nil
	}
	c.emitPieces(m.node, len(repTile), pl, cuts, piece)
	return nil
}

// emitRoundsInOrder emits a lane chunk's rounds all one after another,
// each round's drains before the next round.
//
// prefetch (nil: none) is emitted once, before the last round's drains
// (after its gdots): the next pixel's input planes (emit_dbuf.go).
func (c *compiler) emitRoundsInOrder(m *matrix, tiles []tile, all [][]job, rs int64, saBase int, bases *groupBases, prefetch func()) {
	e := c.e
	// Consecutive rounds that only step every tile to its next
	// filter (next weight rows, next lane) become one counted loop
	// over filters with register-relative rows and lanes, so code
	// size does not grow with the number of filters.
	for r := 0; r < len(all); {
		q := r + 1
		for q < len(all) && stepsFrom(all[r], all[q], q-r) {
			q++
		}
		var hook func()
		if q == len(all) {
			hook = prefetch
		}
		if q-r < 2 {
			if hook != nil {
				c.emitGdots(m, tiles, all[r], bases, 0, 0, 0)
				hook()
				c.emitDrains(tiles, all[r], rs, saBase, bases, 0, 0, 0)
			} else {
				c.emitRound(m, tiles, all[r], rs, saBase, bases, 0, 0)
			}
			r = q
			continue
		}
		rw, rln, rc := e.reg(), e.reg(), e.reg()
		e.emit(isa.OpLi, rw, 0)
		e.emit(isa.OpLi, rln, 0)
		if m.rotated(e) {
			e.emit(isa.OpLi, rc, int64(q-r-1))
		} else {
			e.emit(isa.OpLi, rc, int64(q-r))
		}
		// the filters' rounds use the same sub-arrays: their
		// bases are loaded once, before the loop
		unhold := bases.hold(roundBases(e, m, tiles, all[r]))
		if m.rotated(e) {
			c.emitFilterLoopRotated(m, tiles, all[r], rs, saBase, bases, rw, rln, rc, hook)
			unhold()
			e.free(rw, rln, rc)
			r = q
			continue
		}
		top := e.b.NewLabel("F")
		e.b.Label(top)
		c.emitRound(m, tiles, all[r], rs, saBase, bases, rw, rln)
		e.emit(isa.OpAddi, rw, rw, int64(m.M))
		e.emit(isa.OpAddi, rln, rln, 1)
		e.b.Branch(isa.OpDbnz, top, rc)
		unhold()
		e.free(rw, rln, rc)
		r = q
	}
}

// pixelNest is one loop nest of a matrix layer's pixels: every iteration
// computes one pixel per replica reps[i] (positions among the replicas
// splitting the loop), at offsets inOff[i], outOff[i] from the nest's
// pointers.
type pixelNest struct {
	dims          []int
	in, out       operand
	reps          []int
	inOff, outOff []int
}

// pixelSplit splits the pixels of pl among nrep replicas: replica r
// computes slice r of the outermost dimension d with at least nrep indices
// (chunk indices each), and the remainder indices go one per replica (the
// first ones) in a second nest. Without such a dimension, or with one
// replica, replica 0 computes every pixel.
func pixelSplit(pl pixelLoop, nrep int) []pixelNest {
	d := splitDim(pl.dims, nrep)
	if nrep == 1 || d < 0 {
		return []pixelNest{{dims: pl.dims, in: pl.in, out: pl.out, reps: []int{0}, inOff: []int{0}, outOff: []int{0}}}
	}
	chunk, rem := pl.dims[d]/nrep, pl.dims[d]%nrep
	offs := func(n, step int) ([]int, []int, []int) {
		reps, in, out := make([]int, n), make([]int, n), make([]int, n)
		for r := range in {
			reps[r], in[r], out[r] = r, r*step*pl.in.strides[d], r*step*pl.out.strides[d]
		}
		return reps, in, out
	}
	dims := slices.Clone(pl.dims)
	dims[d] = chunk
	reps, inOff, outOff := offs(nrep, chunk)
	out := []pixelNest{{dims: dims, in: pl.in, out: pl.out, reps: reps, inOff: inOff, outOff: outOff}}
	if rem > 0 {
		dims := slices.Clone(pl.dims)
		dims[d] = 1
		in, o := pl.in, pl.out
		in.base += nrep * chunk * pl.in.strides[d]
		o.base += nrep * chunk * pl.out.strides[d]
		reps, inOff, outOff := offs(rem, 1)
		out = append(out, pixelNest{dims: dims, in: in, out: o, reps: reps, inOff: inOff, outOff: outOff})
	}
	return out
}

// packedSplit splits the pixels of pl among nrep packed replicas: they
// compute runs of nrep adjacent pixels of the innermost dimension (their
// outputs are then nrep*F consecutive words: one vst); the rest of a row,
// fewer than nrep pixels, is a second nest with as many replicas.
func packedSplit(pl pixelLoop, nrep int) []pixelNest {
	d := len(pl.dims) - 1
	n := pl.dims[d]
	offs := func(k int) ([]int, []int, []int) {
		reps, in, out := make([]int, k), make([]int, k), make([]int, k)
		for r := range in {
			reps[r], in[r], out[r] = r, r*pl.in.strides[d], r*pl.out.strides[d]
		}
		return reps, in, out
	}
	var nests []pixelNest
	if q := n / nrep; q > 0 {
		dims := slices.Clone(pl.dims)
		in := operand{base: pl.in.base, strides: slices.Clone(pl.in.strides)}
		out := operand{base: pl.out.base, strides: slices.Clone(pl.out.strides)}
		dims[d] = q
		in.strides[d] *= nrep
		out.strides[d] *= nrep
		reps, inOff, outOff := offs(nrep)
		nests = append(nests, pixelNest{dims: dims, in: in, out: out, reps: reps, inOff: inOff, outOff: outOff})
	}
	if rem := n % nrep; rem > 0 {
		dims := slices.Clone(pl.dims)
		dims[d] = 1
		in, out := pl.in, pl.out
		in.base += n / nrep * nrep * pl.in.strides[d]
		out.base += n / nrep * nrep * pl.out.strides[d]
		reps, inOff, outOff := offs(rem)
		nests = append(nests, pixelNest{dims: dims, in: in, out: out, reps: reps, inOff: inOff, outOff: outOff})
	}
	return nests
}

// splitDim is the outermost of dims with at least n indices, -1 none.
func splitDim(dims []int, n int) int {
	for i, x := range dims {
		if x >= n {
			return i
		}
	}
	return -1
}

// nestIters is the loop iterations of the nests of pixelSplit (or, packed,
// packedSplit) of dims among nrep replicas: what the code of one
// controller's replicas costs, in pixel bodies.
func nestIters(dims []int, nrep int, packed bool) int {
	prod := func(ds []int) int {
		n := 1
		for _, x := range ds {
			n *= x
		}
		return n
	}
	d := splitDim(dims, nrep)
	if packed {
		d = len(dims) - 1
	}
	if nrep == 1 || d < 0 {
		return prod(dims)
	}
	ds := slices.Clone(dims)
	ds[d] = dims[d] / nrep
	n := prod(ds)
	if dims[d]%nrep > 0 {
		ds[d] = 1
		n += prod(ds)
	}
	return n
}

// laneChunks are the output channel pieces of at most dpu_lanes the layer
// is computed in, ending between tiles where possible
// (mapping.LaneChunks), so no tile starts a chunk's rounds at another row.
func laneChunks(m *matrix, tiles []tile, lanes int) [][2]int {
	var spans [][2]int
	for _, t := range tiles {
		if t.rep == 0 && len(t.filters) > 0 {
			f := m.groups[t.grp].filters
			spans = append(spans, [2]int{f[t.filters[0]], f[t.filters[len(t.filters)-1]]})
		}
	}
	return mapping.LaneChunks(m.F, lanes, spans)
}

// accRegs are the DPU accumulator registers of replicas 0..3: v0 and v6
// are free in a matrix layer; v4 and v5 only when a single lane chunk
// hoists its bias and multiplier into v2 and v3 (maxAccRegs).
var accRegs = []int64{0, 6, 4, 5}

// disjointChunks is the end of the batch of lane chunks from b0 (at most
// to hi) whose rounds (roundsOf, the replicas' jobs included) use
// disjoint sub-arrays: their merged rounds must not put two jobs on one
// sub-array.
func disjointChunks(tiles []tile, b0, hi int, roundsOf func(ci int) [][]job) int {
	used := map[int]bool{}
	for ci := b0; ci < hi; ci++ {
		mine := map[int]bool{}
		for _, act := range roundsOf(ci) {
			for _, j := range act {
				sa := tiles[j.tile].sa
				if used[sa] {
					return max(ci, b0+1)
				}
				mine[sa] = true
			}
		}
		for sa := range mine {
			used[sa] = true
		}
	}
	return hi
}

// chunkAccs are the DPU registers a batch of lane chunks (chunkBatched)
// drains into, regs per chunk: v0, v6 and, without hoisted bias and
// multiplier vectors (which take v2..v5), v4 and v5, and then with spare
// v1, the scratch register of vrq: its chunk is requantized in place
// (vrq v1, v1, ...) before the others.
func chunkAccs(hoist, spare bool) []int64 {
	if hoist {
		return accRegs[:2]
	}
	if spare {
		return append(slices.Clone(accRegs), 1)
	}
	return accRegs
}

// accsOf lists the registers acc gives chunk slot's regs replicas.
func accsOf(slot, regs int, acc func(slot, r int) int64) []int64 {
	out := make([]int64, regs)
	for r := range out {
		out[r] = acc(slot, r)
	}
	return out
}

// maxAccRegs is the number of replicas a layer with nchunks lane chunks
// can run at once.
func maxAccRegs(nchunks int) int {
	if nchunks <= 1 {
		return 4
	}
	return 2
}

// job is one filter's MACs in one sub-array: tile, filter slot k in the
// tile, DPU lane, and the accumulator register its vacc drains into.
type job struct {
	tile, k, lane int
	acc           int64
}

// stepsFrom reports whether round b is round a with every job moved d
// filters on (same tiles, slot +d, lane +d).
func stepsFrom(a, b []job, d int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if b[i].tile != a[i].tile || b[i].k != a[i].k+d || b[i].lane != a[i].lane+d || b[i].acc != a[i].acc {
			return false
		}
	}
	return true
}

// withReplicas is a round of replica 0's jobs with every replica reps[i]
// doing the same on its own tiles, draining into its own accumulator
// register accRegs[i], or with packF > 0 into lanes i*packF on of the first
// one (replica-major, so replicas' sub-arrays follow each other).
func withReplicas(rounds [][]job, repTile [][]int, reps []int, packF int) [][]job {
	all := make([][]job, len(rounds))
	for i, act := range rounds {
		for ri, r := range reps {
			acc, lane := accRegs[0], ri*packF
			if packF == 0 {
				acc = accRegs[ri]
			}
			for _, j := range act {
				all[i] = append(all[i], job{repTile[r][j.tile], j.k, j.lane + lane, acc})
			}
		}
	}
	return all
}

// packedReplicas reports whether the reps replicas of a layer run packed
// in one DPU register: its channels fit one lane chunk reps times, and the
// output pixels of the innermost dimension are F consecutive words each
// (a fresh NHWC or row-major output), so reps adjacent pixels are one
// vector of reps*F words.
func packedReplicas(m *matrix, pl pixelLoop, nchunks, reps, lanes int) bool {
	d := len(pl.dims) - 1
	return reps > 1 && nchunks == 1 && reps*m.F <= lanes && d >= 0 && pl.outChan == 1 && pl.out.strides[d] == m.F
}

// wrpRuns are the runs of tiles ts (one segment of one replica, the same
// patch) that one gwrp per plane writes: consecutive sub-arrays with the
// input planes at the same rows.
func wrpRuns(e *emitter, tiles []tile, ts []int) [][2]int {
	return e.groupRuns(len(ts), func(k int) int { return tiles[ts[k]].sa },
		func(i, k int) bool { return tiles[ts[k]].inRow == tiles[ts[i]].inRow })
}

// bmacRuns are the runs of a round's jobs that one gbmac per plane pair
// computes: consecutive sub-arrays with the input planes and the job's
// filter at the same rows, over act in sub-array order (inSAOrder), which
// it returns with them.
func bmacRuns(e *emitter, m *matrix, tiles []tile, act []job) ([]job, [][2]int) {
	act = inSAOrder(tiles, act)
	row := func(k int) int { return tiles[act[k].tile].wRow + act[k].k*m.M }
	return act, e.groupRuns(len(act), func(k int) int { return tiles[act[k].tile].sa },
		func(i, k int) bool { return tiles[act[k].tile].inRow == tiles[act[i].tile].inRow && row(k) == row(i) })
}

// inSAOrder is act ordered by sub-array (stably), act itself when it is
// already. A round's jobs come lane chunk by lane chunk; in the mapping's
// chunk-major layout that is sub-array order, but where a segment's
// tiles are placed together (ir/mapping segmentsTogether) the chunks'
// sub-arrays interleave, and only in sub-array order do the chunks' runs
// of consecutive sub-arrays join into one group instruction.
func inSAOrder(tiles []tile, act []job) []job {
	bySA := func(a, b job) int { return tiles[a.tile].sa - tiles[b.tile].sa }
	if slices.IsSortedFunc(act, bySA) {
		return act
	}
	act = slices.Clone(act)
	slices.SortStableFunc(act, bySA)
	return act
}

// vaccRuns are the runs of a round's jobs that one gvacc drains:
// consecutive sub-arrays into one accumulator register, lanes a constant
// stride 0..255 apart.
func vaccRuns(e *emitter, tiles []tile, act []job) [][2]int {
	return e.groupRuns(len(act), func(k int) int { return tiles[act[k].tile].sa },
		func(i, k int) bool {
			d := act[i+1].lane - act[i].lane
			return act[k].acc == act[i].acc && d >= 0 && d <= maxLaneStride && act[k].lane-act[k-1].lane == d
		})
}

// maxLaneStride is the largest gvacc lane stride (an 8-bit field).
const maxLaneStride = 255

// groupFirsts lists the first sub-arrays of the layer's group instructions
// (runs of more than one sub-array) with the replicas reps at work, most
// used first (ties in order of appearance): the bases worth a register.
func groupFirsts(e *emitter, m *matrix, tiles []tile, bySeg map[[3]int][]int, rounds [][][]job, repTile [][]int, reps []int, packF int) []int {
	count := map[int]int{}
	var order []int
	note := func(sa, uses int) {
		if _, ok := count[sa]; !ok {
			order = append(order, sa)
		}
		count[sa] += uses
	}
	for _, r := range reps {
		for g := range m.groups {
			for s := range m.lay.Groups[g].Segs {
				ts := bySeg[[3]int{r, g, s}]
				for _, run := range wrpRuns(e, tiles, ts) {
					if run[1]-run[0] > 1 {
						note(tiles[ts[run[0]]].sa, m.N)
					}
				}
			}
		}
	}
	for _, rs := range rounds {
		for _, act := range withReplicas(rs, repTile, reps, packF) {
			sact, runs := bmacRuns(e, m, tiles, act)
			for _, run := range runs {
				switch {
				case m.sequenced(e): // one gdot per run, a run of one included
					note(tiles[sact[run[0]].tile].sa, 1)
				case run[1]-run[0] > 1:
					note(tiles[sact[run[0]].tile].sa, m.M*m.N)
				}
			}
			for _, run := range vaccRuns(e, tiles, act) {
				if run[1]-run[0] > 1 {
					note(tiles[act[run[0]].tile].sa, 1)
				}
			}
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return count[b] - count[a] })
	return order
}

// roundBases lists the first sub-arrays of the group runs of one round's
// gbmacs (bmacRuns), each the operand of M*N gbmacs of the round.
func roundBases(e *emitter, m *matrix, tiles []tile, act []job) []int {
	var firsts []int
	act, runs := bmacRuns(e, m, tiles, act)
	for _, run := range runs {
		if run[1]-run[0] > 1 {
			firsts = append(firsts, tiles[act[run[0]].tile].sa)
		}
	}
	return firsts
}

// emitRound emits one round: on a target with a plane sequencer one gdot
// per run of active sub-arrays with the same rows (bmacRuns; ISA v1.7, a
// run of one included), its M x N plane pairs in the order below;
// otherwise for every plane pair (m, n) (planePair) one gbmac per run (a
// bmac for a run of one), so different sub-arrays overlap, with the runs'
// bases held in registers for the whole round (groupBases.hold). Then
// one gvacc per run of sub-arrays draining their accumulators into lanes
// a constant stride apart (vaccRuns; a vacc for a run of one). rw and rl
// (0 = r0) offset the weight rows and lanes inside a filter loop.
func (c *compiler) emitRound(m *matrix, tiles []tile, act []job, rs int64, saBase int, bases *groupBases, rw, rl int64) {
	e := c.e
	if m.sequenced(e) {
		c.emitGdots(m, tiles, act, bases, rw, 0, 0)
		c.emitDrains(tiles, act, rs, saBase, bases, rl, 0, 0)
		return
	}
	sact, bruns := bmacRuns(e, m, tiles, act)
	defer bases.hold(roundBases(e, m, tiles, act))()
	for p := 0; p < m.M; p++ {
		for n := 0; n < m.N; n++ {
			shift, sign := m.planePair(p, n)
			for _, run := range bruns {
				j := sact[run[0]]
				t := &tiles[j.tile]
				if k := run[1] - run[0]; k > 1 {
					ra, done := bases.reg(t.sa)
					e.emit(isa.OpGbmac, ra, int64(k), int64(c.inRowOf(t)+n), rw, int64(t.wRow+j.k*m.M+p), 0, shift, sign)
					done()
					continue
				}
				e.emit(isa.OpBmac, rs, int64(t.sa-saBase), int64(c.inRowOf(t)+n), rw, int64(t.wRow+j.k*m.M+p), 0, shift, sign)
			}
		}
	}
	c.emitDrains(tiles, act, rs, saBase, bases, rl, 0, 0)
}

// emitGdots emits a sequenced round's gdots (one per bmacRuns run, a run
// of one included) into the sub-arrays' accumulator acc; rw (0 = r0) plus
// wOff offsets the weight rows.
func (c *compiler) emitGdots(m *matrix, tiles []tile, act []job, bases *groupBases, rw int64, wOff int, acc int64) {
	e := c.e
	pl := m.planes().Pack()
	act, runs := bmacRuns(e, m, tiles, act)
	for _, run := range runs {
		j := act[run[0]]
		t := &tiles[j.tile]
		ra, done := bases.reg(t.sa)
		e.emit(isa.OpGdot, ra, int64(run[1]-run[0]), int64(c.inRowOf(t)), rw, int64(t.wRow+j.k*m.M+wOff), acc, pl)
		done()
	}
}

// emitDrains emits a round's drains: one gvacc per run of sub-arrays whose
// accumulators go into lanes a constant stride apart (vaccRuns), a vacc for
// a run of one, from the sub-arrays' accumulator acc; rl (0 = r0) plus
// lOff offsets the lanes inside a filter loop.
func (c *compiler) emitDrains(tiles []tile, act []job, rs int64, saBase int, bases *groupBases, rl int64, lOff int, acc int64) {
	e := c.e
	for _, run := range vaccRuns(e, tiles, act) {
		j := act[run[0]]
		if k := run[1] - run[0]; k > 1 {
			ra, done := bases.reg(tiles[j.tile].sa)
			e.emit(isa.OpGvacc, j.acc, rl, int64(j.lane+lOff), ra, int64(k), int64(act[run[0]+1].lane-j.lane), acc, 1)
			done()
			continue
		}
		e.emit(isa.OpVacc, j.acc, rl, int64(j.lane+lOff), rs, int64(tiles[j.tile].sa-saBase), acc, 1)
	}
}
