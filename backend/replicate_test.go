package backend_test

import (
	"strconv"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestReplicasBitExact: replicated layers (2, 3 with remainder rows, 4,
// auto) stay bit-exact on groups, strides, pads, dilations, depthwise, pools
// and fc, and on 150 filters in three lane chunks (clamped to 2 replicas:
// one accumulator register each).
func TestReplicasBitExact(t *testing.T) {
	for _, rep := range []int{2, 3, 4, mapping.Auto} {
		opts := strconv.Itoa(rep)
		if rep == mapping.Auto {
			opts = "auto"
		}
		b := newGB(t, 1)
		x := b.input(1, 4, 11, 13)
		y := b.relu(b.conv(x, 6, 3, 2, 1, 2, 2))   // groups 2, stride 2, pad 1, dilation 2
		y = b.pool(ir.OpMaxPool, y, 3, 2, 1, 1, 0) // padded, ceil mode
		y = b.relu(b.conv(y, 6, 3, 1, 1, 1, 6))    // depthwise
		f := b.op(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, y)
		gr, ins := b.finish("wbits=4,abits=4,keep-ends=false", b.fc(f, 7))
		res, _ := compileAndCheckRep(t, gr, target.Default(), opts, ins...)
		if rep != mapping.Auto && res.Layers[0].Replicas != rep {
			t.Errorf("replicate=%d: conv got %d replicas", rep, res.Layers[0].Replicas)
		}

		b = newGB(t, 3)
		x = b.input(1, 40, 6, 6)
		y = b.relu(b.conv(x, 150, 3, 1, 1, 1, 1)) // 3 lane chunks
		gr, ins = b.finish("wbits=8,abits=8", y)
		res, _ = compileAndCheckRep(t, gr, target.Default(), opts, ins...)
		if r := res.Layers[0].Replicas; r > 2 {
			t.Errorf("replicate=%d: 150 filters in 3 lane chunks got %d replicas, at most 2", rep, r)
		}
	}
}

// TestReplicasLeNet: on LeNet-5, replicate=auto gives conv1 and conv2 a
// second copy on the serial target (one sub-array each, sense-bound) and,
// on the default target, whose group instructions drive the replicas with
// the same gbmacs, as many as fit side by side in one DPU vector (conv1:
// 10 of 6 channels, conv2: 4, the minimum); none to the fcs (one pixel). It stays bit-exact
// and lowers the simulated latency.
func TestReplicasLeNet(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for i := range x.F32 {
		x.F32[i] = float32(i%29) / 28 // a deterministic image-like ramp in [0, 1]
	}
	in := []*tensor.Tensor{x}
	serial, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tgt          *target.Target
		conv1, conv2 int
	}{{serial, 2, 2}, {target.Default(), 10, 4}} {
		base, r0 := compileAndCheck(t, g, c.tgt, in)
		auto, r1 := compileAndCheckRep(t, g, c.tgt, "auto", in)
		want := map[string]int{"conv1": c.conv1, "conv2": c.conv2, "fc1": 1, "fc2": 1, "fc3": 1}
		for _, l := range auto.Layers {
			if l.Replicas != want[l.Node] {
				t.Errorf("%s: %s: %d replicas, want %d", c.tgt.Name, l.Node, l.Replicas, want[l.Node])
			}
		}
		if more := c.conv1 + c.conv2 - 2; auto.Subarrays != base.Subarrays+more {
			t.Errorf("%s: auto uses %d sub-arrays, unreplicated %d: want %d more", c.tgt.Name, auto.Subarrays, base.Subarrays, more)
		}
		l0, l1 := r0.Stats[0].LatencyPS, r1.Stats[0].LatencyPS
		if float64(l1) > 0.9*float64(l0) {
			t.Errorf("%s: latency %d ps with replicas, %d ps without: want at least 10%% less", c.tgt.Name, l1, l0)
		}
	}
}

// TestPackedReplicas: with group instructions replicate=auto packs the
// replicas of a narrow layer side by side in one DPU register (here 12
// replicas of 5 channels, more than the 4 accumulator registers), each run
// of 12 adjacent pixels of a 29-pixel row one iteration and the last 5 a
// shorter one, bit-exact; a layer of 70 channels (two lane chunks) keeps
// one register per replica (at most 2).
func TestPackedReplicas(t *testing.T) {
	b := newGB(t, 4)
	x := b.input(1, 3, 6, 29)
	y := b.relu(b.conv(x, 5, 3, 1, 1, 1, 1))
	y = b.relu(b.conv(y, 70, 1, 1, 0, 1, 1))
	gr, ins := b.finish("wbits=8,abits=8", y)
	res, _ := compileAndCheckRep(t, gr, target.Default(), "auto", ins...)
	if r := res.Layers[0].Replicas; r != 12 {
		t.Errorf("5 channels: %d replicas, want 12 (64 lanes / 5)", r)
	}
	if r := res.Layers[1].Replicas; r != 2 {
		t.Errorf("70 channels: %d replicas, want 2", r)
	}
	vrqs := 0
	for _, in := range res.Prog.Code {
		if in.Op == isa.OpVrq && in.Src == res.Prog.Code[0].Src {
			vrqs++
		}
	}
	if vrqs != 2 {
		t.Errorf("first layer: %d vrq instructions, want one per nest (packed replicas requantize together)", vrqs)
	}
}
