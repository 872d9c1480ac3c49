package backend_test

import (
	"math/rand"
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

// TestNearestUpsampleOnDevice: PyTorch's nn.Upsample(scale_factor=2,
// mode='nearest') (testdata/models/upsample/gen_upsample.py: Resize,
// asymmetric, floor) becomes zero insertion and a depthwise conv with a
// 2x2 kernel of ones, one weight plane (binary: every code +1), so the model is one device segment
// with no host op, bit-exact with the quantized interpreter on random
// inputs.
func TestNearestUpsampleOnDevice(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/upsample/upsample_nearest.onnx", "calib=random:8")
	rng := rand.New(rand.NewSource(9))
	var inputs [][]*tensor.Tensor
	for range 3 {
		in := tensor.New(tensor.Float32, 1, 3, 8, 8)
		for i := range in.F32 {
			in.F32[i] = float32(rng.Float64()*2 - 1)
		}
		inputs = append(inputs, []*tensor.Tensor{in})
	}
	res, _ := compileAndCheck(t, g, target.Default(), inputs...)
	if res.Segments != 1 || res.HostOps != 0 {
		t.Errorf("%d segments, %d host ops; want 1, 0", res.Segments, res.HostOps)
	}
	ones := 0
	for _, l := range res.Layers {
		if l.OnnxOp == "Resize" {
			ones++
			if l.M != 1 {
				t.Errorf("layer %s: %d weight planes (W%d), want 1", l.Node, l.M, l.WBits)
			}
		}
	}
	if ones != 1 {
		t.Errorf("%d layers from the Resize, want 1", ones)
	}
}

// TestNearestResizeKeptOnHost: a nearest resize whose index map does not
// repeat cells (asymmetric with ceil reads cell 1 for output 1) stays on
// the host, and HostReason names the first output reading another cell.
func TestNearestResizeKeptOnHost(t *testing.T) {
	b := newGB(t, 5)
	x := b.input(1, 3, 6, 6)
	c := b.conv(x, 4, 3, 1, 1, 1, 1)
	sh := c.Type.Shape
	out := []int{sh[0], sh[1], sh[2] * 2, sh[3] * 2}
	r := b.op(ir.OpResize, ir.Attrs{"sizes": ir.IntsFromInts(out), "scale_ratios": ir.IntsFromInts(append(append([]int{}, out...), sh...)),
		"mode": ir.StringAttr("nearest"), "coord": ir.StringAttr("asymmetric"), "nearest_mode": ir.StringAttr("ceil")}, c)
	b.g.Outputs = []*ir.Value{b.conv(r, 4, 1, 1, 0, 1, 1)}
	if err := passes.NewManager().RunString(b.g, "canonicalize,quantize{calib=random:8}"); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range b.g.Nodes {
		if n.Op == ir.OpResize {
			found = true
			want := "resize-lower leaves it: nearest: coordinates asymmetric with nearest_mode ceil do not repeat each cell 2 times (output 1 of axis 2 reads cell 1)"
			if got := passes.HostReason(n); got != want {
				t.Errorf("host reason %q, want %q", got, want)
			}
		}
	}
	if !found {
		t.Error("the resize was lowered")
	}
}
