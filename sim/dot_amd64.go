package sim

//go:noescape
func dotU8S8AVX512(u, s *byte, n int) int32

// hasDot: the CPU has AVX-512 F and VNNI and the OS saves their state
// (avx512Leaf7; leaf 7 EBX 16 AVX512F, ECX 11 AVX512_VNNI, Intel SDM vol.
// 2A).
var hasDot = func() bool {
	ebx7, ecx7, ok := avx512Leaf7()
	return ok && ebx7&(1<<16) != 0 && ecx7&(1<<11) != 0
}()

// dotU8S8 returns the sum of u[i] * int8(s[i]) over i < len(u) (len(s)
// >= len(u)): one VPDPBUSD per 64 bytes when len(u) is a multiple of 64
// and the sum fits an int32 lane sum (the callers' bytes: len(u) <= 2048,
// so |sum| <= 2048 * 255 * 128).
func dotU8S8(u, s []byte) int64 {
	n := len(u)
	if !hasDot || n == 0 || n%64 != 0 || len(s) < n {
		return dotU8S8Go(u, s)
	}
	return int64(dotU8S8AVX512(&u[0], &s[0], n))
}

//go:noescape
func dot2U8S8AVX512(u, s, t *byte, n int) (a, b int32)

// dot2U8S8 is dotU8S8(u, s) and dotU8S8(u, t) in one pass over u.
func dot2U8S8(u, s, t []byte) (int64, int64) {
	n := len(u)
	if !hasDot || n == 0 || n%64 != 0 || len(s) < n || len(t) < n {
		return dotU8S8Go(u, s), dotU8S8Go(u, t)
	}
	a, b := dot2U8S8AVX512(&u[0], &s[0], &t[0], n)
	return int64(a), int64(b)
}
