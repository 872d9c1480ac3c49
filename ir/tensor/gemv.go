package tensor

// fcRowsMax is the largest batch (rows of x) for which FC uses dot products
// instead of Sgemm: a GEMM packs the whole weight matrix (or pads the lone
// column of x to the micro-kernel width), which costs far more than the
// math when x has a row or two, as in batch-1 inference of a classifier
// head. From a few rows on, the packed product wins.
const fcRowsMax = 3

// fcDotF32 computes d [m,n] = x [m,k] · w[n,k]^T (+ bias [n] when not nil)
// one dot product at a time: each element is its dot product plus the bias,
// rounded once, as Sgemm with beta 1 does (only the order of the sum
// differs, so results may differ from Sgemm's in the last bits).
func fcDotF32(d, x, w, bias []float32, m, n, k int) {
	for i := 0; i < m; i++ {
		xr := x[i*k : (i+1)*k]
		dr := d[i*n : (i+1)*n]
		for j := range dr {
			s := sdot(xr, w[j*k:(j+1)*k])
			if bias != nil {
				s += bias[j]
			}
			dr[j] = s
		}
	}
}

// sdotGo is the portable dot product: four interleaved partial sums.
func sdotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
