package mapping

import (
	"fmt"
	"sort"

	"github.com/pimc-dev/pimc/ir"
)

// Decode reads the mapping attributes of a qconv/qfc back into a Layer and
// checks them (see decode): the first problem is the error; Check lists all.
func Decode(n *ir.Node) (*Layer, [3]int, error) {
	var first error
	l, geo := decode(n, func(format string, args ...any) {
		if first == nil {
			first = fmt.Errorf(format, args...)
		}
	})
	if first != nil {
		return nil, geo, nodeError(n, fmt.Errorf("mapping: %w", first))
	}
	return l, geo, nil
}

// decode rebuilds the Layer recorded on n, reporting every problem: an
// attribute missing or ill-formed; a dropped filter or column that holds a
// non-zero code (dropping it would change the result); codes outside the M
// planes; a segment crossing groups, longer than a row or able to saturate
// the accumulator (docs/QUANT.md §4); a tile outside its matrix or outside
// its sub-array's rows; two tiles sharing rows; a kept filter of a segment
// not covered exactly once per replica (or, when its codes in that segment
// are all zero, at most once). It returns nil when the layer cannot
// be rebuilt, and the recorded [rows, cols, acc_bits].
func decode(n *ir.Node, report func(format string, args ...any)) (*Layer, [3]int) {
	var geo [3]int
	s, err := matrixShape(n)
	if err != nil {
		report("%v", err)
		return nil, geo
	}
	b, err := blockAttr(n, s)
	if err != nil {
		report("%v", err)
		return nil, geo
	}
	s = s.blocked(b)
	w := n.Inputs[1].Const
	if w == nil || w.Len() != s.codes() {
		report("weights must be a constant of %d codes", s.codes())
		return nil, geo
	}
	xq := n.Inputs[0].Quant
	if xq == nil || xq.Bits < 1 || xq.Bits > 31 {
		report("input has no quantization parameters (integer codes expected)")
		return nil, geo
	}
	ints := func(name string) ([]int, bool) {
		a, ok := n.Attrs[name]
		if !ok || a.Kind != ir.AttrInts {
			report("attribute %q (ints) missing", name)
			return nil, false
		}
		out := make([]int, len(a.Ints))
		for i, v := range a.Ints {
			if v < -1<<31 || v > 1<<31-1 {
				report("attribute %q: %d out of range", name, v)
				return nil, false
			}
			out[i] = int(v)
		}
		return out, true
	}
	one := func(name string, lo, hi int64, def int64, required bool) (int, bool) {
		a, ok := n.Attrs[name]
		if !ok && !required {
			return int(def), true
		}
		if !ok || a.Kind != ir.AttrInt {
			report("attribute %q (int) missing", name)
			return 0, false
		}
		if a.Int < lo || a.Int > hi {
			report("attribute %q: %d outside %d..%d", name, a.Int, lo, hi)
			return 0, false
		}
		return int(a.Int), true
	}
	g3, ok1 := ints(AttrGeom)
	M, ok2 := one(AttrWPlanes, 1, 63, 0, true)
	R, ok3 := one(AttrReplicas, 1, 4096, 1, false) // at most dpu_lanes (docs/ISA.md §1)
	filters, ok4 := ints(AttrFilters)
	cols, ok5 := ints(AttrCols)
	ends, ok6 := ints(AttrSegs)
	tiles, ok7 := ints(AttrTiles)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return nil, geo
	}
	if len(g3) != 3 || g3[0] < 1 || g3[1] < 1 || g3[2] < 2 || g3[2] > 63 {
		report("%s: want [rows, cols, acc_bits] with rows, cols >= 1 and acc_bits 2..63, got %v", AttrGeom, g3)
		return nil, geo
	}
	geo = [3]int{g3[0], g3[1], g3[2]}
	K, fpg := s.K(), s.F/s.groups
	pm, ok8 := one(AttrPlusMinus, 0, 1, 0, false)
	if !ok8 {
		return nil, geo
	}
	if pm == 1 && M != 1 {
		report("%s=1 with %s=%d: the one-plane ±1 form has 1 plane", AttrPlusMinus, AttrWPlanes, M)
		return nil, geo
	}
	rp, ok9 := one(AttrReprogram, 0, 1, 0, false)
	if !ok9 {
		return nil, geo
	}
	l := &Layer{Node: n, F: s.F, K: K, M: M, N: xq.Bits, PlusMinus: pm == 1, Reprogrammed: rp == 1, Groups: make([]Group, s.groups), Replicas: R, Block: s.block}
	bad := false
	// Filters: ascending, inside [0, F).
	filtBase := make([]int, s.groups+1)
	for i, f := range filters {
		if f < 0 || f >= s.F || (i > 0 && f <= filters[i-1]) {
			report("%s[%d] = %d: want ascending filters in [0, %d)", AttrFilters, i, f, s.F)
			bad = true
			continue
		}
		g := f / fpg
		l.Groups[g].Filters = append(l.Groups[g].Filters, f)
	}
	for g := range l.Groups {
		filtBase[g+1] = filtBase[g] + len(l.Groups[g].Filters)
	}
	// Columns: grouped in ascending group order, unique inside a group.
	colGroup := make([]int, len(cols))
	colBase := make([]int, s.groups+1)
	seen := map[int]bool{}
	prevG := 0
	for i, c := range cols {
		g := c / K
		if c < 0 || g >= s.groups || g < prevG || seen[c] {
			report("%s[%d] = %d: want columns g*%d+k of ascending groups, each once", AttrCols, i, c, K)
			bad = true
			continue
		}
		seen[c] = true
		prevG = g
		colGroup[i] = g
		l.Groups[g].Cols = append(l.Groups[g].Cols, c%K)
	}
	if bad {
		return nil, geo
	}
	for g := range l.Groups {
		colBase[g+1] = colBase[g] + len(l.Groups[g].Cols)
	}
	// Codes: rebuild W, and check what was dropped is zero and what was
	// kept fits M planes.
	lo, hi := -(int64(1) << (M - 1)), int64(1)<<(M-1)-1
	if l.PlusMinus {
		lo, hi = -1, 1 // and not 0, checked below
	}
	for g := range l.Groups {
		grp := &l.Groups[g]
		kept := map[int]bool{}
		for _, f := range grp.Filters {
			kept[f] = true
		}
		keptCol := make([]bool, K)
		for _, k := range grp.Cols {
			keptCol[k] = true
		}
		for f := g * fpg; f < (g+1)*fpg; f++ {
			var row []int64
			for k := 0; k < K; k++ {
				v := s.code(w, f, k)
				if v != 0 && (!kept[f] || !keptCol[k]) {
					report("filter %d column %d holds code %d but is not mapped", f, k, v)
					bad = true
					break // one report per filter is enough
				}
			}
			if !kept[f] {
				continue
			}
			for _, k := range grp.Cols {
				v := s.code(w, f, k)
				if v < lo || v > hi {
					report("filter %d column %d: code %d outside %d weight planes", f, k, v, M)
					bad = true
				} else if l.PlusMinus && v == 0 {
					report("filter %d column %d: code 0 in the one-plane ±1 form (%s=1)", f, k, AttrPlusMinus)
					bad = true
				}
				row = append(row, v)
			}
			grp.W = append(grp.W, row)
		}
	}
	// Segments: ascending ends, inside one group, at most cols long, safe.
	start := 0
	for i, e := range ends {
		if e <= start || e > len(cols) {
			report("%s[%d] = %d: want ascending ends in (%d, %d]", AttrSegs, i, e, start, len(cols))
			return nil, geo
		}
		g := colGroup[start]
		if colGroup[e-1] != g {
			report("segment %d [%d, %d) crosses groups", i, start, e)
			bad = true
		} else {
			a, b := start-colBase[g], e-colBase[g]
			if b-a > geo[1] {
				report("segment %d has %d columns, a row has %d", i, b-a, geo[1])
				bad = true
			}
			if !bad && !segmentSafe(&l.Groups[g], a, b, M, l.N, l.PlusMinus, geo[2]) {
				report("segment %d can saturate a %d-bit accumulator (%d-bit inputs)", i, geo[2], l.N)
				bad = true
			}
			l.Groups[g].Segs = append(l.Groups[g].Segs, [2]int{a, b})
		}
		start = e
	}
	if start != len(cols) {
		report("%s: segments end at %d, the columns at %d", AttrSegs, start, len(cols))
		bad = true
	}
	if bad {
		return nil, geo
	}
	segGroup, segLocal := []int{}, []int{}
	for g := range l.Groups {
		l.Groups[g].setLive()
		for s := range l.Groups[g].Segs {
			segGroup, segLocal = append(segGroup, g), append(segLocal, s)
		}
	}
	// Tiles.
	if len(tiles)%tileInts != 0 {
		report("%s: %d ints, want %d per tile", AttrTiles, len(tiles), tileInts)
		return nil, geo
	}
	type span struct{ a, b, tile int }
	rows := map[int][]span{}
	covered := map[[3]int]int{}
	for i := 0; i+tileInts <= len(tiles); i += tileInts {
		ti := i / tileInts
		r, sg, sa, row, from, to := tiles[i], tiles[i+1], tiles[i+2], tiles[i+3], tiles[i+4], tiles[i+5]
		if r < 0 || r >= R || sg < 0 || sg >= len(segGroup) {
			report("tile %d: replica %d of %d, segment %d of %d", ti, r, R, sg, len(segGroup))
			bad = true
			continue
		}
		g := segGroup[sg]
		if from < filtBase[g] || to > filtBase[g+1] || from >= to {
			report("tile %d: filters [%d, %d) outside group %d's kept filters [%d, %d)", ti, from, to, g, filtBase[g], filtBase[g+1])
			bad = true
			continue
		}
		end := row + l.N + (to-from)*M
		if sa < 0 || row < 0 || end > geo[0] {
			report("tile %d: rows [%d, %d) of sub-array %d outside its %d rows", ti, row, end, sa, geo[0])
			bad = true
			continue
		}
		rows[sa] = append(rows[sa], span{row, end, ti})
		for f := from; f < to; f++ {
			covered[[3]int{r, sg, f}]++
		}
		l.Tiles = append(l.Tiles, Tile{Replica: r, Grp: g, Seg: segLocal[sg], SA: sa, Row: row, From: from - filtBase[g], To: to - filtBase[g]})
	}
	sas := make([]int, 0, len(rows))
	for sa := range rows {
		sas = append(sas, sa)
	}
	sort.Ints(sas)
	for _, sa := range sas {
		sp := rows[sa]
		sort.Slice(sp, func(i, j int) bool { return sp[i].a < sp[j].a })
		for i := 1; i < len(sp); i++ {
			if sp[i].a < sp[i-1].b {
				report("tiles %d and %d share rows of sub-array %d", sp[i-1].tile, sp[i].tile, sa)
				bad = true
			}
		}
	}
	for r := 0; r < R; r++ {
		for sg := range segGroup {
			g := segGroup[sg]
			for f := filtBase[g]; f < filtBase[g+1]; f++ {
				c := covered[[3]int{r, sg, f}]
				if c == 0 && !l.Groups[g].live[segLocal[sg]][f-filtBase[g]] {
					continue // only zero codes in this segment: no partial sum to compute
				}
				if c != 1 {
					report("replica %d segment %d filter %d is placed %d times, want once", r, sg, filters[f], c)
					bad = true
				}
			}
		}
	}
	if bad {
		return nil, geo
	}
	if len(sas) > 0 {
		l.FirstSubarray, l.Subarrays = sas[0], sas[len(sas)-1]-sas[0]+1
	}
	l.dropCodes()
	return l, geo
}
