package mapping

import "github.com/pimc-dev/pimc/ir"

// Attribute names of the mapping on a qconv/qfc (docs/PIR.md "Mapped stage").
const (
	AttrGeom     = "map_geom"     // [rows, cols, acc_bits] the mapping was made for
	AttrWPlanes  = "map_wplanes"  // M
	AttrFilters  = "map_filters"  // kept filters, ascending
	AttrCols     = "map_cols"     // kept columns g*K+k, groups ascending, device order inside a group
	AttrSegs     = "map_segs"     // end of every segment, as a position in map_cols
	AttrTiles    = "map_tiles"    // 6 per tile: replica, segment, sub-array, row, from, to
	AttrReplicas = "map_replicas" // copies of the tiles
	// AttrPlusMinus = 1 marks the one-plane ±1 form (Layer.PlusMinus);
	// absent (0) otherwise, so other layers' attributes are unchanged.
	AttrPlusMinus = "map_pm1"
	// AttrReprogram = 1 marks a layer whose weights are reprogrammed from
	// the DRAM each time it runs (Layer.Reprogrammed); absent (0)
	// otherwise, so stationary layers' attributes are unchanged.
	AttrReprogram = "map_reprogram"
)

// tileInts is the number of ints per tile in map_tiles.
const tileInts = 6

// Encode records l on its node as the mapping attributes and reports
// whether any of them changed.
func Encode(l *Layer, geo Geometry) (changed bool) {
	if _, ok := l.Node.Attrs[AttrPlusMinus]; ok && !l.PlusMinus {
		delete(l.Node.Attrs, AttrPlusMinus)
		changed = true
	}
	if _, ok := l.Node.Attrs[AttrBlock]; ok && l.Block <= 1 {
		delete(l.Node.Attrs, AttrBlock)
		changed = true
	}
	if _, ok := l.Node.Attrs[AttrReprogram]; ok && !l.Reprogrammed {
		delete(l.Node.Attrs, AttrReprogram)
		changed = true
	}
	for name, a := range Attrs(l, geo) {
		if old, ok := l.Node.Attrs[name]; !ok || !old.Equal(a) {
			changed = true
		}
		l.Node.SetAttr(name, a)
	}
	return changed
}

// Attrs are the mapping attributes of l. Segment and filter indices become
// positions in the flat map_cols and map_filters lists, so every number is
// inside the node's own attributes.
func Attrs(l *Layer, geo Geometry) ir.Attrs {
	var filters, cols, segs, tiles []int64
	segBase := make([]int, len(l.Groups)) // global index of each group's first segment
	filtBase := make([]int, len(l.Groups))
	nseg := 0
	for g, grp := range l.Groups {
		segBase[g], filtBase[g] = nseg, len(filters)
		colBase := len(cols)
		for _, f := range grp.Filters {
			filters = append(filters, int64(f))
		}
		for _, k := range grp.Cols {
			cols = append(cols, int64(g*l.K+k))
		}
		for _, s := range grp.Segs {
			segs = append(segs, int64(colBase+s[1]))
		}
		nseg += len(grp.Segs)
	}
	for _, t := range l.Tiles {
		fb := filtBase[t.Grp]
		tiles = append(tiles, int64(t.Replica), int64(segBase[t.Grp]+t.Seg), int64(t.SA), int64(t.Row), int64(fb+t.From), int64(fb+t.To))
	}
	a := ir.Attrs{
		AttrGeom:     ir.IntsAttr(int64(geo.Rows), int64(geo.Cols), int64(geo.AccBits)),
		AttrWPlanes:  ir.IntAttr(int64(l.M)),
		AttrFilters:  ir.IntsAttr(filters...),
		AttrCols:     ir.IntsAttr(cols...),
		AttrSegs:     ir.IntsAttr(segs...),
		AttrTiles:    ir.IntsAttr(tiles...),
		AttrReplicas: ir.IntAttr(int64(l.Replicas)),
	}
	if l.PlusMinus {
		a[AttrPlusMinus] = ir.IntAttr(1)
	}
	if l.Reprogrammed {
		a[AttrReprogram] = ir.IntAttr(1)
	}
	if l.Block > 1 {
		a[AttrBlock] = ir.IntAttr(int64(l.Block))
	}
	return a
}

// HasMapping reports whether n carries mapping attributes.
func HasMapping(n *ir.Node) bool {
	_, ok := n.Attrs[AttrTiles]
	return ok
}
