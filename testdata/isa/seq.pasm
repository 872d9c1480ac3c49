# ISA v1.7: gdot, the plane-sequenced group MAC, on the default engine with a plane
# sequencer per bank (target/testdata/plane-sequencer.yaml, docs/PARALLEL.md §9).
# Sub-arrays 0..3 each hold a 16-element 3-bit two's complement weight vector w_s
# (planes 0, 1 at rows 8, 9, the negative plane 2 at row 10); the 2-bit signed input
# x goes to rows 0, 1 of all four, and one gdot (3x2s: 3 weight planes by 2 input
# planes, signed inputs) computes y_s = w_s . x on all four. Sub-arrays 4, 5 hold
# binary weights w in {-1, +1} on one plane b = (w+1)/2 (row 8); the 3-bit unsigned
# input x2 goes to rows 0..2, and one gdot (1x3p) computes 2 b_s . x2 (the one-plane
# form's first term, docs/BACKEND.md §2). One gvacc per group drains them.
# Expected values computed independently in Python from docs/ISA.md §3.3 (random seed 17).
.target "sot-mram-45nm-seq" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="seq" node="Dot_0" value="y"
.input "x" addr=0 shape=1x16 type=i2 scale=1 zp=0
.input "x2" addr=16 shape=1x16 type=u3 scale=1 zp=0
.output "y" addr=64 shape=1x6 type=i32 scale=1 zp=0
.weights sa=0 row=8 src=0 hex=4411000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=9 src=0 hex=1167000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=10 src=0 hex=d0c1000000000000000000000000000000000000000000000000000000000000
.weights sa=1 row=8 src=0 hex=7a26000000000000000000000000000000000000000000000000000000000000
.weights sa=1 row=9 src=0 hex=0f9d000000000000000000000000000000000000000000000000000000000000
.weights sa=1 row=10 src=0 hex=6f4a000000000000000000000000000000000000000000000000000000000000
.weights sa=2 row=8 src=0 hex=359f000000000000000000000000000000000000000000000000000000000000
.weights sa=2 row=9 src=0 hex=900d000000000000000000000000000000000000000000000000000000000000
.weights sa=2 row=10 src=0 hex=4aaf000000000000000000000000000000000000000000000000000000000000
.weights sa=3 row=8 src=0 hex=624b000000000000000000000000000000000000000000000000000000000000
.weights sa=3 row=9 src=0 hex=8600000000000000000000000000000000000000000000000000000000000000
.weights sa=3 row=10 src=0 hex=86b2000000000000000000000000000000000000000000000000000000000000
.weights sa=4 row=8 src=0 hex=e1f4000000000000000000000000000000000000000000000000000000000000
.weights sa=5 row=8 src=0 hex=50b7000000000000000000000000000000000000000000000000000000000000
# expect-input x = 1 0 1 -2 -1 0 0 -2 1 -2 -1 1 1 1 -1 -1
# expect-input x2 = 3 3 7 5 3 5 0 6 0 5 2 3 5 5 2 3
# expect-output y = 15 5 8 5 62 46
main:
    pzero p0                                 # @0
    pld p0, 0, [r0+0], 16                    # @0
    pzero p1                                 # @0
    pld p1, 0, [r0+16], 16                   # @0
    gwrp [r0], 4, [r0+0], p0, 0              # @0 plane 0 of x -> row 0 of sub-arrays 0..3
    gwrp [r0], 4, [r0+1], p0, 1              # @0 plane 1 (negative) -> row 1
    li r1, 4                                 # @0
    gwrp [r1], 2, [r0+0], p1, 0              # @0 planes of x2 -> rows 0..2 of sub-arrays 4, 5
    gwrp [r1], 2, [r0+1], p1, 1              # @0
    gwrp [r1], 2, [r0+2], p1, 2              # @0
    gdot [r0], 4, 0, [r0+8], a0, 3x2s        # @0 y_s = w_s . x: 6 plane pairs on each
    gdot [r1], 2, 0, [r0+8], a0, 1x3p        # @0 2 b_s . x2: 3 pairs on each
    setvl [r0+6]                             # @0
    vbcast v0, r0                            # @0
    gvacc v0, [r0+0], [r0], 4, 1, a0, 1      # @0 lanes 0..3
    gvacc v0, [r0+4], [r1], 2, 1, a0, 1      # @0 lanes 4, 5
    vst v0, [r0+64], 1                       # @0
    halt
