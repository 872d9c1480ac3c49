package backend

import (
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
)

// TestPiecePixels: the pieces of a split layer (piecePixels) and each
// piece's replicas (pixelSplit) compute every output pixel exactly once,
// and nestIters counts the loop iterations of the largest piece that
// splitShare's estimate uses.
func TestPiecePixels(t *testing.T) {
	for _, c := range []struct{ dims []int }{{[]int{1, 28, 28}}, {[]int{1, 24, 24}}, {[]int{2, 5, 7}}, {[]int{1, 14, 14}}, {[]int{1, 1, 9}}} {
		pl := pixelLoop{dims: c.dims,
			in:  operand{strides: []int{10000, 100, 1}},
			out: operand{strides: []int{10000, 100, 1}}}
		for k := 1; k <= 10; k++ {
			if splitDim(c.dims, k) < 0 {
				continue
			}
			for r := 1; r <= 12; r++ {
				for _, packed := range []bool{false, true} {
					seen := map[int]int{}
					most := 0
					for j := range k {
						pp := piecePixels(pl, k, j)
						iters := 0
						nests := pixelSplit(pp, r)
						if packed {
							nests = packedSplit(pp, r)
						}
						for _, ns := range nests {
							n := 1
							for _, d := range ns.dims {
								n *= d
							}
							iters += n
							walk(ns.dims, ns.out, func(a int) {
								for i := range ns.reps {
									seen[a+ns.outOff[i]]++
								}
							})
						}
						if iters != nestIters(pp.dims, r, packed) {
							t.Errorf("dims %v k %d r %d packed %v piece %d: %d iterations, nestIters %d", c.dims, k, r, packed, j, iters, nestIters(pp.dims, r, packed))
						}
						most = max(most, iters)
					}
					want := c.dims[0] * c.dims[1] * c.dims[2]
					if len(seen) != want {
						t.Errorf("dims %v k %d r %d packed %v: %d pixels computed, want %d", c.dims, k, r, packed, len(seen), want)
					}
					for a, n := range seen {
						if n != 1 {
							t.Errorf("dims %v k %d r %d packed %v: pixel %d computed %d times", c.dims, k, r, packed, a, n)
						}
					}
					if s, ok := splitShareDims(c.dims, r, k, packed); !ok || s != float64(most)/float64(nestIters(c.dims, r, packed)) {
						t.Errorf("dims %v k %d r %d packed %v: share %v, want %d/%d", c.dims, k, r, packed, s, most, nestIters(c.dims, r, packed))
					}
				}
			}
		}
	}
}

// walk calls f with the address of every index of a loop nest over dims.
func walk(dims []int, o operand, f func(int)) {
	var rec func(d, a int)
	rec = func(d, a int) {
		if d == len(dims) {
			f(a)
			return
		}
		for i := range dims[d] {
			rec(d+1, a+i*o.strides[d])
		}
	}
	rec(0, o.base)
}

// TestPlaceLocal: each layer goes to the first sub-array of its
// controller's bank where what follows still fits packed; a layer that
// would push the rest off the target stays packed, and allLocal says so.
func TestPlaceLocal(t *testing.T) {
	layer := func(name string, reps int) *mapping.Layer {
		return &mapping.Layer{Node: &ir.Node{Name: name}, N: 8, M: 8, F: 6, Replicas: reps,
			Groups: []mapping.Group{{Filters: []int{0, 1, 2, 3, 4, 5}, Segs: [][2]int{{0, 1}}}}}
	}
	for _, c := range []struct {
		repsB    int
		wantB    int
		allLocal bool
	}{
		{10, 64, true}, // b fits from bank 1
		{70, 4, false}, // 64 + 70 > 128: b packed after a
	} {
		a, b := layer("a", 4), layer("b", c.repsB)
		plan := &mapping.Plan{Geom: mapping.Geometry{Rows: 256, Cols: 256, Subarrays: 128, PerBank: 64, Group: 64},
			Layers: []*mapping.Layer{a, b}, ByNode: map[*ir.Node]*mapping.Layer{a.Node: a, b.Node: b}}
		p := &pipePlan{local: true, pieceCtrl: map[*ir.Node][]int{a.Node: {0}, b.Node: {1}}}
		if err := p.placePieces(plan, 2); err != nil {
			t.Fatal(err)
		}
		if b.Tiles[0].SA != c.wantB || p.allLocal != c.allLocal || plan.FitError() != nil {
			t.Errorf("b of %d replicas: from sub-array %d, all local %v; want %d, %v", c.repsB, b.Tiles[0].SA, p.allLocal, c.wantB, c.allLocal)
		}
	}
}

// TestChunkRanges: a layer's lane chunks are cut into contiguous ranges
// of the fewest largest channels, only where no sub-array holds tiles of
// both sides (its accumulators are one controller's); chunkShare is the
// largest range's channels / the layer's.
func TestChunkRanges(t *testing.T) {
	for _, c := range []struct {
		sas   []int
		kc    int
		want  [][2]int
		share float64
	}{
		{[]int{0, 1, 2, 3}, 1, [][2]int{{0, 4}}, 1},
		{[]int{0, 1, 2, 3}, 2, [][2]int{{0, 2}, {2, 4}}, 0.5},
		{[]int{0, 1, 2, 3}, 3, [][2]int{{0, 1}, {1, 2}, {2, 4}}, 0.5},
		{[]int{0, 1, 2, 3}, 4, [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}}, 0.25},
		{[]int{0, 1, 1, 2}, 2, [][2]int{{0, 1}, {1, 4}}, 0.75}, // chunks 1 and 2 share sub-array 1
		{[]int{0, 1, 1, 2}, 3, [][2]int{{0, 1}, {1, 3}, {3, 4}}, 0.5},
		{[]int{0, 1, 1, 2}, 4, nil, 0},
		{[]int{0, 0, 0, 0}, 2, nil, 0},
	} {
		got, ok := chunkRanges(chunkLayer(c.sas...), 2, c.kc)
		if ok != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("sub-arrays %v in %d: %v %v, want %v", c.sas, c.kc, got, ok, c.want)
		}
		if s, ok := chunkShare(chunkLayer(c.sas...), 2, c.kc); ok != (c.want != nil) || s != c.share {
			t.Errorf("sub-arrays %v in %d: share %v %v, want %v", c.sas, c.kc, s, ok, c.share)
		}
	}
}

// TestCutsOfDense: a layer's chunk cuts follow its dense layout (the
// mapping's, which the emitter cuts too), not the layout an earlier
// placement left in the plan: a spread layout of one filter per sub-array
// has other lane chunks (chunks end between tiles) and, cut as such,
// would put filters of two chunk pieces into one dense tile.
func TestCutsOfDense(t *testing.T) {
	layer := func(fpt int) *mapping.Layer {
		l := &mapping.Layer{F: 8, N: 8, M: 8, Replicas: 1, Node: &ir.Node{Name: "a"},
			Groups: []mapping.Group{{Filters: []int{0, 1, 2, 3, 4, 5, 6, 7}, Segs: [][2]int{{0, 1}}}}}
		for i := 0; i*fpt < 8; i++ {
			l.Tiles = append(l.Tiles, mapping.Tile{SA: i, From: i * fpt, To: (i + 1) * fpt})
		}
		return l
	}
	// Lanes 3: the dense tiles of 4 make chunks {0-3} {4-7}; tiles of one
	// filter make chunks {0-2} {3-5} {6-7}, cut in two after 3 (channels
	// 0-2 | 3-7) or 6.
	dense, spread := layer(4), layer(1)
	p := &pipePlan{lanes: 3}
	if got, err := p.cutsOf(spread, 2); err != nil || slices.Equal(got, []int{0, 4}) {
		t.Fatalf("the spread layout's cuts %v (%v): want other than the dense layout's", got, err)
	}
	p.dense = map[*ir.Node]*mapping.Layer{spread.Node: dense}
	if got, err := p.cutsOf(spread, 2); err != nil || !slices.Equal(got, []int{0, 4}) {
		t.Errorf("cuts %v (%v), want the dense layout's [0 4]", got, err)
	}
}

// TestChunkWaitShare: a chunk piece's share of the layer's waits is in
// rounds (a tile of 2 filters: 2 rounds), its chunks batched as the
// emitter batches them: consecutive chunks on disjoint sub-arrays, up to
// batch, as long as the longest. With 4 chunks on 4 sub-arrays and batches
// of 4 the whole layer and each of 2 pieces wait for 2 rounds (share 1,
// where chunkShare gives 0.5); one chunk at a time (no plane sequencer)
// the share is the lanes' again; chunks 1 and 2 sharing a sub-array break
// the batch.
func TestChunkWaitShare(t *testing.T) {
	for _, c := range []struct {
		sas       []int
		kc, batch int
		want      float64
	}{
		{[]int{0, 1, 2, 3}, 1, 4, 1},
		{[]int{0, 1, 2, 3}, 2, 4, 1},   // one batch of 4; each piece one batch
		{[]int{0, 1, 2, 3}, 2, 2, 0.5}, // two batches; each piece one
		{[]int{0, 1, 2, 3}, 2, 1, 0.5}, // chunk after chunk
		{[]int{0, 1, 2, 3}, 4, 1, 0.25},
		{[]int{0, 1, 1, 2}, 2, 4, 1}, // batches {0,1} {2,3}; pieces {0} and {1,2,3}: {1} {2,3}
	} {
		got, ok := chunkWaitShare(chunkLayer(c.sas...), 2, c.kc, c.batch)
		if !ok || got != c.want {
			t.Errorf("sub-arrays %v in %d, batches of %d: wait share %v %v, want %v", c.sas, c.kc, c.batch, got, ok, c.want)
		}
	}
}

// chunkLayer is a layer of 8 filters in tiles of 2, so 4 lane chunks of 2
// lanes ({0,1} {2,3} {4,5} {6,7}), chunk i's tile on sub-array sas[i].
func chunkLayer(sas ...int) *mapping.Layer {
	l := &mapping.Layer{F: 8, N: 8, M: 8, Replicas: 1,
		Groups: []mapping.Group{{Filters: []int{0, 1, 2, 3, 4, 5, 6, 7}, Segs: [][2]int{{0, 1}}}}}
	for i, sa := range sas {
		l.Tiles = append(l.Tiles, mapping.Tile{SA: sa, From: 2 * i, To: 2*i + 2})
	}
	return l
}
