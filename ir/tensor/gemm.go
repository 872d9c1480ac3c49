package tensor

import (
	"fmt"
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemmF32 computes C = alpha*op(A)*op(B) + beta*C for row-major matrices
// (op(A) is m×k, op(B) is k×n) with Sgemm on up to workers goroutines.
// Sgemm sums each element in an order that depends only on k, so results do
// not depend on workers or on how the caller tiles C.
func gemmF32(workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	SgemmParallel(workers, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmF64 is gemmF32 for float64, on gonum's Dgemm (which parallelizes
// large products itself and also sums in order of k; workers is unused).
// Dgemm skips the products of a zero element, which would drop the NaN of
// 0*NaN or 0*Inf: operands holding a NaN or an infinity go through
// gemmF64Plain instead.
func gemmF64(workers int, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if !allFinite(a) || !allFinite(b) {
		gemmF64Plain(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blas64.Implementation().Dgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmF64Plain is Dgemm's arithmetic (c = beta*c, then c += (alpha*a)*b in
// order of k; c not read when beta is 0) without skipping zero products.
func gemmF64Plain(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	at := func(i, l int) float64 {
		if tA {
			return a[l*lda+i]
		}
		return a[i*lda+l]
	}
	bt := func(l, j int) float64 {
		if tB {
			return b[j*ldb+l]
		}
		return b[l*ldb+j]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			if beta != 0 {
				s = beta * c[i*ldc+j]
			}
			for l := 0; l < k; l++ {
				s += alpha * at(i, l) * bt(l, j)
			}
			c[i*ldc+j] = s
		}
	}
}

// allFinite reports whether s holds no NaN or infinity.
func allFinite(s []float64) bool {
	for _, v := range s {
		if v-v != 0 { // NaN for NaN and ±Inf, 0 otherwise
			return false
		}
	}
	return true
}

// scaleC sets the m×n matrix C to beta*C (zeros when beta is 0): the whole
// product when k is 0, which the BLAS routines reject.
func scaleC[T floatElem](m, n int, beta T, c []T, ldc int) {
	if n == 0 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}

// gemmInt is the integer matrix product C = op(A)*op(B) (beta 0), wrapping
// to the width of dt; two's-complement products and sums are the same bits
// for signed and unsigned types.
func gemmInt(dt DType, tA, tB bool, m, n, k int, a []int64, lda int, b []int64, ldb int, c []int64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s int64
			for l := 0; l < k; l++ {
				av, bv := a[i*lda+l], b[l*ldb+j]
				if tA {
					av = a[l*lda+i]
				}
				if tB {
					bv = b[j*ldb+l]
				}
				s += av * bv
			}
			c[i*ldc+j] = dt.Wrap(s)
		}
	}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// MatMulShape returns the shape of NumPy matmul(a, b): 1-D operands are
// promoted (a to [1,K], b to [K,1]) and the promoted axis is dropped from the
// result; leading batch axes broadcast.
func MatMulShape(a, b []int) ([]int, error) {
	if len(a) == 0 || len(b) == 0 {
		return nil, fmt.Errorf("matmul: operands must have rank >= 1, got %s and %s", ShapeString(a), ShapeString(b))
	}
	pa, pb := promoteA(a), promoteB(b)
	ka, kb := pa[len(pa)-1], pb[len(pb)-2]
	if ka != kb {
		return nil, fmt.Errorf("matmul: inner dimensions differ: %s and %s", ShapeString(a), ShapeString(b))
	}
	batch, err := BroadcastShape(pa[:len(pa)-2], pb[:len(pb)-2])
	if err != nil {
		return nil, fmt.Errorf("matmul: batch axes: %w", err)
	}
	out := append([]int{}, batch...)
	if len(a) > 1 {
		out = append(out, pa[len(pa)-2])
	}
	if len(b) > 1 {
		out = append(out, pb[len(pb)-1])
	}
	return out, nil
}

func promoteA(a []int) []int {
	if len(a) == 1 {
		return []int{1, a[0]}
	}
	return a
}

func promoteB(b []int) []int {
	if len(b) == 1 {
		return []int{b[0], 1}
	}
	return b
}

// MatMul computes dst = matmul(a, b) with NumPy semantics (see MatMulShape).
// Float types use gonum's gemm (narrow floats rounded after), integer types
// an exact loop that wraps to the type.
func MatMul(dst, a, b *Tensor) error {
	if err := checkStorage("a", a); err != nil {
		return err
	}
	if err := checkStorage("b", b); err != nil {
		return err
	}
	if a.DType != b.DType {
		return fmt.Errorf("matmul: element types differ: %v and %v", a.DType, b.DType)
	}
	out, err := MatMulShape(a.Shape, b.Shape)
	if err != nil {
		return err
	}
	if err := checkDst(dst, a.DType, out); err != nil {
		return fmt.Errorf("matmul: %w", err)
	}
	if a.DType == Bool {
		return fmt.Errorf("matmul: not defined on bool")
	}
	pa, pb := promoteA(a.Shape), promoteB(b.Shape)
	m, k, n := pa[len(pa)-2], pa[len(pa)-1], pb[len(pb)-1]
	batch, _ := BroadcastShape(pa[:len(pa)-2], pb[:len(pb)-2])
	sa := broadcastStrides(pa[:len(pa)-2], batch)
	sb := broadcastStrides(pb[:len(pb)-2], batch)
	nb := NumElems(batch)
	procs := runtime.GOMAXPROCS(0)
	idx := make([]int, len(batch))
	for bi := 0; bi < nb; bi++ {
		// decompose bi into the batch index and the operands' matrix offsets
		r, oa, ob := bi, 0, 0
		for ax := len(batch) - 1; ax >= 0; ax-- {
			idx[ax] = r % batch[ax]
			r /= batch[ax]
			oa += idx[ax] * sa[ax]
			ob += idx[ax] * sb[ax]
		}
		oa, ob, oc := oa*m*k, ob*k*n, bi*m*n
		switch a.DType.Storage() {
		case StoreF32:
			gemmF32(procs, false, false, m, n, k, 1, a.F32[oa:], k, b.F32[ob:], n, 0, dst.F32[oc:], n)
		case StoreF64:
			gemmF64(procs, false, false, m, n, k, 1, a.F64[oa:], k, b.F64[ob:], n, 0, dst.F64[oc:], n)
		default:
			gemmInt(a.DType, false, false, m, n, k, a.I64[oa:], k, b.I64[ob:], n, dst.I64[oc:], n)
		}
	}
	if a.DType.Storage() == StoreF32 {
		RoundToType(a.DType, dst.F32)
	}
	return nil
}

// GemmParams are the ONNX Gemm attributes.
type GemmParams struct {
	Alpha, Beta    float32
	TransA, TransB bool
}

// GemmShape returns the [M, N] shape of Gemm(a, b) and K, checking that both
// are matrices with matching inner sizes.
func GemmShape(a, b []int, p GemmParams) (out []int, k int, err error) {
	if len(a) != 2 || len(b) != 2 {
		return nil, 0, fmt.Errorf("gemm: want 2-D operands, got %s and %s", ShapeString(a), ShapeString(b))
	}
	m, ka := a[0], a[1]
	if p.TransA {
		m, ka = ka, m
	}
	kb, n := b[0], b[1]
	if p.TransB {
		kb, n = n, kb
	}
	if ka != kb {
		return nil, 0, fmt.Errorf("gemm: inner dimensions differ: A' is [%d,%d], B' is [%d,%d]", m, ka, kb, n)
	}
	return []int{m, n}, ka, nil
}

// Gemm computes dst = alpha*A'*B' + beta*C where A' and B' are a and b
// optionally transposed and c (nil when absent) broadcasts to [M,N]
// (ONNX unidirectional broadcasting). Float types only.
func Gemm(dst, a, b, c *Tensor, p GemmParams) error {
	for i, t := range []*Tensor{a, b} {
		if err := checkStorage(fmt.Sprintf("input %d", i), t); err != nil {
			return err
		}
	}
	if !a.DType.IsFloat() {
		return fmt.Errorf("gemm: want float operands, got %v", a)
	}
	if err := sameType(a.DType, b, c); err != nil {
		return fmt.Errorf("gemm: %w", err)
	}
	out, k, err := GemmShape(a.Shape, b.Shape, p)
	if err != nil {
		return err
	}
	if err := checkDst(dst, a.DType, out); err != nil {
		return fmt.Errorf("gemm: %w", err)
	}
	beta := p.Beta
	if c != nil {
		if err := Expand(dst, c); err != nil {
			return fmt.Errorf("gemm: C %v does not broadcast to %s", c, ShapeString(out))
		}
	} else {
		beta = 0
	}
	m, n := out[0], out[1]
	if a.DType == Float64 {
		gemmF64(runtime.GOMAXPROCS(0), p.TransA, p.TransB, m, n, k, float64(p.Alpha), a.F64, a.Shape[1], b.F64, b.Shape[1], float64(beta), dst.F64, n)
		return nil
	}
	if !p.TransA && p.TransB && p.Alpha == 1 && (beta == 0 || beta == 1) && n*k <= fcDotMaxWeights && k > 0 {
		// The fc form (B is [N,K] weights): the same dot products as FC, so
		// an fc exported as Gemm computes the same bits.
		fcDotF32(dst.F32, a.F32, b.F32, nil, m, n, k, beta == 1)
		RoundToType(a.DType, dst.F32)
		return nil
	}
	gemmF32(runtime.GOMAXPROCS(0), p.TransA, p.TransB, m, n, k, p.Alpha, a.F32, a.Shape[1], b.F32, b.Shape[1], beta, dst.F32, n)
	RoundToType(a.DType, dst.F32)
	return nil
}

// FCShape returns the [M, N] shape of FC(x [M,K], w [N,K]).
func FCShape(x, w []int) ([]int, error) {
	if len(x) != 2 || len(w) != 2 || x[1] != w[1] {
		return nil, fmt.Errorf("fc: want x [M,K] and w [N,K], got %s and %s", ShapeString(x), ShapeString(w))
	}
	return []int{x[0], w[0]}, nil
}

// FC computes the fully connected layer dst = x * w^T + b with x [M,K],
// w [N,K] and b [N] (nil when absent). Float types only.
func FC(dst, x, w, b *Tensor) error {
	for i, t := range []*Tensor{x, w} {
		if err := checkStorage(fmt.Sprintf("input %d", i), t); err != nil {
			return err
		}
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("fc: want float operands, got %v", x)
	}
	if err := sameType(x.DType, w, b); err != nil {
		return fmt.Errorf("fc: %w", err)
	}
	out, err := FCShape(x.Shape, w.Shape)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("fc: %w", err)
	}
	m, n, k := out[0], out[1], x.Shape[1]
	if b != nil {
		if err := checkStorage("bias", b); err != nil {
			return err
		}
		if b.Len() != n || b.Rank() != 1 {
			return fmt.Errorf("fc: bias is %v, want [%d]", b, n)
		}
	}
	if x.DType == Float64 {
		beta := 0.0
		if b != nil {
			for i := 0; i < m; i++ {
				copy(dst.F64[i*n:(i+1)*n], b.F64)
			}
			beta = 1
		}
		gemmF64(runtime.GOMAXPROCS(0), false, true, m, n, k, 1, x.F64, k, w.F64, k, beta, dst.F64, n)
		return nil
	}
	if n*k <= fcDotMaxWeights {
		var bias []float32
		if b != nil {
			bias = b.F32
		}
		fcDotF32(dst.F32, x.F32, w.F32, bias, m, n, k, false)
		RoundToType(x.DType, dst.F32)
		return nil
	}
	var beta float32
	if b != nil {
		for i := 0; i < m; i++ {
			copy(dst.F32[i*n:(i+1)*n], b.F32)
		}
		beta = 1
	}
	gemmF32(runtime.GOMAXPROCS(0), false, true, m, n, k, 1, x.F32, k, w.F32, k, beta, dst.F32, n)
	RoundToType(x.DType, dst.F32)
	return nil
}
