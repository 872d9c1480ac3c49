# A small residual block, written as loops, that exercises most of the ISA:
#   zero-bordered copy of the 4x4x4 input (bfill, bcopy, address arithmetic), 3x3 conv 4->4 with
#   padding 1 (2-bit signed weights in sub-array 2, rows 4+2f+m; u4 inputs in rows 0..3),
#   requantize to i8 (vrq up), rescale (vrq away) + residual rescale (vrq even), residual add written
#   as two vsub, clip (vclip, vmax, vmin) to u4, 2x2 max pool -> y, global average pool -> gap,
#   weight statistics of filter 0 with rdrow/and/or + popc + shadd -> stats = [sum, nonzero, count(-1)],
#   and a scalar checksum of y with ld/add/min/max/srai/ldc/st -> chk = (min(max(sum y,0),50) >> 1) + 7.
# Layout NHWC; padded buffer at 100 (6x6x4), block output at 300 (4x4x4).
# weights w[f][c][ky][kx] = 1 -1 0 0 -2 -2 -1 1 1 1 1 1 0 -1 0 1 1 1 1 1 1 1 1 -2 0 0 1 -2 1 1 1 1 0 1 -1 1 1 1 -2 1 0 1 0 -2 -1 1 1 -1 1 -2 -2 -2 1 1 1 -2 1 -1 -1 -2 1 -2 1 0 1 1 0 -1 -2 0 1 1 1 1 1 1 -1 1 -1 1 1 -1 1 1 1 0 -2 1 1 -1 -1 1 0 1 1 1 -1 1 -1 1 -2 -2 1 -2 -2 0 1 0 -2 -2 1 1 0 1 0 1 0 -2 1 1 1 1 -1 -1 1 1 -1 1 1 0 1 1 -1 1 1 -2 1 1 -2 -1 1 -1 -2 1
# expect-input x = 3 10 3 7 13 15 14 7 0 2 3 9 3 14 0 15 10 6 12 8 11 11 12 2 10 2 9 9 14 4 9 0 11 11 14 13 2 12 15 3 13 15 12 8 13 15 0 7 4 1 3 13 15 4 15 7 3 14 15 8 12 9 15 12
# expect-output y = 15 13 12 15 15 12 10 4 15 9 15 15 15 15 13 12
# expect-output gap = 14 7 9 7
# expect-output stats = 9 29 4
# expect-output chk = 32
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="pad" node="Pad_0" value="x_pad"
.source 1 layer="conv" node="Conv_1" value="conv_out"
.source 2 layer="res" node="Add_2" value="res_out"
.source 3 layer="pool" node="MaxPool_3" value="y"
.source 4 layer="gap" node="GlobalAveragePool_4" value="gap"
.source 5 layer="stats" node="" value="stats"
.source 6 layer="chk" node="" value="chk"
.input "x" addr=0 shape=1x4x4x4 type=u4 scale=0.0625 zp=0
.output "y" addr=400 shape=1x2x2x4 type=u4 scale=0.125 zp=0
.output "stats" addr=420 shape=3 type=i32 scale=1 zp=0
.output "chk" addr=430 shape=- type=i32 scale=1 zp=0
.output "gap" addr=440 shape=1x1x1x4 type=u4 scale=0.125 zp=0
.const bias addr=0 len=4
.data 29 -34 17 -16
.const mult addr=4 len=4
.data 9 2 4 10
.const resmult addr=8 len=4
.data 2 5 2 2
.const k addr=12 len=1
.data 7
.weights sa=2 row=4 src=1 hex=f7ce0ebb0f000000000000000000000000000000000000000000000000000000
.weights sa=2 row=5 src=1 hex=1800538100000000000000000000000000000000000000000000000000000000
.weights sa=2 row=6 src=1 hex=b77e1ca40f000000000000000000000000000000000000000000000000000000
.weights sa=2 row=7 src=1 hex=4043ee5201000000000000000000000000000000000000000000000000000000
.weights sa=2 row=8 src=1 hex=7ff355f707000000000000000000000000000000000000000000000000000000
.weights sa=2 row=9 src=1 hex=8608a90506000000000000000000000000000000000000000000000000000000
.weights sa=2 row=10 src=1 hex=e43ffe7e0e000000000000000000000000000000000000000000000000000000
.weights sa=2 row=11 src=1 hex=1f80288e00000000000000000000000000000000000000000000000000000000
    setvl [r0+3]                                 # @5
    vbcast v0, r0                                # @5
    rdrow [r0+2], [r0+4]                         # @5
    popc [r0+2]                                  # @5
    shadd [r0+2], a0, 0, pos                     # @5
    rdrow [r0+2], [r0+5]                         # @5
    popc [r0+2]                                  # @5
    shadd [r0+2], a0, 1, neg                     # @5
    vacc v0, [r0+0], [r0+2], a0, 1               # @5
    or [r0+2], 4, [r0+5]                         # @5
    popc [r0+2]                                  # @5
    shadd [r0+2], a0, 0, pos                     # @5
    vacc v0, [r0+1], [r0+2], a0, 1               # @5
    and [r0+2], 4, [r0+5]                        # @5
    popc [r0+2]                                  # @5
    shadd [r0+2], a0, 0, pos                     # @5
    vacc v0, [r0+2], [r0+2], a0, 0               # @5
    accclr [r0+2], a0                            # @5
    vst v0, [r0+420], 1                          # @5
    li r1, 100                                   # @0
    li r2, 144                                   # @0
    bfill r1, r2, r0                             # @0
    li r3, 0                                     # @0
    li r9, 4                                     # @0
    li r10, 16                                   # @0
row_copy:
    addi r4, r3, 1                               # @0
    muli r4, r4, 24                              # @0
    addi r4, r4, 104                             # @0
    slli r5, r3, 4                               # @0
    bcopy r4, r5, r10                            # @0
    addi r3, r3, 1                               # @0
    blt r3, r9, row_copy                         # @0
    barrier                                      # @0
    setvl [r0+4]                                 # @1
    pzero p1                                     # @1
    vldc v1, [r0+0]                              # @1
    vldc v2, [r0+4]                              # @1
    vbcast v6, r0                                # @1
    li r11, 3                                    # @1
    vbcast v7, r11                               # @1
    li r19, 15                                   # @2
    li r12, 24                                   # @1
    li r3, 0                                     # @1
oy_loop:
    li r8, 0                                     # @1
ox_loop:
    mul r5, r3, r12                              # @1
    slli r13, r8, 2                              # @1
    add r5, r5, r13                              # @1
    pld p1, 0, [r5+100], 12                      # @1
    pld p1, 12, [r5+124], 12                     # @1
    pld p1, 24, [r5+148], 12                     # @1
    wrp [r0+2], [r0+0], p1, 0                    # @1
    wrp [r0+2], [r0+1], p1, 1                    # @1
    wrp [r0+2], [r0+2], p1, 2                    # @1
    wrp [r0+2], [r0+3], p1, 3                    # @1
    vbcast v0, r0                                # @1
    li r14, 4                                    # @1
    li r15, 0                                    # @1
filter:
    bmac [r0+2], 0, [r14+0], a0, 0, pos          # @1
    bmac [r0+2], 1, [r14+0], a0, 1, pos          # @1
    bmac [r0+2], 2, [r14+0], a0, 2, pos          # @1
    bmac [r0+2], 3, [r14+0], a0, 3, pos          # @1
    bmac [r0+2], 0, [r14+1], a0, 1, neg          # @1
    bmac [r0+2], 1, [r14+1], a0, 2, neg          # @1
    bmac [r0+2], 2, [r14+1], a0, 3, neg          # @1
    bmac [r0+2], 3, [r14+1], a0, 4, neg          # @1
    vacc v0, [r15+0], [r0+2], a0, 1              # @1
    addi r14, r14, 2                             # @1
    addi r15, r15, 1                             # @1
    li r16, 4                                    # @1
    bne r15, r16, filter                         # @1
    vrq v3, v0, v1, v2, 6, up, i8                # @1
    vrq v3, v3, v6, v7, 1, away, i32             # @2
    slli r17, r3, 4                              # @2
    add r17, r17, r13                            # @2
    vld v4, [r17+0], 1                           # @2
    vldc v5, [r0+8]                              # @2
    vrq v4, v4, v6, v5, 2, even, i32             # @2
    vsub v4, v6, v4                              # @2
    vsub v3, v3, v4                              # @2
    vclip v3, v3, -100, 100                      # @2
    vmax v3, v3, v6                              # @2
    vbcast v5, r19                               # @2
    vmin v3, v3, v5                              # @2
    vst v3, [r17+300], 1                         # @2
    addi r8, r8, 1                               # @1
    blt r8, r9, ox_loop                          # @1
    addi r3, r3, 1                               # @1
    bge r3, r9, conv_done                        # @1
    jmp oy_loop                                  # @1
conv_done:
    barrier                                      # @2
    li r3, 0                                     # @3
    li r4, 300                                   # @3
    li r5, 400                                   # @3
    li r6, 2                                     # @3
pool:
    vld v0, [r4+0], 1                            # @3
    vld v1, [r4+4], 1                            # @3
    vld v2, [r4+16], 1                           # @3
    vld v3, [r4+20], 1                           # @3
    vmax v0, v0, v1                              # @3
    vmax v2, v2, v3                              # @3
    vmax v0, v0, v2                              # @3
    vst v0, [r5+0], 1                            # @3
    addi r5, r5, 4                               # @3
    addi r4, r4, 8                               # @3
    dbnz r6, pool                                # @3
    addi r4, r4, 16                              # @3
    li r6, 2                                     # @3
    addi r3, r3, 1                               # @3
    li r7, 2                                     # @3
    bne r3, r7, pool                             # @3
    vbcast v0, r0                                # @4
    li r4, 300                                   # @4
    li r6, 16                                    # @4
gap_loop:
    vld v1, [r4+0], 1                            # @4
    vadd v0, v0, v1                              # @4
    addi r4, r4, 4                               # @4
    dbnz r6, gap_loop                            # @4
    li r20, 1                                    # @4
    vbcast v7, r20                               # @4
    vmov v2, v0                                  # @4
    vrq v0, v2, v6, v7, 4, even, u4              # @4
    vst v0, [r0+440], 1                          # @4
    li r15, 0                                    # @6
    li r14, 0                                    # @6
    li r16, 16                                   # @6
chk_loop:
    ld r13, [r14+400]                            # @6
    add r15, r15, r13                            # @6
    addi r14, r14, 1                             # @6
    beq r14, r16, chk_done                       # @6
    jmp chk_loop                                 # @6
chk_done:
    max r15, r15, r0                             # @6
    li r16, 50                                   # @6
    min r15, r15, r16                            # @6
    srai r15, r15, 1                             # @6
    ldc r18, [r0+12]                             # @6
    add r15, r15, r18                            # @6
    sub r18, r18, r18                            # @6
    add r15, r15, r18                            # @6
    nop                                          # @6
    st r15, [r0+430]                             # @6
    halt
