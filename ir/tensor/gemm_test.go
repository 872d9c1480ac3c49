package tensor

import (
	"math/rand"
	"testing"
)

// naiveMatMul implements NumPy matmul by index arithmetic on the promoted
// shapes, independently of the gemm code.
func naiveMatMul(a, b *Tensor) ([]int, []float64) {
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k, n := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	ab, bb := as[:len(as)-2], bs[:len(bs)-2]
	batch, _ := BroadcastShape(ab, bb)
	full := append(append([]int{}, batch...), m, n)
	res := make([]float64, NumElems(full))
	for o := range res {
		idx := unravel(o, full)
		bi := idx[:len(batch)]
		i, j := idx[len(batch)], idx[len(batch)+1]
		pick := func(s []int) []int {
			sub := make([]int, len(s))
			for q := range s {
				if s[q] != 1 {
					sub[q] = bi[len(batch)-len(s)+q]
				}
			}
			return sub
		}
		sa, sb := pick(ab), pick(bb)
		sum := 0.0
		for l := 0; l < k; l++ {
			ia := append(append([]int{}, sa...), i, l)
			ib := append(append([]int{}, sb...), l, j)
			sum += a.Float64At(ravel(ia, as)) * b.Float64At(ravel(ib, bs))
		}
		res[o] = sum
	}
	out := append([]int{}, batch...)
	if len(a.Shape) > 1 {
		out = append(out, m)
	}
	if len(b.Shape) > 1 {
		out = append(out, n)
	}
	return out, res
}

func TestMatMulAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	shapes := [][2][]int{
		{{3, 4}, {4, 5}},
		{{4}, {4, 5}},
		{{3, 4}, {4}},
		{{4}, {4}},
		{{2, 3, 4}, {4, 5}},
		{{2, 1, 3, 4}, {3, 4, 2}},
		{{1, 3, 4}, {5, 4, 1}},
		{{7}, {2, 7, 3}},
		{{2, 3, 0}, {0, 2}},
	}
	for _, sh := range shapes {
		for _, dt := range []DType{Float32, Float64} {
			a, b := toType(randF64(r, sh[0]...), dt), toType(randF64(r, sh[1]...), dt)
			out, want := naiveMatMul(a, b)
			got, err := MatMulShape(a.Shape, b.Shape)
			if err != nil || !SameShape(got, out) {
				t.Fatalf("MatMulShape(%v, %v) = %v, %v; want %v", a.Shape, b.Shape, got, err, out)
			}
			dst := New(dt, out...)
			if err := MatMul(dst, a, b); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "matmul", dst, want, 1e-5)
		}
	}
	// integer matmul wraps
	a := FromI64(Int8, []int64{100, 100}, 1, 2)
	b := FromI64(Int8, []int64{2, 1}, 2, 1)
	dst := New(Int8, 1, 1)
	if err := MatMul(dst, a, b); err != nil || dst.I64[0] != 300-256 {
		t.Fatalf("int8 matmul = %v, %v; want %d", dst.I64, err, 300-256)
	}
	if _, err := MatMulShape([]int{3, 4}, []int{5, 6}); err == nil {
		t.Error("inner mismatch accepted")
	}
}

func TestGemmAndFC(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, cshape := range [][]int{nil, {5}, {3, 1}, {3, 5}, {}} {
				m, k, n := 3, 4, 5
				ash, bsh := []int{m, k}, []int{k, n}
				if ta {
					ash = []int{k, m}
				}
				if tb {
					bsh = []int{n, k}
				}
				a, b := randF32(r, ash...), randF32(r, bsh...)
				var c *Tensor
				if cshape != nil {
					c = randF32(r, cshape...)
				}
				p := GemmParams{Alpha: 0.5, Beta: 2, TransA: ta, TransB: tb}
				want := make([]float64, m*n)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						s := 0.0
						for l := 0; l < k; l++ {
							av := a.Float64At(i*k + l)
							if ta {
								av = a.Float64At(l*m + i)
							}
							bv := b.Float64At(l*n + j)
							if tb {
								bv = b.Float64At(j*k + l)
							}
							s += av * bv
						}
						s *= 0.5
						if c != nil {
							ci := 0
							switch len(cshape) {
							case 1:
								ci = j
							case 2:
								ci = i*cshape[1] + j
								if cshape[1] == 1 {
									ci = i
								}
							}
							s += 2 * c.Float64At(ci)
						}
						want[i*n+j] = s
					}
				}
				dst := New(Float32, m, n)
				if err := Gemm(dst, a, b, c, p); err != nil {
					t.Fatal(err)
				}
				closeTo(t, "gemm", dst, want, 1e-5)
			}
		}
	}
	// FC is x*w^T + b
	x, w, b := randF32(r, 2, 7), randF32(r, 3, 7), randF32(r, 3)
	want := make([]float64, 6)
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			s := b.Float64At(j)
			for l := 0; l < 7; l++ {
				s += x.Float64At(i*7+l) * w.Float64At(j*7+l)
			}
			want[i*3+j] = s
		}
	}
	dst := New(Float32, 2, 3)
	if err := FC(dst, x, w, b); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "fc", dst, want, 1e-5)
	if err := FC(dst, x, randF32(r, 3, 6), b); err == nil {
		t.Error("fc size mismatch accepted")
	}
}
