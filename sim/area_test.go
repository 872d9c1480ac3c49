package sim

import (
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// TestBufferWidths: the buffer bits a run uses (area.go). Source q clips
// int8 inputs to [0, 15] (4-bit codes) into words 8..11; source pool only
// moves codes (vld, vmax, vst) into 16..19, so they are q's 4-bit codes
// too; source acc adds (vadd) and stores act_word_bits (32) wide words at
// 24..27. The input port x holds 4 int8 codes. Bits: 4 x 4 + 4 x 4 +
// 4 x 32 + 4 x 8 = 192.
func TestBufferWidths(t *testing.T) {
	src := `
.source 0 layer="q" node="q" value="a"
.source 1 layer="pool" node="p" value="b"
.source 2 layer="acc" node="s" value="c"
.input "x" addr=0 shape=1x4 type=i8 scale=1 zp=0
.output "y" addr=16 shape=1x4 type=u4 scale=1 zp=0
    setvl [r0+4]                 # @0
    vld v0, [r0+0], 1            # @0
    vclip v1, v0, 0, 15          # @0
    vst v1, [r0+8], 1            # @0
    vld v2, [r0+8], 1            # @1
    vmax v3, v2, v2              # @1
    vst v3, [r0+16], 1           # @1
    vld v4, [r0+16], 1           # @2
    vadd v5, v4, v4              # @2
    vst v5, [r0+24], 1           # @2
    halt
`
	m, err := Load(asm(t, src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteInputRaw("x", []int64{-3, 7, 20, 1}); err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	r := m.Report(st)
	if r.BufferBitsUsed != 192 {
		t.Errorf("buffer bits %d, want 4x4 + 4x4 + 4x32 + 4x8 = 192", r.BufferBitsUsed)
	}
	if r.AreaUsedUM2 <= 0 || r.AreaUsedUM2 >= r.AreaTotalUM2 {
		t.Errorf("area used %v of %v", r.AreaUsedUM2, r.AreaTotalUM2)
	}
}

func TestRangeBits(t *testing.T) {
	for _, c := range []struct {
		lo, hi int64
		want   int
	}{{0, 0, 1}, {0, 1, 1}, {0, 15, 4}, {0, 16, 5}, {0, 255, 8}, {-8, 7, 4}, {-9, 7, 5}, {-1, 0, 1}, {-128, 127, 8}, {-1, 200, 9}} {
		if got := rangeBits(c.lo, c.hi); got != c.want {
			t.Errorf("rangeBits(%d, %d) = %d, want %d", c.lo, c.hi, got, c.want)
		}
	}
}
