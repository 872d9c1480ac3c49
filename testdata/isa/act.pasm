# ISA v1.6: activations on the DPU (docs/ISA.md §3.4). vlut looks every code of x up in a table
# of 8 CMEM words (codes -4..3 at addresses 0..7: the immediate 4 is the address of code 0),
# here t[c] = c^2; vmul multiplies x by the gate g lane by lane and vrq requantizes the products:
# roundshift(x*g*3, 2, up) clamped to i8.
# Expected values computed by hand from docs/ISA.md §3.4:
#   y = (-4)^2 3^2 0^2 (-1)^2 = 16 9 0 1
#   x*g = -40 60 0 -40; *3 = -120 180 0 -120; (t + 2) >> 2 = -30 45 0 -30
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="act" node="HardSigmoid_0" value="y"
.source 1 layer="gate" node="Mul_1" value="z"
.input "x" addr=0 shape=1x4 type=i8 scale=1 zp=0
.input "g" addr=4 shape=1x4 type=u8 scale=1 zp=0
.output "y" addr=8 shape=1x4 type=i8 scale=1 zp=0
.output "z" addr=12 shape=1x4 type=i8 scale=1 zp=0
.const table addr=0 len=8
.data 16 9 4 1 0 1 4 9
# expect-input x = -4 3 0 -1
# expect-input g = 10 20 30 40
# expect-output y = 16 9 0 1
# expect-output z = -30 45 0 -30
    setvl [r0+4]                             # @0
    vld v1, [r0+0], 1                        # @0 x
    vlut v2, v1, [r0+4]                      # @0 table[4 + x]
    vst v2, [r0+8], 1                        # @0
    vld v3, [r0+4], 1                        # @1 g
    vmul v4, v1, v3                          # @1 x*g
    li r1, 3                                 # @1
    vbcast v5, r1                            # @1
    vrq v6, v4, v0, v5, 2, up, i8            # @1 (x*g + 0) * 3 >> 2
    vst v6, [r0+12], 1                       # @1
    halt
