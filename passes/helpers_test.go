package passes

import (
	"fmt"
	"math/rand"
	"os"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// fileManager is NewManager with what a command gives it (package driver):
// calibration inputs and config files read from disk, targets loaded by
// name, IR dumps written to disk.
func fileManager() *Manager {
	m := NewManager()
	m.Env = Env{Calib: data.CalibSamples, ReadFile: os.ReadFile, LoadTarget: target.LoadOrPreset}
	m.Files = outfile.Disk{}
	return m
}

// builder makes small graphs by hand for the pass tests. Node outputs get
// ONNX-like names (v1, v2, ...) so tests can check names survive.
type builder struct {
	t   testing.TB
	g   *ir.Graph
	rng *rand.Rand
	seq int
}

func newBuilder(t testing.TB) *builder {
	return &builder{t: t, g: &ir.Graph{Name: t.Name()}, rng: rand.New(rand.NewSource(1))}
}

func (b *builder) input(name string, shape ...int) *ir.Value {
	v := &ir.Value{Name: name, Type: ir.Type{DType: tensor.Float32, Shape: shape}}
	b.g.Inputs = append(b.g.Inputs, v)
	return v
}

// randConst adds a constant with values uniform in [lo, hi).
func (b *builder) randConst(name string, lo, hi float64, shape ...int) *ir.Value {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32(lo + (hi-lo)*b.rng.Float64())
	}
	return b.g.AddConst(name, t)
}

func (b *builder) constF32(name string, vals []float32, shape ...int) *ir.Value {
	return b.g.AddConst(name, tensor.FromF32(vals, shape...))
}

func (b *builder) constI64(name string, vals []int64, shape ...int) *ir.Value {
	return b.g.AddConst(name, tensor.FromI64(tensor.Int64, vals, shape...))
}

// node appends a node with n outputs typed by shape inference.
func (b *builder) nodeN(op ir.Op, nout int, attrs ir.Attrs, inputs ...*ir.Value) []*ir.Value {
	b.t.Helper()
	b.seq++
	n := &ir.Node{Op: op, Inputs: inputs, Attrs: attrs, Name: fmt.Sprintf("%s_%d", op, b.seq), OnnxOp: string(op)}
	if n.Attrs == nil {
		n.Attrs = ir.Attrs{}
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, &ir.Value{Name: fmt.Sprintf("v%d_%d", b.seq, i), Def: n})
	}
	if err := ir.InferNode(n); err != nil {
		b.t.Fatalf("builder: %v", err)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return n.Outputs
}

func (b *builder) node(op ir.Op, attrs ir.Attrs, inputs ...*ir.Value) *ir.Value {
	b.t.Helper()
	return b.nodeN(op, 1, attrs, inputs...)[0]
}

func (b *builder) output(vs ...*ir.Value) *ir.Graph {
	b.g.Outputs = append(b.g.Outputs, vs...)
	return b.g
}

// conv2d adds a conv with f filters of size k (stride 1, pad k/2) and
// random weights and bias.
func (b *builder) conv2d(x *ir.Value, f, k int, bias bool) *ir.Value {
	c := x.Type.Shape[1]
	w := b.randConst(fmt.Sprintf("w%d", b.seq+1), -0.5, 0.5, f, c, k, k)
	ins := []*ir.Value{x, w}
	if bias {
		ins = append(ins, b.randConst(fmt.Sprintf("b%d", b.seq+1), -0.5, 0.5, f))
	}
	p := int64(k / 2)
	return b.node(ir.OpConv, ir.Attrs{
		"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(p, p, p, p),
		"dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1),
	}, ins...)
}

// batchNorm adds a batch_norm with random parameters (positive variance).
func (b *builder) batchNorm(x *ir.Value) *ir.Value {
	c := x.Type.Shape[1]
	s := b.seq + 1
	return b.node(ir.OpBatchNorm, ir.Attrs{"epsilon": ir.FloatAttr(1e-3)}, x,
		b.randConst(fmt.Sprintf("bn%d.scale", s), 0.5, 1.5, c),
		b.randConst(fmt.Sprintf("bn%d.bias", s), -1, 1, c),
		b.randConst(fmt.Sprintf("bn%d.mean", s), -1, 1, c),
		b.randConst(fmt.Sprintf("bn%d.var", s), 0.1, 2, c))
}

// countOps returns how many nodes of each op g has.
func countOps(g *ir.Graph) map[ir.Op]int {
	m := map[ir.Op]int{}
	for _, n := range g.Nodes {
		m[n.Op]++
	}
	return m
}

// mustVerify fails the test if g does not verify.
func mustVerify(t testing.TB, g *ir.Graph) {
	t.Helper()
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
}
