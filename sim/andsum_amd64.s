#include "textflag.h"

// func andSumsAVX512(a, b *uint64, ops *gbOp, n int) (pos, neg int64)
// For i < n, with oa, ob the int32 fields at offsets 0 and 4 of the
// 16-byte ops[i], shift its byte at 12 and neg its byte at 13: c_i =
// popcount(a[oa:oa+4] AND b[ob:ob+4]) << shift; pos sums the c_i of the
// ops with neg 0, neg those of the others. One 256-bit AND and VPOPCNTQ
// per op, the four lane sums kept apart until the end. The caller has
// checked the CPU (hasAndSums) and every range (andsum.go).
TEXT ·andSumsAVX512(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ ops+16(FP), R8
	MOVQ n+24(FP), CX
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	TESTQ CX, CX
	JLE done
loop:
	MOVLQSX 0(R8), AX
	MOVLQSX 4(R8), BX
	MOVBQZX 12(R8), DX
	VMOVDQU (SI)(AX*8), Y0
	VPANDQ (DI)(BX*8), Y0, Y0
	VPOPCNTQ Y0, Y0
	MOVQ DX, X1
	VPSLLQ X1, Y0, Y0
	CMPB 13(R8), $0
	JNE negative
	VPADDQ Y0, Y2, Y2
	ADDQ $16, R8
	DECQ CX
	JNZ loop
	JMP done
negative:
	VPADDQ Y0, Y3, Y3
	ADDQ $16, R8
	DECQ CX
	JNZ loop
done:
	VEXTRACTI128 $1, Y2, X4
	VPADDQ X4, X2, X2
	VPSHUFD $0x4e, X2, X4
	VPADDQ X4, X2, X2
	MOVQ X2, pos+32(FP)
	VEXTRACTI128 $1, Y3, X4
	VPADDQ X4, X3, X3
	VPSHUFD $0x4e, X3, X4
	VPADDQ X4, X3, X3
	MOVQ X3, neg+40(FP)
	VZEROUPPER
	RET

// func andSumsCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·andSumsCPUID(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func andSumsXGETBV() (eax uint32)
TEXT ·andSumsXGETBV(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	RET

// func andSumsLanes4AVX512(a *[4]*uint64, b *uint64, ops *gbOp, n int, out *[8]int64)
// andSumsAVX512 for four lanes at once over one shared b: lane l's rows
// are at a[l]; out[l] and out[4+l] get lane l's pos and neg. b's row is
// loaded once per op for the four lanes.
TEXT ·andSumsLanes4AVX512(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), AX
	MOVQ 0(AX), R9
	MOVQ 8(AX), R10
	MOVQ 16(AX), R11
	MOVQ 24(AX), R12
	MOVQ b+8(FP), DI
	MOVQ ops+16(FP), R8
	MOVQ n+24(FP), CX
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	TESTQ CX, CX
	JLE lanesdone
lanesloop:
	MOVLQSX 0(R8), AX
	MOVLQSX 4(R8), BX
	MOVBQZX 12(R8), DX
	MOVQ DX, X1
	VMOVDQU (DI)(BX*8), Y0
	VPANDQ (R9)(AX*8), Y0, Y10
	VPANDQ (R10)(AX*8), Y0, Y11
	VPANDQ (R11)(AX*8), Y0, Y12
	VPANDQ (R12)(AX*8), Y0, Y13
	VPOPCNTQ Y10, Y10
	VPOPCNTQ Y11, Y11
	VPOPCNTQ Y12, Y12
	VPOPCNTQ Y13, Y13
	VPSLLQ X1, Y10, Y10
	VPSLLQ X1, Y11, Y11
	VPSLLQ X1, Y12, Y12
	VPSLLQ X1, Y13, Y13
	CMPB 13(R8), $0
	JNE lanesneg
	VPADDQ Y10, Y2, Y2
	VPADDQ Y11, Y3, Y3
	VPADDQ Y12, Y4, Y4
	VPADDQ Y13, Y5, Y5
	ADDQ $16, R8
	DECQ CX
	JNZ lanesloop
	JMP lanesdone
lanesneg:
	VPADDQ Y10, Y6, Y6
	VPADDQ Y11, Y7, Y7
	VPADDQ Y12, Y8, Y8
	VPADDQ Y13, Y9, Y9
	ADDQ $16, R8
	DECQ CX
	JNZ lanesloop
lanesdone:
	MOVQ out+32(FP), SI
	VEXTRACTI128 $1, Y2, X10
	VPADDQ X10, X2, X2
	VPSHUFD $0x4e, X2, X10
	VPADDQ X10, X2, X2
	MOVQ X2, 0(SI)
	VEXTRACTI128 $1, Y3, X10
	VPADDQ X10, X3, X3
	VPSHUFD $0x4e, X3, X10
	VPADDQ X10, X3, X3
	MOVQ X3, 8(SI)
	VEXTRACTI128 $1, Y4, X10
	VPADDQ X10, X4, X4
	VPSHUFD $0x4e, X4, X10
	VPADDQ X10, X4, X4
	MOVQ X4, 16(SI)
	VEXTRACTI128 $1, Y5, X10
	VPADDQ X10, X5, X5
	VPSHUFD $0x4e, X5, X10
	VPADDQ X10, X5, X5
	MOVQ X5, 24(SI)
	VEXTRACTI128 $1, Y6, X10
	VPADDQ X10, X6, X6
	VPSHUFD $0x4e, X6, X10
	VPADDQ X10, X6, X6
	MOVQ X6, 32(SI)
	VEXTRACTI128 $1, Y7, X10
	VPADDQ X10, X7, X7
	VPSHUFD $0x4e, X7, X10
	VPADDQ X10, X7, X7
	MOVQ X7, 40(SI)
	VEXTRACTI128 $1, Y8, X10
	VPADDQ X10, X8, X8
	VPSHUFD $0x4e, X8, X10
	VPADDQ X10, X8, X8
	MOVQ X8, 48(SI)
	VEXTRACTI128 $1, Y9, X10
	VPADDQ X10, X9, X9
	VPSHUFD $0x4e, X9, X10
	VPADDQ X10, X9, X9
	MOVQ X9, 56(SI)
	VZEROUPPER
	RET
