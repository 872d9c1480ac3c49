package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// TestBilinearResizeOnDevice: bilinear upsampling by 2 and by 8
// (lraspp's segmentation head: half_pixel, sizes from the input) becomes
// edge pads, zero insertion and depthwise convs with the tent kernel
// (passes/resize_lower.go), so the model is one device segment with no
// host op, bit-exact with the quantized interpreter.
func TestBilinearResizeOnDevice(t *testing.T) {
	b := newGB(t, 5)
	resize := func(x *ir.Value, s int) *ir.Value {
		sh := x.Type.Shape
		out := []int{sh[0], sh[1], sh[2] * s, sh[3] * s}
		return b.op(ir.OpResize, ir.Attrs{"sizes": ir.IntsFromInts(out), "scale_ratios": ir.IntsFromInts(append(append([]int{}, out...), sh...)),
			"mode": ir.StringAttr("linear"), "coord": ir.StringAttr("half_pixel")}, x)
	}
	x := b.input(1, 3, 6, 6)
	r := resize(b.conv(x, 8, 3, 1, 1, 1, 1), 2)
	y := resize(b.conv(r, 4, 1, 1, 0, 1, 1), 8)
	b.g.Outputs = []*ir.Value{y}
	if err := ir.Verify(b.g); err != nil {
		t.Fatal(err)
	}
	if err := passes.NewManager().RunString(b.g, "canonicalize,quantize{calib=random:8}"); err != nil {
		t.Fatal(err)
	}
	in := tensor.New(tensor.Float32, 1, 3, 6, 6)
	for i := range in.F32 {
		in.F32[i] = float32(b.rng.Float64()*2 - 1)
	}
	res, _ := compileAndCheck(t, b.g, target.Default(), []*tensor.Tensor{in})
	if res.Segments != 1 || res.HostOps != 0 {
		t.Errorf("%d segments, %d host ops; want 1, 0", res.Segments, res.HostOps)
	}
}
