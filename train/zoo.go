package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Architectures Build knows.
var Archs = []string{"lenet5", "resnet-small"}

// Build returns a freshly initialized float graph of architecture arch for
// inputs [1, C, H, W] (the batch dimension is free at training time) and
// classes outputs. Weights are Kaiming-uniform from a PCG generator seeded
// with seed, biases zero, batch norms the identity.
func Build(arch string, inShape []int, classes int, seed uint64) (*ir.Graph, error) {
	if len(inShape) != 3 {
		return nil, fmt.Errorf("train: input shape %v, want [C, H, W]", inShape)
	}
	b := &gb{g: &ir.Graph{Name: arch, Stage: ir.StageImport, Producer: "pimc train", Opset: 13}, r: rand.New(rand.NewPCG(seed, 0x5eed))}
	x := &ir.Value{Name: "input", Type: ir.Type{DType: tensor.Float32, Shape: append([]int{1}, inShape...)}}
	b.g.Inputs = []*ir.Value{x}
	var out *ir.Value
	switch arch {
	case "lenet5":
		out = b.lenet5(x, classes)
	case "resnet-small":
		out = b.resnetSmall(x, classes)
	default:
		return nil, fmt.Errorf("train: unknown architecture %q (want one of %v)", arch, Archs)
	}
	if b.err != nil {
		return nil, fmt.Errorf("train: building %s: %w", arch, b.err)
	}
	out.Name = "logits"
	b.g.Outputs = []*ir.Value{out}
	if err := ir.Verify(b.g); err != nil {
		return nil, fmt.Errorf("BUG: train: %s graph does not verify: %v", arch, err)
	}
	return b.g, nil
}

// lenet5: conv5x5(6, pad 2) relu maxpool2 conv5x5(16) relu maxpool2 fc120
// relu fc84 relu fc(classes).
func (b *gb) lenet5(x *ir.Value, classes int) *ir.Value {
	h := b.maxPool(b.relu(b.conv("conv1", x, 6, 5, 1, 2, true)), 2)
	h = b.maxPool(b.relu(b.conv("conv2", h, 16, 5, 1, 0, true)), 2)
	h = b.flatten(h)
	h = b.relu(b.fc("fc1", h, 120))
	h = b.relu(b.fc("fc2", h, 84))
	return b.fc("fc3", h, classes)
}

// resnetSmall: stem conv3x3(16)+BN+ReLU, three stages of two basic blocks
// (16, 32, 64 channels; the first block of stages 2 and 3 has stride 2 and
// a 1x1 conv+BN shortcut), global average pooling, fc(classes).
func (b *gb) resnetSmall(x *ir.Value, classes int) *ir.Value {
	h := b.relu(b.bn("stem.bn", b.conv("stem.conv", x, 16, 3, 1, 1, false)))
	for s, ch := range []int{16, 32, 64} {
		for k := 0; k < 2; k++ {
			stride := 1
			if s > 0 && k == 0 {
				stride = 2
			}
			h = b.basicBlock(fmt.Sprintf("layer%d.%d", s+1, k), h, ch, stride)
		}
	}
	h = b.flatten(b.node(ir.OpGlobalAvgPool, "gap", nil, h))
	return b.fc("fc", h, classes)
}

func (b *gb) basicBlock(name string, x *ir.Value, ch, stride int) *ir.Value {
	h := b.relu(b.bn(name+".bn1", b.conv(name+".conv1", x, ch, 3, stride, 1, false)))
	h = b.bn(name+".bn2", b.conv(name+".conv2", h, ch, 3, 1, 1, false))
	short := x
	if stride != 1 || x.Type.Shape[1] != ch {
		short = b.bn(name+".down.bn", b.conv(name+".down.conv", x, ch, 1, stride, 0, false))
	}
	return b.relu(b.node(ir.OpAdd, name+".add", nil, h, short))
}

// gb builds a graph, inferring every node's output type; the first error
// sticks.
type gb struct {
	g   *ir.Graph
	r   *rand.Rand
	err error
	n   int
}

func (b *gb) node(op ir.Op, name string, attrs ir.Attrs, ins ...*ir.Value) *ir.Value {
	if name == "" {
		b.n++
		name = fmt.Sprintf("%s_%d", op, b.n)
	}
	n := &ir.Node{Op: op, Name: name, Attrs: attrs, Inputs: ins}
	out := &ir.Value{Name: name + ".out", Def: n}
	n.Outputs = []*ir.Value{out}
	if err := ir.InferNode(n); err != nil && b.err == nil {
		b.err = err
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return out
}

// uniform returns a constant with U(-bound, bound) entries.
func (b *gb) uniform(name string, bound float64, shape ...int) *ir.Value {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32((2*b.r.Float64() - 1) * bound)
	}
	return b.g.AddConst(name, t)
}

func (b *gb) filled(name string, v float32, shape ...int) *ir.Value {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = v
	}
	return b.g.AddConst(name, t)
}

// kaiming is the Kaiming-uniform bound for ReLU networks, sqrt(6/fan_in).
func kaiming(fanIn int) float64 { return math.Sqrt(6 / float64(fanIn)) }

func (b *gb) conv(name string, x *ir.Value, f, k, stride, pad int, bias bool) *ir.Value {
	c := x.Type.Shape[1]
	w := b.uniform(name+".weight", kaiming(c*k*k), f, c, k, k)
	ins := []*ir.Value{x, w}
	if bias {
		ins = append(ins, b.filled(name+".bias", 0, f))
	}
	return b.node(ir.OpConv, name, ir.Attrs{
		"strides": ir.IntsAttr(int64(stride), int64(stride)), "pads": ir.IntsAttr(int64(pad), int64(pad), int64(pad), int64(pad)),
		"dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1)}, ins...)
}

func (b *gb) bn(name string, x *ir.Value) *ir.Value {
	c := x.Type.Shape[1]
	return b.node(ir.OpBatchNorm, name, ir.Attrs{"epsilon": ir.FloatAttr(1e-5)}, x,
		b.filled(name+".weight", 1, c), b.filled(name+".bias", 0, c), b.filled(name+".running_mean", 0, c), b.filled(name+".running_var", 1, c))
}

func (b *gb) fc(name string, x *ir.Value, n int) *ir.Value {
	k := x.Type.Shape[1]
	w := b.uniform(name+".weight", kaiming(k), n, k)
	return b.node(ir.OpFC, name, nil, x, w, b.filled(name+".bias", 0, n))
}

func (b *gb) relu(x *ir.Value) *ir.Value { return b.node(ir.OpRelu, "", nil, x) }

func (b *gb) maxPool(x *ir.Value, k int) *ir.Value {
	return b.node(ir.OpMaxPool, "", ir.Attrs{"kernel": ir.IntsAttr(int64(k), int64(k)), "strides": ir.IntsAttr(int64(k), int64(k)),
		"pads": ir.IntsAttr(0, 0, 0, 0), "dilations": ir.IntsAttr(1, 1)}, x)
}

func (b *gb) flatten(x *ir.Value) *ir.Value {
	return b.node(ir.OpFlatten, "", ir.Attrs{"axis": ir.IntAttr(1)}, x)
}
