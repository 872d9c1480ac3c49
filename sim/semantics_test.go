package sim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// runAsm runs a program and returns the machine after halt.
func runAsm(t *testing.T, src string) *Machine {
	t.Helper()
	m, err := Load(asm(t, src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantWords(t *testing.T, m *Machine, addr int, want ...int32) {
	t.Helper()
	for i, w := range want {
		if got := m.abuf[addr+i]; got != w {
			t.Errorf("ABUF[%d] = %d, want %d (ABUF[%d:] = %v)", addr+i, got, w, addr, m.abuf[addr:addr+len(want)])
			return
		}
	}
}

func TestScalarOps(t *testing.T) {
	m := runAsm(t, `
    li r1, 2147483647
    addi r2, r1, 1          # wraps to -2^31
    li r3, -7
    srai r4, r3, 1          # -4 (arithmetic)
    slli r5, r3, 2          # -28
    mul r6, r1, r1          # low 32 bits: 1
    muli r7, r3, 3          # -21
    min r8, r3, r5          # -28
    max r9, r3, r5          # -7
    sub r10, r3, r5         # 21
    li r0, 99               # discarded
    add r11, r0, r3         # -7
    st r2, [r0+0]
    st r4, [r0+1]
    st r5, [r0+2]
    st r6, [r0+3]
    st r7, [r0+4]
    st r8, [r0+5]
    st r9, [r0+6]
    st r10, [r0+7]
    st r11, [r0+8]
    halt
`)
	wantWords(t, m, 0, math.MinInt32, -4, -28, 1, -21, -28, -7, 21, -7)
}

func TestBranchesAndLoops(t *testing.T) {
	m := runAsm(t, `
    li r1, 5
    li r2, 0
loop:
    addi r2, r2, 3
    dbnz r1, loop           # 5 iterations: r2 = 15
    li r3, 1
    li r4, 2
    blt r3, r4, a           # taken
    li r2, -1
a:
    bge r3, r4, bad         # not taken
    beq r3, r3, b           # taken
bad:
    li r2, -2
b:
    bne r3, r3, bad         # not taken
    st r2, [r0+0]
    jmp end
    li r2, -3
end:
    st r1, [r0+1]
    dbnz r0, bad2           # r0 stays 0: never branches
    halt
bad2:
    st r3, [r0+1]
`)
	wantWords(t, m, 0, 15, 0)
}

func TestBufferOps(t *testing.T) {
	m := runAsm(t, `
    li r1, 10
    li r2, 4
    li r3, 7
    bfill r1, r2, r3        # ABUF[10..13] = 7
    li r4, 1
    st r4, [r0+10]          # 1 7 7 7
    li r5, 11
    li r6, 3
    bcopy r5, r1, r6        # overlapping copy forward (memmove): ABUF[11..13] = 1 7 7
    ldc r7, [r0+1]
    st r7, [r0+20]
    ld r8, [r1+3]
    st r8, [r0+21]
    halt
.const c addr=0 len=2
.data 5 -6
`)
	wantWords(t, m, 10, 1, 1, 7, 7)
	wantWords(t, m, 20, -6, 7)
}

// TestArrayOps runs and/or/rdrow/popc/shadd separately and checks them
// against the fused bmac, accumulator saturation at acc_bits (24) and
// accadd / vacc.
func TestArrayOps(t *testing.T) {
	m := runAsm(t, `
.weights sa=0 row=4 src=-1 hex=ff00ff0000000000000000000000000000000000000000000000000000000001
.weights sa=0 row=5 src=-1 hex=0f0f0f0000000000000000000000000000000000000000000000000000000003
.weights sa=1 row=4 src=-1 hex=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
    and [r0+0], 4, [r0+5]   # 4 + 4 + 1 = 9 ones
    popc [r0+0]
    shadd [r0+0], a0, 2, pos    # +36
    or [r0+0], 4, [r0+5]    # 8+4+8+2 = 22
    popc [r0+0]
    shadd [r0+0], a0, 0, neg    # 36 - 22 = 14
    bmac [r0+0], 4, [r0+5], a0, 1, pos  # + 18 = 32
    rdrow [r0+0], [r0+5]    # 4+4+4+2 = 14
    popc [r0+0]
    shadd [r0+0], a0, 0, pos    # 46
    setvl [r0+4]
    vbcast v0, r0
    vacc v0, [r0+0], [r0+0], a0, 0     # lane 0 = 46, a0 kept
    accadd [r0+1], a0, [r0+0], a0      # sa1.a0 = 46
    bmac [r0+1], 4, [r0+4], a0, 0, pos # + 256 = 302
    vacc v0, [r0+1], [r0+1], a0, 1     # lane 1 = 302, cleared
    vacc v0, [r0+2], [r0+1], a0, 0     # lane 2 = 0
    # saturation: 256 << 31 would overflow; acc_bits = 24
    bmac [r0+1], 4, [r0+4], a0, 31, pos
    vacc v0, [r0+3], [r0+1], a0, 1     # lane 3 = 2^23 - 1
    bmac [r0+1], 4, [r0+4], a0, 31, neg
    bmac [r0+1], 4, [r0+4], a0, 31, neg
    vacc v0, [r0+63], [r0+1], a0, 1    # lane 63 >= VL: allowed, = -2^23
    vst v0, [r0+0], 1
    setvl [r0+64]
    vst v0, [r0+100], 1
    halt
`)
	wantWords(t, m, 0, 46, 302, 0, 1<<23-1)
	if got := m.abuf[100+63]; got != -(1 << 23) {
		t.Errorf("lane 63 = %d, want %d", got, -(1 << 23))
	}
}

func TestVectorOps(t *testing.T) {
	m := runAsm(t, `
    li r1, 2147483000
    setvl [r0+3]
    vldc v1, [r0+0]          # 10 -20 30
    vldc v2, [r0+3]          # 3 4 -5
    vadd v3, v1, v2          # 13 -16 25
    vsub v4, v1, v2          # 7 -24 35
    vmax v5, v1, v2          # 10 4 30
    vmin v6, v1, v2          # 3 -20 -5
    vclip v7, v1, -5, 12     # 10 -5 12
    vbcast v0, r1
    vadd v0, v0, v0          # saturates: 2147483647
    vmov v1, v0
    vst v3, [r0+0], 1
    vst v4, [r0+3], 1
    vst v5, [r0+6], 1
    vst v6, [r0+9], 1
    vst v7, [r0+12], 1
    vst v1, [r0+17], -1      # stride -1: ABUF[17], [16], [15]
    li r2, 30
    vld v2, [r2+0], 2        # ABUF[30], [32], [34] (zero)
    vst v2, [r0+40], 1
    halt
.const a addr=0 len=6
.data 10 -20 30 3 4 -5
`)
	wantWords(t, m, 0, 13, -16, 25, 7, -24, 35, 10, 4, 30, 3, -20, -5, 10, -5, 12)
	wantWords(t, m, 15, math.MaxInt32, math.MaxInt32, math.MaxInt32)
	wantWords(t, m, 40, 0, 0, 0)
}

// TestVrq checks requantization: t = sat32(a+b) * m, roundshift, clamp to
// the type; hand-computed cases of each rounding mode.
func TestVrq(t *testing.T) {
	m := runAsm(t, `
    setvl [r0+6]
    vldc v1, [r0+0]
    vldc v2, [r0+6]
    vldc v3, [r0+12]
    vrq v4, v1, v2, v3, 2, up, i32
    vrq v5, v1, v2, v3, 2, away, i32
    vrq v6, v1, v2, v3, 2, even, i32
    vrq v7, v1, v2, v3, 2, floor, i32
    vrq v0, v1, v2, v3, 2, up, u4
    vst v4, [r0+0], 1
    vst v5, [r0+6], 1
    vst v6, [r0+12], 1
    vst v7, [r0+18], 1
    vst v0, [r0+24], 1
    halt
.const a addr=0 len=18
.data 2 6 -2 -6 100 2147483647
.data 0 0 0 0 0 1
.data 1 1 1 1 1 1
`)
	// x/4 for x = 2, 6, -2, -6, 100 and sat32(2^31-1 + 1) = 2^31-1:
	//   up (floor(x/4 + 1/2)): 1 2 0 -1 25 536870912
	//   away:                  1 2 -1 -2 25 536870912
	//   even:                  0 2 0 -2 25 536870912
	//   floor:                 0 1 -1 -2 25 536870911
	wantWords(t, m, 0, 1, 2, 0, -1, 25, 536870912)
	wantWords(t, m, 6, 1, 2, -1, -2, 25, 536870912)
	wantWords(t, m, 12, 0, 2, 0, -2, 25, 536870912)
	wantWords(t, m, 18, 0, 1, -1, -2, 25, 536870911)
	wantWords(t, m, 24, 1, 2, 0, 0, 15, 15) // u4 clamps to [0, 15]
}

// TestWrpTwosComplementPlanes writes negative patch values and reads the
// planes back: plane b of column c is bit b of the int32.
func TestWrpTwosComplementPlanes(t *testing.T) {
	m := runAsm(t, `
    li r1, -3               # ...11101
    st r1, [r0+0]
    li r1, 5
    st r1, [r0+1]
    pzero p1
    pld p1, 200, [r0+0], 2  # columns 200, 201
    wrp [r0+7], [r0+0], p1, 0
    wrp [r0+7], [r0+1], p1, 1
    wrp [r0+7], [r0+2], p1, 31
    rdrow [r0+7], [r0+0]
    popc [r0+7]
    halt
`)
	sa := m.sas[7]
	plane := func(row, col int) uint64 { return sa.bits[row*4+col/64] >> (col % 64) & 1 }
	for _, c := range []struct {
		row, col int
		want     uint64
	}{
		{0, 200, 1}, {0, 201, 1}, {1, 200, 0}, {1, 201, 0}, {2, 200, 1}, {2, 201, 0}, {0, 0, 0},
	} {
		if got := plane(c.row, c.col); got != c.want {
			t.Errorf("row %d col %d = %d, want %d", c.row, c.col, got, c.want)
		}
	}
	if sa.count != 2 {
		t.Errorf("popcount of plane 0 = %d, want 2", sa.count)
	}
}

// TestPlaneCache checks the transposed plane cache against the direct
// packing, for random patches (negative values, partial extents) and every
// bit.
func TestPlaneCache(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := range 200 {
		cols := 8 * (1 + r.IntN(256))
		patch := make([]int32, cols)
		ext := r.IntN(cols + 1)
		for i := range ext {
			patch[i] = int32(r.Uint32())
			if r.IntN(3) == 0 {
				patch[i] = int32(r.IntN(16)) - 8
			}
		}
		var pp patchPlanes
		// a stale, wider cache must be cleared by fill
		for b := range pp.p {
			for w := range pp.p[b] {
				pp.p[b][w] = ^uint64(0)
			}
		}
		pp.words = len(pp.p[0])
		pp.fill(patch, ext)
		words := (cols + 63) / 64
		for b := range 8 {
			want := make([]uint64, words)
			packPlane(want, patch, uint(b))
			got := make([]uint64, words)
			copy(got, pp.p[b][:pp.words])
			for w := range words {
				if got[w] != want[w] {
					t.Fatalf("trial %d: cols %d ext %d bit %d word %d: %#x, want %#x", trial, cols, ext, b, w, got[w], want[w])
				}
			}
		}
	}
}
