package tensor

// sgemmGoKernel is the portable micro-kernel: 4×4 tiles kept in sixteen
// scalar accumulators. It is the fallback on CPUs without a vector kernel and
// the reference the vector kernels are tested against.
var sgemmGoKernel = &sgemmKernel{name: "go4x4", mr: 4, nr: 4, macsPerCycle: 2, fn: sgemmKernel4x4Go}

// sgemmKernel4x4Go follows the micro-kernel contract of sgemmKernel: it
// reads kc groups of 4 packed A values and 4 packed B values, sums the
// products of each element in increasing k, then writes
// C = alpha*acc (load false) or C = alpha*acc + beta*C (load true).
func sgemmKernel4x4Go(kc int, a, b, c []float32, ldc int, alpha, beta float32, load bool) {
	a = a[:kc*4]
	b = b[:kc*4]
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for p := 0; p < kc; p++ {
		ap := a[p*4 : p*4+4 : p*4+4]
		bp := b[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	sgemmStoreRow4(c[0*ldc:0*ldc+4], c00, c01, c02, c03, alpha, beta, load)
	sgemmStoreRow4(c[1*ldc:1*ldc+4], c10, c11, c12, c13, alpha, beta, load)
	sgemmStoreRow4(c[2*ldc:2*ldc+4], c20, c21, c22, c23, alpha, beta, load)
	sgemmStoreRow4(c[3*ldc:3*ldc+4], c30, c31, c32, c33, alpha, beta, load)
}

// sgemmStoreRow4 writes one row of a 4×4 tile (see sgemmKernel4x4Go).
func sgemmStoreRow4(row []float32, v0, v1, v2, v3, alpha, beta float32, load bool) {
	row = row[:4:4]
	if !load {
		row[0] = alpha * v0
		row[1] = alpha * v1
		row[2] = alpha * v2
		row[3] = alpha * v3
		return
	}
	row[0] = alpha*v0 + beta*row[0]
	row[1] = alpha*v1 + beta*row[1]
	row[2] = alpha*v2 + beta*row[2]
	row[3] = alpha*v3 + beta*row[3]
}
