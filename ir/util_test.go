package ir

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// builder makes small graphs for tests.
type builder struct {
	t *testing.T
	g *Graph
}

func newBuilder(t *testing.T, name string, stage Stage) *builder {
	return &builder{t: t, g: &Graph{Name: name, Stage: stage, Opset: 13, Producer: "test"}}
}

func (b *builder) input(name string, dt tensor.DType, shape ...int) *Value {
	v := &Value{Name: name, Type: Type{DType: dt, Shape: shape}}
	b.g.Inputs = append(b.g.Inputs, v)
	return v
}

func (b *builder) constF32(name string, data []float32, shape ...int) *Value {
	return b.g.AddConst(name, tensor.FromF32(data, shape...))
}

func (b *builder) constI64(name string, dt tensor.DType, data []int64, shape ...int) *Value {
	return b.g.AddConst(name, tensor.FromI64(dt, data, shape...))
}

// node appends a node with one output per name in outs and infers the
// output types (failing the test if inference fails).
func (b *builder) node(op Op, ins []*Value, attrs Attrs, outs ...string) *Node {
	b.t.Helper()
	n := &Node{Op: op, Inputs: ins, Attrs: attrs}
	for _, name := range outs {
		n.Outputs = append(n.Outputs, &Value{Name: name, Def: n})
	}
	if err := InferNode(n); err != nil {
		b.t.Fatalf("building test graph: %v", err)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return n
}

func (b *builder) output(vs ...*Value) { b.g.Outputs = append(b.g.Outputs, vs...) }

func seq(n int, scale float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = scale * float32(i%7-3)
	}
	return out
}

// mnistLike builds a small valid import-stage CNN: conv, relu, pool,
// reshape, matmul, add, softmax.
func mnistLike(t *testing.T) *Graph {
	b := newBuilder(t, "mnist", StageImport)
	b.g.Opset, b.g.Producer = 8, "CNTK"
	x := b.input("Input3", tensor.Float32, 1, 1, 28, 28)
	w := b.constF32("Parameter5", seq(8*1*5*5, 0.01), 8, 1, 5, 5)
	bias := b.constF32("Parameter6", seq(8, 0.5), 8)
	conv := b.node(OpConv, []*Value{x, w, bias}, Attrs{
		"strides": IntsAttr(1, 1), "pads": IntsAttr(2, 2, 2, 2), "dilations": IntsAttr(1, 1), "group": IntAttr(1),
	}, "Convolution28_Output_0")
	conv.Name, conv.OnnxOp = "Convolution28", "Conv"
	relu := b.node(OpRelu, []*Value{conv.Outputs[0]}, nil, "")
	pool := b.node(OpMaxPool, []*Value{relu.Outputs[0]}, Attrs{
		"kernel": IntsAttr(2, 2), "strides": IntsAttr(2, 2), "pads": IntsAttr(0, 0, 0, 0), "dilations": IntsAttr(1, 1),
	}, "Pooling66_Output_0")
	pool.Name, pool.OnnxOp = "Pooling66", "MaxPool"
	flat := b.node(OpReshape, []*Value{pool.Outputs[0]}, Attrs{"shape": IntsAttr(1, 8*14*14)}, "")
	fcw := b.constF32("gpu_0/fc_w", seq(8*14*14*10, 0.001), 8*14*14, 10)
	mm := b.node(OpMatMul, []*Value{flat.Outputs[0], fcw}, nil, "")
	fcb := b.constF32("", []float32{0.5, -0.25, float32(math.Copysign(0, -1)), 1e-7, 3, 0, 0, 0, 0, 0}, 1, 10)
	add := b.node(OpAdd, []*Value{mm.Outputs[0], fcb}, nil, "Plus214_Output_0")
	add.Name, add.OnnxOp = "Plus214", "Add"
	sm := b.node(OpSoftmax, []*Value{add.Outputs[0]}, Attrs{"axis": IntAttr(1)}, "")
	b.output(add.Outputs[0], sm.Outputs[0])
	return b.g
}

// diffGraphs compares two graphs structurally (values matched by position)
// and bit-exactly (payloads, float attributes, quantization scales). It
// returns one line per difference, none if the graphs are identical.
func diffGraphs(a, b *Graph) []string {
	var d []string
	f := func(format string, args ...any) {
		if len(d) < 20 {
			d = append(d, fmt.Sprintf(format, args...))
		}
	}
	if a.Name != b.Name || a.Stage != b.Stage || a.Producer != b.Producer || a.Opset != b.Opset {
		f("graph header: %q %v %q %d vs %q %v %q %d", a.Name, a.Stage, a.Producer, a.Opset, b.Name, b.Stage, b.Producer, b.Opset)
	}
	vm := map[*Value]*Value{}
	nm := map[*Node]*Node{}
	val := func(where string, x, y *Value) {
		if (x == nil) != (y == nil) {
			f("%s: nil mismatch", where)
			return
		}
		if x == nil {
			return
		}
		if m, ok := vm[x]; ok {
			if m != y {
				f("%s: refers to a different value", where)
			}
			return
		}
		vm[x] = y
		if x.Name != y.Name {
			f("%s: name %q vs %q", where, x.Name, y.Name)
		}
		if !x.Type.Equal(y.Type) {
			f("%s: type %v vs %v", where, x.Type, y.Type)
		}
		if x.DynamicBatch != y.DynamicBatch {
			f("%s: DynamicBatch %v vs %v", where, x.DynamicBatch, y.DynamicBatch)
		}
		if (x.Def == nil) != (y.Def == nil) {
			f("%s: Def nil mismatch", where)
		} else if x.Def != nil {
			if m, ok := nm[x.Def]; ok && m != y.Def {
				f("%s: Def refers to a different node", where)
			}
		}
		if msg := diffTensors(x.Const, y.Const); msg != "" {
			f("%s: const: %s", where, msg)
		}
		if (x.Quant == nil) != (y.Quant == nil) {
			f("%s: quant nil mismatch", where)
		} else if x.Quant != nil {
			p, q := x.Quant, y.Quant
			if p.Bits != q.Bits || p.Signed != q.Signed || p.Axis != q.Axis || !slices.Equal(p.ZeroPoint, q.ZeroPoint) || !sameF32Bits(p.Scale, q.Scale) {
				f("%s: quant %+v vs %+v", where, *p, *q)
			}
		}
	}
	vals := func(where string, xs, ys []*Value) {
		if len(xs) != len(ys) {
			f("%s: %d vs %d values", where, len(xs), len(ys))
			return
		}
		for i := range xs {
			val(fmt.Sprintf("%s[%d]", where, i), xs[i], ys[i])
		}
	}
	vals("inputs", a.Inputs, b.Inputs)
	vals("consts", a.Consts, b.Consts)
	if len(a.Nodes) != len(b.Nodes) {
		f("%d vs %d nodes", len(a.Nodes), len(b.Nodes))
	} else {
		for i := range a.Nodes {
			x, y := a.Nodes[i], b.Nodes[i]
			if (x == nil) != (y == nil) {
				f("node %d: nil mismatch", i)
				continue
			}
			if x == nil {
				continue
			}
			nm[x] = y
			where := fmt.Sprintf("node %d (%s)", i, x.Op)
			if x.Op != y.Op || x.Name != y.Name || x.OnnxOp != y.OnnxOp {
				f("%s: op/name %s %q %q vs %s %q %q", where, x.Op, x.Name, x.OnnxOp, y.Op, y.Name, y.OnnxOp)
			}
			vals(where+" outputs", x.Outputs, y.Outputs)
			for j, o := range x.Outputs {
				if o != nil && y.Outputs[j] != nil && (o.Def == x) != (y.Outputs[j].Def == y) {
					f("%s: output %d Def mismatch", where, j)
				}
			}
			vals(where+" inputs", x.Inputs, y.Inputs)
			if len(x.Attrs) != len(y.Attrs) {
				f("%s: %d vs %d attrs", where, len(x.Attrs), len(y.Attrs))
			}
			for k, av := range x.Attrs {
				bv, ok := y.Attrs[k]
				if !ok {
					f("%s: attr %q missing", where, k)
					continue
				}
				if msg := diffAttr(av, bv); msg != "" {
					f("%s: attr %q: %s", where, k, msg)
				}
			}
		}
	}
	vals("outputs", a.Outputs, b.Outputs)
	return d
}

func sameF32Bits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func diffAttr(a, b Attr) string {
	if a.Kind != b.Kind {
		return fmt.Sprintf("kind %v vs %v", a.Kind, b.Kind)
	}
	switch a.Kind {
	case AttrFloat:
		if math.Float32bits(a.Float) != math.Float32bits(b.Float) {
			return fmt.Sprintf("%v vs %v", a.Float, b.Float)
		}
	case AttrFloats:
		if !sameF32Bits(a.Floats, b.Floats) {
			return fmt.Sprintf("%v vs %v", a.Floats, b.Floats)
		}
	case AttrTensor:
		return diffTensors(a.Tensor, b.Tensor)
	default:
		if !a.Equal(b) {
			return fmt.Sprintf("%+v vs %+v", a, b)
		}
	}
	return ""
}

// diffTensors compares type, shape, storage field and bits.
func diffTensors(a, b *tensor.Tensor) string {
	if (a == nil) != (b == nil) {
		return "nil mismatch"
	}
	if a == nil {
		return ""
	}
	if (a.F32 == nil) != (b.F32 == nil) || (a.F64 == nil) != (b.F64 == nil) || (a.I64 == nil) != (b.I64 == nil) {
		return "different storage fields"
	}
	if len(a.F32) != len(b.F32) || len(a.F64) != len(b.F64) || len(a.I64) != len(b.I64) {
		return "different lengths"
	}
	if !tensor.Equal(a, b) {
		return fmt.Sprintf("%v vs %v: payloads differ", a, b)
	}
	return ""
}
