package mapping

import (
	"slices"
	"testing"
)

// layerOf is a layer of groups with nf[g] kept filters and segs[g]
// segments (codes are not needed to place it).
func layerOf(n, m, replicas int, nf, segs []int) *Layer {
	l := &Layer{N: n, M: m, Replicas: replicas}
	for g := range nf {
		var grp Group
		for f := 0; f < nf[g]; f++ {
			grp.Filters = append(grp.Filters, g*100+f)
		}
		for s := 0; s < segs[g]; s++ {
			grp.Segs = append(grp.Segs, [2]int{s, s + 1})
		}
		l.Groups = append(l.Groups, grp)
	}
	return l
}

// TestPlaceIdenticalRows: the tiles of one replica are slot-major over
// consecutive sub-arrays, every slot at the same rows, so the r-th filter
// of every tile in a slot is at one row address (what one gbmac needs).
func TestPlaceIdenticalRows(t *testing.T) {
	tile := func(r, g, s, sa, row, from, to int) Tile { return Tile{r, g, s, sa, row, from, to} }
	for _, c := range []struct {
		name string
		l    *Layer
		want []Tile
	}{
		{
			// 2 segments of 6 filters (h = 8+48 = 56, 4 slots of 256
			// rows): slots 0 and 1 of one sub-array (capacity first:
			// replicas spend spare sub-arrays); the replica is the
			// next sub-array, same rows.
			"segments", layerOf(8, 8, 2, []int{6}, []int{2}),
			[]Tile{tile(0, 0, 0, 5, 0, 0, 6), tile(0, 0, 1, 5, 56, 0, 6), tile(1, 0, 0, 6, 0, 0, 6), tile(1, 0, 1, 6, 56, 0, 6)},
		},
		{
			// 10 filters, 3 per sub-array (rows 8+3*8 = 32 of 32): parts
			// of ceil(10/4) = 3 filters, the last shorter.
			"parts", layerOf(8, 8, 1, []int{10}, []int{1}),
			nil, // checked below with 32 rows
		},
		{
			// depthwise: 5 groups of one filter, h = 16, 16 slots: 5
			// tiles slot-major over ceil(5/16) = 1 sub-array.
			"depthwise", layerOf(8, 8, 1, []int{1, 1, 1, 1, 1}, []int{1, 1, 1, 1, 1}),
			[]Tile{tile(0, 0, 0, 5, 0, 0, 1), tile(0, 1, 0, 5, 16, 0, 1), tile(0, 2, 0, 5, 32, 0, 1), tile(0, 3, 0, 5, 48, 0, 1), tile(0, 4, 0, 5, 64, 0, 1)},
		},
	} {
		rows := 256
		if c.name == "parts" {
			rows = 32
			c.want = []Tile{tile(0, 0, 0, 5, 0, 0, 3), tile(0, 0, 0, 6, 0, 3, 6), tile(0, 0, 0, 7, 0, 6, 9), tile(0, 0, 0, 8, 0, 9, 10)}
		}
		p := placer{rows: rows, next: 5}
		if err := p.place(c.l); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.l.Tiles, c.want) {
			t.Errorf("%s: tiles\n%v\nwant\n%v", c.name, c.l.Tiles, c.want)
		}
	}
	// Slot-major: 20 one-filter groups with 2 segments = 40 tiles of 16
	// rows, 16 slots: 3 sub-arrays, tile u in sub-array u%3, slot u/3.
	l := layerOf(8, 8, 1, slices.Repeat([]int{1}, 20), slices.Repeat([]int{2}, 20))
	p := placer{rows: 256}
	if err := p.place(l); err != nil {
		t.Fatal(err)
	}
	for u, tl := range l.Tiles {
		if tl.SA != u%3 || tl.Row != u/3*16 || tl.Grp != u/2 || tl.Seg != u%2 {
			t.Fatalf("tile %d: %+v, want sub-array %d row %d group %d segment %d", u, tl, u%3, u/3*16, u/2, u%2)
		}
	}
	if p.next != 3 {
		t.Errorf("next sub-array %d, want 3", p.next)
	}
}

// TestPlaceBankAlignment: a layer that fits one group but would cross a
// bank boundary starts at the next bank on a target with group
// instructions; larger layers, and every layer of a serial target, are
// packed without gaps.
func TestPlaceBankAlignment(t *testing.T) {
	for _, c := range []struct {
		group, next, subarrays, want int
	}{
		{64, 62, 4, 64},  // would cross 64: moved to bank 1
		{64, 60, 4, 60},  // fits before the boundary
		{0, 62, 4, 62},   // serial target: no alignment
		{64, 62, 70, 62}, // larger than a bank: several groups anyway
		{2, 62, 4, 62},   // larger than a group
	} {
		p := placer{rows: 256, next: c.next, bank: 64, group: c.group}
		l := layerOf(8, 8, 1, []int{31}, []int{c.subarrays})
		if err := p.place(l); err != nil {
			t.Fatal(err)
		}
		if l.Tiles[0].SA != c.want || p.next != c.want+c.subarrays {
			t.Errorf("%+v: first sub-array %d, next %d; want %d, %d", c, l.Tiles[0].SA, p.next, c.want, c.want+c.subarrays)
		}
	}
}

// TestPlanDropsAlignmentWhenFull: the bank alignment gaps are given up
// when they would make the model larger than the target.
func TestPlanDropsAlignmentWhenFull(t *testing.T) {
	for _, c := range []struct{ subarrays, second int }{{8, 4}, {6, 3}} {
		p := &Plan{Geom: Geometry{Rows: 256, Subarrays: c.subarrays, PerBank: 4, Group: 4}}
		for range 2 {
			p.Layers = append(p.Layers, layerOf(8, 8, 1, []int{31}, []int{3}))
		}
		if err := p.place([]int{1, 1}); err != nil {
			t.Fatal(err)
		}
		if got := p.Layers[1].FirstSubarray; got != c.second || p.Used != c.second+3 {
			t.Errorf("%d sub-arrays: second layer at %d, %d used; want %d, %d", c.subarrays, got, p.Used, c.second, c.second+3)
		}
	}
}

// TestPlaceChunkMajor: a layer with more filters than DPU lanes is ordered
// by lane chunk, then segment and part (the tiles of one chunk on
// consecutive sub-arrays), except that with one replica the chunks of
// several parts per segment go segment by segment before the flat ones
// (segmentsTogether, TestPlaceSegmentsTogether); one with fewer by
// segment and part.
func TestPlaceChunkMajor(t *testing.T) {
	type want struct{ seg, from int }
	for _, c := range []struct {
		lanes int
		want  []want
	}{
		// 3 parts of 30 filters per segment, chunks [0, 60) (two parts
		// per segment) and [60, 90) (flat, opened by segment 0, whose
		// parts go last before it): segment 1's 2 sub-arrays, then
		// segment 0's 3, then segment 1's third (2 input-write runs, 4
		// chunk-major).
		{64, []want{{1, 0}, {1, 30}, {0, 0}, {0, 30}, {0, 60}, {1, 60}}},
		{128, []want{{0, 0}, {0, 30}, {0, 60}, {1, 0}, {1, 30}, {1, 60}}},
		{0, []want{{0, 0}, {0, 30}, {0, 60}, {1, 0}, {1, 30}, {1, 60}}},
	} {
		l := layerOf(8, 8, 1, []int{90}, []int{2})
		l.F = 90
		p := placer{rows: 256, lanes: c.lanes}
		if err := p.place(l); err != nil {
			t.Fatal(err)
		}
		for i, tl := range l.Tiles {
			if w := c.want[i]; tl.SA != i || tl.Seg != w.seg || tl.From != w.from {
				t.Errorf("lanes %d: tile %d %+v, want sub-array %d segment %d filters from %d", c.lanes, i, tl, i, w.seg, w.from)
			}
		}
	}
}

// TestLaneChunks: chunks end between tiles, as late as possible within the
// lanes; a tile wider than the lanes is cut; gaps of pruned channels are
// free cuts.
func TestLaneChunks(t *testing.T) {
	for _, c := range []struct {
		F, lanes int
		spans    [][2]int
		want     [][2]int
	}{
		{90, 64, [][2]int{{0, 29}, {30, 59}, {60, 89}}, [][2]int{{0, 60}, {60, 30}}},
		{128, 64, [][2]int{{0, 25}, {26, 51}, {52, 77}, {78, 103}, {104, 127}}, [][2]int{{0, 52}, {52, 52}, {104, 24}}},
		{50, 64, [][2]int{{0, 49}}, [][2]int{{0, 50}}},
		{200, 64, [][2]int{{0, 199}}, [][2]int{{0, 64}, {64, 64}, {128, 64}, {192, 8}}},
		{100, 64, [][2]int{{0, 40}, {70, 99}}, [][2]int{{0, 64}, {64, 36}}},
		{100, 0, nil, [][2]int{{0, 100}}},
	} {
		if got := LaneChunks(c.F, c.lanes, c.spans); !slices.Equal(got, c.want) {
			t.Errorf("F %d lanes %d spans %v: chunks %v, want %v", c.F, c.lanes, c.spans, got, c.want)
		}
	}
}

// TestPlaceReplicasByChunk: with one tile per sub-array, the replicas'
// copies of one lane chunk's tiles are interleaved chunk by chunk (every
// replica of chunk 0, then of chunk 1), never sharing a sub-array.
func TestPlaceReplicasByChunk(t *testing.T) {
	l := layerOf(8, 8, 2, []int{90}, []int{1}) // parts of 30: chunks [0, 60), [60, 90)
	l.F = 90
	p := placer{rows: 256, lanes: 64, next: 3}
	if err := p.place(l); err != nil {
		t.Fatal(err)
	}
	// replica 0: units 0, 1, 2; replica 1: the same.
	want := []int{3, 4, 7, 5, 6, 8}
	for i, tl := range l.Tiles {
		if tl.SA != want[i] || tl.Replica != i/3 || tl.From != 30*(i%3) {
			t.Errorf("tile %d %+v, want sub-array %d replica %d from %d", i, tl, want[i], i/3, 30*(i%3))
		}
	}
	if p.next != 9 {
		t.Errorf("next %d, want 9", p.next)
	}
}

// TestPlaceSegmentsTogether: VGG-11-BN's features.4 (128 filters of 8
// planes, 3 segments, 8 input planes, 256 rows: 5 parts of 26 filters,
// the last 24, in lane chunks of 2, 2 and 1 parts) laid out as one
// replica: each segment's tiles, which take the same input planes, are
// consecutive sub-arrays but where the flat last chunk (one part per
// segment) must stay whole, so a plane is written with 5 group writes
// (runs of one segment's consecutive sub-arrays) instead of 9 in chunk
// order; every chunk's tiles of one segment stay consecutive (one drain
// run each), the flat chunk's tiles are consecutive (one drain run), and
// the layer spans 15 consecutive sub-arrays. Where the backend runs one
// chunk's rounds at a time (no plane sequencer), or with two replicas,
// the chunk-major order is kept (TestPlaceReplicasByChunk).
func TestPlaceSegmentsTogether(t *testing.T) {
	l := layerOf(8, 8, 1, []int{128}, []int{3})
	l.F = 128
	p := placer{rows: 256, lanes: 64, next: 7, chunkBatch: 4}
	if err := p.place(l); err != nil {
		t.Fatal(err)
	}
	chunks := LaneChunks(128, 64, [][2]int{{0, 25}, {26, 51}, {52, 77}, {78, 103}, {104, 127}})
	chunk := func(tl Tile) int { return chunkOf(chunks, tl.From) }
	bySA := slices.Clone(l.Tiles)
	slices.SortFunc(bySA, func(a, b Tile) int { return a.SA - b.SA })
	if len(bySA) != 15 || bySA[0].SA != 7 || bySA[14].SA != 21 || p.next != 22 {
		t.Fatalf("tiles %v, next %d: want 15 on sub-arrays 7..21", bySA, p.next)
	}
	runs := 0 // write runs: consecutive sub-arrays of one segment
	for i, tl := range bySA {
		if i > 0 && bySA[i-1].SA+1 != tl.SA {
			t.Fatalf("sub-arrays not consecutive: %v", bySA)
		}
		if i == 0 || bySA[i-1].Seg != tl.Seg {
			runs++
		}
	}
	if runs != 5 {
		t.Errorf("%d write runs per plane, want 5 (chunk-major: 9): %v", runs, bySA)
	}
	for s := 0; s < 3; s++ {
		for c := 0; c < 3; c++ {
			var sas []int
			for _, tl := range bySA {
				if tl.Seg == s && chunk(tl) == c {
					sas = append(sas, tl.SA)
				}
			}
			if len(sas) == 0 || sas[len(sas)-1]-sas[0] != len(sas)-1 {
				t.Errorf("segment %d chunk %d on sub-arrays %v, want consecutive", s, c, sas)
			}
		}
	}
	if last := bySA[12:]; chunk(last[0]) != 2 || chunk(last[1]) != 2 || chunk(last[2]) != 2 {
		t.Errorf("the flat chunk is not last and whole: %v", bySA)
	}
	// Rounds one chunk at a time (no plane sequencer, ChunkBatch 1): a
	// chunk's tiles must be consecutive, so the order stays chunk-major.
	l1 := layerOf(8, 8, 1, []int{128}, []int{3})
	l1.F = 128
	p1 := placer{rows: 256, lanes: 64, chunkBatch: 1}
	if err := p1.place(l1); err != nil {
		t.Fatal(err)
	}
	for i, tl := range l1.Tiles {
		if c := chunk(tl); c == 0 && tl.SA >= 6 || c == 1 && (tl.SA < 6 || tl.SA >= 12) || c == 2 && tl.SA < 12 {
			t.Errorf("one chunk at a time: tile %d %+v outside its chunk's block", i, tl)
		}
	}
	// Two replicas: chunk by chunk, every replica (runs as before).
	l2 := layerOf(8, 8, 2, []int{128}, []int{3})
	l2.F = 128
	p2 := placer{rows: 256, lanes: 64}
	if err := p2.place(l2); err != nil {
		t.Fatal(err)
	}
	for i, tl := range l2.Tiles[:15] {
		if c := chunk(tl); c == 0 && tl.SA >= 6 || c == 1 && (tl.SA < 12 || tl.SA >= 18) {
			t.Errorf("two replicas: tile %d %+v outside its chunk's block", i, tl)
		}
	}
}
