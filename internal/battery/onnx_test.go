//go:build unix

package battery

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
)

// onnxModel assembles ONNX models protobuf field by protobuf field, with no
// help from pimc's exporter, so hostile models can say anything the format
// allows: wrong types, missing values, cycles, lying shapes.
type onnxModel struct{ m *onnx.ModelProto }

func newONNX(opset int64) *onnxModel {
	return &onnxModel{m: &onnx.ModelProto{
		IrVersion:    8,
		ProducerName: "pimc-battery",
		OpsetImport:  []*onnx.OperatorSetIdProto{{Domain: "", Version: opset}},
		Graph:        &onnx.GraphProto{Name: "hostile"},
	}}
}

const (
	onnxFloat = int32(onnx.TensorProto_FLOAT)
	onnxInt64 = int32(onnx.TensorProto_INT64)
)

// input adds a graph input; a negative dim is symbolic ("N").
func (b *onnxModel) input(name string, elem int32, dims ...int64) *onnxModel {
	b.m.Graph.Input = append(b.m.Graph.Input, valueInfo(name, elem, dims))
	return b
}

// output adds graph outputs with no declared type.
func (b *onnxModel) output(names ...string) *onnxModel {
	for _, n := range names {
		b.m.Graph.Output = append(b.m.Graph.Output, &onnx.ValueInfoProto{Name: n})
	}
	return b
}

func valueInfo(name string, elem int32, dims []int64) *onnx.ValueInfoProto {
	shape := &onnx.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d}}
		if d < 0 {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{
		Value: &onnx.TypeProto_TensorType{TensorType: &onnx.TypeProto_Tensor{ElemType: elem, Shape: shape}}}}
}

// floats adds a float32 initializer with raw data; the data need not match
// the dims (hostile models lie).
func (b *onnxModel) floats(name string, dims []int64, v ...float32) *onnxModel {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, &onnx.TensorProto{
		Name: name, Dims: dims, DataType: onnxFloat, RawData: raw})
	return b
}

// ints adds an int64 initializer.
func (b *onnxModel) ints(name string, dims []int64, v ...int64) *onnxModel {
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, &onnx.TensorProto{
		Name: name, Dims: dims, DataType: onnxInt64, Int64Data: v})
	return b
}

// tensor adds an arbitrary initializer.
func (b *onnxModel) tensor(tp *onnx.TensorProto) *onnxModel {
	b.m.Graph.Initializer = append(b.m.Graph.Initializer, tp)
	return b
}

func (b *onnxModel) node(op, name string, ins, outs []string, attrs ...*onnx.AttributeProto) *onnxModel {
	b.m.Graph.Node = append(b.m.Graph.Node, &onnx.NodeProto{OpType: op, Name: name, Input: ins, Output: outs, Attribute: attrs})
	return b
}

func (b *onnxModel) bytes(t *testing.T) []byte {
	t.Helper()
	data, err := proto.Marshal(b.m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// write returns a Setup step writing the model as dir/name.
func (b *onnxModel) write(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeFile(t, dir, name, b.bytes(t)) }
}

func attrInt(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INT, I: v}
}

func attrInts(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INTS, Ints: v}
}

func attrFloat(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_FLOAT, F: v}
}

func attrString(name, v string) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_STRING, S: []byte(v)}
}

func attrTensor(name string, tp *onnx.TensorProto) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_TENSOR, T: tp}
}

func strs(v ...string) []string { return v }

// convNet is a small valid conv → relu → pool → flatten → gemm model on a
// [1 1 8 8] input, the base the hostile ONNX cases bend one way or another.
func convNet() *onnxModel {
	w := make([]float32, 2*1*3*3)
	for i := range w {
		w[i] = float32(i%5) - 2
	}
	fc := make([]float32, 3*18)
	for i := range fc {
		fc[i] = float32(i%7)/7 - 0.5
	}
	return newONNX(13).input("x", onnxFloat, 1, 1, 8, 8).
		floats("w", []int64{2, 1, 3, 3}, w...).
		floats("fc", []int64{3, 18}, fc...).
		node("Conv", "conv", strs("x", "w"), strs("c"), attrInts("kernel_shape", 3, 3)).
		node("Relu", "relu", strs("c"), strs("r")).
		node("MaxPool", "pool", strs("r"), strs("p"), attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2)).
		node("Flatten", "flat", strs("p"), strs("f")).
		node("Gemm", "gemm", strs("f", "fc"), strs("y"), attrInt("transB", 1)).
		output("y")
}
