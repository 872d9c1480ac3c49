package mapping

import (
	"fmt"
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
	// filters are ordered part-major (0: never).
	lanes int
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
// sub-arrays, one gwrp broadcast per plane. A layer with more filters than
// DPU lanes is ordered by group, part and segment instead (see below).
// Replicas are identical blocks of S sub-arrays one after the other.
func (p *placer) place(l *Layer) error {
	if p.rows < l.N+l.M {
		return fmt.Errorf("a sub-array of %d rows cannot hold %d input planes and one %d-plane filter", p.rows, l.N, l.M)
	}
	per := (p.rows - l.N) / l.M // filters that fit in an empty sub-array
	var units []unit
	fptMax := 0
	for g := range l.Groups {
		nf := len(l.Groups[g].Filters)
		if nf == 0 {
			continue // every filter of the group pruned: bias-only lanes
		}
		parts := (nf + per - 1) / per
		fpt := (nf + parts - 1) / parts
		fptMax = max(fptMax, fpt)
		for s := range l.Groups[g].Segs {
			for from := 0; from < nf; from += fpt {
				units = append(units, unit{g, s, from, min(from+fpt, nf)})
			}
		}
	}
	if len(units) == 0 {
		return nil
	}
	if p.lanes > 0 && l.F > p.lanes {
		// The backend computes a layer one DPU lane chunk at a time, and
		// a part whose filters straddle two chunks starts the second
		// chunk's rounds at another filter (other rows) than the parts
		// inside it: part-major order keeps every part's segments
		// consecutive, so a round is one gbmac per plane pair for each
		// such block of parts, not one per segment.
		sort.SliceStable(units, func(i, j int) bool {
			a, b := units[i], units[j]
			if a.grp != b.grp {
				return a.grp < b.grp
			}
			return a.from < b.from
		})
	}
	h := l.N + fptMax*l.M
	q := p.rows / h
	s := (len(units) + q - 1) / q
	p.align(l.Replicas * s)
	for r := 0; r < l.Replicas; r++ {
		for u, t := range units {
			l.Tiles = append(l.Tiles, Tile{Replica: r, Grp: t.grp, Seg: t.seg,
				SA: p.next + r*s + u%s, Row: u / s * h, From: t.from, To: t.to})
		}
	}
	p.next += l.Replicas * s
	return nil
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
