package tensor

// sgemmGoKernel is the portable micro-kernel: 4×4 tiles kept in sixteen
// scalar accumulators. It is the fallback on CPUs without a vector kernel and
// the reference the vector kernels are tested against.
var sgemmGoKernel = &sgemmKernel{name: "go4x4", mr: 4, nr: 4, macsPerCycle: 2, direct: true, partial: true, fn: sgemmKernel4x4Go}

// sgemmKernel4x4Go follows the micro-kernel contract of sgemmKernel: it
// sums the products of each element in increasing k, then writes the first
// rows×cols elements of C = alpha*acc (load false) or alpha*acc + beta*C
// (load true).
func sgemmKernel4x4Go(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, load bool, rows, cols int) {
	// Element (r, p) of A is a[r*rs+p*cs], packed or in place.
	rs, cs := lda, 1
	if lda == 0 {
		rs, cs = 1, 4
	}
	_ = a[3*rs+(kc-1)*cs]
	b = b[:kc*4]
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for p := 0; p < kc; p++ {
		bp := b[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := a[p*cs]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := a[rs+p*cs]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := a[2*rs+p*cs]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := a[3*rs+p*cs]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for r := 0; r < rows; r++ {
		row := c[r*ldc : r*ldc+cols]
		for q := range row {
			if load {
				row[q] = alpha*acc[r][q] + beta*row[q]
			} else {
				row[q] = alpha * acc[r][q]
			}
		}
	}
}
