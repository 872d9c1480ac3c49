package sim

import "unsafe"

//go:noescape
func andSumsAVX512(a, b *uint64, ops *gbOp, n int) (pos, neg int64)

func andSumsCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func andSumsXGETBV() (eax uint32)

// avx512Leaf7 returns CPUID leaf 7's EBX and ECX (the AVX-512 feature
// bits), ok only when the CPU has leaf 7 and the OS saves the AVX-512
// state. Bits: Intel SDM vol. 2A, CPUID leaf 1 (ECX 27 OSXSAVE); vol. 1
// §13.3 for XCR0 (1, 2: SSE and AVX state; 5-7: opmask and ZMM state).
func avx512Leaf7() (ebx7, ecx7 uint32, ok bool) {
	if max, _, _, _ := andSumsCPUID(0, 0); max < 7 {
		return 0, 0, false
	}
	if _, _, ecx1, _ := andSumsCPUID(1, 0); ecx1&(1<<27) == 0 {
		return 0, 0, false
	}
	const state = 1<<1 | 1<<2 | 1<<5 | 1<<6 | 1<<7
	if andSumsXGETBV()&state != state {
		return 0, 0, false
	}
	_, ebx7, ecx7, _ = andSumsCPUID(7, 0)
	return ebx7, ecx7, true
}

// hasAndSums: the CPU has AVX-512 F, VL and VPOPCNTDQ and the OS saves
// their state (avx512Leaf7; leaf 7 EBX 16 AVX512F, EBX 31 AVX512VL, ECX 14
// AVX512_VPOPCNTDQ). The kernel reads 16-byte gbOps.
var hasAndSums = func() bool {
	ebx7, ecx7, ok := avx512Leaf7()
	return ok && unsafe.Sizeof(gbOp{}) == 16 && ebx7&(1<<16) != 0 && ebx7&(1<<31) != 0 && ecx7&(1<<14) != 0
}()

// andSums4 returns the sums of popcount(a[oa:oa+4] AND b[ob:ob+4]) <<
// shift over the ops of ops with neg 0 (pos) and the others (neg): a
// uniform gbmac run's additions before saturation (andsum.go). The caller
// has checked rowsFit4(ops, len(a), len(b)).
func andSums4(a, b []uint64, ops []gbOp) (pos, neg int64) {
	if !hasAndSums || len(ops) == 0 {
		return andSums4Go(a, b, ops)
	}
	return andSumsAVX512(&a[0], &b[0], &ops[0], len(ops))
}

//go:noescape
func andSumsLanes4AVX512(a *[4]*uint64, b *uint64, ops *gbOp, n int, out *[8]int64)

// andSumsLanes4 is andSums4 for four lanes' rows a[l] against one shared
// b: out[l] and out[4+l] are lane l's pos and neg. The caller has checked
// rowsFit4 for every a[l] and b.
func andSumsLanes4(a *[4][]uint64, b []uint64, ops []gbOp, out *[8]int64) {
	if !hasAndSums || len(ops) == 0 {
		andSumsLanes4Go(a, b, ops, out)
		return
	}
	p := [4]*uint64{&a[0][0], &a[1][0], &a[2][0], &a[3][0]}
	andSumsLanes4AVX512(&p, &b[0], &ops[0], len(ops), out)
}
