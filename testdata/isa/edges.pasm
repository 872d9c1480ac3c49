# Edge cases of the ISA semantics (docs/ISA.md §2-§3), each result stored to the output port:
# r0, 32-bit wrapping, low32 multiply, shifts, signed compares, dbnz, memmove bcopy, 24-bit accumulator
# saturation (shadd, accadd), vacc into a lane >= VL, lanes >= VL left unchanged, the four rounding modes,
# output-type clamps, int32 saturation in vrq/vadd/vsub, two's complement bit planes of negative values,
# vclip, constants, negative vld stride. Expected values computed in Python from the spec.
# expect-output out = 0 -2147483648 0 -2147479015 -4 -2147483648 -1 3 1 1 2 3 4 8388607 8388607 -8388608 0 0 0 8388607 0 0 9 9 3 -2 4 -3 3 -3 4 -4 2 -2 4 -4 2 -3 3 -4 255 0 100 0 127 -128 100 -1 2147483647 2147483647 -2147483648 2 2 3 5 -5 5 -5 -12 11 -12 1 7 -7 7 -5 5
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="edges" node="" value="out"
.output "out" addr=500 shape=67 type=i32 scale=1 zp=0
.const k addr=0 len=2
.data 11 -12
    li r0, 5                                 # @0 
    add r1, r0, r0                           # @0 
    st r1, [r0+500]                          # @0 r0 reads 0
    li r2, 2147483647                        # @0 
    addi r2, r2, 1                           # @0 
    st r2, [r0+501]                          # @0 wraps
    li r3, 65536                             # @0 
    muli r3, r3, 65536                       # @0 
    st r3, [r0+502]                          # @0 low32(2^32)
    li r4, 46341                             # @0 
    mul r4, r4, r4                           # @0 
    st r4, [r0+503]                          # @0 low32(46341^2)
    li r5, -7                                # @0 
    srai r5, r5, 1                           # @0 
    st r5, [r0+504]                          # @0 arithmetic shift
    li r6, 3                                 # @0 
    slli r6, r6, 31                          # @0 
    st r6, [r0+505]                          # @0 shift out
    li r7, -1                                # @0 
    li r8, 1                                 # @0 
    min r9, r7, r8                           # @0 
    st r9, [r0+506]                          # @0 signed min
    li r10, 0                                # @0 
    li r11, 3                                # @0 
count:
    addi r10, r10, 1                         # @0 
    dbnz r11, count                          # @0 
    st r10, [r0+507]                         # @0 3 iterations
    li r12, 1                                # @0 
    st r12, [r0+600]                         # @0 
    li r12, 2                                # @0 
    st r12, [r0+601]                         # @0 
    li r12, 3                                # @0 
    st r12, [r0+602]                         # @0 
    li r12, 4                                # @0 
    st r12, [r0+603]                         # @0 
    li r12, 5                                # @0 
    st r12, [r0+604]                         # @0 
    li r13, 601                              # @0 
    li r14, 600                              # @0 
    li r15, 4                                # @0 
    bcopy r13, r14, r15                      # @0 overlapping copy
    ld r12, [r0+600]                         # @0 
    st r12, [r0+508]                         # @0 memmove
    ld r12, [r0+601]                         # @0 
    st r12, [r0+509]                         # @0 memmove
    ld r12, [r0+602]                         # @0 
    st r12, [r0+510]                         # @0 memmove
    ld r12, [r0+603]                         # @0 
    st r12, [r0+511]                         # @0 memmove
    ld r12, [r0+604]                         # @0 
    st r12, [r0+512]                         # @0 memmove
    li r16, 700                              # @0 
    li r17, 256                              # @0 
    li r18, -1                               # @0 
    bfill r16, r17, r18                      # @0 
    pld p0, 0, [r0+700], 256                 # @0 all ones
    wrp [r0+4], [r0+0], p0, 0                # @0 
    wrp [r0+4], [r0+1], p0, 31               # @0 
    wrp [r0+5], [r0+0], p0, 0                # @0 
    wrp [r0+5], [r0+1], p0, 31               # @0 
    wrp [r0+6], [r0+0], p0, 0                # @0 
    wrp [r0+6], [r0+1], p0, 31               # @0 
    and [r0+5], 0, [r0+1]                    # @0 
    popc [r0+5]                              # @0 
    shadd [r0+5], a0, 16, pos                # @0 256<<16 = 2^24 saturates
    setvl [r0+1]                             # @0 
    vbcast v0, r0                            # @0 
    vacc v0, [r0+0], [r0+5], a0, 0           # @0 
    vst v0, [r0+513], 1                      # @0 
    and [r0+4], 0, [r0+1]                    # @0 
    popc [r0+4]                              # @0 
    shadd [r0+4], a0, 16, pos                # @0 
    accadd [r0+4], a0, [r0+5], a0            # @0 same mat, saturates
    vbcast v0, r0                            # @0 
    vacc v0, [r0+0], [r0+4], a0, 0           # @0 
    vst v0, [r0+514], 1                      # @0 
    accclr [r0+5], a0                        # @0 
    shadd [r0+5], a0, 16, neg                # @0 
    vbcast v0, r0                            # @0 
    vacc v0, [r0+0], [r0+5], a0, 1           # @0 
    vst v0, [r0+515], 1                      # @0 
    setvl [r0+4]                             # @0 
    vbcast v1, r0                            # @0 
    setvl [r0+1]                             # @0 
    vacc v1, [r0+3], [r0+4], a0, 1           # @0 lane 3 >= VL
    setvl [r0+4]                             # @0 
    vst v1, [r0+516], 1                      # @0 
    li r19, 9                                # @0 
    vbcast v2, r19                           # @0 
    setvl [r0+2]                             # @0 
    vbcast v2, r0                            # @0 
    setvl [r0+4]                             # @0 
    vst v2, [r0+520], 1                      # @0 
    li r20, 5                                # @0 
    st r20, [r0+610]                         # @0 
    li r20, -5                               # @0 
    st r20, [r0+611]                         # @0 
    li r20, 7                                # @0 
    st r20, [r0+612]                         # @0 
    li r20, -7                               # @0 
    st r20, [r0+613]                         # @0 
    vld v3, [r0+610], 1                      # @0 
    li r21, 1                                # @0 
    vbcast v4, r21                           # @0 
    vbcast v5, r0                            # @0 
    vrq v6, v3, v5, v4, 1, up, i32           # @0 
    vst v6, [r0+524], 1                      # @0 
    vrq v6, v3, v5, v4, 1, away, i32         # @0 
    vst v6, [r0+528], 1                      # @0 
    vrq v6, v3, v5, v4, 1, even, i32         # @0 
    vst v6, [r0+532], 1                      # @0 
    vrq v6, v3, v5, v4, 1, floor, i32        # @0 
    vst v6, [r0+536], 1                      # @0 
    li r20, 300                              # @0 
    st r20, [r0+620]                         # @0 
    li r20, -300                             # @0 
    st r20, [r0+621]                         # @0 
    li r20, 100                              # @0 
    st r20, [r0+622]                         # @0 
    li r20, -1                               # @0 
    st r20, [r0+623]                         # @0 
    vld v3, [r0+620], 1                      # @0 
    vrq v6, v3, v5, v4, 0, up, u8            # @0 
    vst v6, [r0+540], 1                      # @0 
    vrq v6, v3, v5, v4, 0, up, i8            # @0 
    vst v6, [r0+544], 1                      # @0 
    setvl [r0+1]                             # @0 
    li r22, 2147483647                       # @0 
    vbcast v3, r22                           # @0 
    li r23, 10                               # @0 
    vbcast v7, r23                           # @0 
    vrq v6, v3, v7, v4, 0, up, i32           # @0 sat32(max + 10) * 1
    vst v6, [r0+548], 1                      # @0 
    vadd v6, v3, v7                          # @0 
    vst v6, [r0+549], 1                      # @0 
    li r24, -2147483648                      # @0 
    vbcast v3, r24                           # @0 
    vsub v6, v3, v4                          # @0 
    vst v6, [r0+550], 1                      # @0 
    li r20, -1                               # @0 
    st r20, [r0+630]                         # @0 
    li r20, -2                               # @0 
    st r20, [r0+631]                         # @0 
    li r20, 5                                # @0 
    st r20, [r0+632]                         # @0 
    pzero p1                                 # @0 
    pld p1, 0, [r0+630], 3                   # @0 
    wrp [r0+6], [r0+2], p1, 31               # @0 sign plane
    wrp [r0+6], [r0+3], p1, 0                # @0 
    wrp [r0+6], [r0+4], p1, 2                # @0 
    vbcast v0, r0                            # @0 
    bmac [r0+6], 0, [r0+2], a0, 0, pos       # @0 
    vacc v0, [r0+0], [r0+6], a0, 1           # @0 
    bmac [r0+6], 0, [r0+3], a0, 0, pos       # @0 
    vacc v0, [r0+1], [r0+6], a0, 1           # @0 
    bmac [r0+6], 0, [r0+4], a0, 0, pos       # @0 
    vacc v0, [r0+2], [r0+6], a0, 1           # @0 
    setvl [r0+3]                             # @0 
    vst v0, [r0+551], 1                      # @0 
    setvl [r0+4]                             # @0 
    vld v3, [r0+610], 1                      # @0 
    vclip v6, v3, -5, 5                      # @0 
    vst v6, [r0+554], 1                      # @0 
    ldc r25, [r0+1]                          # @0 
    st r25, [r0+558]                         # @0 constant
    setvl [r0+2]                             # @0 
    vldc v6, [r0+0]                          # @0 
    vst v6, [r0+559], 1                      # @0 
    li r26, 0                                # @0 
    blt r7, r8, taken                        # @0 
    li r26, 99                               # @0 
taken:
    addi r26, r26, 1                         # @0 
    st r26, [r0+561]                         # @0 blt is signed
    li r27, 0                                # @0 
    bge r7, r8, skip                         # @0 
    li r27, 7                                # @0 
skip:
    st r27, [r0+562]                         # @0 bge is signed
    setvl [r0+4]                             # @0 
    vld v3, [r0+613], -1                     # @0 
    vst v3, [r0+563], 1                      # @0 
    halt
