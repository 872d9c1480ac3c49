package tensor

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or its transpose as transA/transB say, op(A) is m×k, op(B) is
// k×n and C is m×n. lda, ldb and ldc are the row strides of the matrices as
// stored. When beta is 0, C is not read (NaN in C does not propagate); when
// alpha or k is 0, A and B are not read.
//
// The product is blocked Goto/BLIS style: panels of op(A) and op(B) are
// packed into contiguous buffers (A is read in place when not transposed)
// and a register-blocked micro-kernel (AVX-512 or AVX2+FMA assembly on
// amd64, Go elsewhere) computes MR×NR tiles of C. Each element of C is a
// chain of multiply-adds in increasing k, added into C every sgemmKC steps,
// so the result depends only on the shape and inputs: not on the number of
// workers, nor on which kernel or orientation is chosen. All amd64 kernels
// fuse the multiply-adds and give identical bits; the portable Go kernel
// rounds each product, so it differs in the last bits.
//
// Bad arguments (negative sizes, strides or slices too short) are
// programming errors and panic.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmParallel(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmParallel is Sgemm split over up to workers goroutines, each computing
// a block of C. Its results are bit-identical to Sgemm's for any workers.
func SgemmParallel(workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmWith(sgemmPlanKernels, workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmKernel is a micro-kernel: fn computes one mr×nr tile of C from kc
// columns of A and kc packed rows of B (b[p*nr+j] is op(B)(p, j)). A is
// packed (lda == 0: a[p*mr+i] is op(A)(i, p)) or, for kernels with direct,
// read in place from a row-major matrix (a[i*lda+p] is op(A)(i, p)):
// packing A costs as much as m·k loads and stores, most of the work when n
// is small (a convolution's weights times few output pixels). fn sums the
// products of each element in increasing p (fused or not, as the hardware
// does it), then stores C = alpha*acc when load is false, or
// alpha*acc + beta*C when it is true; c[i*ldc+j] is element (i, j) of the
// tile. Only the first rows×cols elements of the tile are read or written;
// kernels without partial are only called with full tiles.
//
// macsPerCycle is the kernel's approximate peak throughput, for sgemmPlan.
type sgemmKernel struct {
	name            string
	mr, nr          int
	macsPerCycle    float64
	direct, partial bool
	fn              func(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, load bool, rows, cols int)

	// packCopy, when not nil, replaces sgemmPackCopy.
	packCopy func(dst []float32, w int, src []float32, ld, width, kc int)
	// packT, when not nil, replaces sgemmPackT.
	packT func(dst []float32, stride int, src []float32, ld, rows, kc int)
}

// sgemmPlanKernels are the kernels Sgemm chooses from, by shape (see
// sgemmPlan); architecture-specific init functions replace the portable one.
var sgemmPlanKernels = []*sgemmKernel{sgemmGoKernel}

// sgemmAllKernels lists every kernel this CPU can run, for tests and
// benchmarks; architecture-specific init functions append to it.
var sgemmAllKernels = []*sgemmKernel{sgemmGoKernel}

// Blocking parameters (in elements), measured on Zen 5 (1 MB L2 per core).
// sgemmKC bounds the depth of one pass over packed panels: deeper passes
// read and write C less often (192–768 tried, 512 best). sgemmNC columns of
// B are packed per pass; 256 keeps the packed kc×nc block in L2 while the
// kernel walks it once per panel of A (2048 was up to 15% slower on
// 64×1024×576). sgemmMC rows of A are handled per packed block. Only
// sgemmKC changes results (it fixes where partial sums are added to C); the
// others only change speed.
const (
	sgemmKC = 512
	sgemmMC = 288
	sgemmNC = 256
)

// sgemmSerialWork is the number of multiply-adds below which SgemmParallel
// does not start goroutines, and sgemmChunkWork the least a parallel chunk
// gets (a goroutine start and a chunk's packing cost microseconds).
const (
	sgemmSerialWork = 1 << 20
	sgemmChunkWork  = 1 << 18
	sgemmChunkRows  = 128
)

// sgemmMat is an operand as the packing code sees it. In the A role, element
// (i, p) is data[i*ld+p], or data[p*ld+i] when trans; in the B role element
// (p, j) is data[p*ld+j], or data[j*ld+p] when trans. For C, element (i, j)
// is data[i*ld+j], or data[j*ld+i] when trans.
type sgemmMat struct {
	data  []float32
	ld    int
	trans bool
}

// sgemmJob is one checked product C = alpha*A*B + beta*C with m×k A and k×n B.
type sgemmJob struct {
	kern        *sgemmKernel
	m, n, k     int
	a, b, c     sgemmMat
	alpha, beta float32
}

// sgemmWith runs the product with the cheapest of kernels (see sgemmPlan).
func sgemmWith(kernels []*sgemmKernel, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmCheck(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		sgemmScale(m, n, beta, c, ldc)
		return
	}
	job := &sgemmJob{
		m: m, n: n, k: k,
		a:     sgemmMat{a, lda, transA},
		b:     sgemmMat{b, ldb, transB},
		c:     sgemmMat{c, ldc, false},
		alpha: alpha, beta: beta,
	}
	swapped := &sgemmJob{
		m: n, n: m, k: k,
		a:     sgemmMat{b, ldb, !transB},
		b:     sgemmMat{a, lda, !transA},
		c:     sgemmMat{c, ldc, true},
		alpha: alpha, beta: beta,
	}
	sgemmPlan(kernels, job, swapped).run(workers)
}

// sgemmForceOrientation lets tests make sgemmPlan keep C as given (1) or
// always compute C^T (2); 0 lets the cost decide.
var sgemmForceOrientation atomic.Int32

// sgemmPlan picks the kernel and orientation with the lowest estimated
// cost: C = A·B as given (job), or C^T = op(B)^T op(A)^T (swapped), which
// wastes fewer padded lanes when C is narrow but tall. Every element of C is
// still one sum over k in the same order, and the choice depends only on the
// shape, never on the number of workers.
func sgemmPlan(kernels []*sgemmKernel, job, swapped *sgemmJob) *sgemmJob {
	orients := []*sgemmJob{job, swapped}
	switch sgemmForceOrientation.Load() {
	case 1:
		orients = orients[:1]
	case 2:
		orients = orients[1:]
	}
	var best *sgemmJob
	bestCost := 0.0
	for _, kern := range kernels {
		for _, j := range orients {
			if cost := j.cost(kern); best == nil || cost < bestCost {
				cp := *j
				cp.kern = kern
				best, bestCost = &cp, cost
			}
		}
	}
	return best
}

// cost estimates the cycles j takes with kern: the multiply-adds of the
// padded tiles at the kernel's peak rate, plus packing at about a quarter of
// a cycle per element copied row by row and up to a cycle per element
// transposed.
// A read in place by a direct kernel costs nothing to pack.
func (j *sgemmJob) cost(kern *sgemmKernel) float64 {
	macs := float64(sgemmPadded(j.m, kern.mr)) * float64(sgemmPadded(j.n, kern.nr)) * float64(j.k)
	transposeCost := 1.0
	if kern.packT != nil {
		transposeCost = 0.4
	}
	packCost := func(transposing bool) float64 {
		if transposing {
			return transposeCost
		}
		return 0.25
	}
	packA := 0.0
	if !kern.direct || j.a.trans {
		jcBlocks := (j.n + sgemmNC - 1) / sgemmNC
		packA = float64(j.m) * float64(j.k) * float64(jcBlocks) * packCost(!j.a.trans)
	}
	packB := float64(j.k) * float64(j.n) * packCost(j.b.trans)
	// A transposed C goes through a scratch tile, transposed out (and in,
	// after the first k block) once per k block.
	storeC := 0.0
	if j.c.trans {
		kBlocks := (j.k + sgemmKC - 1) / sgemmKC
		storeC = float64(j.m) * float64(j.n) * float64(2*kBlocks-1) * transposeCost
	}
	return macs/kern.macsPerCycle + packA + packB + storeC
}

// sgemmPadded rounds n up to a multiple of r.
func sgemmPadded(n, r int) int { return (n + r - 1) / r * r }

// run computes C on up to workers goroutines. C is cut on tile boundaries
// into a few chunks per worker, which the workers take in turn, so a worker
// slowed by other load on the machine does not hold the others back. Chunks
// split the columns first: a chunk packs only its own columns of B, and A
// read in place costs nothing to share. Splitting the rows makes each chunk
// pack its columns of B again, so row chunks keep at least sgemmChunkRows
// rows.
func (j *sgemmJob) run(workers int) {
	mr, nr := j.kern.mr, j.kern.nr
	work := int64(j.m) * int64(j.n) * int64(j.k) // overflows int on 32-bit
	if workers < 1 || work < sgemmSerialWork {
		workers = 1
	}
	tm, tn := (j.m+mr-1)/mr, (j.n+nr-1)/nr
	perWorker := 4
	if !j.kern.direct || j.a.trans {
		perWorker = 2 // every chunk packs its rows of A
	}
	target := int(min(int64(perWorker*workers), max(work/sgemmChunkWork, int64(workers))))
	cn := min(tn, target)
	cm := 1
	if cn < target {
		cm = max(1, min(tm, (target+cn-1)/cn, j.m/sgemmChunkRows))
	}
	chunks := cm * cn
	workers = min(workers, chunks)
	if workers == 1 {
		j.block(0, j.m, 0, j.n)
		return
	}
	var next atomic.Int64
	worker := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			ci, cj := c%cm, c/cm
			j.block(tm*ci/cm*mr, min(tm*(ci+1)/cm*mr, j.m), tn*cj/cn*nr, min(tn*(cj+1)/cn*nr, j.n))
		}
	}
	// The caller is one of the workers: one goroutine fewer to start.
	var wg sync.WaitGroup
	for w := 0; w < workers-1; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	worker()
	wg.Wait()
}

// sgemmBufs are the per-goroutine packing buffers, recycled across calls.
type sgemmBufs struct {
	a, b, tile []float32
}

var sgemmPool = sync.Pool{New: func() any { return new(sgemmBufs) }}

// grow returns buf with length n, reallocating only when it is too small.
func sgemmGrow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// sgemmKCFor returns the depth of the k blocks: the largest block is at most
// sgemmKC and the blocks are as even as possible. It depends only on k.
func sgemmKCFor(k int) int {
	nb := (k + sgemmKC - 1) / sgemmKC
	return (k + nb - 1) / nb
}

// block computes rows [i0, i1) and columns [j0, j1) of C; i0 and j0 are
// multiples of MR and NR, so tiles fall on the same grid for any split.
func (j *sgemmJob) block(i0, i1, j0, j1 int) {
	mr, nr := j.kern.mr, j.kern.nr
	kcMax := sgemmKCFor(j.k)
	mcMax := sgemmMC / mr * mr
	ncMax := sgemmNC / nr * nr
	bufs := sgemmPool.Get().(*sgemmBufs)
	defer sgemmPool.Put(bufs)
	bufs.a = sgemmGrow(bufs.a, min(mcMax, sgemmPadded(i1-i0, mr))*kcMax)
	bufs.b = sgemmGrow(bufs.b, min(ncMax, sgemmPadded(j1-j0, nr))*kcMax)
	bufs.tile = sgemmGrow(bufs.tile, mr*nr)
	direct := j.kern.direct && !j.a.trans

	for jc := j0; jc < j1; jc += ncMax {
		nc := min(ncMax, j1-jc)
		for pc := 0; pc < j.k; pc += kcMax {
			kc := min(kcMax, j.k-pc)
			sgemmPackB(bufs.b, j.b, j.kern, pc, kc, jc, nc)
			// The first k block applies beta; later ones add to C.
			load, beta := j.beta != 0, j.beta
			if pc > 0 {
				load, beta = true, 1
			}
			for ic := i0; ic < i1; ic += mcMax {
				mc := min(mcMax, i1-ic)
				// With a direct kernel only a last, partial panel is packed.
				full := 0
				if direct {
					full = mc / mr * mr
				}
				sgemmPackA(bufs.a[full*kc:], j.a, j.kern, ic+full, mc-full, pc, kc)
				for jr := 0; jr < nc; jr += nr {
					bp := bufs.b[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						var ap []float32
						lda := 0
						if ir < full {
							ap, lda = j.a.data[(ic+ir)*j.a.ld+pc:], j.a.ld
						} else {
							ap = bufs.a[ir*kc : (ir+mr)*kc]
						}
						j.tile(bufs.tile, ic+ir, min(mr, i1-ic-ir), jc+jr, min(nr, j1-jc-jr), kc, ap, lda, bp, beta, load)
					}
				}
			}
		}
	}
}

// tile runs the kernel for the rows×cols tile of C at (i, jj), on packed A
// (lda 0) or on A in place with row stride lda. Tiles of an untransposed C
// are computed in place (partial ones too, if the kernel can); others go
// through a full scratch tile, with the same arithmetic.
func (j *sgemmJob) tile(tmp []float32, i, rows, jj, cols, kc int, ap []float32, lda int, bp []float32, beta float32, load bool) {
	mr, nr := j.kern.mr, j.kern.nr
	c := j.c
	if !c.trans && (j.kern.partial || rows == mr && cols == nr) {
		j.kern.fn(kc, ap, lda, bp, c.data[i*c.ld+jj:], c.ld, j.alpha, beta, load, rows, cols)
		return
	}
	if load {
		if c.trans {
			j.kern.transpose(tmp, nr, c.data[jj*c.ld+i:], c.ld, cols, rows)
		} else {
			sgemmCopyRows(tmp, nr, c.data[i*c.ld+jj:], c.ld, cols, rows)
		}
	}
	j.kern.fn(kc, ap, lda, bp, tmp, nr, j.alpha, beta, load, mr, nr)
	if c.trans {
		j.kern.transpose(c.data[jj*c.ld+i:], c.ld, tmp, nr, rows, cols)
		return
	}
	for r := 0; r < rows; r++ {
		copy(c.data[(i+r)*c.ld+jj:(i+r)*c.ld+jj+cols], tmp[r*nr:r*nr+cols])
	}
}

// sgemmPackA packs rows [i0, i0+mc) and depths [p0, p0+kc) of A (role A)
// into dst as ceil(mc/mr) panels of kc×mr values, dst[panel*mr*kc+p*mr+r],
// padding missing rows with zeros.
func sgemmPackA(dst []float32, a sgemmMat, kern *sgemmKernel, i0, mc, p0, kc int) {
	mr := kern.mr
	if a.trans {
		kern.copyPanels(dst, mr, a.data[p0*a.ld+i0:], a.ld, mc, kc)
		return
	}
	for ir := 0; ir < mc; ir += mr {
		panel := dst[ir*kc : (ir+mr)*kc]
		rows := min(mr, mc-ir)
		if rows < mr {
			clear(panel)
		}
		kern.transpose(panel, mr, a.data[(i0+ir)*a.ld+p0:], a.ld, rows, kc)
	}
}

// sgemmPackB packs depths [p0, p0+kc) and columns [j0, j0+nc) of B (role B)
// into dst as ceil(nc/nr) panels of kc×nr values, dst[panel*nr*kc+p*nr+c],
// padding missing columns with zeros.
func sgemmPackB(dst []float32, b sgemmMat, kern *sgemmKernel, p0, kc, j0, nc int) {
	nr := kern.nr
	if !b.trans {
		kern.copyPanels(dst, nr, b.data[p0*b.ld+j0:], b.ld, nc, kc)
		return
	}
	for jr := 0; jr < nc; jr += nr {
		panel := dst[jr*kc : (jr+nr)*kc]
		cols := min(nr, nc-jr)
		if cols < nr {
			clear(panel)
		}
		kern.transpose(panel, nr, b.data[(j0+jr)*b.ld+p0:], b.ld, cols, kc)
	}
}

// copyPanels is sgemmPackCopy, or the kernel's faster version if it has one.
func (k *sgemmKernel) copyPanels(dst []float32, w int, src []float32, ld, width, kc int) {
	if k.packCopy != nil {
		k.packCopy(dst, w, src, ld, width, kc)
	} else {
		sgemmPackCopy(dst, w, src, ld, width, kc)
	}
}

// sgemmPackCopy packs kc rows of width columns of src (row stride ld) into
// ceil(width/w) panels of kc×w values, dst[panel*kc*w+p*w+q] =
// src[p*ld+panel*w+q], padding the last panel with zeros.
func sgemmPackCopy(dst []float32, w int, src []float32, ld, width, kc int) {
	for q0 := 0; q0 < width; q0 += w {
		panel := dst[q0*kc : (q0+w)*kc]
		cols := min(w, width-q0)
		if cols < w {
			clear(panel)
		}
		sgemmCopyRows(panel, w, src[q0:], ld, cols, kc)
	}
}

// sgemmCopyRows copies kc rows of width values from src (row stride ld) to
// dst (row stride stride): dst[p*stride+q] = src[p*ld+q]. Full rows of the
// kernels' widths are copied as arrays, which compiles to inline vector
// moves instead of a memmove call per row.
func sgemmCopyRows(dst []float32, stride int, src []float32, ld, width, kc int) {
	switch {
	case width == 32 && stride == 32:
		for p := 0; p < kc; p++ {
			*(*[32]float32)(dst[p*32:]) = [32]float32(src[p*ld : p*ld+32])
		}
	case width == 16 && stride == 16:
		for p := 0; p < kc; p++ {
			*(*[16]float32)(dst[p*16:]) = [16]float32(src[p*ld : p*ld+16])
		}
	case width == 8 && stride == 8:
		for p := 0; p < kc; p++ {
			*(*[8]float32)(dst[p*8:]) = [8]float32(src[p*ld : p*ld+8])
		}
	default:
		for p := 0; p < kc; p++ {
			copy(dst[p*stride:p*stride+width], src[p*ld:p*ld+width])
		}
	}
}

// transpose is sgemmPackT, or the kernel's faster version when it has one.
func (k *sgemmKernel) transpose(dst []float32, stride int, src []float32, ld, rows, kc int) {
	if k.packT != nil {
		k.packT(dst, stride, src, ld, rows, kc)
	} else {
		sgemmPackT(dst, stride, src, ld, rows, kc)
	}
}

// sgemmPackT transposes a rows×kc block of src (row stride ld) into dst:
// dst[p*stride+r] = src[r*ld+p]. It walks eight source rows at once so each
// k step writes eight adjacent values.
func sgemmPackT(dst []float32, stride int, src []float32, ld, rows, kc int) {
	r := 0
	for ; r+8 <= rows; r += 8 {
		s0 := src[(r+0)*ld : (r+0)*ld+kc]
		s1 := src[(r+1)*ld : (r+1)*ld+kc]
		s2 := src[(r+2)*ld : (r+2)*ld+kc]
		s3 := src[(r+3)*ld : (r+3)*ld+kc]
		s4 := src[(r+4)*ld : (r+4)*ld+kc]
		s5 := src[(r+5)*ld : (r+5)*ld+kc]
		s6 := src[(r+6)*ld : (r+6)*ld+kc]
		s7 := src[(r+7)*ld : (r+7)*ld+kc]
		for p := range s0 {
			d := dst[p*stride+r : p*stride+r+8 : p*stride+r+8]
			d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
			d[4], d[5], d[6], d[7] = s4[p], s5[p], s6[p], s7[p]
		}
	}
	for ; r < rows; r++ {
		s := src[r*ld : r*ld+kc]
		for p, v := range s {
			dst[p*stride+r] = v
		}
	}
}

// sgemmScale sets C = beta*C, writing zeros when beta is 0.
func sgemmScale(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for q := range row {
			row[q] *= beta
		}
	}
}

// sgemmCheck panics when the sizes, strides or slice lengths are
// inconsistent.
func sgemmCheck(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("BUG: tensor.Sgemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	check := func(name string, data []float32, ld, rows, cols int) {
		if ld < max(cols, 1) {
			panic(fmt.Sprintf("BUG: tensor.Sgemm: ld%s=%d < %d", name, ld, max(cols, 1)))
		}
		if rows > 0 && cols > 0 && len(data) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("BUG: tensor.Sgemm: len(%s)=%d < %d for %d×%d with stride %d", name, len(data), (rows-1)*ld+cols, rows, cols, ld))
		}
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	check("a", a, lda, ar, ac)
	check("b", b, ldb, br, bc)
	check("c", c, ldc, m, n)
}
