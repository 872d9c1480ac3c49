#include "textflag.h"

// func dotU8S8AVX512(u, s *byte, n int) int32
// The sum of u[i] (unsigned) * s[i] (signed) over i < n, n a positive
// multiple of 64: VPDPBUSD adds the four products of each dword to that
// dword of Z2; the 16 dwords are added at the end. The caller has checked
// the CPU (hasDot), n and that the sum fits (dot_amd64.go).
TEXT ·dotU8S8AVX512(SB), NOSPLIT, $0-28
	MOVQ u+0(FP), SI
	MOVQ s+8(FP), DI
	MOVQ n+16(FP), CX
	VPXORD Z2, Z2, Z2
loop:
	VMOVDQU64 (SI), Z0
	VPDPBUSD (DI), Z0, Z2
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $64, CX
	JNZ loop
	VEXTRACTI64X4 $1, Z2, Y3
	VPADDD Y3, Y2, Y2
	VEXTRACTI128 $1, Y2, X3
	VPADDD X3, X2, X2
	VPSHUFD $0x4e, X2, X3
	VPADDD X3, X2, X2
	VPSHUFD $0xb1, X2, X3
	VPADDD X3, X2, X2
	MOVL X2, ret+24(FP)
	VZEROUPPER
	RET

// func dot2U8S8AVX512(u, s, t *byte, n int) (a, b int32)
// dotU8S8AVX512 of u with s (a) and with t (b) in one pass over u.
TEXT ·dot2U8S8AVX512(SB), NOSPLIT, $0-40
	MOVQ u+0(FP), SI
	MOVQ s+8(FP), DI
	MOVQ t+16(FP), DX
	MOVQ n+24(FP), CX
	VPXORD Z2, Z2, Z2
	VPXORD Z4, Z4, Z4
loop2:
	VMOVDQU64 (SI), Z0
	VPDPBUSD (DI), Z0, Z2
	VPDPBUSD (DX), Z0, Z4
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $64, CX
	JNZ loop2
	VEXTRACTI64X4 $1, Z2, Y3
	VPADDD Y3, Y2, Y2
	VEXTRACTI128 $1, Y2, X3
	VPADDD X3, X2, X2
	VPSHUFD $0x4e, X2, X3
	VPADDD X3, X2, X2
	VPSHUFD $0xb1, X2, X3
	VPADDD X3, X2, X2
	MOVL X2, a+32(FP)
	VEXTRACTI64X4 $1, Z4, Y5
	VPADDD Y5, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPADDD X5, X4, X4
	VPSHUFD $0x4e, X4, X5
	VPADDD X5, X4, X4
	VPSHUFD $0xb1, X4, X5
	VPADDD X5, X4, X4
	MOVL X4, b+36(FP)
	VZEROUPPER
	RET
