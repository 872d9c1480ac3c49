package frontend

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// ONNX element types (TensorProto.DataType numbers, onnx/onnx.proto) of the
// models the tests build; tensorio maps them to pimc's element types.
const (
	onnxFloat = 1
	onnxInt8  = 3
	onnxInt32 = 6
	onnxInt64 = 7
)

// modelBuilder assembles small ONNX models for tests.
type modelBuilder struct{ m *onnx.ModelProto }

func newModel(opset int64) *modelBuilder {
	return &modelBuilder{m: &onnx.ModelProto{
		IrVersion:    8,
		ProducerName: "pimc-test",
		OpsetImport:  []*onnx.OperatorSetIdProto{{Domain: "", Version: opset}},
		Graph:        &onnx.GraphProto{Name: "g"},
	}}
}

// input adds a graph input; a negative dim is symbolic ("N").
func (b *modelBuilder) input(name string, elem int32, dims ...int64) *modelBuilder {
	shape := &onnx.TensorShapeProto{}
	for _, d := range dims {
		if d < 0 {
			shape.Dim = append(shape.Dim, &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}})
		} else {
			shape.Dim = append(shape.Dim, &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		}
	}
	b.m.Graph.Input = append(b.m.Graph.Input, &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{
		Value: &onnx.TypeProto_TensorType{TensorType: &onnx.TypeProto_Tensor{ElemType: elem, Shape: shape}}}})
	return b
}

func (b *modelBuilder) output(names ...string) *modelBuilder {
	for _, n := range names {
		b.m.Graph.Output = append(b.m.Graph.Output, &onnx.ValueInfoProto{Name: n})
	}
	return b
}

func (b *modelBuilder) init(name string, t *tensor.Tensor) *modelBuilder {
	tp, err := tensorio.EncodeTensorProto(t, name)
	if err != nil {
		panic(err)
	}
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, tp)
	return b
}

func (b *modelBuilder) node(op, name string, ins, outs []string, attrs ...*onnx.AttributeProto) *modelBuilder {
	b.m.Graph.Node = append(b.m.Graph.Node, &onnx.NodeProto{OpType: op, Name: name, Input: ins, Output: outs, Attribute: attrs})
	return b
}

func (b *modelBuilder) bytes(t testing.TB) []byte {
	data, err := proto.Marshal(b.m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (b *modelBuilder) imp(t testing.TB, opt Options) (*ir.Graph, error) {
	return Import("m.onnx", b.bytes(t), opt)
}

func (b *modelBuilder) mustImport(t testing.TB, opt Options) *ir.Graph {
	t.Helper()
	g, err := b.imp(t, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatalf("imported graph fails ir.Verify: %v", err)
	}
	return g
}

func aInt(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: attrInt, I: v}
}
func aInts(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: attrInts, Ints: v}
}
func aFloat(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: attrFloat, F: v}
}
func aFloats(name string, v ...float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: attrFloats, Floats: v}
}
func aString(name, v string) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: attrString, S: []byte(v)}
}
func aTensor(name string, t *tensor.Tensor) *onnx.AttributeProto {
	tp, err := tensorio.EncodeTensorProto(t, "")
	if err != nil {
		panic(err)
	}
	return &onnx.AttributeProto{Name: name, Type: attrTensor, T: tp}
}

func s(v ...string) []string { return v }

func i64s(v ...int64) *tensor.Tensor { return tensor.FromI64(tensor.Int64, v, len(v)) }

func f32s(shape []int, v ...float32) *tensor.Tensor { return tensor.FromF32(v, shape...) }

// out returns the type of graph output i.
func outType(g *ir.Graph, i int) string { return g.Outputs[i].Type.String() }

// opsOf lists the ops of the graph's nodes.
func opsOf(g *ir.Graph) []ir.Op {
	var out []ir.Op
	for _, n := range g.Nodes {
		out = append(out, n.Op)
	}
	return out
}
