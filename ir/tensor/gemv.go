package tensor

// fcDotMaxWeights is the largest weight matrix (n*k elements, 256 KiB of
// float32, about an L2 cache's worth) for which FC computes each output as
// a dot product instead of calling Sgemm. A GEMM packs the whole weight
// matrix (or pads the lone column of x to the micro-kernel width), which
// costs far more than the math when x has a row or a few, as in inference
// of a classifier head; small weights stay in cache across the rows of a
// batch, so the dot products stay cheap for any batch. The choice depends
// on the weights' shape only, never on the number of rows, so a batch of
// images gives bit for bit the results of the images one at a time.
const fcDotMaxWeights = 1 << 16

// fcDotF32 computes d [m,n] = x [m,k] · w[n,k]^T (+ bias [n] when not nil)
// one dot product at a time: each element is its dot product plus the bias,
// rounded once, as Sgemm with beta 1 does (only the order of the sum
// differs, so results may differ from Sgemm's in the last bits). With
// accum (and no bias) the dot product is added to d instead: Gemm's
// alpha = beta = 1 with C already in d.
func fcDotF32(d, x, w, bias []float32, m, n, k int, accum bool) {
	parallelFor(m, n*k, func(lo, hi int) { fcDotRows(d, x, w, bias, n, k, accum, lo, hi) })
}

// fcDotRows computes rows [lo, hi) of fcDotF32.
func fcDotRows(d, x, w, bias []float32, n, k int, accum bool, lo, hi int) {
	for i := lo; i < hi; i++ {
		xr := x[i*k : (i+1)*k]
		dr := d[i*n : (i+1)*n]
		for j := range dr {
			s := sdot(xr, w[j*k:(j+1)*k])
			switch {
			case bias != nil:
				s += bias[j]
			case accum:
				s += dr[j]
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
