#include "textflag.h"

// func sgemmCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·sgemmCPUID(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func sgemmXGETBV() (eax, edx uint32)
TEXT ·sgemmXGETBV(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// The micro-kernels below compute one MR×NR tile of C from packed panels:
// a holds kc groups of MR values (one column of op(A) per k), b holds kc
// groups of NR values (one row of op(B) per k). Each element of C is the sum
// over k in increasing order of fused multiply-adds, then
//	C = alpha*acc            if load == 0 (C is not read: beta == 0 ignores NaN)
//	C = alpha*acc + beta*C   otherwise, computed as fma(alpha, acc, beta*C).
// ldc is in elements. kc >= 1.

// AVX-512: 8 rows × 32 columns (two ZMM per row), 16 accumulators Z16–Z31,
// B in Z0/Z1 (Z10/Z11 for the odd step of the 2× unrolled loop), A
// broadcasts in Z2–Z9.

#define ROW512(off, bc, acc0, acc1, b0, b1) \
	VBROADCASTSS (off)(AX), bc; \
	VFMADD231PS  b0, bc, acc0; \
	VFMADD231PS  b1, bc, acc1

#define STEP512(aoff, boff, b0, b1) \
	VMOVUPS (boff)(BX), b0; \
	VMOVUPS (boff+64)(BX), b1; \
	ROW512(aoff+0, Z2, Z16, Z17, b0, b1); \
	ROW512(aoff+4, Z3, Z18, Z19, b0, b1); \
	ROW512(aoff+8, Z4, Z20, Z21, b0, b1); \
	ROW512(aoff+12, Z5, Z22, Z23, b0, b1); \
	ROW512(aoff+16, Z6, Z24, Z25, b0, b1); \
	ROW512(aoff+20, Z7, Z26, Z27, b0, b1); \
	ROW512(aoff+24, Z8, Z28, Z29, b0, b1); \
	ROW512(aoff+28, Z9, Z30, Z31, b0, b1)

#define STORE512(acc0, acc1) \
	VMULPS  acc0, Z0, Z2; \
	VMULPS  acc1, Z0, Z3; \
	VMOVUPS Z2, (DI); \
	VMOVUPS Z3, 64(DI); \
	ADDQ    SI, DI

#define UPDATE512(acc0, acc1) \
	VMULPS      (DI), Z1, Z2; \
	VMULPS      64(DI), Z1, Z3; \
	VFMADD231PS acc0, Z0, Z2; \
	VFMADD231PS acc1, Z0, Z3; \
	VMOVUPS     Z2, (DI); \
	VMOVUPS     Z3, 64(DI); \
	ADDQ        SI, DI

// Edge tiles (rows < MR or a column mask other than all ones): row by row
// while R14 (rows left) is not zero, lanes masked by K1 (columns 0–15) and
// K2 (16–31). Masked-out lanes of C are neither read nor written.
#define STOREM512(acc0, acc1, done) \
	TESTQ   R14, R14; \
	JZ      done; \
	VMULPS  acc0, Z0, Z2; \
	VMULPS  acc1, Z0, Z3; \
	VMOVUPS Z2, K1, (DI); \
	VMOVUPS Z3, K2, 64(DI); \
	ADDQ    SI, DI; \
	DECQ    R14

#define UPDATEM512(acc0, acc1, done) \
	TESTQ       R14, R14; \
	JZ          done; \
	VMOVUPS.Z   (DI), K1, Z2; \
	VMOVUPS.Z   64(DI), K2, Z3; \
	VMULPS      Z2, Z1, Z2; \
	VMULPS      Z3, Z1, Z3; \
	VFMADD231PS acc0, Z0, Z2; \
	VFMADD231PS acc1, Z0, Z3; \
	VMOVUPS     Z2, K1, (DI); \
	VMOVUPS     Z3, K2, 64(DI); \
	ADDQ        SI, DI; \
	DECQ        R14

// func sgemmKernel8x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, load, rows int, mask uint32)
TEXT ·sgemmKernel8x32AVX512(SB), NOSPLIT, $0-68
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), SI
	SHLQ $2, SI

	// Warm the C tile while the products are computed.
	MOVQ       DI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	ADDQ       SI, DX
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)

	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

	MOVQ CX, DX
	SHRQ $1, DX
	JZ   k512tail

k512loop:
	STEP512(0, 0, Z0, Z1)
	STEP512(32, 128, Z10, Z11)
	ADDQ $64, AX
	ADDQ $256, BX
	DECQ DX
	JNZ  k512loop

k512tail:
	ANDQ $1, CX
	JZ   k512done
	STEP512(0, 0, Z0, Z1)

k512done:
	VBROADCASTSS alpha+40(FP), Z0
	VBROADCASTSS beta+44(FP), Z1
	MOVQ         rows+56(FP), R14
	MOVL         mask+64(FP), DX
	CMPQ         R14, $8
	JNE          k512edge
	CMPL         DX, $-1
	JNE          k512edge
	MOVQ         load+48(FP), DX
	TESTQ        DX, DX
	JNZ          k512update
	STORE512(Z16, Z17)
	STORE512(Z18, Z19)
	STORE512(Z20, Z21)
	STORE512(Z22, Z23)
	STORE512(Z24, Z25)
	STORE512(Z26, Z27)
	STORE512(Z28, Z29)
	STORE512(Z30, Z31)
	VZEROUPPER
	RET

k512update:
	UPDATE512(Z16, Z17)
	UPDATE512(Z18, Z19)
	UPDATE512(Z20, Z21)
	UPDATE512(Z22, Z23)
	UPDATE512(Z24, Z25)
	UPDATE512(Z26, Z27)
	UPDATE512(Z28, Z29)
	UPDATE512(Z30, Z31)
	VZEROUPPER
	RET

k512edge:
	KMOVW DX, K1
	SHRL  $16, DX
	KMOVW DX, K2
	MOVQ  load+48(FP), DX
	TESTQ DX, DX
	JNZ   k512edgeupdate
	STOREM512(Z16, Z17, k512ret)
	STOREM512(Z18, Z19, k512ret)
	STOREM512(Z20, Z21, k512ret)
	STOREM512(Z22, Z23, k512ret)
	STOREM512(Z24, Z25, k512ret)
	STOREM512(Z26, Z27, k512ret)
	STOREM512(Z28, Z29, k512ret)
	STOREM512(Z30, Z31, k512ret)
	JMP k512ret

k512edgeupdate:
	UPDATEM512(Z16, Z17, k512ret)
	UPDATEM512(Z18, Z19, k512ret)
	UPDATEM512(Z20, Z21, k512ret)
	UPDATEM512(Z22, Z23, k512ret)
	UPDATEM512(Z24, Z25, k512ret)
	UPDATEM512(Z26, Z27, k512ret)
	UPDATEM512(Z28, Z29, k512ret)
	UPDATEM512(Z30, Z31, k512ret)

k512ret:
	VZEROUPPER
	RET


// sgemmKernel8x32AVX512Direct is sgemmKernel8x32AVX512 reading A where it
// lies, unpacked: row r of the 8-row panel starts at a + r*lda (lda in
// elements), and step p reads column p of each row. The products and their
// order are the same as with packed A.

#define ROWD(mem, bc, acc0, acc1, b0, b1) \
	VBROADCASTSS mem, bc; \
	VFMADD231PS  b0, bc, acc0; \
	VFMADD231PS  b1, bc, acc1

#define STEPD(aoff, boff, b0, b1) \
	VMOVUPS (boff)(BX), b0; \
	VMOVUPS (boff+64)(BX), b1; \
	ROWD((aoff)(AX), Z2, Z16, Z17, b0, b1); \
	ROWD((aoff)(AX)(R8*1), Z3, Z18, Z19, b0, b1); \
	ROWD((aoff)(AX)(R8*2), Z4, Z20, Z21, b0, b1); \
	ROWD((aoff)(AX)(R9*1), Z5, Z22, Z23, b0, b1); \
	ROWD((aoff)(AX)(R8*4), Z6, Z24, Z25, b0, b1); \
	ROWD((aoff)(AX)(R10*1), Z7, Z26, Z27, b0, b1); \
	ROWD((aoff)(AX)(R9*2), Z8, Z28, Z29, b0, b1); \
	ROWD((aoff)(AX)(R11*1), Z9, Z30, Z31, b0, b1)

// func sgemmKernel8x32AVX512Direct(kc int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32, load, rows int, mask uint32)
TEXT ·sgemmKernel8x32AVX512Direct(SB), NOSPLIT, $0-76
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R10
	LEAQ (R9)(R8*4), R11
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), SI
	SHLQ $2, SI

	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

	MOVQ CX, DX
	SHRQ $1, DX
	JZ   kdtail

kdloop:
	STEPD(0, 0, Z0, Z1)
	STEPD(4, 128, Z10, Z11)
	ADDQ $8, AX
	ADDQ $256, BX
	DECQ DX
	JNZ  kdloop

kdtail:
	ANDQ $1, CX
	JZ   kddone
	STEPD(0, 0, Z0, Z1)

kddone:
	VBROADCASTSS alpha+48(FP), Z0
	VBROADCASTSS beta+52(FP), Z1
	MOVQ         rows+64(FP), R14
	MOVL         mask+72(FP), DX
	CMPQ         R14, $8
	JNE          kdedge
	CMPL         DX, $-1
	JNE          kdedge
	MOVQ         load+56(FP), DX
	TESTQ        DX, DX
	JNZ          kdupdate
	STORE512(Z16, Z17)
	STORE512(Z18, Z19)
	STORE512(Z20, Z21)
	STORE512(Z22, Z23)
	STORE512(Z24, Z25)
	STORE512(Z26, Z27)
	STORE512(Z28, Z29)
	STORE512(Z30, Z31)
	VZEROUPPER
	RET

kdupdate:
	UPDATE512(Z16, Z17)
	UPDATE512(Z18, Z19)
	UPDATE512(Z20, Z21)
	UPDATE512(Z22, Z23)
	UPDATE512(Z24, Z25)
	UPDATE512(Z26, Z27)
	UPDATE512(Z28, Z29)
	UPDATE512(Z30, Z31)
	VZEROUPPER
	RET

kdedge:
	KMOVW DX, K1
	SHRL  $16, DX
	KMOVW DX, K2
	MOVQ  load+56(FP), DX
	TESTQ DX, DX
	JNZ   kdedgeupdate
	STOREM512(Z16, Z17, kdret)
	STOREM512(Z18, Z19, kdret)
	STOREM512(Z20, Z21, kdret)
	STOREM512(Z22, Z23, kdret)
	STOREM512(Z24, Z25, kdret)
	STOREM512(Z26, Z27, kdret)
	STOREM512(Z28, Z29, kdret)
	STOREM512(Z30, Z31, kdret)
	JMP kdret

kdedgeupdate:
	UPDATEM512(Z16, Z17, kdret)
	UPDATEM512(Z18, Z19, kdret)
	UPDATEM512(Z20, Z21, kdret)
	UPDATEM512(Z22, Z23, kdret)
	UPDATEM512(Z24, Z25, kdret)
	UPDATEM512(Z26, Z27, kdret)
	UPDATEM512(Z28, Z29, kdret)
	UPDATEM512(Z30, Z31, kdret)

kdret:
	VZEROUPPER
	RET


// AVX-512: 16 rows × 16 columns (one ZMM per row), for narrow C (n <= 16,
// such as a convolution's last layers with 4×4 output pixels). A is read
// with element (r, p) at a + r*rs + p*cs (rs, cs in elements): rs = lda,
// cs = 1 reads a row-major matrix in place; rs = 1, cs = 16 reads a packed
// panel. Accumulators Z16–Z31, B in Z0, broadcasts in Z2–Z9.

#define STEP16(b0) \
	VMOVUPS (BX), b0; \
	VBROADCASTSS (AX), Z2; \
	VFMADD231PS  b0, Z2, Z16; \
	VBROADCASTSS (AX)(R8*1), Z3; \
	VFMADD231PS  b0, Z3, Z17; \
	VBROADCASTSS (AX)(R8*2), Z4; \
	VFMADD231PS  b0, Z4, Z18; \
	VBROADCASTSS (AX)(R9*1), Z5; \
	VFMADD231PS  b0, Z5, Z19; \
	VBROADCASTSS (AX)(R8*4), Z6; \
	VFMADD231PS  b0, Z6, Z20; \
	VBROADCASTSS (AX)(R10*1), Z7; \
	VFMADD231PS  b0, Z7, Z21; \
	VBROADCASTSS (AX)(R9*2), Z8; \
	VFMADD231PS  b0, Z8, Z22; \
	VBROADCASTSS (AX)(R11*1), Z9; \
	VFMADD231PS  b0, Z9, Z23; \
	VBROADCASTSS (R12), Z2; \
	VFMADD231PS  b0, Z2, Z24; \
	VBROADCASTSS (R12)(R8*1), Z3; \
	VFMADD231PS  b0, Z3, Z25; \
	VBROADCASTSS (R12)(R8*2), Z4; \
	VFMADD231PS  b0, Z4, Z26; \
	VBROADCASTSS (R12)(R9*1), Z5; \
	VFMADD231PS  b0, Z5, Z27; \
	VBROADCASTSS (R12)(R8*4), Z6; \
	VFMADD231PS  b0, Z6, Z28; \
	VBROADCASTSS (R12)(R10*1), Z7; \
	VFMADD231PS  b0, Z7, Z29; \
	VBROADCASTSS (R12)(R9*2), Z8; \
	VFMADD231PS  b0, Z8, Z30; \
	VBROADCASTSS (R12)(R11*1), Z9; \
	VFMADD231PS  b0, Z9, Z31; \
	ADDQ         R13, AX; \
	ADDQ         R13, R12; \
	ADDQ         $64, BX

#define STORE16(acc) \
	VMULPS  acc, Z0, Z2; \
	VMOVUPS Z2, (DI); \
	ADDQ    SI, DI

#define UPDATE16(acc) \
	VMULPS      (DI), Z1, Z2; \
	VFMADD231PS acc, Z0, Z2; \
	VMOVUPS     Z2, (DI); \
	ADDQ        SI, DI

#define STOREM16(acc, done) \
	TESTQ   R14, R14; \
	JZ      done; \
	VMULPS  acc, Z0, Z2; \
	VMOVUPS Z2, K1, (DI); \
	ADDQ    SI, DI; \
	DECQ    R14

#define UPDATEM16(acc, done) \
	TESTQ       R14, R14; \
	JZ          done; \
	VMOVUPS.Z   (DI), K1, Z2; \
	VMULPS      Z2, Z1, Z2; \
	VFMADD231PS acc, Z0, Z2; \
	VMOVUPS     Z2, K1, (DI); \
	ADDQ        SI, DI; \
	DECQ        R14

// func sgemmKernel16x16AVX512(kc int, a *float32, rs, cs int, b, c *float32, ldc int, alpha, beta float32, load, rows int, mask uint32)
TEXT ·sgemmKernel16x16AVX512(SB), NOSPLIT, $0-84
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R10
	LEAQ (R9)(R8*4), R11
	LEAQ (AX)(R8*8), R12
	MOVQ cs+24(FP), R13
	SHLQ $2, R13
	MOVQ b+32(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), SI
	SHLQ $2, SI

	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

	MOVQ CX, DX
	SHRQ $1, DX
	JZ   k16tail

k16loop:
	STEP16(Z0)
	STEP16(Z1)
	DECQ DX
	JNZ  k16loop

k16tail:
	ANDQ $1, CX
	JZ   k16done
	STEP16(Z0)

k16done:
	VBROADCASTSS alpha+56(FP), Z0
	VBROADCASTSS beta+60(FP), Z1
	MOVQ         rows+72(FP), R14
	MOVL         mask+80(FP), DX
	CMPQ         R14, $16
	JNE          k16edge
	CMPL         DX, $0xffff
	JNE          k16edge
	MOVQ         load+64(FP), DX
	TESTQ        DX, DX
	JNZ          k16update
	STORE16(Z16)
	STORE16(Z17)
	STORE16(Z18)
	STORE16(Z19)
	STORE16(Z20)
	STORE16(Z21)
	STORE16(Z22)
	STORE16(Z23)
	STORE16(Z24)
	STORE16(Z25)
	STORE16(Z26)
	STORE16(Z27)
	STORE16(Z28)
	STORE16(Z29)
	STORE16(Z30)
	STORE16(Z31)
	VZEROUPPER
	RET

k16update:
	UPDATE16(Z16)
	UPDATE16(Z17)
	UPDATE16(Z18)
	UPDATE16(Z19)
	UPDATE16(Z20)
	UPDATE16(Z21)
	UPDATE16(Z22)
	UPDATE16(Z23)
	UPDATE16(Z24)
	UPDATE16(Z25)
	UPDATE16(Z26)
	UPDATE16(Z27)
	UPDATE16(Z28)
	UPDATE16(Z29)
	UPDATE16(Z30)
	UPDATE16(Z31)
	VZEROUPPER
	RET

k16edge:
	KMOVW DX, K1
	MOVQ  load+64(FP), DX
	TESTQ DX, DX
	JNZ   k16edgeupdate
	STOREM16(Z16, k16ret)
	STOREM16(Z17, k16ret)
	STOREM16(Z18, k16ret)
	STOREM16(Z19, k16ret)
	STOREM16(Z20, k16ret)
	STOREM16(Z21, k16ret)
	STOREM16(Z22, k16ret)
	STOREM16(Z23, k16ret)
	STOREM16(Z24, k16ret)
	STOREM16(Z25, k16ret)
	STOREM16(Z26, k16ret)
	STOREM16(Z27, k16ret)
	STOREM16(Z28, k16ret)
	STOREM16(Z29, k16ret)
	STOREM16(Z30, k16ret)
	STOREM16(Z31, k16ret)
	JMP k16ret

k16edgeupdate:
	UPDATEM16(Z16, k16ret)
	UPDATEM16(Z17, k16ret)
	UPDATEM16(Z18, k16ret)
	UPDATEM16(Z19, k16ret)
	UPDATEM16(Z20, k16ret)
	UPDATEM16(Z21, k16ret)
	UPDATEM16(Z22, k16ret)
	UPDATEM16(Z23, k16ret)
	UPDATEM16(Z24, k16ret)
	UPDATEM16(Z25, k16ret)
	UPDATEM16(Z26, k16ret)
	UPDATEM16(Z27, k16ret)
	UPDATEM16(Z28, k16ret)
	UPDATEM16(Z29, k16ret)
	UPDATEM16(Z30, k16ret)
	UPDATEM16(Z31, k16ret)

k16ret:
	VZEROUPPER
	RET

// AVX2+FMA: 6 rows × 16 columns (two YMM per row), 12 accumulators Y4–Y15,
// B in Y0/Y1, A broadcasts in Y2/Y3. A is addressed like the 16×16 kernel:
// element (r, p) at a + r*rs + p*cs, so one kernel reads packed panels
// (rs = 1, cs = 6) and row-major A in place (rs = lda, cs = 1).

#define ROW256(mem, bc, acc0, acc1) \
	VBROADCASTSS mem, bc; \
	VFMADD231PS  Y0, bc, acc0; \
	VFMADD231PS  Y1, bc, acc1

#define STEP256 \
	VMOVUPS (BX), Y0; \
	VMOVUPS 32(BX), Y1; \
	ROW256((AX), Y2, Y4, Y5); \
	ROW256((AX)(R8*1), Y3, Y6, Y7); \
	ROW256((AX)(R8*2), Y2, Y8, Y9); \
	ROW256((AX)(R9*1), Y3, Y10, Y11); \
	ROW256((AX)(R8*4), Y2, Y12, Y13); \
	ROW256((AX)(R10*1), Y3, Y14, Y15); \
	ADDQ R13, AX; \
	ADDQ $64, BX

#define STORE256(acc0, acc1) \
	VMULPS  acc0, Y0, Y2; \
	VMULPS  acc1, Y0, Y3; \
	VMOVUPS Y2, (DI); \
	VMOVUPS Y3, 32(DI); \
	ADDQ    SI, DI

#define UPDATE256(acc0, acc1) \
	VMULPS      (DI), Y1, Y2; \
	VMULPS      32(DI), Y1, Y3; \
	VFMADD231PS acc0, Y0, Y2; \
	VFMADD231PS acc1, Y0, Y3; \
	VMOVUPS     Y2, (DI); \
	VMOVUPS     Y3, 32(DI); \
	ADDQ        SI, DI

// func sgemmKernel6x16AVX2(kc int, a *float32, rs, cs int, b, c *float32, ldc int, alpha, beta float32, load int)
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-72
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R10
	MOVQ cs+24(FP), R13
	SHLQ $2, R13
	MOVQ b+32(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), SI
	SHLQ $2, SI

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ CX, DX
	SHRQ $1, DX
	JZ   k256tail

k256loop:
	STEP256
	STEP256
	DECQ DX
	JNZ  k256loop

k256tail:
	ANDQ $1, CX
	JZ   k256done
	STEP256

k256done:
	VBROADCASTSS alpha+56(FP), Y0
	MOVQ         load+64(FP), DX
	TESTQ        DX, DX
	JNZ          k256update
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	STORE256(Y12, Y13)
	STORE256(Y14, Y15)
	VZEROUPPER
	RET

k256update:
	VBROADCASTSS beta+60(FP), Y1
	UPDATE256(Y4, Y5)
	UPDATE256(Y6, Y7)
	UPDATE256(Y8, Y9)
	UPDATE256(Y10, Y11)
	UPDATE256(Y12, Y13)
	UPDATE256(Y14, Y15)
	VZEROUPPER
	RET

// func sgemmTranspose8AVX(dst *float32, stride int, src *float32, ld, rowBlocks, colBlocks int)
//
// Transposes rowBlocks×colBlocks blocks of 8×8 values: for r < 8*rowBlocks
// and p < 8*colBlocks, dst[p*stride+r] = src[r*ld+p] (strides in
// elements). Each block is eight YMM loads, the usual unpack/shuffle/
// permute network and eight YMM stores.
TEXT ·sgemmTranspose8AVX(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), BX
	SHLQ $2, BX
	MOVQ rowBlocks+32(FP), R8
	LEAQ (BX)(BX*2), R12           // 3*ld bytes
	LEAQ (DX)(DX*2), R13           // 3*stride bytes
	TESTQ R8, R8
	JZ    trdone

trrows:
	MOVQ colBlocks+40(FP), CX
	MOVQ SI, R9                    // src of this block: rows 8g.., column 8q
	MOVQ DI, R10                   // dst of this block: row 8q, column 8g
	TESTQ CX, CX
	JZ    trnextrow

trcols:
	MOVQ    R9, R11
	VMOVUPS (R11), Y0
	VMOVUPS (R11)(BX*1), Y1
	VMOVUPS (R11)(BX*2), Y2
	VMOVUPS (R11)(R12*1), Y3
	LEAQ    (R11)(BX*4), R11
	VMOVUPS (R11), Y4
	VMOVUPS (R11)(BX*1), Y5
	VMOVUPS (R11)(BX*2), Y6
	VMOVUPS (R11)(R12*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	MOVQ    R10, R11
	VMOVUPS Y8, (R11)
	VMOVUPS Y9, (R11)(DX*1)
	VMOVUPS Y10, (R11)(DX*2)
	VMOVUPS Y11, (R11)(R13*1)
	LEAQ    (R11)(DX*4), R11
	VMOVUPS Y12, (R11)
	VMOVUPS Y13, (R11)(DX*1)
	VMOVUPS Y14, (R11)(DX*2)
	VMOVUPS Y15, (R11)(R13*1)

	ADDQ $32, R9                   // next 8 source columns
	LEAQ (R10)(DX*8), R10          // next 8 destination rows
	DECQ CX
	JNZ  trcols

trnextrow:
	LEAQ (SI)(BX*8), SI            // next 8 source rows
	ADDQ $32, DI                   // next 8 destination columns
	DECQ R8
	JNZ  trrows

trdone:
	VZEROUPPER
	RET

// func sgemmPackCopyAVX512(dst, src *float32, ld, kc, panels, w int, fullMask, lastMask uint32)
//
// Packs kc rows of panels*w columns of src (row stride ld elements) into
// panels of kc×w values: column panel*w+q of row p goes to
// dst[panel*kc*w + p*w + q], w <= 32. Lanes are read under fullMask, or
// lastMask for the last panel, and masked-out lanes are stored as zeros
// (fullMask covers the w lanes of a panel row). It walks src row by row, so
// reads are sequential even when ld is a multiple of the page size.
TEXT ·sgemmPackCopyAVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), BX
	SHLQ $2, BX
	MOVQ kc+24(FP), CX
	MOVQ panels+32(FP), R8
	MOVQ w+40(FP), R9
	SHLQ $2, R9                    // w in bytes: next source panel, next dst row
	MOVQ R9, R10
	IMULQ CX, R10                  // kc*w bytes: next destination panel
	MOVL fullMask+48(FP), AX
	KMOVW AX, K1
	SHRL  $16, AX
	KMOVW AX, K2
	MOVL  lastMask+52(FP), AX
	KMOVW AX, K3
	SHRL  $16, AX
	KMOVW AX, K4
	DECQ  R8                       // full panels before the last one
	TESTQ CX, CX
	JZ    pcdone

pcrow:
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ R8, DX
	TESTQ DX, DX
	JZ   pclast

pcpanel:
	VMOVUPS.Z (R11), K1, Z0
	VMOVUPS.Z 64(R11), K2, Z1
	VMOVUPS   Z0, K1, (R12)
	VMOVUPS   Z1, K2, 64(R12)
	ADDQ      R9, R11
	ADDQ      R10, R12
	DECQ      DX
	JNZ       pcpanel

pclast:
	VMOVUPS.Z (R11), K3, Z0
	VMOVUPS.Z 64(R11), K4, Z1
	VMOVUPS   Z0, K1, (R12)
	VMOVUPS   Z1, K2, 64(R12)

	ADDQ BX, SI
	ADDQ R9, DI
	DECQ CX
	JNZ  pcrow

pcdone:
	VZEROUPPER
	RET
