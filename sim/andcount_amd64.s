#include "textflag.h"

// func andCountsPOPCNT(a, b *uint64, ops *gbOp, n int, cnt *int32)
// For i < n: cnt[i] = popcount(a[oa_i:oa_i+4] AND b[ob_i:ob_i+4]), oa_i and
// ob_i the int32 fields at offsets 0 and 4 of the 16-byte ops[i]. The
// caller has checked every range (andcount.go).
TEXT ·andCountsPOPCNT(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ ops+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ cnt+32(FP), R9
	TESTQ CX, CX
	JLE done
loop:
	MOVLQSX 0(R8), AX
	MOVLQSX 4(R8), BX
	LEAQ (SI)(AX*8), R10
	LEAQ (DI)(BX*8), R11
	MOVQ 0(R10), DX
	ANDQ 0(R11), DX
	POPCNTQ DX, DX
	MOVQ 8(R10), R12
	ANDQ 8(R11), R12
	POPCNTQ R12, R12
	ADDQ R12, DX
	MOVQ 16(R10), R13
	ANDQ 16(R11), R13
	POPCNTQ R13, R13
	ADDQ R13, DX
	MOVQ 24(R10), R12
	ANDQ 24(R11), R12
	POPCNTQ R12, R12
	ADDQ R12, DX
	MOVL DX, 0(R9)
	ADDQ $16, R8
	ADDQ $4, R9
	DECQ CX
	JNZ loop
done:
	RET

// func popcntCPUID() (ecx uint32)
TEXT ·popcntCPUID(SB), NOSPLIT, $0-4
	MOVL $1, AX
	MOVL $0, CX
	CPUID
	MOVL CX, ecx+0(FP)
	RET
