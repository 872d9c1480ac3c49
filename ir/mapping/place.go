package mapping

import "fmt"

// placer hands out sub-arrays to matrix layers in graph order. Weights are
// stationary: every layer keeps its sub-arrays for the whole program, and
// two layers never share one.
type placer struct {
	rows int
	next int // first unused sub-array
}

// place packs the (group, segment) tiles of one replica of a layer: each
// needs N input rows plus M rows per filter. The filters of a (group,
// segment) that fit in one sub-array form one tile, packed after the
// previous tile when there is room (depthwise and small layers share
// sub-arrays); more filters are split into balanced tiles on fresh
// sub-arrays, each with its own copy of the input rows. Every replica
// starts on a fresh sub-array.
func (p *placer) place(l *Layer, replica int) error {
	if p.rows < l.N+l.M {
		return fmt.Errorf("a sub-array of %d rows cannot hold %d input planes and one %d-plane filter", p.rows, l.N, l.M)
	}
	row := p.rows // force a fresh sub-array
	sa := p.next - 1
	per := (p.rows - l.N) / l.M // filters that fit in an empty sub-array
	add := func(g, s, from, to int) {
		l.Tiles = append(l.Tiles, Tile{Replica: replica, Grp: g, Seg: s, SA: sa, Row: row, From: from, To: to})
		row += l.N + (to-from)*l.M
	}
	for g := range l.Groups {
		nf := len(l.Groups[g].Filters)
		if nf == 0 {
			continue // every filter of the group pruned: bias-only lanes
		}
		for s := range l.Groups[g].Segs {
			if nf <= per && p.rows-row >= l.N+nf*l.M {
				// A small tile shares the current sub-array.
				add(g, s, 0, nf)
				continue
			}
			// A large one gets fresh sub-arrays with balanced filter
			// counts, so every sub-array of the segment runs the same
			// rounds and the backend's filter loop covers them all.
			parts := (nf + per - 1) / per
			for i := 0; i < parts; i++ {
				sa, row = sa+1, 0
				add(g, s, i*nf/parts, (i+1)*nf/parts)
			}
		}
	}
	p.next = sa + 1
	return nil
}
