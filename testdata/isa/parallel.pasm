# ISA v1.5: group instructions (gwrp, gbmac, gvacc) and two streams ordered by a token
# (tsig, twait), on the parallel engine of the default target (docs/PARALLEL.md).
# Sub-arrays 0..3 each hold a 16-element 2-bit two's complement weight vector w_s
# (plane 0 at row 8, the negative plane 1 at row 9). Stream 0 broadcasts the 2-bit
# input x into rows 0 and 1 of all four with two gwrps, computes y_s = w_s . x on all
# four with four gbmacs, drains them into lanes 0..3 with one gvacc and signals token 3;
# then a group of two given by a register (sub-arrays 2, 3) sums the plane-0 popcounts
# into one lane (lane stride 0). Stream 1 waits for the token and adds y up.
# Expected values computed independently in Python from docs/PARALLEL.md §4 (random seed 15).
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.stream 0 entry=main
.stream 1 entry=consumer
.source 0 layer="group" node="Dot_0" value="y"
.source 1 layer="sum" node="Sum_0" value="t"
.input "x" addr=0 shape=1x16 type=u2 scale=1 zp=0
.output "y" addr=64 shape=1x4 type=i32 scale=1 zp=0
.output "t" addr=80 shape=1x3 type=i32 scale=1 zp=0
.weights sa=0 row=8 src=0 hex=4c5f000000000000000000000000000000000000000000000000000000000000
.weights sa=0 row=9 src=0 hex=4c22000000000000000000000000000000000000000000000000000000000000
.weights sa=1 row=8 src=0 hex=ad33000000000000000000000000000000000000000000000000000000000000
.weights sa=1 row=9 src=0 hex=d0e7000000000000000000000000000000000000000000000000000000000000
.weights sa=2 row=8 src=0 hex=e9a4000000000000000000000000000000000000000000000000000000000000
.weights sa=2 row=9 src=0 hex=c626000000000000000000000000000000000000000000000000000000000000
.weights sa=3 row=8 src=0 hex=6507000000000000000000000000000000000000000000000000000000000000
.weights sa=3 row=9 src=0 hex=c8a8000000000000000000000000000000000000000000000000000000000000
# expect-input x = 1 0 0 1 1 0 0 1 2 1 0 2 3 2 2 3
# expect-output y = 3 -13 0 -14
# expect-output t = -24 0 6
main:
    pzero p0                                 # @0
    pld p0, 0, [r0+0], 16                    # @0
    gwrp [r0], 4, [r0+0], p0, 0              # @0 plane 0 of x -> row 0 of sub-arrays 0..3
    gwrp [r0], 4, [r0+1], p0, 1              # @0 plane 1 -> row 1
    gbmac [r0], 4, 0, [r0+8], a0, 0, pos     # @0 m=0, n=0
    gbmac [r0], 4, 1, [r0+8], a0, 1, pos     # @0 m=0, n=1
    gbmac [r0], 4, 0, [r0+9], a0, 1, neg     # @0 m=1 (sign plane), n=0
    gbmac [r0], 4, 1, [r0+9], a0, 2, neg     # @0 m=1, n=1
    setvl [r0+4]                             # @0
    vbcast v0, r0                            # @0
    gvacc v0, [r0+0], [r0], 4, 1, a0, 1      # @0 lanes 0..3 = y, clear
    vst v0, [r0+64], 1                       # @0
    tsig 3                                   # @0 y is in the buffer
    li r2, 2                                 # @0
    li r3, 1                                 # @0
    gbmac [r2], 2, 0, [r0+8], a0, 0, pos     # @0 sub-arrays 2, 3
    vbcast v1, r0                            # @0
    gvacc v1, [r3+0], [r2], 2, 0, a0, 1      # @0 both into lane 1
    setvl [r0+2]                             # @0
    vst v1, [r0+81], 1                       # @0
    halt
consumer:
    twait 3                                  # @1
    ld r1, [r0+64]                           # @1
    ld r2, [r0+65]                           # @1
    add r1, r1, r2                           # @1
    ld r2, [r0+66]                           # @1
    add r1, r1, r2                           # @1
    ld r2, [r0+67]                           # @1
    add r1, r1, r2                           # @1
    st r1, [r0+80]                           # @1
    halt
