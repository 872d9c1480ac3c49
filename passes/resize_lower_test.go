package passes

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// resize builds a 4-D resize of x to sizes with the given mode and
// coordinate transformation (scales: the size ratios, as an ONNX sizes
// input gives them).
func (b *builder) resize(x *ir.Value, mode, coord string, sizes ...int) *ir.Value {
	ratios := append(append([]int{}, sizes...), x.Type.Shape...)
	return b.node(ir.OpResize, ir.Attrs{"sizes": ir.IntsFromInts(sizes), "scale_ratios": ir.IntsFromInts(ratios),
		"mode": ir.StringAttr(mode), "coord": ir.StringAttr(coord)}, x)
}

// TestResizeLower checks the rewrite of bilinear upsampling by even integer
// factors against the interpreter's resize kernel (equal within float32
// rounding, checkPipeline's tolerance) for factors 2, 4 and 8 on either or
// both axes, half_pixel and pytorch_half_pixel, a 1-cell axis; that each
// case leaves no resize, and that the others (cubic, odd and fractional
// factors, align_corners, downsampling) stay.
func TestResizeLower(t *testing.T) {
	for i, tc := range []struct {
		in, out []int
		mode    string
		coord   string
		lowered bool
	}{
		{[]int{1, 3, 5, 4}, []int{1, 3, 10, 8}, "linear", "half_pixel", true},
		{[]int{2, 2, 3, 6}, []int{2, 2, 24, 6}, "linear", "half_pixel", true},
		{[]int{1, 4, 3, 3}, []int{1, 4, 6, 12}, "linear", "pytorch_half_pixel", true},
		{[]int{1, 2, 1, 2}, []int{1, 2, 8, 16}, "linear", "half_pixel", true},
		{[]int{1, 2, 3, 3}, []int{1, 2, 6, 6}, "nearest", "asymmetric", true}, // replication: TestResizeLowerNearest
		{[]int{1, 2, 3, 3}, []int{1, 2, 9, 9}, "linear", "half_pixel", false},
		{[]int{1, 2, 4, 4}, []int{1, 2, 6, 6}, "linear", "half_pixel", false},
		{[]int{1, 2, 3, 3}, []int{1, 2, 6, 6}, "linear", "align_corners", false},
		{[]int{1, 2, 8, 8}, []int{1, 2, 4, 4}, "linear", "half_pixel", false},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b := newBuilder(t)
			g := b.output(b.resize(b.input("x", tc.in...), tc.mode, tc.coord, tc.out...))
			checkPipeline(t, g, "resize-lower,conv-transpose-lower,dce")
			ops := countOps(g)
			if (ops[ir.OpResize] == 0) != tc.lowered {
				t.Fatalf("ops %v, lowered %v", ops, tc.lowered)
			}
			if tc.lowered && (ops[ir.OpConv] == 0 || ops[ir.OpConvTranspose] != 0) {
				t.Errorf("ops %v: want convs, no conv_transpose", ops)
			}
		})
	}
}

// TestResizeTentExactBits: the tent kernels of factors 2 and 8 are exact at
// 3 and 5 bits.
func TestResizeTentExactBits(t *testing.T) {
	for _, tc := range []struct{ s, bits int }{{2, 3}, {8, 5}} {
		b := newBuilder(t)
		g := b.output(b.resize(b.input("x", 1, 2, 3, 3), "linear", "half_pixel", 1, 2, 3*tc.s, 3))
		if err := NewManager().RunString(g, "resize-lower"); err != nil {
			t.Fatal(err)
		}
		for _, n := range g.Nodes {
			if n.Op == ir.OpConvTranspose {
				if got := exactWeightBits(n.Inputs[1].Const, 8, true); got != tc.bits {
					t.Errorf("factor %d: %d bits, want %d", tc.s, got, tc.bits)
				}
			}
		}
	}
}

// TestResizeLowerNearest checks the nearest rewrite against the
// interpreter's resize for the coordinate and nearest modes whose index map
// repeats each cell s times (lowered to one conv with ones, exact at 2
// weight bits) and for maps that do not (kept, with a reason naming the
// first output that reads another cell).
func TestResizeLowerNearest(t *testing.T) {
	for i, tc := range []struct {
		in, out     []int
		coord, near string
		lowered     bool
	}{
		{[]int{1, 3, 4, 5}, []int{1, 3, 8, 10}, "asymmetric", "floor", true},
		{[]int{2, 2, 3, 3}, []int{2, 2, 9, 3}, "asymmetric", "floor", true},
		{[]int{1, 2, 3, 4}, []int{1, 2, 6, 8}, "asymmetric", "round_prefer_floor", true},
		{[]int{1, 2, 3, 4}, []int{1, 2, 12, 4}, "asymmetric", "round_prefer_floor", false},
		{[]int{1, 2, 3, 4}, []int{1, 2, 6, 8}, "half_pixel", "round_prefer_floor", true},
		{[]int{1, 2, 3, 4}, []int{1, 2, 9, 16}, "half_pixel", "round_prefer_ceil", true},
		{[]int{1, 2, 3, 4}, []int{1, 2, 6, 8}, "tf_half_pixel_for_nn", "floor", true},
		{[]int{1, 2, 3, 4}, []int{1, 2, 6, 8}, "asymmetric", "ceil", false},
		{[]int{1, 2, 3, 4}, []int{1, 2, 6, 8}, "asymmetric", "round_prefer_ceil", false},
		{[]int{1, 2, 3, 4}, []int{1, 2, 6, 8}, "align_corners", "floor", false},
		{[]int{1, 2, 4, 4}, []int{1, 2, 6, 6}, "asymmetric", "floor", false},
		{[]int{1, 2, 4, 4}, []int{1, 2, 2, 2}, "asymmetric", "floor", false},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b := newBuilder(t)
			y := b.resize(b.input("x", tc.in...), "nearest", tc.coord, tc.out...)
			y.Def.Attrs["nearest_mode"] = ir.StringAttr(tc.near)
			g := b.output(y)
			why := resizeKeptWhy(y.Def)
			checkPipeline(t, g, "resize-lower,conv-transpose-lower,dce")
			ops := countOps(g)
			if (ops[ir.OpResize] == 0) != tc.lowered {
				t.Fatalf("ops %v, lowered %v (%s)", ops, tc.lowered, why)
			}
			if !tc.lowered && !strings.HasPrefix(why, "nearest: ") {
				t.Errorf("kept for %q", why)
			}
			for _, n := range g.Nodes {
				if n.Op == ir.OpConv {
					if got := exactWeightBits(n.Inputs[1].Const, 8, true); got != 2 {
						t.Errorf("ones kernel exact at %d bits, want 2", got)
					}
				}
			}
			if tc.lowered && (ops[ir.OpConv] != 1 || ops[ir.OpZeroInsert] != 1) {
				t.Errorf("ops %v: want one zero_insert and one conv", ops)
			}
		})
	}
}
