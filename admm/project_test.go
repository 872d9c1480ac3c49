package admm

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func randW(r *rand.Rand, n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	return w
}

var testShapes = []Shape{{Rows: 6, Cols: 25, Spatial: 25}, {Rows: 16, Cols: 150, Spatial: 25}, {Rows: 10, Cols: 84, Spatial: 1}, {Rows: 7, Cols: 27, Spatial: 9}}

func testPrunes(s Shape) [][]Prune {
	return [][]Prune{
		{{Kind: Filter, Ratio: 0.5}},
		{{Kind: Column, Ratio: 0.7}},
		{{Kind: Channel, Ratio: 0.34}},
		{{Kind: Block, Ratio: 0.5, TileRows: 4, TileCols: 16}},
		{{Kind: Irregular, Ratio: 0.9}},
		{{Kind: Filter, Ratio: 0.3}, {Kind: Column, Ratio: 0.5}},
	}
}

// TestProjectPruneProperties: exact zeros outside the kept groups, exactly
// KeepCount groups non-zero (the data has no zeros), idempotence and
// determinism.
func TestProjectPruneProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range testShapes {
		for _, ps := range testPrunes(s) {
			v := randW(r, s.Len())
			z := make([]float32, len(v))
			keep, err := ProjectPrune(z, v, s, ps)
			if err != nil {
				t.Fatal(err)
			}
			for i := range z {
				if keep[i] != (z[i] != 0) || (keep[i] && z[i] != v[i]) {
					t.Fatalf("%v %v: element %d: keep %v, z %g, v %g", s, ps, i, keep[i], z[i], v[i])
				}
			}
			for pi, p := range ps {
				kept, total, _ := GroupsKept(z, s, p)
				if pi == len(ps)-1 && kept != KeepCount(total, p.Ratio) {
					t.Errorf("%v %v: %d groups kept of %d, want %d", s, p, kept, total, KeepCount(total, p.Ratio))
				}
			}
			if err := Check(z, s, ps, nil); err != nil {
				t.Errorf("%v %v: %v", s, ps, err)
			}
			z2 := make([]float32, len(v))
			if _, err := ProjectPrune(z2, z, s, ps); err != nil || !slices.Equal(z, z2) {
				t.Errorf("%v %v: projection not idempotent", s, ps)
			}
			z3 := make([]float32, len(v))
			keep3, _ := ProjectPrune(z3, v, s, ps)
			if !slices.Equal(z, z3) || !slices.Equal(keep, keep3) {
				t.Errorf("%v %v: not deterministic", s, ps)
			}
		}
	}
}

// TestProjectPruneTies: equal norms keep the lower index.
func TestProjectPruneTies(t *testing.T) {
	s := Shape{Rows: 4, Cols: 2, Spatial: 1}
	v := []float32{1, 0, 0, 1, -1, 0, 0, -1} // four rows of norm 1
	z := make([]float32, len(v))
	if _, err := ProjectPrune(z, v, s, []Prune{{Kind: Filter, Ratio: 0.5}}); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 0, 0, 1, 0, 0, 0, 0}; !slices.Equal(z, want) {
		t.Errorf("got %v, want %v", z, want)
	}
}

func TestProjectPruneBetterThanOthers(t *testing.T) {
	// The projection is the closest point of the set: no other choice of
	// rows is closer.
	r := rand.New(rand.NewPCG(3, 4))
	s := Shape{Rows: 5, Cols: 3, Spatial: 1}
	v := randW(r, s.Len())
	z := make([]float32, len(v))
	ProjectPrune(z, v, s, []Prune{{Kind: Filter, Ratio: 0.4}})
	best := dist(z, v)
	for a := 0; a < 5; a++ {
		for b := a + 1; b < 5; b++ {
			for c := b + 1; c < 5; c++ {
				o := make([]float32, len(v))
				for _, row := range []int{a, b, c} {
					copy(o[row*3:row*3+3], v[row*3:row*3+3])
				}
				if d := dist(o, v); d < best-1e-9 {
					t.Fatalf("rows %d,%d,%d are closer (%g < %g)", a, b, c, d, best)
				}
			}
		}
	}
}

func dist(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

func TestKeepCount(t *testing.T) {
	for _, c := range []struct {
		g    int
		r    float64
		want int
	}{{10, 0.5, 5}, {6, 0.75, 2}, {16, 0, 16}, {3, 0.99, 0}, {84, 0.9, 8}} {
		if got := KeepCount(c.g, c.r); got != c.want {
			t.Errorf("KeepCount(%d, %g) = %d, want %d", c.g, c.r, got, c.want)
		}
	}
}

// TestProjectQuantProperties: exact integer codes in range times a
// per-row scale, pruned elements stay 0, idempotent, deterministic.
func TestProjectQuantProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range testShapes {
		for _, bits := range []int{1, 2, 3, 4, 8} {
			v := randW(r, s.Len())
			keep, _ := ProjectPrune(make([]float32, len(v)), v, s, []Prune{{Kind: Column, Ratio: 0.5}})
			z := make([]float32, len(v))
			c, err := ProjectQuant(z, v, keep, s, bits)
			if err != nil {
				t.Fatal(err)
			}
			qmax := int64(QMax(bits))
			for i := range z {
				q := int64(c.Q[i])
				if !keep[i] && (z[i] != 0 || q != 0) {
					t.Fatalf("%v bits %d: pruned element %d is %g (code %d)", s, bits, i, z[i], q)
				}
				if keep[i] && (q < -qmax || q > qmax || (bits == 1 && q == 0)) {
					t.Fatalf("%v bits %d: code %d out of range", s, bits, q)
				}
				if z[i] != c.Alpha[i/s.Cols]*float32(q) {
					t.Fatalf("%v bits %d: element %d = %g is not alpha %g * %d", s, bits, i, z[i], c.Alpha[i/s.Cols], q)
				}
			}
			if err := Check(z, s, []Prune{{Kind: Column, Ratio: 0.5}}, c); err != nil {
				t.Errorf("%v bits %d: %v", s, bits, err)
			}
			z2 := make([]float32, len(v))
			c2, _ := ProjectQuant(z2, z, keep, s, bits)
			if !slices.Equal(z, z2) || !slices.Equal(c.Alpha, c2.Alpha) {
				t.Errorf("%v bits %d: quantization not idempotent", s, bits)
			}
			z3 := make([]float32, len(v))
			ProjectQuant(z3, v, keep, s, bits)
			if !slices.Equal(z, z3) {
				t.Errorf("%v bits %d: not deterministic", s, bits)
			}
		}
	}
}

// TestProjectQuantFitsBetterThanMaxScale: the alternating scale is at
// least as close as the plain max|v|/qmax scale.
func TestProjectQuantFitsBetterThanMaxScale(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := Shape{Rows: 8, Cols: 200, Spatial: 1}
	v := randW(r, s.Len())
	z := make([]float32, len(v))
	ProjectQuant(z, v, nil, s, 3)
	naive := make([]float32, len(v))
	for row := 0; row < s.Rows; row++ {
		var m float64
		for _, x := range v[row*s.Cols : (row+1)*s.Cols] {
			m = max(m, float64(abs32(x)))
		}
		a := m / 3
		for k := 0; k < s.Cols; k++ {
			naive[row*s.Cols+k] = float32(a * float64(code(float64(v[row*s.Cols+k]), a, 3, 3)))
		}
	}
	if dist(z, v) > dist(naive, v) {
		t.Errorf("alternating fit %g worse than max scaling %g", dist(z, v), dist(naive, v))
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func TestCheckCatchesViolations(t *testing.T) {
	s := Shape{Rows: 2, Cols: 3, Spatial: 1}
	w := []float32{0.5, -0.25, 0, 0, 0, 0}
	c := &Codes{Bits: 3, Alpha: []float32{0.25, 0.25}}
	if err := Check(w, s, []Prune{{Kind: Filter, Ratio: 0.5}}, c); err != nil {
		t.Fatalf("valid layer rejected: %v", err)
	}
	if err := Check(w, s, []Prune{{Kind: Column, Ratio: 0.7}}, nil); err == nil {
		t.Error("2 non-zero columns of 3 accepted with ratio 0.7 (keep 1)")
	}
	w[1] = -0.26
	if err := Check(w, s, nil, c); err == nil {
		t.Error("off-grid weight accepted")
	}
	w[1], w[0] = -0.25, 1.0 // code 4 > 3
	if err := Check(w, s, nil, c); err == nil {
		t.Error("code out of range accepted")
	}
}
