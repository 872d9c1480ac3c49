package mapping

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestStreamPlacement: layers that do not fit are reprogrammed in a window
// at the end of the chip, sized for the largest of them (shrunk from the
// largest layer of the model when they all fit), as is or in whole banks,
// whichever keeps more weight rows stationary; the others stay first-fit
// in graph order below it. Layer sizes (8 input
// planes, 31 filters of 8 planes per 256-row sub-array): 3, 1, 5, 2, 2
// sub-arrays on a chip of 4 banks of 2.
func TestStreamPlacement(t *testing.T) {
	var ls []*Layer
	for i, nf := range []int{93, 31, 155, 62, 62} {
		l := layerOf(8, 8, 1, []int{nf}, []int{1})
		l.Node = &ir.Node{Name: string(rune('a' + i))}
		ls = append(ls, l)
	}
	p := &Plan{Geom: Geometry{Name: "t", Rows: 256, Subarrays: 8, PerBank: 2, Group: 2}, Layers: ls}
	if err := p.stream(); err != nil {
		t.Fatal(err)
	}
	// The largest layer (5 sub-arrays) makes a window of 6 from sub-array
	// 2 (whole banks), where only b (1) stays; or of 5 from sub-array 3,
	// where a (3 sub-arrays, 744 rows) stays: that one wins. d and e,
	// which fit one group, start at the next bank in the window (4).
	type want struct {
		repro       bool
		first, subs int
	}
	wants := []want{{false, 0, 3}, {true, 3, 1}, {true, 3, 5}, {true, 4, 2}, {true, 4, 2}}
	for i, l := range ls {
		if w := (want{l.Reprogrammed, l.FirstSubarray, l.Subarrays}); w != wants[i] {
			t.Errorf("layer %d: %+v, want %+v", i, w, wants[i])
		}
	}
	if p.Used != 8 || p.Reprogrammed() != 4 {
		t.Errorf("used %d, reprogrammed %d; want 8 and 4", p.Used, p.Reprogrammed())
	}
	// Without the largest layer, with a third 2-sub-array layer (10 in
	// all): the window for a (3, rounded to 4, from sub-array 4) leaves
	// only 2-sub-array layers to reprogram, so it shrinks to 2 (from 6):
	// a, b and d stay; e and f take turns in sub-arrays 6..7.
	f := layerOf(8, 8, 1, []int{62}, []int{1})
	f.Node = &ir.Node{Name: "f"}
	p = &Plan{Geom: p.Geom, Layers: []*Layer{ls[0], ls[1], ls[3], ls[4], f}}
	if err := p.stream(); err != nil {
		t.Fatal(err)
	}
	for i, w := range []want{{false, 0, 3}, {false, 3, 1}, {false, 4, 2}, {true, 6, 2}, {true, 6, 2}} {
		l := p.Layers[i]
		if got := (want{l.Reprogrammed, l.FirstSubarray, l.Subarrays}); got != w {
			t.Errorf("smaller window, layer %d: %+v, want %+v", i, got, w)
		}
	}
	// A layer larger than the chip is refused by name.
	p = &Plan{Geom: Geometry{Name: "t", Rows: 256, Subarrays: 4, PerBank: 2, Group: 2}, Layers: []*Layer{ls[2]}}
	if err := p.stream(); err == nil || !strings.Contains(err.Error(), `"c"`) || !strings.Contains(err.Error(), "the layer alone needs 5 sub-arrays for its weights, the target \"t\" has 4") {
		t.Errorf("a layer larger than the chip: %v", err)
	}
}

// TestReprogramFrom: a window by choice (a pipeline's window stage for a
// model that fits) reprograms the layers from first on, without replicas,
// in a window at the chip's end as large as the largest of them in whole
// banks; the layers before it keep their replicas below it. Layer sizes
// (8 input planes, 31 filters of 8 planes per 256-row sub-array): a 1
// sub-array x 2 replicas, then 3, 1 and 2 sub-arrays, on 4 banks of 2.
func TestReprogramFrom(t *testing.T) {
	var ls []*Layer
	for i, nf := range []int{31, 93, 31, 62} {
		l := layerOf(8, 8, 1, []int{nf}, []int{1})
		l.Node = &ir.Node{Name: string(rune('a' + i))}
		ls = append(ls, l)
	}
	ls[0].Replicas = 2
	p := &Plan{Geom: Geometry{Name: "t", Rows: 256, Subarrays: 8, PerBank: 2, Group: 2}, Layers: ls}
	if err := p.ReprogramFrom(1); err != nil {
		t.Fatal(err)
	}
	// b (3 sub-arrays) makes a window of 4 from sub-array 4; a's 2
	// replicas stay in bank 0.
	type want struct {
		repro             bool
		first, subs, reps int
	}
	for i, w := range []want{{false, 0, 2, 2}, {true, 4, 3, 1}, {true, 4, 1, 1}, {true, 4, 2, 1}} {
		l := ls[i]
		if got := (want{l.Reprogrammed, l.FirstSubarray, l.Subarrays, l.Replicas}); got != w {
			t.Errorf("layer %d: %+v, want %+v", i, got, w)
		}
	}
	if p.Used != 7 || p.Reprogrammed() != 3 {
		t.Errorf("used %d, reprogrammed %d; want 7 and 3", p.Used, p.Reprogrammed())
	}
	// From the last layer: a window of 2 (sub-arrays 6..7); a and b and c
	// below it.
	if err := p.ReprogramFrom(3); err != nil {
		t.Fatal(err)
	}
	if ls[3].FirstSubarray != 6 || !ls[3].Reprogrammed || ls[2].Reprogrammed || ls[1].FirstSubarray != 2 {
		t.Errorf("window from d: d at %d (%v), c reprogrammed %v, b at %d; want d at 6 alone, b at 2", ls[3].FirstSubarray, ls[3].Reprogrammed, ls[2].Reprogrammed, ls[1].FirstSubarray)
	}
	for _, first := range []int{0, 4} {
		if err := p.ReprogramFrom(first); err == nil {
			t.Errorf("a window from layer %d of 4 was made", first)
		}
	}
	// With a at 6 replicas (6 sub-arrays), a window of 4 leaves too few.
	ls[0].Replicas = 6
	if err := p.ReprogramFrom(1); err == nil || !strings.Contains(err.Error(), "the 1 layers before the window need 6 sub-arrays, the window of 4 leaves 4") {
		t.Errorf("layers that do not fit below the window: %v", err)
	}
}
