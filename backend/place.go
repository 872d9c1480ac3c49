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
// rows plus M rows per filter; a tile takes as many filters as fit in the
// current sub-array and continues in the next one with its own copy of the
// input rows. Tiles of one layer may share a sub-array (depthwise and small
// layers), never tiles of two layers (a layer's sub-arrays are its own).
func (p *placer) place(m *matrix, segs [][][2]int) ([]tile, int, error) {
	if p.rows < m.N+m.M {
		return nil, 0, fmt.Errorf("a sub-array of %d rows cannot hold %d input planes and one %d-plane filter", p.rows, m.N, m.M)
	}
	first := p.next
	row := p.rows // force a fresh sub-array for the layer
	sa := p.next - 1
	var tiles []tile
	for g := range m.groups {
		nf := len(m.groups[g].filters)
		for s := range segs[g] {
			for done := 0; done < nf; {
				if p.rows-row < m.N+m.M {
					sa++
					row = 0
				}
				k := min(nf-done, (p.rows-row-m.N)/m.M)
				t := tile{grp: g, seg: s, sa: sa, inRow: row, wRow: row + m.N}
				for i := done; i < done+k; i++ {
					t.filters = append(t.filters, i)
				}
				tiles = append(tiles, t)
				p.weightRow += k * m.M
				row += m.N + k*m.M
				done += k
			}
		}
	}
	p.next = sa + 1
	return tiles, p.next - first, nil
}
