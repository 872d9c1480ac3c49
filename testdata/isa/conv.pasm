# 3x3 convolution, 2 -> 2 channels, 6x6 input, stride 1, no padding, as a loop over the 4x4 output
# pixels (dbnz counters, address arithmetic). Layout NHWC. Column k of a patch = (ky*3 + kx)*2 + c,
# so a patch is 3 contiguous runs of kw*C = 6 words (one pld each, row stride W*C = 12 words).
# Weights: 3-bit two's complement (M=3), filter f planes m in rows 8+3f+m of sub-array 0;
# inputs 4-bit unsigned (N=4) in rows 0..3. One accumulator: the filters are done one after the other.
# weights w[f][c][ky][kx] = 0 3 -3 -4 0 3 0 2 1 -4 3 1 -2 -3 3 -4 -1 0 -2 -1 2 2 3 -3 -2 3 2 0 -2 2 0 2 1 2 -1 -2
# expect-input x = 10 4 12 1 2 3 11 1 6 1 2 13 13 2 7 2 13 1 3 7 1 12 1 7 1 4 9 13 4 3 9 5 3 6 11 3 2 1 6 15 13 10 14 14 11 9 7 5 7 2 9 15 10 14 9 2 3 13 5 10 4 15 13 1 2 10 10 11 15 14 2 2
# expect-output y = -7 11 -64 70 -25 69 -23 48 -43 44 -27 52 10 51 -43 22 60 -6 -98 85 -64 76 -108 30 -8 105 -94 32 -22 64 -72 48
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="conv1" node="Conv_0" value="y"
.input "x" addr=0 shape=1x6x6x2 type=u4 scale=1 zp=0
.output "y" addr=100 shape=1x4x4x2 type=i32 scale=1 zp=0
.weights sa=0 row=8 src=0 hex=3c8e010000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=9 src=0 hex=8ccc000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=10 src=0 hex=d2a2000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=11 src=0 hex=04cd000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=12 src=0 hex=7df3030000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=13 src=0 hex=0d94020000000000000000000000000000000000000000000000000000000000
    pzero p0                                 # @0
    setvl [r0+2]                             # @0 two output channels
    li r4, 100                               # @0 r4 = output address
    li r3, 0                                 # @0 r3 = input address of row oy
    li r1, 4                                 # @0 r1 = rows left
oy_loop:
    li r2, 4                                 # @0 r2 = columns left
    addi r5, r3, 0                           # @0 r5 = patch address
ox_loop:
    pld p0, 0, [r5+0], 6                    # @0 patch run ky=0
    pld p0, 6, [r5+12], 6                    # @0 patch run ky=1
    pld p0, 12, [r5+24], 6                    # @0 patch run ky=2
    wrp [r0+0], [r0+0], p0, 0               # @0 input plane 0
    wrp [r0+0], [r0+1], p0, 1               # @0 input plane 1
    wrp [r0+0], [r0+2], p0, 2               # @0 input plane 2
    wrp [r0+0], [r0+3], p0, 3               # @0 input plane 3
    vbcast v0, r0                            # @0
    bmac [r0+0], 0, [r0+8], a0, 0, pos     # @0 f=0 m=0 n=0
    bmac [r0+0], 1, [r0+8], a0, 1, pos     # @0 f=0 m=0 n=1
    bmac [r0+0], 2, [r0+8], a0, 2, pos     # @0 f=0 m=0 n=2
    bmac [r0+0], 3, [r0+8], a0, 3, pos     # @0 f=0 m=0 n=3
    bmac [r0+0], 0, [r0+9], a0, 1, pos     # @0 f=0 m=1 n=0
    bmac [r0+0], 1, [r0+9], a0, 2, pos     # @0 f=0 m=1 n=1
    bmac [r0+0], 2, [r0+9], a0, 3, pos     # @0 f=0 m=1 n=2
    bmac [r0+0], 3, [r0+9], a0, 4, pos     # @0 f=0 m=1 n=3
    bmac [r0+0], 0, [r0+10], a0, 2, neg     # @0 f=0 m=2 n=0
    bmac [r0+0], 1, [r0+10], a0, 3, neg     # @0 f=0 m=2 n=1
    bmac [r0+0], 2, [r0+10], a0, 4, neg     # @0 f=0 m=2 n=2
    bmac [r0+0], 3, [r0+10], a0, 5, neg     # @0 f=0 m=2 n=3
    vacc v0, [r0+0], [r0+0], a0, 1           # @0 channel 0, clear a0
    bmac [r0+0], 0, [r0+11], a0, 0, pos     # @0 f=1 m=0 n=0
    bmac [r0+0], 1, [r0+11], a0, 1, pos     # @0 f=1 m=0 n=1
    bmac [r0+0], 2, [r0+11], a0, 2, pos     # @0 f=1 m=0 n=2
    bmac [r0+0], 3, [r0+11], a0, 3, pos     # @0 f=1 m=0 n=3
    bmac [r0+0], 0, [r0+12], a0, 1, pos     # @0 f=1 m=1 n=0
    bmac [r0+0], 1, [r0+12], a0, 2, pos     # @0 f=1 m=1 n=1
    bmac [r0+0], 2, [r0+12], a0, 3, pos     # @0 f=1 m=1 n=2
    bmac [r0+0], 3, [r0+12], a0, 4, pos     # @0 f=1 m=1 n=3
    bmac [r0+0], 0, [r0+13], a0, 2, neg     # @0 f=1 m=2 n=0
    bmac [r0+0], 1, [r0+13], a0, 3, neg     # @0 f=1 m=2 n=1
    bmac [r0+0], 2, [r0+13], a0, 4, neg     # @0 f=1 m=2 n=2
    bmac [r0+0], 3, [r0+13], a0, 5, neg     # @0 f=1 m=2 n=3
    vacc v0, [r0+1], [r0+0], a0, 1           # @0 channel 1, clear a0
    vst v0, [r4+0], 1                        # @0
    addi r4, r4, 2                           # @0
    addi r5, r5, 2                           # @0 next pixel: +C words
    dbnz r2, ox_loop                         # @0
    addi r3, r3, 12                          # @0 next row: +W*C words
    dbnz r1, oy_loop                         # @0
    halt
