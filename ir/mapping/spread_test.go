package mapping

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestPlacePiecesSpread: with Plan.Spread, a piece that leaves free
// sub-arrays before the next piece's From is spread over them, one tile
// of fewer filters per sub-array at row 0 (so one gbmac of a round drives
// them all), every piece of the layer alike; the next piece still starts
// at its From, and without Spread (or without room) the layout is dense.
func TestPlacePiecesSpread(t *testing.T) {
	geo := Geometry{Rows: 256, Cols: 256, Subarrays: 256, PerBank: 64, Group: 64, DPULanes: 64}
	place := func(spread bool, from1 int) (*Layer, *Layer) {
		// 40 filters of 8 planes: 31 fit a 256-row sub-array, so the
		// dense layout is 2 tiles of 20 on 2 sub-arrays per piece.
		a := layerOf(8, 8, 1, []int{40}, []int{1})
		a.F, a.Node = 40, &ir.Node{Name: "a"}
		b := layerOf(8, 8, 1, []int{6}, []int{1})
		b.Node = &ir.Node{Name: "b"}
		p := &Plan{Geom: geo, Layers: []*Layer{a, b}, Spread: spread}
		if err := p.PlacePieces([][]Piece{{{Replicas: 1, From: 0}, {Replicas: 1, From: 64}}, {{Replicas: 1, From: from1}}}); err != nil {
			t.Fatal(err)
		}
		return a, b
	}
	perSA := func(a *Layer) map[int]int {
		n := map[int]int{}
		for _, tl := range a.Tiles {
			n[tl.SA] += tl.To - tl.From
			if tl.Row != 0 {
				t.Errorf("tile on sub-array %d at row %d, want 0 (one tile per sub-array)", tl.SA, tl.Row)
			}
		}
		return n
	}
	a, b := place(false, 128)
	if n := perSA(a); len(n) != 4 || n[0] != 20 || n[64] != 20 {
		t.Errorf("dense: filters per sub-array %v, want 20 on each of 0, 1, 64, 65", n)
	}
	a, b = place(true, 128)
	n := perSA(a)
	// 40 filters in at most 64 sub-arrays a piece: one filter each.
	if len(n) != 80 || n[0] != 1 || n[39] != 1 || n[64] != 1 || n[103] != 1 {
		t.Errorf("spread: %d sub-arrays, filters per sub-array %v; want 40 of one filter per piece", len(n), n)
	}
	if b.Tiles[0].SA != 128 {
		t.Errorf("spread: the next layer starts at %d, want its From 128", b.Tiles[0].SA)
	}
	// The second piece has no room before b (From 0: packed after it):
	// neither piece is spread, they stay identical.
	a, _ = place(true, 0)
	if n := perSA(a); len(n) != 4 {
		t.Errorf("spread without room for every piece: filters per sub-array %v, want the dense 4 sub-arrays", n)
	}
}
