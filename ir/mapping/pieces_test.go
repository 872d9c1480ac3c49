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
