package tensor

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// sgemmConfig is a set of kernels for sgemmWith to choose from.
type sgemmConfig struct {
	name    string
	kernels []*sgemmKernel
}

// sgemmConfigs lists the planner's own choice, then each kernel this CPU can
// run alone, and for kernels that read A in place a copy that always packs.
func sgemmConfigs() []sgemmConfig {
	cfgs := []sgemmConfig{{"plan", sgemmPlanKernels}}
	for _, k := range sgemmAllKernels {
		cfgs = append(cfgs, sgemmConfig{k.name, []*sgemmKernel{k}})
		if k.direct {
			packed := *k
			packed.name += "-packed"
			packed.direct = false
			cfgs = append(cfgs, sgemmConfig{packed.name, []*sgemmKernel{&packed}})
		}
	}
	return cfgs
}

// sgemmCase is one product with its inputs; c0 is C before the call.
type sgemmCase struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	lda, ldb, ldc int
	a, b, c0      []float32

	want, scale []float64 // reference result and error scale, computed once
}

func (tc *sgemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d",
		tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.lda, tc.ldb, tc.ldc)
}

// newSgemmCase fills A, B and C with random values in [-1, 1); the strides
// get up to pad extra elements, and C holds NaN when beta is 0 (it must not
// be read then).
func newSgemmCase(rng *rand.Rand, tA, tB bool, m, n, k int, alpha, beta float32, pad int) *sgemmCase {
	tc := &sgemmCase{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	extra := func() int {
		if pad == 0 {
			return 0
		}
		return rng.Intn(pad + 1)
	}
	tc.lda, tc.ldb, tc.ldc = max(ac, 1)+extra(), max(bc, 1)+extra(), max(n, 1)+extra()
	fill := func(rows, ld int) []float32 {
		s := make([]float32, rows*ld)
		for i := range s {
			s[i] = rng.Float32()*2 - 1
		}
		return s
	}
	tc.a, tc.b, tc.c0 = fill(ar, tc.lda), fill(br, tc.ldb), fill(m, tc.ldc)
	if beta == 0 {
		for i := range tc.c0 {
			tc.c0[i] = float32(math.NaN())
		}
	}
	return tc
}

func (tc *sgemmCase) opA(i, p int) float64 {
	if tc.tA {
		return float64(tc.a[p*tc.lda+i])
	}
	return float64(tc.a[i*tc.lda+p])
}

func (tc *sgemmCase) opB(p, j int) float64 {
	if tc.tB {
		return float64(tc.b[j*tc.ldb+p])
	}
	return float64(tc.b[p*tc.ldb+j])
}

// run computes the product with cfg and workers on a copy of C.
func (tc *sgemmCase) run(cfg sgemmConfig, workers int) []float32 {
	c := append([]float32(nil), tc.c0...)
	sgemmWith(cfg.kernels, workers, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, c, tc.ldc)
	return c
}

// check compares got with a float64 reference. Blocked float32 summation
// over k has an error bound of about (kc + k/kc + 3) ulps of the sum of
// |products|, so the tolerance scales with that sum, not with the result
// (which may cancel to near zero). Padding between rows must be untouched.
func (tc *sgemmCase) check(t *testing.T, got []float32, what string) {
	t.Helper()
	kc := 1
	if tc.k > 0 {
		kc = sgemmKCFor(tc.k)
	}
	tol := 2 * float64(kc+tc.k/kc+4) * 0x1p-24
	tc.reference()
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.ldc; j++ {
			idx := i*tc.ldc + j
			g := float64(got[idx])
			if j >= tc.n {
				if got[idx] != tc.c0[idx] && !(math.IsNaN(g) && math.IsNaN(float64(tc.c0[idx]))) {
					t.Fatalf("%s: %v: padding C[%d][%d] changed from %g to %g", what, tc, i, j, tc.c0[idx], got[idx])
				}
				continue
			}
			want, scale := tc.want[i*tc.n+j], tc.scale[i*tc.n+j]
			if math.IsNaN(g) || math.Abs(g-want) > tol*scale+1e-30 {
				if bad++; bad <= 5 {
					t.Errorf("%s: %v: C[%d][%d] = %g, want %g (tolerance %g)", what, tc, i, j, g, want, tol*scale)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %v: %d wrong elements", what, tc, bad)
	}
}

// reference computes the float64 result and, per element, the sum of the
// magnitudes of its terms (the scale of its rounding error).
func (tc *sgemmCase) reference() {
	if tc.want != nil {
		return
	}
	tc.want = make([]float64, tc.m*tc.n)
	tc.scale = make([]float64, tc.m*tc.n)
	alpha, beta := float64(tc.alpha), float64(tc.beta)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var sum, mag float64
			for p := 0; p < tc.k; p++ {
				v := tc.opA(i, p) * tc.opB(p, j)
				sum += v
				mag += math.Abs(v)
			}
			want, scale := alpha*sum, math.Abs(alpha)*mag
			if beta != 0 {
				c := float64(tc.c0[i*tc.ldc+j])
				want += beta * c
				scale += math.Abs(beta * c)
			}
			tc.want[i*tc.n+j], tc.scale[i*tc.n+j] = want, scale
		}
	}
}

// sgemmScalars are the (alpha, beta) pairs every shape is tried with.
var sgemmScalars = [][2]float32{{1, 0}, {1, 1}, {-0.5, 0.25}, {0, 2}, {0, 0}}

func TestSgemmSmallShapesAllTranspositions(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sizes := []int{0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33}
	for _, kern := range sgemmConfigs() {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for iter := 0; iter < 60; iter++ {
					m := sizes[rng.Intn(len(sizes))]
					n := sizes[rng.Intn(len(sizes))]
					k := sizes[rng.Intn(len(sizes))]
					s := sgemmScalars[iter%len(sgemmScalars)]
					tc := newSgemmCase(rng, tA, tB, m, n, k, s[0], s[1], 3)
					tc.check(t, tc.run(kern, 1), kern.name)
				}
			}
		}
	}
}

func TestSgemmRandomShapesAndWorkers(t *testing.T) {
	for orient := range 3 {
		t.Run([]string{"plan", "normal", "swapped"}[orient], func(t *testing.T) {
			sgemmForceOrientation.Store(int32(orient))
			defer sgemmForceOrientation.Store(0)
			testSgemmRandomShapesAndWorkers(t)
		})
	}
}

func testSgemmRandomShapesAndWorkers(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, kern := range sgemmConfigs() {
		for iter := 0; iter < 80; iter++ {
			tA, tB := rng.Intn(2) == 1, rng.Intn(2) == 1
			m, n, k := 1+rng.Intn(67), 1+rng.Intn(67), 1+rng.Intn(67)
			s := sgemmScalars[rng.Intn(len(sgemmScalars))]
			tc := newSgemmCase(rng, tA, tB, m, n, k, s[0], s[1], 5)
			ref := tc.run(kern, 1)
			tc.check(t, ref, kern.name)
			for w := 2; w <= 4; w++ {
				if got := tc.run(kern, w); !sgemmSameBits(got, ref) {
					t.Fatalf("%s: %v: workers=%d differs from workers=1", kern.name, tc, w)
				}
			}
		}
	}
}

// TestSgemmBlocking uses shapes larger than the cache blocks (several k
// blocks, row blocks and column blocks) and ones parallel runs really split
// (above sgemmSerialWork), checking accuracy and that results do not depend
// on the number of workers.
func TestSgemmBlocking(t *testing.T) {
	for orient := range 3 {
		t.Run([]string{"plan", "normal", "swapped"}[orient], func(t *testing.T) {
			sgemmForceOrientation.Store(int32(orient))
			defer sgemmForceOrientation.Store(0)
			testSgemmBlocking(t)
		})
	}
}

func testSgemmBlocking(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	shapes := []struct {
		tA, tB  bool
		m, n, k int
	}{
		{false, false, 150, 70, 700},
		{true, false, 40, 2100, 65},
		{false, true, 300, 20, 333},
		{true, true, 70, 90, 1000},
		{false, false, 512, 16, 700}, // narrow C: computed as C^T
		{false, false, 1, 10, 512},
	}
	var cases []*sgemmCase
	for _, s := range shapes {
		cases = append(cases, newSgemmCase(rng, s.tA, s.tB, s.m, s.n, s.k, 1, 0.5, 4))
	}
	for _, kern := range sgemmConfigs() {
		for _, tc := range cases {
			ref := tc.run(kern, 1)
			tc.check(t, ref, kern.name)
			for w := 2; w <= 4; w++ {
				if got := tc.run(kern, w); !sgemmSameBits(got, ref) {
					t.Fatalf("%s: %v: workers=%d differs from workers=1", kern.name, tc, w)
				}
			}
		}
	}
}

// TestSgemmVectorKernelsMatchGo checks each assembly kernel against the Go
// kernel on the same inputs: they sum in the same order, so the only
// difference is FMA rounding, far below the reference tolerance.
func TestSgemmVectorKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	goCfg := sgemmConfig{sgemmGoKernel.name, []*sgemmKernel{sgemmGoKernel}}
	for _, kern := range sgemmConfigs() {
		if strings.HasPrefix(kern.name, sgemmGoKernel.name) {
			continue
		}
		for iter := 0; iter < 40; iter++ {
			tA, tB := rng.Intn(2) == 1, rng.Intn(2) == 1
			m, n, k := 1+rng.Intn(67), 1+rng.Intn(67), 1+rng.Intn(400)
			tc := newSgemmCase(rng, tA, tB, m, n, k, 1.5, -1, 2)
			got, want := tc.run(kern, 1), tc.run(goCfg, 1)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var mag float64
					for p := 0; p < k; p++ {
						mag += math.Abs(tc.opA(i, p) * tc.opB(p, j))
					}
					mag = 1.5*mag + math.Abs(float64(tc.c0[i*tc.ldc+j]))
					g, w := got[i*tc.ldc+j], want[i*tc.ldc+j]
					if d := math.Abs(float64(g - w)); d > float64(k/sgemmKCFor(k)+4)*0x1p-23*mag {
						t.Fatalf("%s vs %s: %v: C[%d][%d] = %g vs %g", kern.name, sgemmGoKernel.name, tc, i, j, g, w)
					}
				}
			}
		}
	}
}

// TestSgemmDirectMatchesPacked checks that reading A in place gives the same
// bits as packing it, across panel edges and k blocks.
func TestSgemmDirectMatchesPacked(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for _, kern := range sgemmAllKernels {
		if !kern.direct {
			continue
		}
		packed := *kern
		packed.direct = false
		for iter := 0; iter < 30; iter++ {
			m, n, k := 1+rng.Intn(100), 1+rng.Intn(100), 1+rng.Intn(700)
			tc := newSgemmCase(rng, false, rng.Intn(2) == 1, m, n, k, 0.75, 0.5, 3)
			direct := sgemmConfig{kern.name, []*sgemmKernel{kern}}
			if !sgemmSameBits(tc.run(direct, 1), tc.run(sgemmConfig{"packed", []*sgemmKernel{&packed}}, 1)) {
				t.Fatalf("%s: %v: direct A differs from packed A", kern.name, tc)
			}
		}
	}
}

// TestSgemmMinimalSlices passes slices that end exactly at the last element
// of each matrix (no slack after the last row), so reading a whole padded
// panel or row past the end would panic.
func TestSgemmMinimalSlices(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, kern := range sgemmConfigs() {
		for iter := 0; iter < 40; iter++ {
			tA, tB := rng.Intn(2) == 1, rng.Intn(2) == 1
			m, n, k := 1+rng.Intn(70), 1+rng.Intn(70), 1+rng.Intn(600)
			tc := newSgemmCase(rng, tA, tB, m, n, k, 1, 0.5, 7)
			ar, ac, br, bc := m, k, k, n
			if tA {
				ar, ac = k, m
			}
			if tB {
				br, bc = n, k
			}
			tc.a = tc.a[:(ar-1)*tc.lda+ac]
			tc.b = tc.b[:(br-1)*tc.ldb+bc]
			full := tc.c0
			tc.c0 = full[:(m-1)*tc.ldc+n]
			got := tc.run(kern, 2)
			tc.c0 = full
			tc.check(t, append(got, full[len(got):]...), kern.name)
		}
	}
}

// TestSgemmInfStaysInItsRow puts +Inf in one element of A: exactly the row
// of C that uses it becomes infinite, so zero padding of partial panels and
// tiles never mixes it into other elements (0*Inf would make NaN there).
func TestSgemmInfStaysInItsRow(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, kern := range sgemmConfigs() {
		for iter := 0; iter < 20; iter++ {
			tA, tB := rng.Intn(2) == 1, rng.Intn(2) == 1
			m, n, k := 1+rng.Intn(40), 1+rng.Intn(40), 1+rng.Intn(40)
			tc := newSgemmCase(rng, tA, tB, m, n, k, 1, 0, 2)
			i0, p0 := rng.Intn(m), rng.Intn(k)
			if tA {
				tc.a[p0*tc.lda+i0] = float32(math.Inf(1))
			} else {
				tc.a[i0*tc.lda+p0] = float32(math.Inf(1))
			}
			got := tc.run(kern, 1+iter%3)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					v := float64(got[i*tc.ldc+j])
					if i == i0 && !math.IsInf(v, 0) || i != i0 && (math.IsInf(v, 0) || math.IsNaN(v)) {
						t.Fatalf("%s: %v: Inf at A(%d,%d): C[%d][%d] = %g", kern.name, tc, i0, p0, i, j, v)
					}
				}
			}
		}
	}
}

func TestSgemmPublicAPI(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	tc := newSgemmCase(rng, false, true, 37, 41, 300, 1, 0, 2)
	c := append([]float32(nil), tc.c0...)
	Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, c, tc.ldc)
	tc.check(t, c, "Sgemm")
	c2 := append([]float32(nil), tc.c0...)
	SgemmParallel(2, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, c2, tc.ldc)
	if !sgemmSameBits(c, c2) {
		t.Fatal("SgemmParallel(2) differs from Sgemm")
	}
}

func TestSgemmBadArgumentsPanic(t *testing.T) {
	buf := make([]float32, 16)
	cases := []struct {
		name string
		call func()
	}{
		{"negative m", func() { Sgemm(false, false, -1, 2, 2, 1, buf, 2, buf, 2, 0, buf, 2) }},
		{"lda too small", func() { Sgemm(false, false, 2, 2, 3, 1, buf, 2, buf, 2, 0, buf, 2) }},
		{"b too short", func() { Sgemm(false, false, 2, 4, 4, 1, buf, 4, buf[:10], 4, 0, buf, 4) }},
		{"ldc too small", func() { Sgemm(false, false, 2, 4, 2, 1, buf, 2, buf, 4, 0, buf, 3) }},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatalf("%s: no panic", tc.name)
				}
				if msg := fmt.Sprint(r); !strings.HasPrefix(msg, "BUG: tensor.Sgemm") {
					t.Fatalf("%s: panic %q", tc.name, msg)
				}
			}()
			tc.call()
		}()
	}
}

func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), int64(1))
	f.Add(uint8(17), uint8(1), uint8(40), uint8(3), int64(2))
	f.Add(uint8(64), uint8(33), uint8(1), uint8(14), int64(3))
	f.Fuzz(func(t *testing.T, m, n, k, flags uint8, seed int64) {
		rng := rand.New(rand.NewSource(seed))
		s := sgemmScalars[int(flags>>2)%len(sgemmScalars)]
		tc := newSgemmCase(rng, flags&1 != 0, flags&2 != 0, int(m%80), int(n%80), int(k%200), s[0], s[1], 3)
		workers := 1 + int(flags>>5)%4
		for _, kern := range sgemmConfigs() {
			tc.check(t, tc.run(kern, workers), kern.name)
		}
	})
}

func sgemmSameBits(x, y []float32) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			return false
		}
	}
	return true
}

// sgemmBenchShapes are im2col convolution shapes of CIFAR ResNet-18 and
// LeNet (M = filters, N = output pixels, K = C·kh·kw) and FC layers.
var sgemmBenchShapes = []struct{ m, n, k int }{
	{64, 1024, 576}, {128, 256, 1152}, {256, 64, 2304}, {512, 16, 4608},
	{64, 1024, 27}, {6, 784, 25}, {16, 100, 150}, {1, 10, 512}, {16, 120, 400},
}

// sgemmBench runs fn as a benchmark of an m×n×k product, reporting GFLOP/s.
func sgemmBench(b *testing.B, m, n, k int, fn func()) {
	for b.Loop() {
		fn()
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm compares gonum's blas32 with Sgemm (w1) and
// SgemmParallel with two workers (w2) on the benchmark shapes.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range sgemmBenchShapes {
		rng := rand.New(rand.NewSource(1))
		tc := newSgemmCase(rng, false, false, s.m, s.n, s.k, 1, 1, 0)
		c := append([]float32(nil), tc.c0...)
		shape := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
		b.Run("gonum/"+shape, func(b *testing.B) {
			impl := blas32.Implementation()
			sgemmBench(b, s.m, s.n, s.k, func() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 1, c, tc.ldc)
			})
		})
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("w%d/%s", w, shape), func(b *testing.B) {
				sgemmBench(b, s.m, s.n, s.k, func() {
					SgemmParallel(w, false, false, s.m, s.n, s.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 1, c, tc.ldc)
				})
			})
		}
	}
}

// BenchmarkSgemmTrans measures the transposed variants single-threaded.
func BenchmarkSgemmTrans(b *testing.B) {
	for _, s := range sgemmBenchShapes[:4] {
		for _, tr := range []struct {
			name   string
			tA, tB bool
		}{{"NN", false, false}, {"NT", false, true}, {"TN", true, false}, {"TT", true, true}} {
			rng := rand.New(rand.NewSource(1))
			tc := newSgemmCase(rng, tr.tA, tr.tB, s.m, s.n, s.k, 1, 1, 0)
			c := append([]float32(nil), tc.c0...)
			b.Run(fmt.Sprintf("%s/%dx%dx%d", tr.name, s.m, s.n, s.k), func(b *testing.B) {
				sgemmBench(b, s.m, s.n, s.k, func() {
					Sgemm(tr.tA, tr.tB, s.m, s.n, s.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 1, c, tc.ldc)
				})
			})
		}
	}
}

// BenchmarkSgemmConfigs measures each kernel alone (and packing A instead
// of reading it in place) single-threaded on the large shapes.
func BenchmarkSgemmConfigs(b *testing.B) {
	for _, s := range sgemmBenchShapes[:4] {
		rng := rand.New(rand.NewSource(1))
		tc := newSgemmCase(rng, false, false, s.m, s.n, s.k, 1, 1, 0)
		c := append([]float32(nil), tc.c0...)
		for _, cfg := range sgemmConfigs() {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", cfg.name, s.m, s.n, s.k), func(b *testing.B) {
				sgemmBench(b, s.m, s.n, s.k, func() {
					sgemmWith(cfg.kernels, 1, false, false, s.m, s.n, s.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 1, c, tc.ldc)
				})
			})
		}
	}
}

// BenchmarkSgemmKernel runs each micro-kernel alone on L1-resident panels:
// the practical peak the blocked product can approach.
func BenchmarkSgemmKernel(b *testing.B) {
	const kc = 256
	for _, kern := range sgemmAllKernels {
		a := make([]float32, kc*kern.mr)
		bp := make([]float32, kc*kern.nr)
		c := make([]float32, kern.mr*kern.nr)
		b.Run(kern.name, func(b *testing.B) {
			for b.Loop() {
				kern.fn(kc, a, 0, bp, c, kern.nr, 1, 1, true, kern.mr, kern.nr)
			}
			b.ReportMetric(2*float64(kc*kern.mr*kern.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestSgemmFMAKernelsAgreeBitwise checks that all FMA kernels, packed or
// direct, in either orientation, give the same bits: each element is the
// same chain of fused multiply-adds, so the planner's choice of kernel and
// orientation never changes results.
func TestSgemmFMAKernelsAgreeBitwise(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var cfgs []sgemmConfig
	for _, cfg := range sgemmConfigs() {
		if !strings.HasPrefix(cfg.name, sgemmGoKernel.name) && len(cfg.kernels) == 1 {
			cfgs = append(cfgs, cfg)
		}
	}
	if len(cfgs) < 2 {
		t.Skip("fewer than two FMA kernels on this CPU")
	}
	for iter := 0; iter < 40; iter++ {
		m, n, k := 1+rng.Intn(70), 1+rng.Intn(70), 1+rng.Intn(700)
		tc := newSgemmCase(rng, rng.Intn(2) == 1, rng.Intn(2) == 1, m, n, k, 0.5, -1.5, 3)
		want := tc.run(cfgs[0], 1)
		for _, cfg := range cfgs[1:] {
			if !sgemmSameBits(tc.run(cfg, 1), want) {
				t.Fatalf("%v: %s differs from %s", tc, cfg.name, cfgs[0].name)
			}
		}
	}
}

// TestSgemmPlanChoices pins the planner's choice for the convolution shapes
// the interpreter runs most, on CPUs with AVX-512.
func TestSgemmPlanChoices(t *testing.T) {
	if len(sgemmPlanKernels) < 2 {
		t.Skip("no AVX-512")
	}
	cases := []struct {
		m, n, k int
		kernel  string
		swapped bool
	}{
		{64, 1024, 576, "avx512-8x32", false},
		{128, 256, 1152, "avx512-8x32", false},
		{256, 64, 2304, "avx512-8x32", false},
		{512, 16, 4608, "avx512-16x16", false},
		{64, 1024, 27, "avx512-8x32", false},
	}
	for _, tc := range cases {
		job := &sgemmJob{m: tc.m, n: tc.n, k: tc.k, a: sgemmMat{ld: tc.k}, b: sgemmMat{ld: tc.n}, c: sgemmMat{ld: tc.n}}
		swapped := &sgemmJob{m: tc.n, n: tc.m, k: tc.k, a: sgemmMat{ld: tc.n, trans: true}, b: sgemmMat{ld: tc.k, trans: true}, c: sgemmMat{ld: tc.n, trans: true}}
		got := sgemmPlan(sgemmPlanKernels, job, swapped)
		if got.kern.name != tc.kernel || got.c.trans != tc.swapped {
			t.Errorf("%dx%dx%d: plan %s swapped=%v, want %s swapped=%v", tc.m, tc.n, tc.k, got.kern.name, got.c.trans, tc.kernel, tc.swapped)
		}
	}
}
