package tensor

import (
	"strings"
	"testing"
)

// TestResize1D checks the one-dimensional rules against values worked out
// by hand from the ONNX definitions (the node tests and onnxruntime cases
// in conform cover the modes in 2-D and 4-D).
func TestResize1D(t *testing.T) {
	x := FromF32([]float32{1, 2, 3, 4}, 4)
	base := ResizeParams{Mode: "linear", Coord: "half_pixel", Nearest: "round_prefer_floor", CubicA: -0.75}
	cases := []struct {
		name string
		edit func(p *ResizeParams)
		want []float64
	}{
		// x_ori = (c+0.5)/2-0.5: -0.25 (clamped to cell 0), 0.25, 0.75, ...
		{"linear half_pixel x2", func(p *ResizeParams) { p.Sizes, p.Scales = []int{8}, []float64{2} },
			[]float64{1, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4}},
		{"linear align_corners to 3", func(p *ResizeParams) { p.Coord, p.Sizes, p.Scales = "align_corners", []int{3}, []float64{0.75} },
			[]float64{1, 2.5, 4}},
		// antialias at scale 1/2: kernel [1/8, 3/8, 3/8, 1/8] around 0.5 and 2.5
		{"linear antialias /2", func(p *ResizeParams) { p.Antialias, p.Sizes, p.Scales = true, []int{2}, []float64{0.5} },
			[]float64{1.625, 3.375}},
		// asymmetric x_ori = c/2; floor picks cell floor(c/2)
		{"nearest asymmetric floor", func(p *ResizeParams) {
			p.Mode, p.Coord, p.Nearest, p.Sizes, p.Scales = "nearest", "asymmetric", "floor", []int{8}, []float64{2}
		}, []float64{1, 1, 2, 2, 3, 3, 4, 4}},
		// x_ori = c/2: ties 0.5, 1.5, ... go up with round_prefer_ceil
		{"nearest asymmetric prefer ceil", func(p *ResizeParams) {
			p.Mode, p.Coord, p.Nearest, p.Sizes, p.Scales = "nearest", "asymmetric", "round_prefer_ceil", []int{8}, []float64{2}
		}, []float64{1, 2, 2, 3, 3, 4, 4, 4}},
		// cubic at an integer coordinate reproduces the cell
		{"cubic asymmetric identity points", func(p *ResizeParams) {
			p.Mode, p.Coord, p.Sizes, p.Scales = "cubic", "asymmetric", []int{2}, []float64{0.5}
		},
			[]float64{1, 3}},
		// roi [0.5, 1]: x_ori = 1.5 + c*1.5/3; c = 3 gives 3 (inside), and a roi
		// beyond the input extrapolates
		{"tf_crop_and_resize", func(p *ResizeParams) {
			p.Coord, p.Sizes, p.Scales, p.Roi, p.Extrapolation = "tf_crop_and_resize", []int{4}, []float64{1}, []float64{0.5, 1.5}, -9
		}, []float64{2.5, 3.5, -9, -9}},
		// exclude_outside: at x_ori -0.25 the cells -2 and -1 weigh nothing;
		// cells 0 and 1 have the kernel values 0.87890625 and -0.10546875,
		// renormalized to 25/22 and -3/22: 25/22 - 6/22 = 19/22
		{"cubic exclude_outside", func(p *ResizeParams) {
			p.Mode, p.ExcludeOutside, p.Sizes, p.Scales = "cubic", true, []int{8}, []float64{2}
		}, nil},
	}
	for _, c := range cases {
		p := base
		c.edit(&p)
		out := New(Float32, p.Sizes...)
		if err := Resize(out, x, p); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.want == nil {
			closeTo(t, c.name, FromF32(out.F32[:1], 1), []float64{19.0 / 22}, 1e-6)
			continue
		}
		closeTo(t, c.name, out, c.want, 1e-6)
	}
	for _, c := range []struct {
		edit func(p *ResizeParams)
		want string
	}{
		{func(p *ResizeParams) { p.Mode = "area" }, "mode \"area\""},
		{func(p *ResizeParams) { p.Coord = "tf_crop_and_resize" }, "roi"},
		{func(p *ResizeParams) { p.Scales = []float64{0} }, "not a positive number"},
		{func(p *ResizeParams) { p.Nearest = "round" }, "nearest_mode"},
	} {
		p := base
		p.Sizes, p.Scales = []int{8}, []float64{2}
		c.edit(&p)
		err := Resize(New(Float32, 8), x, p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one naming %q", err, c.want)
		}
	}
}

func TestPadBorderTile(t *testing.T) {
	x := FromF32([]float32{1, 2, 3}, 3)
	for _, c := range []struct {
		m    PadMode
		pads []int
		want []float64
	}{
		{PadEdge, []int{2, 1}, []float64{1, 1, 1, 2, 3, 3}},
		{PadReflect, []int{2, 3}, []float64{3, 2, 1, 2, 3, 2, 1, 2}}, // NumPy's reflect, repeated past one width
		{PadWrap, []int{2, 2}, []float64{2, 3, 1, 2, 3, 1, 2}},
		{PadReflect, []int{-1, 1}, []float64{2, 3, 2}}, // a negative pad crops
	} {
		shape, err := PadShape(x.Shape, c.pads)
		if err != nil {
			t.Fatal(err)
		}
		out := New(Float32, shape...)
		if err := PadBorder(out, x, c.pads, c.m); err != nil {
			t.Fatal(err)
		}
		closeTo(t, c.m.String(), out, c.want, 0)
	}
	if err := PadBorder(New(Float32, 2), New(Float32, 0), []int{1, 1}, PadEdge); err == nil {
		t.Error("edge padding of an empty axis: no error")
	}
	m := FromI64(Int32, []int64{1, 2, 3, 4}, 2, 2)
	shape, _ := TileShape(m.Shape, []int{2, 3})
	out := New(Int32, shape...)
	if err := Tile(out, m); err != nil {
		t.Fatal(err)
	}
	want := []int64{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}
	if !slicesEqual(out.I64, want) {
		t.Errorf("tile: got %v, want %v", out.I64, want)
	}
}

func TestLayerNormAndPoolIndices(t *testing.T) {
	x := FromF32([]float32{1, 2, 3, 4, 0, 0, 0, 8}, 2, 4)
	scale := FromF32([]float32{1, 1, 2, 2}, 4)
	bias := FromF32([]float32{0.5}, 1)
	y, mean, inv := New(Float32, 2, 4), New(Float32, 2, 1), New(Float32, 2, 1)
	if err := LayerNorm(y, mean, inv, x, scale, bias, 1, 0); err != nil {
		t.Fatal(err)
	}
	// row 0: mean 2.5, variance 1.25; row 1: mean 2, variance 12
	s0, s1 := 1/1.118033988749895, 1/3.4641016151377544
	closeTo(t, "layer_norm y", y, []float64{-1.5*s0 + 0.5, -0.5*s0 + 0.5, 2*0.5*s0 + 0.5, 2*1.5*s0 + 0.5,
		-2*s1 + 0.5, -2*s1 + 0.5, 2*-2*s1 + 0.5, 2*6*s1 + 0.5}, 1e-6)
	closeTo(t, "layer_norm mean", mean, []float64{2.5, 2}, 1e-7)
	closeTo(t, "layer_norm inv_std", inv, []float64{s0, s1}, 1e-6)

	img := FromF32([]float32{1, 9, 2, 3, 4, 5, 9, 7, 8}, 1, 1, 3, 3)
	p := PoolParams{Kernel: []int{2, 2}, Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}}
	for _, c := range []struct {
		colMajor bool
		want     []int64
	}{{false, []int64{1, 1, 6, 8}}, {true, []int64{3, 3, 2, 8}}} {
		out := New(Int64, 1, 1, 2, 2)
		if err := MaxPoolIndices(out, img, p, c.colMajor); err != nil || !slicesEqual(out.I64, c.want) {
			t.Errorf("max pool indices (column major %v): got %v (%v), want %v", c.colMajor, out.I64, err, c.want)
		}
	}
}
