//go:build amd64

package tensor

// The assembly micro-kernels of sgemm_amd64.s and the CPU feature checks
// that decide which one Sgemm uses.

//go:noescape
func sgemmKernel8x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, load, rows int, mask uint32)

//go:noescape
func sgemmKernel8x32AVX512Direct(kc int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32, load, rows int, mask uint32)

//go:noescape
func sgemmKernel16x16AVX512(kc int, a *float32, rs, cs int, b, c *float32, ldc int, alpha, beta float32, load, rows int, mask uint32)

//go:noescape
func sgemmKernel6x16AVX2(kc int, a *float32, rs, cs int, b, c *float32, ldc int, alpha, beta float32, load int)

//go:noescape
func sgemmTranspose8AVX(dst *float32, stride int, src *float32, ld, rowBlocks, colBlocks int)

//go:noescape
func sgemmPackCopyAVX512(dst, src *float32, ld, kc, panels, w int, fullMask, lastMask uint32)

func sgemmCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func sgemmXGETBV() (eax, edx uint32)

// The vector kernels are nil when the CPU (or the OS, which must save the
// wider registers on context switches) lacks the instructions.
var (
	sgemmAVX512Kernel       *sgemmKernel
	sgemmAVX512NarrowKernel *sgemmKernel
	sgemmAVX2Kernel         *sgemmKernel
)

func init() {
	avx2, avx512 := sgemmDetect()
	if avx2 {
		sgemmAVX2Kernel = &sgemmKernel{name: "avx2-6x16", mr: 6, nr: 16, macsPerCycle: 16, direct: true,
			fn: sgemmKernel6x16AVX2Go, packT: sgemmPackTAVX}
		sgemmPlanKernels = []*sgemmKernel{sgemmAVX2Kernel}
		sgemmAllKernels = append(sgemmAllKernels, sgemmAVX2Kernel)
	}
	if avx512 {
		sgemmAVX512Kernel = &sgemmKernel{name: "avx512-8x32", mr: 8, nr: 32, macsPerCycle: 32, direct: true, partial: true,
			fn: sgemmKernel8x32AVX512Go, packCopy: sgemmPackCopyAVX512Go, packT: sgemmPackTAVX}
		sgemmAVX512NarrowKernel = &sgemmKernel{name: "avx512-16x16", mr: 16, nr: 16, macsPerCycle: 28, direct: true, partial: true,
			fn: sgemmKernel16x16AVX512Go, packCopy: sgemmPackCopyAVX512Go, packT: sgemmPackTAVX}
		sgemmPlanKernels = []*sgemmKernel{sgemmAVX512Kernel, sgemmAVX512NarrowKernel}
		sgemmAllKernels = append(sgemmAllKernels, sgemmAVX512Kernel, sgemmAVX512NarrowKernel)
	}
}

// sgemmDetect reports whether AVX2+FMA and AVX-512F are usable. Bit
// positions are from the Intel SDM vol. 2A, CPUID leaves 1 and 7, and
// vol. 1 §13.3 for the XCR0 state components.
func sgemmDetect() (avx2, avx512 bool) {
	maxLeaf, _, _, _ := sgemmCPUID(0, 0)
	if maxLeaf < 7 {
		return false, false
	}
	_, _, ecx1, _ := sgemmCPUID(1, 0)
	const (
		fmaBit     = 1 << 12
		osxsaveBit = 1 << 27
		avxBit     = 1 << 28
	)
	if ecx1&(fmaBit|osxsaveBit|avxBit) != fmaBit|osxsaveBit|avxBit {
		return false, false
	}
	xcr0, _ := sgemmXGETBV()
	const (
		sseAVXState = 1<<1 | 1<<2        // XMM and upper YMM halves
		avx512State = 1<<5 | 1<<6 | 1<<7 // opmask, upper ZMM halves, ZMM16–31
	)
	if xcr0&sseAVXState != sseAVXState {
		return false, false
	}
	_, ebx7, _, _ := sgemmCPUID(7, 0)
	const (
		avx2Bit    = 1 << 5
		avx512FBit = 1 << 16
	)
	avx2 = ebx7&avx2Bit != 0
	avx512 = avx2 && ebx7&avx512FBit != 0 && xcr0&avx512State == avx512State
	return avx2, avx512
}

// The wrappers below adapt the assembly kernels to the sgemmKernel
// contract; the index expressions check the bounds the assembly relies on.
// The AVX-512 kernels store partial tiles with lane masks; the AVX2 kernel
// always gets full tiles (its sgemmKernel has partial false).

func sgemmKernel8x32AVX512Go(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, load bool, rows, cols int) {
	_ = b[kc*32-1]
	_ = c[(rows-1)*ldc+cols-1]
	if lda == 0 {
		_ = a[kc*8-1]
		sgemmKernel8x32AVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, sgemmLoadFlag(load), rows, sgemmLaneMask(cols))
		return
	}
	_ = a[7*lda+kc-1]
	sgemmKernel8x32AVX512Direct(kc, &a[0], lda, &b[0], &c[0], ldc, alpha, beta, sgemmLoadFlag(load), rows, sgemmLaneMask(cols))
}

func sgemmKernel16x16AVX512Go(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, load bool, rows, cols int) {
	_ = b[kc*16-1]
	_ = c[(rows-1)*ldc+cols-1]
	rs, cs := lda, 1
	if lda == 0 {
		_ = a[kc*16-1]
		rs, cs = 1, 16
	} else {
		_ = a[15*lda+kc-1]
	}
	sgemmKernel16x16AVX512(kc, &a[0], rs, cs, &b[0], &c[0], ldc, alpha, beta, sgemmLoadFlag(load), rows, sgemmLaneMask(cols))
}

func sgemmKernel6x16AVX2Go(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, load bool, rows, cols int) {
	if rows != 6 || cols != 16 {
		panic("BUG: sgemmKernel6x16AVX2Go: partial tile")
	}
	_ = b[kc*16-1]
	_ = c[5*ldc+15]
	rs, cs := lda, 1
	if lda == 0 {
		_ = a[kc*6-1]
		rs, cs = 1, 6
	} else {
		_ = a[5*lda+kc-1]
	}
	sgemmKernel6x16AVX2(kc, &a[0], rs, cs, &b[0], &c[0], ldc, alpha, beta, sgemmLoadFlag(load))
}

func sgemmLoadFlag(load bool) int {
	if load {
		return 1
	}
	return 0
}

// sgemmLaneMask has bits 0..cols-1 set.
func sgemmLaneMask(cols int) uint32 {
	if cols >= 32 {
		return ^uint32(0)
	}
	return uint32(1)<<cols - 1
}

// sgemmPackCopyAVX512Go is sgemmPackCopy with masked AVX-512 moves, walking
// the source row by row.
func sgemmPackCopyAVX512Go(dst []float32, w int, src []float32, ld, width, kc int) {
	if kc == 0 || width == 0 {
		return
	}
	if w > 32 {
		panic("BUG: sgemmPackCopyAVX512Go: panel wider than 32")
	}
	panels := (width + w - 1) / w
	_ = dst[panels*kc*w-1]
	_ = src[(kc-1)*ld+width-1]
	sgemmPackCopyAVX512(&dst[0], &src[0], ld, kc, panels, w, sgemmLaneMask(w), sgemmLaneMask(width-(panels-1)*w))
}

// sgemmPackTAVX is sgemmPackT with the 8×8 blocks transposed in YMM
// registers; the rows and depths left over go through sgemmPackT.
func sgemmPackTAVX(dst []float32, stride int, src []float32, ld, rows, kc int) {
	rb, cb := rows/8, kc/8
	if rb > 0 && cb > 0 {
		_ = src[(rb*8-1)*ld+cb*8-1]
		_ = dst[(cb*8-1)*stride+rb*8-1]
		sgemmTranspose8AVX(&dst[0], stride, &src[0], ld, rb, cb)
	}
	if p := cb * 8; p < kc && rb > 0 {
		sgemmPackT(dst[p*stride:], stride, src[p:], ld, rb*8, kc-p)
	}
	if r := rb * 8; r < rows {
		sgemmPackT(dst[r:], stride, src[r*ld:], ld, rows-r, kc)
	}
}
