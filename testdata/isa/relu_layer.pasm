# Requantized ReLU fully connected layer: y = clip(roundshift((W x + b) * m, 12, up), u8), 300 -> 3.
# K = 300 > 256 columns: segment 0 (inputs 0..255) in sub-array 0, segment 1 (256..299) in sub-array 1
# (same mat); their accumulators are merged with accadd. A loop over the 3 filters walks the weight rows
# with a register (rowb = [r6+8+m]) and the DPU lane with another (lane = [r7+0]).
# Weights 4-bit two's complement (M=4), filter f planes in rows 8+4f+m; inputs u8 (N=8) in rows 0..7.
# pre-activation W x = -18107 -18444 -23732
# expect-input x = 231 238 231 97 94 243 95 48 228 155 72 46 21 202 231 80 7 32 30 18 97 123 15 237 167 225 100 119 150 255 2 43 234 142 208 42 130 161 117 147 15 35 55 205 55 148 197 34 8 0 109 107 26 240 192 203 214 37 101 138 172 44 159 170 7 209 60 68 126 51 5 30 238 249 90 96 229 97 67 214 196 59 202 215 108 0 138 155 10 107 95 201 51 21 74 109 226 132 4 168 151 197 37 38 46 106 124 7 188 190 232 65 247 69 197 93 78 159 116 127 97 81 100 198 247 40 215 24 53 55 19 130 122 200 131 215 251 150 89 35 64 116 245 37 143 108 104 8 35 137 210 228 127 30 23 90 144 188 67 47 185 70 230 169 71 17 9 243 183 159 17 10 38 246 34 159 163 69 37 38 231 188 22 66 174 180 43 242 39 213 15 255 7 195 194 6 36 41 46 59 131 213 169 198 234 225 236 42 15 158 44 246 11 117 57 254 248 130 5 188 154 73 103 86 175 226 255 123 167 207 128 101 220 102 109 196 112 162 107 69 68 254 179 20 32 141 86 57 230 241 140 109 211 195 252 161 231 164 38 16 142 21 143 181 158 9 69 207 232 97 12 136 121 72 24 59 228 55 188 39 101 102 243 131 91 5 241 18 91 115 139 177 81 201 114 44 210 198 66 230
# expect-output y = 255 16 0
.target "sot-mram-45nm" d7d879581909fdecd942e642fbe9edfa8f21eea1a85f36bfcdfb6d2bbe279c13
.source 0 layer="fc1" node="Gemm_3" value="fc1_out"
.source 1 layer="relu1" node="Relu_4" value="relu1_out"
.input "x" addr=0 shape=1x300 type=u8 scale=0.0078125 zp=0
.output "y" addr=512 shape=1x3 type=u8 scale=0.05 zp=0
.const bias addr=0 len=3
.data 25000 19000 20000
.const mult addr=3 len=3
.data 200 120 45
.weights sa=0 row=8 src=0 hex=004b94e2a496345a725648fd6438281c3a36fb88abcd00e3e42e528e0853ffde
.weights sa=0 row=9 src=0 hex=f3af6c1af5412cb8713d50fe82dbaf44fea7465e4dae3631daca742e890e2514
.weights sa=0 row=10 src=0 hex=ab1ca0aabe659d54f7667258f62f77fa84e21de3c67318ce4788bb6803e57711
.weights sa=0 row=11 src=0 hex=862f1adcca4469eb90b0fea8ca2fff64a7dddf0df4e0158b8e8d668f0d5a0a00
.weights sa=0 row=12 src=0 hex=1f6a74fc48443e2c591b528b4caf103e6207dd62dfac5d2e16b60f0a9a842f49
.weights sa=0 row=13 src=0 hex=971e60fbef43f19b367fddcb304177faee64450c0a753fa827f410207b7a925e
.weights sa=0 row=14 src=0 hex=831e446c99b74c1c924175702f2500bd7152f83b62c57e6beed4afec306e47a2
.weights sa=0 row=15 src=0 hex=85fe780f71a124c38611d0449e57d51b90a9e60ae9ea5602758eaafe49db8474
.weights sa=0 row=16 src=0 hex=3fa1088a3be048927e2a95a2f9f7e6b4be7ee5048fcaac4ef4dc0fa836c5f54f
.weights sa=0 row=17 src=0 hex=c964cc6db16defa69c018a6478cc11fa9cd34d3a633bcf15abc9c90719481e5a
.weights sa=0 row=18 src=0 hex=35bf8a34d2f5a053685d6f2bae3d86d1d53c4af4223ee9c1360dad823a5b915d
.weights sa=0 row=19 src=0 hex=4f0e9928d33f44d7e99ab3aa13c028b89ad9578d16b4f187b88d6d1dbba7a34b
.weights sa=1 row=8 src=0 hex=bce4ce6b93050000000000000000000000000000000000000000000000000000
.weights sa=1 row=9 src=0 hex=04b9da5c27010000000000000000000000000000000000000000000000000000
.weights sa=1 row=10 src=0 hex=74e27296bc0a0000000000000000000000000000000000000000000000000000
.weights sa=1 row=11 src=0 hex=9f34eeb9090a0000000000000000000000000000000000000000000000000000
.weights sa=1 row=12 src=0 hex=e2a1800a35090000000000000000000000000000000000000000000000000000
.weights sa=1 row=13 src=0 hex=670bb5b9450e0000000000000000000000000000000000000000000000000000
.weights sa=1 row=14 src=0 hex=755a7268fa020000000000000000000000000000000000000000000000000000
.weights sa=1 row=15 src=0 hex=4a1db4807f0d0000000000000000000000000000000000000000000000000000
.weights sa=1 row=16 src=0 hex=5731dc53ae0a0000000000000000000000000000000000000000000000000000
.weights sa=1 row=17 src=0 hex=a75216345a070000000000000000000000000000000000000000000000000000
.weights sa=1 row=18 src=0 hex=a77538d19e050000000000000000000000000000000000000000000000000000
.weights sa=1 row=19 src=0 hex=720d7f62260c0000000000000000000000000000000000000000000000000000
    pzero p0                                 # @0
    pzero p1                                 # @0
    pld p0, 0, [r0+0], 256                   # @0 segment 0
    pld p1, 0, [r0+256], 44                  # @0 segment 1
    wrp [r0+0], [r0+0], p0, 0               # @0 plane 0
    wrp [r0+0], [r0+1], p0, 1               # @0 plane 1
    wrp [r0+0], [r0+2], p0, 2               # @0 plane 2
    wrp [r0+0], [r0+3], p0, 3               # @0 plane 3
    wrp [r0+0], [r0+4], p0, 4               # @0 plane 4
    wrp [r0+0], [r0+5], p0, 5               # @0 plane 5
    wrp [r0+0], [r0+6], p0, 6               # @0 plane 6
    wrp [r0+0], [r0+7], p0, 7               # @0 plane 7
    wrp [r0+1], [r0+0], p1, 0               # @0 plane 0
    wrp [r0+1], [r0+1], p1, 1               # @0 plane 1
    wrp [r0+1], [r0+2], p1, 2               # @0 plane 2
    wrp [r0+1], [r0+3], p1, 3               # @0 plane 3
    wrp [r0+1], [r0+4], p1, 4               # @0 plane 4
    wrp [r0+1], [r0+5], p1, 5               # @0 plane 5
    wrp [r0+1], [r0+6], p1, 6               # @0 plane 6
    wrp [r0+1], [r0+7], p1, 7               # @0 plane 7
    setvl [r0+3]                             # @0
    vbcast v0, r0                            # @0
    li r6, 0                                 # @0 r6 = weight row offset 4f
    li r7, 0                                 # @0 r7 = lane f
    li r8, 3                                 # @0 r8 = filters left
filter:
    bmac [r0+0], 0, [r6+8], a0, 0, pos      # @0 seg 0 m=0 n=0
    bmac [r0+0], 1, [r6+8], a0, 1, pos      # @0 seg 0 m=0 n=1
    bmac [r0+0], 2, [r6+8], a0, 2, pos      # @0 seg 0 m=0 n=2
    bmac [r0+0], 3, [r6+8], a0, 3, pos      # @0 seg 0 m=0 n=3
    bmac [r0+0], 4, [r6+8], a0, 4, pos      # @0 seg 0 m=0 n=4
    bmac [r0+0], 5, [r6+8], a0, 5, pos      # @0 seg 0 m=0 n=5
    bmac [r0+0], 6, [r6+8], a0, 6, pos      # @0 seg 0 m=0 n=6
    bmac [r0+0], 7, [r6+8], a0, 7, pos      # @0 seg 0 m=0 n=7
    bmac [r0+0], 0, [r6+9], a0, 1, pos      # @0 seg 0 m=1 n=0
    bmac [r0+0], 1, [r6+9], a0, 2, pos      # @0 seg 0 m=1 n=1
    bmac [r0+0], 2, [r6+9], a0, 3, pos      # @0 seg 0 m=1 n=2
    bmac [r0+0], 3, [r6+9], a0, 4, pos      # @0 seg 0 m=1 n=3
    bmac [r0+0], 4, [r6+9], a0, 5, pos      # @0 seg 0 m=1 n=4
    bmac [r0+0], 5, [r6+9], a0, 6, pos      # @0 seg 0 m=1 n=5
    bmac [r0+0], 6, [r6+9], a0, 7, pos      # @0 seg 0 m=1 n=6
    bmac [r0+0], 7, [r6+9], a0, 8, pos      # @0 seg 0 m=1 n=7
    bmac [r0+0], 0, [r6+10], a0, 2, pos      # @0 seg 0 m=2 n=0
    bmac [r0+0], 1, [r6+10], a0, 3, pos      # @0 seg 0 m=2 n=1
    bmac [r0+0], 2, [r6+10], a0, 4, pos      # @0 seg 0 m=2 n=2
    bmac [r0+0], 3, [r6+10], a0, 5, pos      # @0 seg 0 m=2 n=3
    bmac [r0+0], 4, [r6+10], a0, 6, pos      # @0 seg 0 m=2 n=4
    bmac [r0+0], 5, [r6+10], a0, 7, pos      # @0 seg 0 m=2 n=5
    bmac [r0+0], 6, [r6+10], a0, 8, pos      # @0 seg 0 m=2 n=6
    bmac [r0+0], 7, [r6+10], a0, 9, pos      # @0 seg 0 m=2 n=7
    bmac [r0+0], 0, [r6+11], a0, 3, neg      # @0 seg 0 m=3 n=0
    bmac [r0+0], 1, [r6+11], a0, 4, neg      # @0 seg 0 m=3 n=1
    bmac [r0+0], 2, [r6+11], a0, 5, neg      # @0 seg 0 m=3 n=2
    bmac [r0+0], 3, [r6+11], a0, 6, neg      # @0 seg 0 m=3 n=3
    bmac [r0+0], 4, [r6+11], a0, 7, neg      # @0 seg 0 m=3 n=4
    bmac [r0+0], 5, [r6+11], a0, 8, neg      # @0 seg 0 m=3 n=5
    bmac [r0+0], 6, [r6+11], a0, 9, neg      # @0 seg 0 m=3 n=6
    bmac [r0+0], 7, [r6+11], a0, 10, neg      # @0 seg 0 m=3 n=7
    bmac [r0+1], 0, [r6+8], a0, 0, pos      # @0 seg 1 m=0 n=0
    bmac [r0+1], 1, [r6+8], a0, 1, pos      # @0 seg 1 m=0 n=1
    bmac [r0+1], 2, [r6+8], a0, 2, pos      # @0 seg 1 m=0 n=2
    bmac [r0+1], 3, [r6+8], a0, 3, pos      # @0 seg 1 m=0 n=3
    bmac [r0+1], 4, [r6+8], a0, 4, pos      # @0 seg 1 m=0 n=4
    bmac [r0+1], 5, [r6+8], a0, 5, pos      # @0 seg 1 m=0 n=5
    bmac [r0+1], 6, [r6+8], a0, 6, pos      # @0 seg 1 m=0 n=6
    bmac [r0+1], 7, [r6+8], a0, 7, pos      # @0 seg 1 m=0 n=7
    bmac [r0+1], 0, [r6+9], a0, 1, pos      # @0 seg 1 m=1 n=0
    bmac [r0+1], 1, [r6+9], a0, 2, pos      # @0 seg 1 m=1 n=1
    bmac [r0+1], 2, [r6+9], a0, 3, pos      # @0 seg 1 m=1 n=2
    bmac [r0+1], 3, [r6+9], a0, 4, pos      # @0 seg 1 m=1 n=3
    bmac [r0+1], 4, [r6+9], a0, 5, pos      # @0 seg 1 m=1 n=4
    bmac [r0+1], 5, [r6+9], a0, 6, pos      # @0 seg 1 m=1 n=5
    bmac [r0+1], 6, [r6+9], a0, 7, pos      # @0 seg 1 m=1 n=6
    bmac [r0+1], 7, [r6+9], a0, 8, pos      # @0 seg 1 m=1 n=7
    bmac [r0+1], 0, [r6+10], a0, 2, pos      # @0 seg 1 m=2 n=0
    bmac [r0+1], 1, [r6+10], a0, 3, pos      # @0 seg 1 m=2 n=1
    bmac [r0+1], 2, [r6+10], a0, 4, pos      # @0 seg 1 m=2 n=2
    bmac [r0+1], 3, [r6+10], a0, 5, pos      # @0 seg 1 m=2 n=3
    bmac [r0+1], 4, [r6+10], a0, 6, pos      # @0 seg 1 m=2 n=4
    bmac [r0+1], 5, [r6+10], a0, 7, pos      # @0 seg 1 m=2 n=5
    bmac [r0+1], 6, [r6+10], a0, 8, pos      # @0 seg 1 m=2 n=6
    bmac [r0+1], 7, [r6+10], a0, 9, pos      # @0 seg 1 m=2 n=7
    bmac [r0+1], 0, [r6+11], a0, 3, neg      # @0 seg 1 m=3 n=0
    bmac [r0+1], 1, [r6+11], a0, 4, neg      # @0 seg 1 m=3 n=1
    bmac [r0+1], 2, [r6+11], a0, 5, neg      # @0 seg 1 m=3 n=2
    bmac [r0+1], 3, [r6+11], a0, 6, neg      # @0 seg 1 m=3 n=3
    bmac [r0+1], 4, [r6+11], a0, 7, neg      # @0 seg 1 m=3 n=4
    bmac [r0+1], 5, [r6+11], a0, 8, neg      # @0 seg 1 m=3 n=5
    bmac [r0+1], 6, [r6+11], a0, 9, neg      # @0 seg 1 m=3 n=6
    bmac [r0+1], 7, [r6+11], a0, 10, neg      # @0 seg 1 m=3 n=7
    accadd [r0+0], a0, [r0+1], a0            # @0 merge the K segments
    accclr [r0+1], a0                        # @0
    vacc v0, [r7+0], [r0+0], a0, 1           # @0 lane f = W x
    addi r6, r6, 4                           # @0
    addi r7, r7, 1                           # @0
    dbnz r8, filter                          # @0
    vldc v1, [r0+0]                          # @1 bias
    vldc v2, [r0+3]                          # @1 multiplier
    vrq v3, v0, v1, v2, 12, up, u8           # @1 (acc + b) * m >> 12, ReLU + clip to u8
    vst v3, [r0+512], 1                      # @1
    halt
