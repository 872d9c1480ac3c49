package mapping

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestPlacePieces: a layer's pieces are placed one after the other, each
// from its From or after everything placed before (never overlapping), its
// replicas numbered on from the previous piece's; each piece's replicas are
// consecutive sub-arrays (one group).
func TestPlacePieces(t *testing.T) {
	a := layerOf(8, 8, 1, []int{6}, []int{1}) // one sub-array per replica
	b := layerOf(8, 8, 1, []int{6}, []int{1})
	a.Node, b.Node = &ir.Node{Name: "a"}, &ir.Node{Name: "b"}
	p := &Plan{Geom: Geometry{Rows: 256, Cols: 256, Subarrays: 256, PerBank: 64, Group: 64}, Layers: []*Layer{a, b}}
	if err := p.PlacePieces([][]Piece{{{Replicas: 2, From: 0}, {Replicas: 2, From: 64}}, {{Replicas: 3, From: 32}}}); err != nil {
		t.Fatal(err)
	}
	want := map[int]int{0: 0, 1: 1, 2: 64, 3: 65} // replica -> sub-array
	if a.Replicas != 4 || len(a.Tiles) != 4 {
		t.Fatalf("a: %d replicas, %d tiles", a.Replicas, len(a.Tiles))
	}
	for _, tl := range a.Tiles {
		if want[tl.Replica] != tl.SA {
			t.Errorf("a: replica %d on sub-array %d, want %d", tl.Replica, tl.SA, want[tl.Replica])
		}
	}
	// b asks for sub-array 32, but a's second piece ends at 66.
	if b.Replicas != 3 || b.Tiles[0].SA != 66 || b.Tiles[2].SA != 68 || p.Used != 69 {
		t.Errorf("b: %d replicas from sub-array %d, used %d; want 3 from 66, used 69", b.Replicas, b.Tiles[0].SA, p.Used)
	}
	if a.FirstSubarray != 0 || a.Subarrays != 66 {
		t.Errorf("a spans %d from %d, want 66 from 0", a.Subarrays, a.FirstSubarray)
	}
	if err := p.PlacePieces([][]Piece{{{Replicas: 0}}, {{Replicas: 1}}}); err == nil {
		t.Error("a piece of 0 replicas was placed")
	}
}

// TestPlaceCuts: a piece cut between chunk pieces moves each cut's
// sub-arrays, in order, to its own From (its controller's bank), the
// tiles keeping their rows; a tile or sub-array holding filters of two
// cuts is an error.
func TestPlaceCuts(t *testing.T) {
	// 124 filters of 8 planes in tiles of 31 (one per 256-row sub-array),
	// 2 segments: 8 tiles; 64 lanes: chunks [0, 62) and [62, 124), each
	// 2 parts x 2 segments.
	a := layerOf(8, 8, 1, []int{124}, []int{2})
	a.F, a.Node = 124, &ir.Node{Name: "a"}
	p := &Plan{Geom: Geometry{Rows: 256, Cols: 256, Subarrays: 256, PerBank: 64, Group: 64, DPULanes: 64}, Layers: []*Layer{a}}
	if err := p.PlacePieces([][]Piece{{{Replicas: 1, Cuts: []Cut{{Channel: 0, From: 64}, {Channel: 62, From: 128}}}}}); err != nil {
		t.Fatal(err)
	}
	got := map[int][]int{} // first filter -> sub-arrays
	for _, tl := range a.Tiles {
		f := a.Groups[0].Filters[tl.From]
		got[f/62] = append(got[f/62], tl.SA)
		if tl.Row != 0 {
			t.Errorf("tile of filter %d at row %d, want 0", f, tl.Row)
		}
	}
	for j, from := range []int{64, 128} {
		seen := map[int]bool{}
		for _, sa := range got[j] {
			seen[sa] = true
			if sa < from || sa >= from+4 {
				t.Errorf("cut %d: sub-array %d, want %d..%d", j, sa, from, from+3)
			}
		}
		if len(seen) != 4 {
			t.Errorf("cut %d: sub-arrays %v, want 4 distinct", j, got[j])
		}
	}
	if p.Used != 132 {
		t.Errorf("used %d, want 132", p.Used)
	}
	// 6 filters a tile, 4 tiles a sub-array: cutting at filter 3 would
	// split a tile between two controllers; two groups of 6 filters (tiles
	// of groups 0 and 1 in one sub-array) cut at group 1's first filter
	// (100) would split a sub-array.
	for _, c := range []struct {
		nf, segs []int
		cut      int
	}{{[]int{6}, []int{2}, 3}, {[]int{6, 6}, []int{1, 1}, 100}} {
		b := layerOf(8, 8, 1, c.nf, c.segs)
		b.F, b.Node = 6*len(c.nf), &ir.Node{Name: "b"}
		q := &Plan{Geom: p.Geom, Layers: []*Layer{b}}
		if err := q.PlacePieces([][]Piece{{{Replicas: 1, Cuts: []Cut{{Channel: 0}, {Channel: c.cut}}}}}); err == nil {
			t.Errorf("%v filters cut at %d: placed", c.nf, c.cut)
		}
	}
}

// TestPlacePiecesWindow: a reprogrammed layer keeps its tiles in the
// window (the chip's last sub-arrays, WindowBase), the stationary layers
// are placed below it, and a placement reaching into the window counts the
// window on top, so FitError refuses it.
func TestPlacePiecesWindow(t *testing.T) {
	a := layerOf(8, 8, 1, []int{6}, []int{1})
	w := layerOf(8, 8, 1, []int{6}, []int{1})
	a.Node, w.Node = &ir.Node{Name: "a"}, &ir.Node{Name: "w"}
	w.Reprogrammed = true
	w.Tiles = []Tile{{SA: 200}}
	w.FirstSubarray, w.Subarrays = 200, 1
	p := &Plan{Geom: Geometry{Rows: 256, Cols: 256, Subarrays: 256, PerBank: 64, Group: 64}, Layers: []*Layer{a, w}}
	if b := p.WindowBase(); b != 200 {
		t.Fatalf("window base %d, want 200", b)
	}
	if err := p.PlacePieces([][]Piece{{{Replicas: 4}}, {{Replicas: 1}}}); err != nil {
		t.Fatal(err)
	}
	if len(w.Tiles) != 1 || w.Tiles[0].SA != 200 || a.Tiles[0].SA != 0 || p.Used != 256 || p.FitError() != nil {
		t.Errorf("window layer on %v, a from %d, used %d (%v); want the window kept, a from 0, all 256 used", w.Tiles, a.Tiles[0].SA, p.Used, p.FitError())
	}
	if err := p.PlacePieces([][]Piece{{{Replicas: 4, From: 198}}, {{Replicas: 1}}}); err != nil {
		t.Fatal(err)
	}
	if p.Used <= 256 || p.FitError() == nil {
		t.Errorf("a placed into the window from 198: used %d, fit error %v", p.Used, p.FitError())
	}
	p.Layers = []*Layer{a}
	if b := p.WindowBase(); b != 256 {
		t.Errorf("no reprogrammed layer: window base %d, want 256", b)
	}
}
