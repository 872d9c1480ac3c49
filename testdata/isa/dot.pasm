# 16-element dot product y = w . x on one sub-array (docs/ISA.md §8).
# w: 4-bit two's complement weights, planes m=0..3 in rows 4..7 (weight image);
# x: 4-bit unsigned activations at ABUF 0, written as planes n=0..3 into rows 0..3.
# y = sum_m sum_n (+/-) 2^(m+n) popcount(row(n) AND row(4+m)); plane m=3 has weight -8.
# w = 1 -2 3 0 5 -8 7 -1 2 2 -3 4 0 6 -7 1
# expect-input x = 3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3
# expect-output y = -11
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="fc" node="Gemm_0" value="y"
.input "x" addr=0 shape=1x16 type=u4 scale=1 zp=0
.output "y" addr=64 shape=1x1 type=i32 scale=1 zp=0
.weights sa=0 row=4 src=0 hex=d5c4000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=5 src=0 hex=c623000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=6 src=0 hex=d22c000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=7 src=0 hex=a244000000000000000000000000000000000000000000000000000000000000
    pzero p0                                 # @0
    pld p0, 0, [r0+0], 16                    # @0 gather x
    wrp [r0+0], [r0+0], p0, 0               # @0 input plane n=0 -> row 0
    wrp [r0+0], [r0+1], p0, 1               # @0 input plane n=1 -> row 1
    wrp [r0+0], [r0+2], p0, 2               # @0 input plane n=2 -> row 2
    wrp [r0+0], [r0+3], p0, 3               # @0 input plane n=3 -> row 3
    accclr [r0+0], a0                        # @0
    bmac [r0+0], 0, [r0+4], a0, 0, pos      # @0 m=0 n=0
    bmac [r0+0], 1, [r0+4], a0, 1, pos      # @0 m=0 n=1
    bmac [r0+0], 2, [r0+4], a0, 2, pos      # @0 m=0 n=2
    bmac [r0+0], 3, [r0+4], a0, 3, pos      # @0 m=0 n=3
    bmac [r0+0], 0, [r0+5], a0, 1, pos      # @0 m=1 n=0
    bmac [r0+0], 1, [r0+5], a0, 2, pos      # @0 m=1 n=1
    bmac [r0+0], 2, [r0+5], a0, 3, pos      # @0 m=1 n=2
    bmac [r0+0], 3, [r0+5], a0, 4, pos      # @0 m=1 n=3
    bmac [r0+0], 0, [r0+6], a0, 2, pos      # @0 m=2 n=0
    bmac [r0+0], 1, [r0+6], a0, 3, pos      # @0 m=2 n=1
    bmac [r0+0], 2, [r0+6], a0, 4, pos      # @0 m=2 n=2
    bmac [r0+0], 3, [r0+6], a0, 5, pos      # @0 m=2 n=3
    bmac [r0+0], 0, [r0+7], a0, 3, neg      # @0 m=3 n=0
    bmac [r0+0], 1, [r0+7], a0, 4, neg      # @0 m=3 n=1
    bmac [r0+0], 2, [r0+7], a0, 5, neg      # @0 m=3 n=2
    bmac [r0+0], 3, [r0+7], a0, 6, neg      # @0 m=3 n=3
    setvl [r0+1]                             # @0
    vbcast v0, r0                            # @0
    vacc v0, [r0+0], [r0+0], a0, 1           # @0 v0[0] = dot product
    vst v0, [r0+64], 1                       # @0 y
    halt
