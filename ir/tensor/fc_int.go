package tensor

import "fmt"

// FCInteger is the exact integer fully connected layer, the matrix
// counterpart of ConvInteger:
//
//	dst[m,n] = b[n] + Σ_k (x[m,k] - xZero) * (w[n,k] - wZero[n])
//
// x [M,K] and w [N,K] may be any integer types; wZero has one value or one
// per output (len N); b is nil or an integer [N]. dst is an integer [M,N]
// and the exact sum wraps to its type. Like ConvInteger it uses float64
// gemm when that is provably exact and an int64 loop otherwise.
func FCInteger(dst, x, w, b *Tensor, xZero int64, wZero []int64) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if err := checkStorage("w", w); err != nil {
		return err
	}
	if !x.DType.IsInt() || !w.DType.IsInt() {
		return fmt.Errorf("fc_integer: want integer x and w, got %v and %v", x, w)
	}
	out, err := FCShape(x.Shape, w.Shape)
	if err != nil {
		return err
	}
	if err := checkStorage("dst", dst); err != nil {
		return err
	}
	if !dst.DType.IsInt() || !SameShape(dst.Shape, out) {
		return fmt.Errorf("fc_integer: dst is %v, want an integer tensor of shape %s", dst, ShapeString(out))
	}
	M, N, K := out[0], out[1], x.Shape[1]
	if len(wZero) != 1 && len(wZero) != N {
		return fmt.Errorf("fc_integer: %d weight zero points, want 1 or %d", len(wZero), N)
	}
	bias := make([]int64, N)
	if b != nil {
		if err := checkStorage("bias", b); err != nil {
			return err
		}
		if !b.DType.IsInt() || b.Rank() != 1 || b.Shape[0] != N {
			return fmt.Errorf("fc_integer: bias is %v, want an integer [%d]", b, N)
		}
		copy(bias, b.I64)
	}
	xs := make([]int64, len(x.I64))
	var xmax, wmax, bmax int64
	for i, v := range x.I64 {
		xs[i] = v - xZero
		xmax = max(xmax, absInt(xs[i]))
	}
	ws := make([]int64, len(w.I64))
	for i, v := range w.I64 {
		z := wZero[0]
		if len(wZero) > 1 {
			z = wZero[i/max(K, 1)]
		}
		ws[i] = v - z
		wmax = max(wmax, absInt(ws[i]))
	}
	for _, v := range bias {
		bmax = max(bmax, absInt(v))
	}
	acc := make([]int64, M*N)
	if exactInFloat64(xmax, wmax, bmax, K) {
		df := make([]float64, M*N)
		bf := toF64(bias)
		for i := 0; i < M; i++ {
			copy(df[i*N:(i+1)*N], bf)
		}
		gemmF64(1, false, true, M, N, K, 1, toF64(xs), K, toF64(ws), K, 1, df, N)
		for i, v := range df {
			acc[i] = int64(v)
		}
	} else {
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				s := bias[j]
				xr, wr := xs[i*K:(i+1)*K], ws[j*K:(j+1)*K]
				for k, v := range xr {
					s += v * wr[k]
				}
				acc[i*N+j] = s
			}
		}
	}
	for i, v := range acc {
		dst.I64[i] = dst.DType.Wrap(v)
	}
	return nil
}
