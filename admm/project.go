package admm

import (
	"fmt"
	"math"
	"sort"
)

// KeepCount is the number of groups out of g that survive pruning ratio r:
// round((1-r)*g), at least 0 and at most g.
func KeepCount(g int, r float64) int {
	n := int(math.Round((1 - r) * float64(g)))
	return min(max(n, 0), g)
}

// groups describes how the elements of an s-shaped matrix fall into the
// groups of one sparsity kind: of(i) is the group of element i.
type groups struct {
	n  int
	of func(i int) int
}

func groupsOf(s Shape, p Prune) (groups, error) {
	switch p.Kind {
	case Filter:
		return groups{s.Rows, func(i int) int { return i / s.Cols }}, nil
	case Column:
		return groups{s.Cols, func(i int) int { return i % s.Cols }}, nil
	case Channel:
		return groups{s.Channels(), func(i int) int { return i % s.Cols / s.Spatial }}, nil
	case Irregular:
		return groups{s.Len(), func(i int) int { return i }}, nil
	case Block:
		if p.TileRows <= 0 || p.TileCols <= 0 {
			return groups{}, fmt.Errorf("block sparsity needs a tile size, got %dx%d", p.TileRows, p.TileCols)
		}
		tr, tc := p.TileRows, p.TileCols
		nbc := (s.Cols + tc - 1) / tc
		nbr := (s.Rows + tr - 1) / tr
		pos := make([]int, s.Cols) // pos[k]: place of column k in the device order
		for k := range pos {
			pos[k] = k
		}
		if p.Order != nil {
			if len(p.Order) != s.Cols {
				return groups{}, fmt.Errorf("block sparsity: a column order of %d columns for a matrix of %d", len(p.Order), s.Cols)
			}
			for j, k := range p.Order {
				pos[k] = j
			}
		}
		return groups{nbr * nbc, func(i int) int { return (i/s.Cols/tr)*nbc + pos[i%s.Cols]/tc }}, nil
	}
	return groups{}, fmt.Errorf("unknown sparsity type %q", p.Kind)
}

// GroupCount is the number of groups of kind p.Kind in an s-shaped matrix.
func GroupCount(s Shape, p Prune) (int, error) {
	g, err := groupsOf(s, p)
	return g.n, err
}

// ProjectPrune writes into dst (len s.Len(), may alias v) the Euclidean
// projection of v onto the constraints ps, applied in order: for each, the
// KeepCount groups with the largest L2 norm keep their values and the others
// become exactly 0; equal norms are broken by the lower group index, so the
// result is deterministic (with p.L1 the groups are ranked by their L1
// norm instead, which is no longer the Euclidean projection). It returns
// the keep mask (one entry per element).
// A projection of its own result returns the same values.
func ProjectPrune(dst, v []float32, s Shape, ps []Prune) ([]bool, error) {
	if len(v) != s.Len() || len(dst) != s.Len() {
		panic(fmt.Sprintf("BUG: admm.ProjectPrune: %d and %d elements for a %dx%d matrix", len(dst), len(v), s.Rows, s.Cols))
	}
	copy(dst, v)
	keep := make([]bool, len(v))
	for i := range keep {
		keep[i] = true
	}
	for _, p := range ps {
		g, err := groupsOf(s, p)
		if err != nil {
			return nil, err
		}
		norm := make([]float64, g.n)
		for i, x := range dst {
			if p.L1 {
				norm[g.of(i)] += math.Abs(float64(x))
			} else {
				norm[g.of(i)] += float64(x) * float64(x)
			}
		}
		order := make([]int, g.n)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return norm[order[a]] > norm[order[b]] })
		kept := make([]bool, g.n)
		for _, gi := range order[:KeepCount(g.n, p.Ratio)] {
			kept[gi] = true
		}
		for i := range dst {
			if !kept[g.of(i)] {
				dst[i] = 0
				keep[i] = false
			}
		}
	}
	return keep, nil
}

// GroupsKept counts the groups of kind p.Kind of w that hold a non-zero
// element.
func GroupsKept(w []float32, s Shape, p Prune) (kept, total int, err error) {
	g, err := groupsOf(s, p)
	if err != nil {
		return 0, 0, err
	}
	nz := make([]bool, g.n)
	for i, x := range w {
		if x != 0 {
			nz[g.of(i)] = true
		}
	}
	for _, b := range nz {
		if b {
			kept++
		}
	}
	return kept, g.n, nil
}
