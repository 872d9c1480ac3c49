package backend

import "fmt"

// tile is one piece of a matrix placed in one sub-array: the input
// bit-planes of one column segment of one group (N rows from inRow, written
// once per output pixel and shared by the tile's filters) and the weight
// planes of some of the group's filters (M rows each from wRow).
type tile struct {
	grp, seg int
	sa       int   // global sub-array index
	inRow    int   // first input-plane row
	wRow     int   // first weight row
	filters  []int // indices into matGroup.filters
}

// placer hands out sub-arrays to matrix layers in program order. Weights are
// stationary: every layer keeps its sub-arrays for the whole program, and a
// model that does not fit is an error (Compile names the layers).
type placer struct {
	rows      int
	next      int // first unused sub-array
	nextRow   int // first unused row of sub-array next-1 (for packing small tiles)
	weightRow int // weight rows placed
}

// place packs the (group, segment) tiles of a matrix: each needs N input
// rows plus M rows per filter. The filters of a (group, segment) that fit in
// one sub-array form one tile, packed after the previous tile when there is
// room (depthwise and small layers share sub-arrays); more filters are split
// into balanced tiles on fresh sub-arrays, each with its own copy of the
// input rows. Tiles of two layers never share a sub-array.
func (p *placer) place(m *matrix, segs [][][2]int) ([]tile, int, error) {
	if p.rows < m.N+m.M {
		return nil, 0, fmt.Errorf("a sub-array of %d rows cannot hold %d input planes and one %d-plane filter", p.rows, m.N, m.M)
	}
	first := p.next
	row := p.rows // force a fresh sub-array for the layer
	sa := p.next - 1
	var tiles []tile
	per := (p.rows - m.N) / m.M // filters that fit in an empty sub-array
	for g := range m.groups {
		nf := len(m.groups[g].filters)
		if nf == 0 {
			continue // every filter of the group pruned: bias-only lanes
		}
		for s := range segs[g] {
			if nf <= per && p.rows-row >= m.N+nf*m.M {
				// A small tile shares the current sub-array.
				sa, row = p.add(&tiles, m, g, s, sa, row, 0, nf)
				continue
			}
			// A large one gets fresh sub-arrays with balanced filter
			// counts, so every sub-array of the segment runs the same
			// rounds and the filter loop covers them all.
			parts := (nf + per - 1) / per
			for i := 0; i < parts; i++ {
				sa, row = sa+1, 0
				sa, row = p.add(&tiles, m, g, s, sa, row, i*nf/parts, (i+1)*nf/parts)
			}
		}
	}
	p.next = sa + 1
	return tiles, p.next - first, nil
}

// add places filters [from, to) of (group g, segment s) at (sa, row) and
// returns the next free position.
func (p *placer) add(tiles *[]tile, m *matrix, g, s, sa, row, from, to int) (int, int) {
	t := tile{grp: g, seg: s, sa: sa, inRow: row, wRow: row + m.N}
	for i := from; i < to; i++ {
		t.filters = append(t.filters, i)
	}
	*tiles = append(*tiles, t)
	p.weightRow += (to - from) * m.M
	return sa, row + m.N + (to-from)*m.M
}

// checkTiles verifies a placement: every tile inside the layer's sub-arrays
// and inside its sub-array's rows, no two tiles sharing a row, every kept
// filter of every segment placed exactly once. A violation is a bug.
func checkTiles(m *matrix, segs [][][2]int, tiles []tile, first, next, rows int) {
	type rowKey struct{ sa, row int }
	used := map[rowKey]bool{}
	placed := map[[3]int]int{}
	for _, t := range tiles {
		if t.sa < first || t.sa >= next {
			panic(fmt.Sprintf("BUG: backend: tile in sub-array %d outside the layer's [%d, %d)", t.sa, first, next))
		}
		end := t.wRow + len(t.filters)*m.M
		if t.inRow < 0 || t.wRow != t.inRow+m.N || end > rows {
			panic(fmt.Sprintf("BUG: backend: tile rows [%d, %d) outside the sub-array's %d rows", t.inRow, end, rows))
		}
		for r := t.inRow; r < end; r++ {
			if used[rowKey{t.sa, r}] {
				panic(fmt.Sprintf("BUG: backend: sub-array %d row %d used twice", t.sa, r))
			}
			used[rowKey{t.sa, r}] = true
		}
		for _, fi := range t.filters {
			placed[[3]int{t.grp, t.seg, fi}]++
		}
	}
	for g := range m.groups {
		for s := range segs[g] {
			for fi := range m.groups[g].filters {
				if placed[[3]int{g, s, fi}] != 1 {
					panic(fmt.Sprintf("BUG: backend: group %d segment %d filter %d placed %d times", g, s, fi, placed[[3]int{g, s, fi}]))
				}
			}
		}
	}
}
