package hostile

import (
	"encoding/binary"
	"math"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
)

// ONNX element and attribute type codes (onnx.proto).
const (
	onnxFloat = int32(onnx.TensorProto_FLOAT)
	onnxInt64 = int32(onnx.TensorProto_INT64)
)

// Model assembles a small ONNX model: float32 graph inputs, initializers,
// nodes and outputs, in the order they are added.
type Model struct{ m *onnx.ModelProto }

// NewModel starts a model importing the ai.onnx opset.
func NewModel(opset int64) *Model {
	return &Model{m: &onnx.ModelProto{
		IrVersion:    8,
		ProducerName: "pimc-hostile",
		OpsetImport:  []*onnx.OperatorSetIdProto{{Domain: "", Version: opset}},
		Graph:        &onnx.GraphProto{Name: "hostile"},
	}}
}

// Input adds a float32 graph input of fixed shape.
func (b *Model) Input(name string, dims ...int64) *Model {
	return b.TypedInput(name, onnxFloat, dims...)
}

// TypedInput adds a graph input of any element type; a negative dim is
// symbolic ("N").
func (b *Model) TypedInput(name string, elem int32, dims ...int64) *Model {
	shape := &onnx.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d}}
		if d < 0 {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	b.m.Graph.Input = append(b.m.Graph.Input, &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{
		Value: &onnx.TypeProto_TensorType{TensorType: &onnx.TypeProto_Tensor{ElemType: elem, Shape: shape}}}})
	return b
}

// Output lists graph outputs.
func (b *Model) Output(names ...string) *Model {
	for _, n := range names {
		b.m.Graph.Output = append(b.m.Graph.Output, &onnx.ValueInfoProto{Name: n})
	}
	return b
}

// Int64s adds a 1-D int64 initializer (a shape, pads, axes).
func (b *Model) Int64s(name string, vals ...int64) *Model {
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, Int64Tensor(name, vals...))
	return b
}

// Init adds any initializer, as hostile as the caller makes it.
func (b *Model) Init(t *onnx.TensorProto) *Model {
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, t)
	return b
}

// Floats adds a float32 initializer of shape dims holding vals as raw_data.
// vals may hold fewer elements than dims promise: such an initializer
// declares a huge tensor with (almost) no data.
func (b *Model) Floats(name string, dims []int64, vals ...float32) *Model {
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, FloatTensor(name, dims, vals...))
	return b
}

// Node adds a node of the default domain.
func (b *Model) Node(op, name string, ins, outs []string, attrs ...*onnx.AttributeProto) *Model {
	b.m.Graph.Node = append(b.m.Graph.Node, &onnx.NodeProto{OpType: op, Name: name, Input: ins, Output: outs, Attribute: attrs})
	return b
}

// Proto is the model being built, for edits the methods do not offer
// (no graph, no opset, a node in another domain).
func (b *Model) Proto() *onnx.ModelProto { return b.m }

// Bytes serializes the model. Marshalling these small messages cannot fail;
// a failure is a bug in this package and panics.
func (b *Model) Bytes() []byte {
	data, err := proto.Marshal(b.m)
	if err != nil {
		panic("BUG: hostile: marshal: " + err.Error())
	}
	return data
}

// Int64Tensor is a 1-D int64 TensorProto.
func Int64Tensor(name string, vals ...int64) *onnx.TensorProto {
	return &onnx.TensorProto{Name: name, DataType: onnxInt64, Dims: []int64{int64(len(vals))}, Int64Data: vals}
}

// FloatTensor is a float32 TensorProto of shape dims whose raw_data holds
// vals (possibly fewer than dims promise).
func FloatTensor(name string, dims []int64, vals ...float32) *onnx.TensorProto {
	raw := make([]byte, 0, 4*len(vals))
	for _, v := range vals {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return &onnx.TensorProto{Name: name, DataType: onnxFloat, Dims: dims, RawData: raw}
}

// IntAttr, IntsAttr and TensorAttr are node attributes.
func IntAttr(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INT, I: v}
}

func IntsAttr(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INTS, Ints: v}
}

// FloatAttr and StringAttr are node attributes too.
func FloatAttr(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_FLOAT, F: v}
}

func StringAttr(name, v string) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_STRING, S: []byte(v)}
}

func TensorAttr(name string, t *onnx.TensorProto) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_TENSOR, T: t}
}
