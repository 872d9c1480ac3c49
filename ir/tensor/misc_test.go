package tensor

import "testing"

func TestModCumSumTrilu(t *testing.T) {
	a := FromI64(Int32, []int64{7, -7, 7, -7}, 4)
	b := FromI64(Int32, []int64{3, 3, -3, -3}, 4)
	for _, c := range []struct {
		fmod bool
		want []int64
	}{{false, []int64{1, 2, -2, -1}}, {true, []int64{1, -1, 1, -1}}} {
		out := New(Int32, 4)
		if err := Mod(out, a, b, c.fmod); err != nil || !slicesEqual(out.I64, c.want) {
			t.Errorf("mod fmod=%v: got %v (%v), want %v", c.fmod, out.I64, err, c.want)
		}
	}
	if err := Mod(New(Int32, 4), a, FromI64(Int32, []int64{0}, 1), false); err == nil {
		t.Error("integer mod by zero: no error")
	}
	x := FromF32([]float32{1, 2, 3, 4}, 4)
	for _, c := range []struct {
		exclusive, reverse bool
		want               []float64
	}{{false, false, []float64{1, 3, 6, 10}}, {true, false, []float64{0, 1, 3, 6}},
		{false, true, []float64{10, 9, 7, 4}}, {true, true, []float64{9, 7, 4, 0}}} {
		out := New(Float32, 4)
		if err := CumSum(out, x, 0, c.exclusive, c.reverse); err != nil {
			t.Fatal(err)
		}
		closeTo(t, "cumsum", out, c.want, 0)
	}
	m := FromF32([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)
	out := New(Float32, 3, 3)
	if err := Trilu(out, m, true, 1); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "triu k=1", out, []float64{0, 2, 3, 0, 0, 6, 0, 0, 0}, 0)
	if err := Trilu(out, m, false, -1); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "tril k=-1", out, []float64{0, 0, 0, 4, 0, 0, 7, 8, 0}, 0)
	g := New(Float32, 2, 2)
	if err := GatherElements(g, FromF32([]float32{1, 2, 3, 4}, 2, 2), FromI64(Int64, []int64{1, -2, 0, 1}, 2, 2), 1); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "gather_elements", g, []float64{2, 1, 3, 4}, 0)
	h := New(Float32, 2, 3)
	if err := Hardmax(h, FromF32([]float32{1, 5, 5, 0, -1, -2}, 2, 3), 1); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "hardmax", h, []float64{0, 1, 0, 1, 0, 0}, 0)
}

func TestTopKTies(t *testing.T) {
	x := FromF32([]float32{1, 3, 3, 2}, 1, 4)
	for _, c := range []struct {
		k        int
		smallest bool
		vals     []float64
		idx      []int64
	}{{3, false, []float64{3, 3, 2}, []int64{1, 2, 3}}, {2, true, []float64{1, 2}, []int64{0, 3}}} {
		v, i := New(Float32, 1, c.k), New(Int64, 1, c.k)
		if err := TopK(v, i, x, c.k, 1, c.smallest); err != nil {
			t.Fatal(err)
		}
		closeTo(t, "top_k values", v, c.vals, 0)
		if !slicesEqual(i.I64, c.idx) {
			t.Errorf("top_k k=%d smallest=%v: indices %v, want %v", c.k, c.smallest, i.I64, c.idx)
		}
	}
}
