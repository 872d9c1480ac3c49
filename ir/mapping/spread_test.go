package mapping

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestPlacePiecesSpread: a layer whose pieces have a Cap is laid out one
// tile of at most Cap filters per sub-array at row 0 (so one gbmac of a
// round drives them all), every piece alike; Layer.Spread records the cap;
// the next layer still starts at its From; without a Cap (or with Cap <
// 0) the layout is dense.
func TestPlacePiecesSpread(t *testing.T) {
	geo := Geometry{Rows: 256, Cols: 256, Subarrays: 256, PerBank: 64, Group: 64, DPULanes: 64}
	place := func(cap int) (*Layer, *Layer) {
		// 40 filters of 8 planes: 31 fit a 256-row sub-array, so the
		// dense layout is 2 tiles of 20 on 2 sub-arrays per piece.
		a := layerOf(8, 8, 1, []int{40}, []int{1})
		a.F, a.Node = 40, &ir.Node{Name: "a"}
		b := layerOf(8, 8, 1, []int{6}, []int{1})
		b.Node = &ir.Node{Name: "b"}
		p := &Plan{Geom: geo, Layers: []*Layer{a, b}}
		if err := p.PlacePieces([][]Piece{{{Replicas: 1, From: 0, Cap: cap}, {Replicas: 1, From: 64, Cap: cap}}, {{Replicas: 1, From: 128}}}); err != nil {
			t.Fatal(err)
		}
		return a, b
	}
	perSA := func(a *Layer) map[int]int {
		n := map[int]int{}
		for _, tl := range a.Tiles {
			n[tl.SA] += tl.To - tl.From
			if a.Spread > 0 && tl.Row != 0 {
				t.Errorf("tile on sub-array %d at row %d, want 0 (one tile per sub-array)", tl.SA, tl.Row)
			}
		}
		return n
	}
	for _, cap := range []int{0, -1} {
		a, _ := place(cap)
		if n := perSA(a); len(n) != 4 || n[0] != 20 || n[64] != 20 || a.Spread != 0 {
			t.Errorf("cap %d: filters per sub-array %v, Spread %d; want 20 on each of 0, 1, 64, 65, 0", cap, n, a.Spread)
		}
	}
	a, b := place(1)
	n := perSA(a)
	if len(n) != 80 || n[0] != 1 || n[39] != 1 || n[64] != 1 || n[103] != 1 || a.Spread != 1 {
		t.Errorf("cap 1: %d sub-arrays, filters per sub-array %v, Spread %d; want 40 of one filter per piece, 1", len(n), n, a.Spread)
	}
	if b.Tiles[0].SA != 128 {
		t.Errorf("the next layer starts at %d, want its From 128", b.Tiles[0].SA)
	}
	a, _ = place(4)
	if n := perSA(a); len(n) != 20 || n[0] != 4 || n[64] != 4 || a.Spread != 4 {
		t.Errorf("cap 4: %d sub-arrays, filters per sub-array %v, Spread %d; want 10 of 4 filters per piece, 4", len(n), n, a.Spread)
	}
}

// TestSpreadCap: the fewest filters per tile with which one replica fits
// n sub-arrays, and whether that spreads the layer at all.
func TestSpreadCap(t *testing.T) {
	a := layerOf(8, 8, 1, []int{40}, []int{1}) // dense: 2 tiles of 20
	a.F = 40
	for _, c := range []struct{ n, want int }{{64, 1}, {40, 1}, {39, 2}, {10, 4}, {3, 14}} {
		if got, ok := SpreadCap(a, 256, c.n); got != c.want || !ok {
			t.Errorf("n %d: cap %d %v, want %d true", c.n, got, ok, c.want)
		}
	}
	if _, ok := SpreadCap(a, 256, 2); ok {
		t.Error("n 2: spreads, want not (the dense layout has 2 sub-arrays)")
	}
}
