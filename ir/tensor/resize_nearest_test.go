package tensor

import (
	"fmt"
	"slices"
	"testing"
)

// TestResizeNearestIndex: the index map equals what Resize does to a
// tensor holding its own indices, for every coordinate and nearest mode at
// factors 2, 3 and 1.5, and the hand-worked asymmetric + floor case reads
// [0 0 1 1 2 2]; linear mode has no map.
func TestResizeNearestIndex(t *testing.T) {
	for _, coord := range []string{"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"} {
		for _, nm := range []string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"} {
			for _, sz := range [][2]int{{3, 6}, {4, 12}, {4, 6}} {
				t.Run(fmt.Sprint(coord, nm, sz), func(t *testing.T) {
					in, out := sz[0], sz[1]
					p := ResizeParams{Mode: "nearest", Coord: coord, Nearest: nm, Sizes: []int{out}, Scales: []float64{float64(out) / float64(in)}}
					x := New(Float32, in)
					for i := range x.F32 {
						x.F32[i] = float32(i)
					}
					y := New(Float32, out)
					if err := Resize(y, x, p); err != nil {
						t.Fatal(err)
					}
					idx := ResizeNearestIndex(p, 0, in)
					for o, v := range y.F32 {
						if idx[o] != int(v) {
							t.Fatalf("index map %v, Resize %v", idx, y.F32)
						}
					}
				})
			}
		}
	}
	p := ResizeParams{Mode: "nearest", Coord: "asymmetric", Nearest: "floor", Sizes: []int{6}, Scales: []float64{2}}
	if got := ResizeNearestIndex(p, 0, 3); !slices.Equal(got, []int{0, 0, 1, 1, 2, 2}) {
		t.Errorf("asymmetric floor x2: %v", got)
	}
	p.Mode = "linear"
	if ResizeNearestIndex(p, 0, 3) != nil {
		t.Error("a map for linear mode")
	}
}
