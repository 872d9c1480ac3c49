# ISA v1.6: dstore and dload between the activation buffer and the off-chip memory (DRAM)
# of the default target (docs/ISA.md §3.2). x goes to DRAM words 65530..65545 (across a
# 2^16-word boundary), eight of its words come back to ABUF 64; four of those go to DRAM
# 70000 and come back with two never-written words on each side (the DRAM is zero at load);
# four never-written words overwrite part of a bfill; a transfer of length 0 does nothing.
# These transfers move i8 codes (8 bits each); the last dstore clamps 300 and -5 to u8
# (255 and 0), which the last dload brings back.
# Expected values computed independently in Python from docs/ISA.md §3.2.
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="spill" node="Spill_0" value="y"
.input "x" addr=0 shape=1x16 type=i8 scale=1 zp=0
.output "y" addr=64 shape=1x26 type=i32 scale=1 zp=0
# expect-input x = 5 -3 100 -128 17 42 -7 0 9 -1 33 127 -64 2 8 -100
# expect-output y = 17 42 -7 0 9 -1 33 127 0 0 -7 0 9 -1 0 0 0 0 0 0 7 7 7 7 255 0
    li r1, 0                                 # @0
    li r2, 65530                             # @0
    li r3, 16                                # @0
    dstore r2, r1, r3, i8                    # @0 DRAM[65530..65546) = x
    li r4, 64                                # @0
    li r5, 65534                             # @0
    li r6, 8                                 # @0
    dload r4, r5, r6, i8                     # @0 ABUF[64..72) = x[4..12)
    li r7, 66                                # @0
    li r8, 70000                             # @0
    li r9, 4                                 # @0
    dstore r8, r7, r9, i8                    # @0 DRAM[70000..70004) = x[6..10)
    li r10, 72                               # @0
    li r11, 69998                            # @0
    dload r10, r11, r6, i8                   # @0 ABUF[72..80) = 0 0 x6 x7 x8 x9 0 0
    li r12, 80                               # @0
    li r13, 7                                # @0
    bfill r12, r6, r13                       # @0 ABUF[80..88) = 7
    li r14, 1000000                          # @0
    dload r12, r14, r9, i8                   # @0 ABUF[80..84) = 0 (never written)
    dload r12, r2, r0, i8                    # @0 length 0: nothing
    dstore r2, r12, r0, i8                   # @0 length 0: nothing
    li r15, 300                              # @0
    st r15, [r0+100]                         # @0
    li r15, -5                               # @0
    st r15, [r0+101]                         # @0
    li r16, 2                                # @0
    li r17, 100                              # @0
    li r18, 80000                            # @0
    dstore r18, r17, r16, u8                 # @0 DRAM[80000..80002) = 255 0 (clamped)
    li r19, 88                               # @0
    dload r19, r18, r16, u8                  # @0 ABUF[88..90) = 255 0
    halt
