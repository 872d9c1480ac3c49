package interp

import (
	"math/rand"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// builder assembles graphs by hand for tests and benchmarks; every node's
// output types come from ir.InferNode.
type builder struct {
	tb testing.TB
	g  *ir.Graph
	r  *rand.Rand
}

func newBuilder(tb testing.TB, name string, seed int64) *builder {
	return &builder{tb: tb, g: &ir.Graph{Name: name}, r: rand.New(rand.NewSource(seed))}
}

func (b *builder) input(name string, dt tensor.DType, shape ...int) *ir.Value {
	v := &ir.Value{Name: name, Type: ir.Type{DType: dt, Shape: shape}}
	b.g.Inputs = append(b.g.Inputs, v)
	return v
}

func (b *builder) cnst(name string, t *tensor.Tensor) *ir.Value { return b.g.AddConst(name, t) }

// randConst is a float32 constant with N(0, scale²) entries.
func (b *builder) randConst(name string, scale float64, shape ...int) *ir.Value {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32(b.r.NormFloat64() * scale)
	}
	return b.cnst(name, t)
}

func (b *builder) nodeN(op ir.Op, name string, attrs ir.Attrs, nout int, ins ...*ir.Value) []*ir.Value {
	n := &ir.Node{Op: op, Name: name, Attrs: attrs, Inputs: ins}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, &ir.Value{Name: name + "_out" + string(rune('0'+i)), Def: n})
	}
	if err := ir.InferNode(n); err != nil {
		b.tb.Fatalf("building %s: %v", name, err)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return n.Outputs
}

func (b *builder) node(op ir.Op, name string, attrs ir.Attrs, ins ...*ir.Value) *ir.Value {
	return b.nodeN(op, name, attrs, 1, ins...)[0]
}

func (b *builder) output(vs ...*ir.Value) *ir.Graph {
	b.g.Outputs = append(b.g.Outputs, vs...)
	return b.g
}

func ints(v ...int64) ir.Attr { return ir.IntsAttr(v...) }

// conv2d adds a square conv with bias: k×k kernel, stride s, pad p.
func (b *builder) conv2d(name string, x *ir.Value, f, k, s, p int) *ir.Value {
	c := x.Type.Shape[1]
	w := b.randConst(name+".w", 1/float64(k*k*c), f, c, k, k)
	bias := b.randConst(name+".b", 0.1, f)
	return b.node(ir.OpConv, name, ir.Attrs{
		"strides": ints(int64(s), int64(s)), "pads": ints(int64(p), int64(p), int64(p), int64(p)),
		"dilations": ints(1, 1), "group": ir.IntAttr(1),
	}, x, w, bias)
}

func (b *builder) relu(name string, x *ir.Value) *ir.Value { return b.node(ir.OpRelu, name, nil, x) }

func (b *builder) maxpool(name string, x *ir.Value, k, s int) *ir.Value {
	return b.node(ir.OpMaxPool, name, ir.Attrs{
		"kernel": ints(int64(k), int64(k)), "strides": ints(int64(s), int64(s)),
		"pads": ints(0, 0, 0, 0), "dilations": ints(1, 1),
	}, x)
}

func (b *builder) fc(name string, x *ir.Value, n int) *ir.Value {
	k := x.Type.Shape[1]
	return b.node(ir.OpFC, name, nil, x, b.randConst(name+".w", 1/float64(k), n, k), b.randConst(name+".b", 0.1, n))
}

// lenet5 is LeNet-5 on 28×28 inputs (unpadded convs): conv5x5(6) relu
// maxpool conv5x5(16) relu maxpool fc120 relu fc84 relu fc10.
func lenet5(tb testing.TB, batch int) *ir.Graph {
	b := newBuilder(tb, "lenet5", 1)
	x := b.input("x", tensor.Float32, batch, 1, 28, 28)
	h := b.maxpool("pool1", b.relu("relu1", b.conv2d("conv1", x, 6, 5, 1, 0)), 2, 2)
	h = b.maxpool("pool2", b.relu("relu2", b.conv2d("conv2", h, 16, 5, 1, 0)), 2, 2)
	h = b.node(ir.OpFlatten, "flatten", ir.Attrs{"axis": ir.IntAttr(1)}, h)
	h = b.relu("relu3", b.fc("fc1", h, 120))
	h = b.relu("relu4", b.fc("fc2", h, 84))
	return b.output(b.fc("fc3", h, 10))
}

// resnet18 is ResNet-18 for 32×32 CIFAR inputs with batch norm folded into
// the convs: a 3×3 stem of 64 channels, four stages of two basic blocks
// (64, 128, 256, 512 channels; stages 2-4 start with stride 2 and a 1×1
// stride-2 projection shortcut), global average pool and fc10.
func resnet18(tb testing.TB, batch int) *ir.Graph {
	b := newBuilder(tb, "resnet18", 2)
	x := b.input("x", tensor.Float32, batch, 3, 32, 32)
	h := b.relu("stem.relu", b.conv2d("stem", x, 64, 3, 1, 1))
	for stage, ch := range []int{64, 128, 256, 512} {
		for blk := 0; blk < 2; blk++ {
			name := "layer" + string(rune('1'+stage)) + "." + string(rune('0'+blk))
			stride := 1
			if stage > 0 && blk == 0 {
				stride = 2
			}
			y := b.relu(name+".relu1", b.conv2d(name+".conv1", h, ch, 3, stride, 1))
			y = b.conv2d(name+".conv2", y, ch, 3, 1, 1)
			short := h
			if stride != 1 || h.Type.Shape[1] != ch {
				short = b.conv2d(name+".down", h, ch, 1, stride, 0)
			}
			h = b.relu(name+".relu2", b.node(ir.OpAdd, name+".add", nil, y, short))
		}
	}
	h = b.node(ir.OpGlobalAvgPool, "gap", nil, h)
	h = b.node(ir.OpFlatten, "flatten", ir.Attrs{"axis": ir.IntAttr(1)}, h)
	return b.output(b.fc("fc", h, 10))
}

func randInput(seed int64, shape ...int) *tensor.Tensor {
	r := rand.New(rand.NewSource(seed))
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32(r.NormFloat64())
	}
	return t
}
