package mapping

import (
	"fmt"
	"slices"
	"sort"
)

// placer hands out sub-arrays to matrix layers in graph order. Weights are
// stationary: every layer keeps its sub-arrays for the whole program, and
// two layers never share one.
type placer struct {
	rows int
	next int // first unused sub-array
	// bank and group (0: no alignment) align a layer that fits one group
	// instruction inside one bank (see align).
	bank, group int
	// lanes is the DPU lane count: the tiles of a layer with more
	// filters are ordered by lane chunk (0: never).
	lanes int
	// capFilters > 0 spreads the next layer one tile per sub-array with
	// at most that many filters per tile (Piece.Cap).
	capFilters int
	// chunkBatch is Geometry.ChunkBatch (0: 1): how many lane chunks
	// the backend runs at once (segmentsTogether).
	chunkBatch int
}

// unit is one tile of a replica before it has a sub-array: the filters
// [from, to) (indices into Group.Filters) of one (group, segment).
type unit struct{ grp, seg, from, to int }

// place lays out every replica of a layer (docs/BACKEND.md §2 "Placement")
// so that one group instruction can drive all its sub-arrays at once
// (docs/PARALLEL.md §7): every tile of the layer sits in a slot of the same
// height h = N + fpt*M (fpt: the most filters of one tile), a sub-array
// holds Q = rows/h slots, and the tiles of one replica go slot-major over
// its S = ceil(tiles/Q) consecutive sub-arrays (tile u in sub-array u mod
// S, slot u / S). So the r-th filter of every tile in slot q is at the same
// rows of every sub-array. A (group, segment) with more filters than a
// sub-array holds is split into parts of ceil(filters/parts) filters, the
// last one shorter, so the r-th filters of consecutive parts are a
// constant number of lanes apart. Tiles are ordered by group, segment and
// part: a segment's parts (which share the input planes) are consecutive
// sub-arrays, one gwrp broadcast per plane. A part whose codes are all zero
// in its segment (a pruned block, docs/ADMM.md) gets no tile: its partial
// sums are 0, so it costs no rows, writes or bmacs. A layer with more filters than
// DPU lanes is ordered by group, lane chunk (LaneChunks), segment and part,
// so the tiles of one chunk's rounds are consecutive too (one replica of
// one slot per sub-array: a segment's tiles together, segmentsTogether). Replicas are
// identical blocks of S sub-arrays one after the other, or, with one slot
// per sub-array, interleaved chunk by chunk. With p.capFilters > 0
// (spread, Piece.Cap) the layer is laid out one tile per sub-array, with
// at most that many filters per tile.
func (p *placer) place(l *Layer) error {
	if p.rows < l.N+l.M {
		return fmt.Errorf("a sub-array of %d rows cannot hold %d input planes and one %d-plane filter", p.rows, l.N, l.M)
	}
	units, fptMax := p.units(l, 0)
	if len(units) == 0 {
		return nil
	}
	h := l.N + fptMax*l.M
	q := p.rows / h
	s := (len(units) + q - 1) / q
	if c := p.capFilters; c > 0 {
		// one tile per sub-array
		units, fptMax = p.units(l, c)
		h, q, s = l.N+fptMax*l.M, 1, len(units)
	} else if l.Block > 1 {
		// one device group per sub-array (chooseBlock): stacked, a
		// sub-array's tiles would take more rounds per pixel
		q, s = 1, len(units)
	}
	// block[u]: units with the same block are one lane chunk of one
	// group (all one block when the layer fits one chunk).
	block := make([]int, len(units))
	if p.lanes > 0 && l.F > p.lanes {
		// The backend computes a layer one DPU lane chunk at a time
		// (LaneChunks: chunks end between parts): the tiles of one
		// chunk, every segment of them, go on consecutive sub-arrays, so
		// each round of the chunk is one gbmac per plane pair, and inside
		// a chunk a segment's parts stay consecutive (one gwrp).
		spans := make([][2]int, len(units))
		for i, u := range units {
			f := l.Groups[u.grp].Filters
			spans[i] = [2]int{f[u.from], f[u.to-1]}
		}
		chunks := LaneChunks(l.F, p.lanes, spans)
		chunk := func(u unit) int { return chunkOf(chunks, l.Groups[u.grp].Filters[u.from]) }
		sort.SliceStable(units, func(i, j int) bool {
			a, b := units[i], units[j]
			if a.grp != b.grp {
				return a.grp < b.grp
			}
			return chunk(a) < chunk(b)
		})
		// One dense replica of one tile per sub-array (not a window
		// layer, whose chunk pieces are not re-cut): a segment's tiles
		// together where the rounds allow.
		if q == 1 && p.capFilters == 0 && l.Block <= 1 && l.Replicas == 1 && !l.Reprogrammed {
			batch := max(p.chunkBatch, 1)
			if l.PlusMinus {
				batch = 1 // its chunks' rounds one after another (backend chunkBatched)
			}
			segmentsTogether(units, chunk, batch)
		}
		// A block-diagonal layer (Layer.Block) is one tile per group:
		// its blocks are the lane chunks alone, so that a replica's
		// tiles of one chunk are consecutive sub-arrays (one gvacc).
		for i := 1; i < len(units); i++ {
			block[i] = block[i-1]
			if units[i].grp != units[i-1].grp && l.Block <= 1 || chunk(units[i]) != chunk(units[i-1]) {
				block[i]++
			}
		}
	}
	p.align(l.Replicas * s)
	// sa[r][u]: replica r's copy of unit u. Replicas are blocks of s
	// sub-arrays, slot-major inside; with one slot per sub-array the
	// replicas' copies of one lane chunk's tiles are interleaved instead
	// (chunk by chunk, every replica), so a round of a chunk drives every
	// replica's tiles with one gbmac. Either way replicas never share a
	// sub-array (one accumulator each).
	sa := make([][]int, l.Replicas)
	for r := range sa {
		sa[r] = make([]int, len(units))
		for u := range units {
			sa[r][u] = p.next + r*s + u%s
		}
	}
	if q == 1 {
		next := p.next
		for i := 0; i < len(units); {
			j := i + 1
			for j < len(units) && block[j] == block[i] {
				j++
			}
			for r := range sa {
				for u := i; u < j; u++ {
					sa[r][u] = next
					next++
				}
			}
			i = j
		}
	}
	for r := 0; r < l.Replicas; r++ {
		for u, t := range units {
			l.Tiles = append(l.Tiles, Tile{Replica: r, Grp: t.grp, Seg: t.seg,
				SA: sa[r][u], Row: u / s * h, From: t.from, To: t.to})
		}
	}
	p.next += l.Replicas * s
	return nil
}

// segmentsTogether reorders the units of a layer laid out one tile per
// sub-array (units sorted by group and lane chunk, then segment and part)
// so that a segment's tiles, which take the same input planes, lie on
// consecutive sub-arrays: one gwrp per plane writes them all, where the
// chunk-major order needs one per chunk (VGG-11-BN features.4: 3 segments
// of 5 parts in lane chunks of 2, 2 and 1 parts, 9 write instructions per
// plane, 5 in this order; docs/PARALLEL.md §8.9). Inside a group the
// units of chunks with two or more parts of some segment go first,
// segment by segment (each segment's chunks, then parts, in order), and
// the chunks with at most one part per segment ("flat": their tiles'
// r-th filters are the same lanes, so one gvacc drains the whole chunk
// when its tiles are consecutive) stay last and whole, in order; the
// segment that opens the first flat chunk goes last among the others, so
// its parts run on into it. What the rounds drain is unchanged: a
// multi-part chunk's gvacc runs end at its segments' boundaries in
// either order (the next segment's lanes start over), and a flat chunk
// stays one run; the layer's tiles stay consecutive sub-arrays, so a
// round that drives all of them is still one group instruction. Only
// for one replica: replicas interleave chunk by chunk (place). And only
// where the chunks of several parts are at most batch (the chunks the
// backend's rounds run at once, Geometry.ChunkBatch): a round drives the
// tiles of one batch of chunks, so they must stay consecutive sub-arrays;
// with more, a group's units keep the chunk-major order (VGG-11-BN
// features.15, 8 such chunks: a batch's tiles in every segment's run
// would be 11 gdots per round instead of 2).
func segmentsTogether(units []unit, chunk func(unit) int, batch int) {
	// multi: the chunks holding several parts of one segment of a group
	// (the batch is the layer's, over its groups); the others are flat.
	multi := map[int]bool{}
	seen := map[[3]int]bool{}
	for _, u := range units {
		k := [3]int{u.grp, chunk(u), u.seg}
		if seen[k] {
			multi[k[1]] = true
		}
		seen[k] = true
	}
	if len(multi) > batch {
		return
	}
	for i := 0; i < len(units); {
		j := i + 1
		for j < len(units) && units[j].grp == units[i].grp {
			j++
		}
		g := units[i:j]
		last := -1 // the segment opening the group's first flat chunk
		for _, u := range g {
			if !multi[chunk(u)] {
				last = u.seg
				break
			}
		}
		rank := func(u unit) [3]int {
			if !multi[chunk(u)] {
				return [3]int{2, 0, 0} // stable: in their order, last
			}
			if u.seg == last {
				return [3]int{1, u.seg, chunk(u)}
			}
			return [3]int{0, u.seg, chunk(u)}
		}
		slices.SortStableFunc(g, func(a, b unit) int {
			ra, rb := rank(a), rank(b)
			return slices.Compare(ra[:], rb[:])
		})
		i = j
	}
}

// units lists the layer's tiles before they have sub-arrays, with at most
// fptCap filters each (0: as many as fit, FiltersPerTile), and the most
// filters of one.
func (p *placer) units(l *Layer, fptCap int) ([]unit, int) {
	var units []unit
	fptMax := 0
	for g := range l.Groups {
		nf := len(l.Groups[g].Filters)
		if nf == 0 {
			continue // every filter of the group pruned: bias-only lanes
		}
		fpt := FiltersPerTile(nf, p.rows, l.N, l.M)
		if fptCap > 0 && fptCap < fpt {
			parts := (nf + fptCap - 1) / fptCap
			fpt = (nf + parts - 1) / parts // parts of even size, the last shorter
		}
		fptMax = max(fptMax, fpt)
		for s := range l.Groups[g].Segs {
			for from := 0; from < nf; from += fpt {
				if to := min(from+fpt, nf); !l.Groups[g].zeroPart(s, from, to) {
					units = append(units, unit{g, s, from, to})
				}
			}
		}
	}
	return units, fptMax
}

// FiltersPerTile is the number of filters in each tile (the last one of a
// segment may hold fewer) of a (group, segment) with nf kept filters of M
// weight planes and N input planes, on sub-arrays of rows rows: the filters
// that fit an empty sub-array, per = (rows-N)/M, split evenly into
// ceil(nf/per) parts of ceil(nf/parts). ADMM block pruning (docs/ADMM.md)
// uses it so that a pruned block is a tile.
func FiltersPerTile(nf, rows, N, M int) int {
	per := max((rows-N)/max(M, 1), 1)
	parts := (nf + per - 1) / per
	return (nf + parts - 1) / max(parts, 1)
}

// align moves the next layer of n sub-arrays to the start of the next
// bank when it fits one group instruction (n <= group and n <= bank) but
// would cross a bank boundary: a group lies in one bank (docs/PARALLEL.md
// §2), so one gbmac then drives the whole layer. Larger layers are several
// groups wherever they start; a serial target (group 0) packs layers
// without gaps.
func (p *placer) align(n int) {
	if p.group <= 0 || p.bank <= 0 || n > p.group || n > p.bank {
		return
	}
	if p.next/p.bank != (p.next+n-1)/p.bank {
		p.next = (p.next/p.bank + 1) * p.bank
	}
}

// SpreadCap is the fewest filters per tile (a Piece.Cap) with which one
// replica of l, laid out one tile per sub-array on sub-arrays of rows rows,
// takes at most n sub-arrays (one group instruction's, inside one bank),
// and whether that spreads l: more tiles than the sub-arrays of its dense
// replica. Fewer filters per sub-array are fewer rounds: every gbmac of a
// round then drives more sub-arrays, so the layer issues fewer
// instructions per pixel for the same MACs (docs/PARALLEL.md §8.2).
func SpreadCap(l *Layer, rows, n int) (int, bool) {
	p := &placer{rows: rows}
	units, fpt := p.units(l, 0)
	if len(units) == 0 || rows < l.N+fpt*l.M {
		return 0, false
	}
	q := rows / (l.N + fpt*l.M)
	s := (len(units) + q - 1) / q
	for c := 1; c <= rows; c++ {
		if u, _ := p.units(l, c); len(u) <= n {
			return c, len(u) > s
		}
	}
	return 0, false
}
