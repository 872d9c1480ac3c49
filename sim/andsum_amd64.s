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
