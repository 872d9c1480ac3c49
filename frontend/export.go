package frontend

import (
	"fmt"
	"maps"
	"slices"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// ExportOptions controls Export.
type ExportOptions struct {
	// Producer is written to producer_name ("pimc" when empty).
	Producer string
	// BatchDim, when not empty, exports dimension 0 of the graph inputs and
	// outputs as this symbolic name (e.g. "N"), for runtimes that take any
	// batch; pimc's own importer pins it back to 1. Only safe for graphs
	// whose ops are batch-agnostic (a reshape constant keeps its size).
	// Inputs marked ir.Value.DynamicBatch get the symbolic name "N" without
	// it (their outputs keep their pinned size).
	BatchDim string
}

// exportOpset is the ai.onnx opset of exported models; HardSwish needs 14.
const (
	exportOpset     = 13
	exportIRVersion = 7 // ONNX 1.8, the first IR version with opset 13
)

// Export converts a float graph of the import or canonical stage to an ONNX
// ModelProto: constants become initializers in raw_data, every op maps to
// its opset-13 ONNX form (fc to Gemm with transB, clip bounds and reshape
// targets to constant inputs). Quantized and mapped graphs, and ops with no
// opset-13 form, are errors naming the node.
func Export(g *ir.Graph, opt ExportOptions) (*onnx.ModelProto, error) {
	if g.Stage > ir.StageCanonical {
		return nil, fmt.Errorf("frontend: export %q: %s-stage graphs cannot be written as ONNX (want import or canonical)", g.Name, g.Stage)
	}
	e := &exporter{names: map[*ir.Value]string{}, used: map[string]bool{}, opset: exportOpset}
	for _, v := range g.Inputs {
		e.name(v)
	}
	for _, v := range g.Consts {
		e.name(v)
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != nil {
				e.name(o)
			}
		}
	}
	gp := &onnx.GraphProto{Name: g.Name}
	if gp.Name == "" {
		gp.Name = "pimc"
	}
	for _, v := range g.Consts {
		tp, err := tensorio.EncodeTensorProto(v.Const, e.names[v])
		if err != nil {
			return nil, fmt.Errorf("frontend: export %q: constant %q: %v", g.Name, v.Name, err)
		}
		gp.Initializer = append(gp.Initializer, tp)
	}
	for _, v := range g.Inputs {
		batch := opt.BatchDim
		if batch == "" && v.DynamicBatch {
			batch = "N" // keep the model's dynamic batch through a round trip
		}
		vi, err := valueInfo(e.names[v], v.Type, batch)
		if err != nil {
			return nil, fmt.Errorf("frontend: export %q: input %q: %v", g.Name, v.Name, err)
		}
		gp.Input = append(gp.Input, vi)
	}
	var errs []string
	for _, n := range g.Nodes {
		if err := e.node(n); err != nil {
			errs = append(errs, fmt.Sprintf("node %s: %v", n.Origin(), err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("frontend: export %q: %d nodes cannot be written:\n  %s", g.Name, len(errs), joinErrs(errs))
	}
	for i, v := range g.Outputs {
		name := e.names[v]
		// ONNX graph outputs must be node outputs: copy inputs and constants.
		if v.Def == nil {
			name = e.fresh(fmt.Sprintf("output_%d", i))
			e.nodes = append(e.nodes, &onnx.NodeProto{OpType: "Identity", Input: []string{e.names[v]}, Output: []string{name}, Name: name})
		}
		vi, err := valueInfo(name, v.Type, opt.BatchDim)
		if err != nil {
			return nil, fmt.Errorf("frontend: export %q: output %q: %v", g.Name, v.Name, err)
		}
		gp.Output = append(gp.Output, vi)
	}
	gp.Node = e.nodes
	gp.Initializer = append(gp.Initializer, e.inits...)
	prod := opt.Producer
	if prod == "" {
		prod = "pimc"
	}
	// metadata_props in key order, so the file is deterministic.
	var meta []*onnx.StringStringEntryProto
	for _, k := range slices.Sorted(maps.Keys(g.Metadata)) {
		meta = append(meta, &onnx.StringStringEntryProto{Key: k, Value: g.Metadata[k]})
	}
	return &onnx.ModelProto{
		IrVersion:     exportIRVersion,
		OpsetImport:   []*onnx.OperatorSetIdProto{{Domain: "", Version: e.opset}},
		ProducerName:  prod,
		Graph:         gp,
		MetadataProps: meta,
	}, nil
}

// Marshal exports g and serializes the model (deterministic field order).
func Marshal(g *ir.Graph, opt ExportOptions) ([]byte, error) {
	m, err := Export(g, opt)
	if err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("frontend: export %q: %v", g.Name, err)
	}
	return b, nil
}

// Save writes g as an ONNX model file atomically: readers see the old file
// or the complete new one.
func Save(path string, g *ir.Graph, opt ExportOptions) error {
	b, err := Marshal(g, opt)
	if err != nil {
		return err
	}
	if err := outfile.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("frontend: %w", err)
	}
	return nil
}

func joinErrs(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "\n  "
		}
		out += x
	}
	return out
}

// valueInfo describes a tensor value; batch, when set, names dimension 0.
func valueInfo(name string, t ir.Type, batch string) (*onnx.ValueInfoProto, error) {
	et, err := tensorio.DTypeToONNX(t.DType)
	if err != nil {
		return nil, err
	}
	shape := &onnx.TensorShapeProto{}
	for i, d := range t.Shape {
		dim := &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}}
		if i == 0 && batch != "" {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: batch}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: et, Shape: shape}}}}, nil
}

type exporter struct {
	names map[*ir.Value]string
	used  map[string]bool
	nodes []*onnx.NodeProto
	inits []*onnx.TensorProto
	opset int64
	n     int
}

// name gives v a unique ONNX name: its own when free, else a numbered one.
func (e *exporter) name(v *ir.Value) string {
	if s, ok := e.names[v]; ok {
		return s
	}
	base := v.Name
	if base == "" {
		base = "v"
	}
	s := e.fresh(base)
	e.names[v] = s
	return s
}

func (e *exporter) fresh(base string) string {
	s := base
	for e.used[s] || s == "" {
		e.n++
		s = fmt.Sprintf("%s_%d", base, e.n)
	}
	e.used[s] = true
	return s
}

// constInput adds an initializer (a reshape target, clip bound, pads...)
// and returns its name.
func (e *exporter) constInput(base string, t *tensor.Tensor) (string, error) {
	name := e.fresh(base)
	tp, err := tensorio.EncodeTensorProto(t, name)
	if err != nil {
		return "", err
	}
	e.inits = append(e.inits, tp)
	return name, nil
}

// onnxNames maps the ops whose ONNX form has the same inputs and no
// attributes, or attributes that carry over with the same name and type.
var onnxNames = map[ir.Op]string{
	ir.OpMatMul: "MatMul", ir.OpAdd: "Add", ir.OpSub: "Sub", ir.OpMul: "Mul", ir.OpDiv: "Div",
	ir.OpRelu: "Relu", ir.OpPRelu: "PRelu", ir.OpSigmoid: "Sigmoid", ir.OpTanh: "Tanh", ir.OpHardSwish: "HardSwish",
	ir.OpGlobalAvgPool: "GlobalAveragePool", ir.OpGlobalMaxPool: "GlobalMaxPool",
	ir.OpIdentity: "Identity", ir.OpDropout: "Identity", ir.OpSum: "Sum", ir.OpMax: "Max", ir.OpMin: "Min",
	ir.OpLeakyRelu: "LeakyRelu", ir.OpHardSigmoid: "HardSigmoid", ir.OpSoftmax: "Softmax", ir.OpLogSoftmax: "LogSoftmax",
	ir.OpBatchNorm: "BatchNormalization", ir.OpFlatten: "Flatten", ir.OpTranspose: "Transpose", ir.OpConcat: "Concat",
	ir.OpGather: "Gather", ir.OpLRN: "LRN", ir.OpConstantOfShape: "ConstantOfShape",
}

// attrRename maps IR attribute names to ONNX ones where they differ.
var attrRename = map[string]string{"trans_a": "transA", "trans_b": "transB", "kernel": "kernel_shape"}

func (e *exporter) node(n *ir.Node) error {
	np := &onnx.NodeProto{Name: n.Name}
	for _, in := range n.Inputs {
		if in == nil {
			np.Input = append(np.Input, "")
			continue
		}
		name, ok := e.names[in]
		if !ok {
			return fmt.Errorf("input %q is not defined in the graph", in.Name)
		}
		np.Input = append(np.Input, name)
	}
	for _, o := range n.Outputs {
		np.Output = append(np.Output, e.names[o])
	}
	copyAttrs := func(names ...string) error {
		for _, k := range names {
			a, ok := n.Attrs[k]
			if !ok {
				continue
			}
			ap, err := attrProto(k, a)
			if err != nil {
				return err
			}
			np.Attribute = append(np.Attribute, ap)
		}
		return nil
	}
	all := n.Attrs.Names()
	switch n.Op {
	case ir.OpConv:
		np.OpType = "Conv"
		if err := copyAttrs("strides", "pads", "dilations", "group"); err != nil {
			return err
		}
		if w := n.Input(1); w != nil && len(w.Type.Shape) > 2 {
			np.Attribute = append(np.Attribute, intsAttr("kernel_shape", w.Type.Shape[2:]))
		}
	case ir.OpConvTranspose:
		np.OpType = "ConvTranspose"
		if err := copyAttrs("strides", "pads", "dilations", "output_padding", "group"); err != nil {
			return err
		}
		if w := n.Input(1); w != nil && len(w.Type.Shape) > 2 {
			np.Attribute = append(np.Attribute, intsAttr("kernel_shape", w.Type.Shape[2:]))
		}
	case ir.OpGemm:
		np.OpType = "Gemm"
		if err := copyAttrs(all...); err != nil {
			return err
		}
	case ir.OpFC:
		np.OpType = "Gemm"
		np.Attribute = append(np.Attribute, &onnx.AttributeProto{Name: "transB", Type: onnx.AttributeProto_INT, I: 1})
	case ir.OpMaxPool:
		np.OpType = "MaxPool"
		if err := copyAttrs("kernel", "strides", "pads", "dilations", "ceil_mode"); err != nil {
			return err
		}
	case ir.OpAvgPool:
		np.OpType = "AveragePool"
		if d := n.Ints("dilations", nil); slices.ContainsFunc(d, func(x int) bool { return x != 1 }) {
			return fmt.Errorf("dilated average pooling %v needs opset 19", d)
		}
		if err := copyAttrs("kernel", "strides", "pads", "ceil_mode", "count_include_pad"); err != nil {
			return err
		}
	case ir.OpClip:
		np.OpType = "Clip"
		np.Input = np.Input[:1]
		for _, k := range []string{"min", "max"} {
			a, ok := n.Attrs[k]
			if !ok {
				np.Input = append(np.Input, "")
				continue
			}
			name, err := e.constInput(np.Output[0]+"_"+k, scalarOf(n.Input(0).Type.DType, float64(a.Float)))
			if err != nil {
				return err
			}
			np.Input = append(np.Input, name)
		}
		for len(np.Input) > 1 && np.Input[len(np.Input)-1] == "" {
			np.Input = np.Input[:len(np.Input)-1]
		}
	case ir.OpReshape:
		np.OpType = "Reshape"
		return e.withInts(n, np, "shape", "shape")
	case ir.OpSqueeze:
		np.OpType = "Squeeze"
		return e.withInts(n, np, "axes", "axes")
	case ir.OpUnsqueeze:
		np.OpType = "Unsqueeze"
		return e.withInts(n, np, "axes", "axes")
	case ir.OpSplit:
		np.OpType = "Split"
		if err := copyAttrs("axis"); err != nil {
			return err
		}
		return e.withInts(n, np, "split", "split")
	case ir.OpPad:
		np.OpType = "Pad"
		if err := e.withInts(n, np, "pads", "pads"); err != nil {
			return err
		}
		name, err := e.constInput(np.Output[0]+"_value", scalarOf(n.Input(0).Type.DType, float64(n.Float("value", 0))))
		if err != nil {
			return err
		}
		np.Input = append(np.Input, name)
		return nil
	case ir.OpReduceMean:
		np.OpType = "ReduceMean"
		if axes := n.Ints("axes", nil); len(axes) > 0 {
			np.Attribute = append(np.Attribute, intsAttr("axes", axes))
		}
		if err := copyAttrs("keepdims"); err != nil {
			return err
		}
	case ir.OpShape:
		np.OpType = "Shape"
		start, end := n.Int("start", 0), n.Int("end", 0)
		if x := n.Input(0); start != 0 || end != int64(len(x.Type.Shape)) {
			return fmt.Errorf("shape with start %d, end %d needs opset 15", start, end)
		}
	default:
		if ok, err := e.exportExt(n, np); ok { // export_ext.go
			if err != nil {
				return err
			}
			break
		}
		op, ok := onnxNames[n.Op]
		if !ok {
			return fmt.Errorf("op %s has no ONNX opset-%d form", n.Op, exportOpset)
		}
		np.OpType = op
		if n.Op == ir.OpHardSwish {
			e.opset = max(e.opset, 14)
		}
		if err := copyAttrs(all...); err != nil {
			return err
		}
	}
	e.nodes = append(e.nodes, np)
	return nil
}

// scalarOf is a scalar of element type dt holding f (Clip bounds and the
// Pad value must have the type of the data input).
func scalarOf(dt tensor.DType, f float64) *tensor.Tensor {
	t := tensor.New(dt)
	switch {
	case t.F32 != nil:
		t.F32[0] = float32(f)
	case t.F64 != nil:
		t.F64[0] = f
	default:
		t.I64[0] = int64(f)
	}
	return t
}

// withInts passes ints attribute attr as an int64 constant input, the
// opset-13 form of Reshape, Squeeze, Unsqueeze, Split and Pad.
func (e *exporter) withInts(n *ir.Node, np *onnx.NodeProto, attr, base string) error {
	a, ok := n.Attrs[attr]
	if !ok {
		return fmt.Errorf("missing attribute %q", attr)
	}
	t := tensor.FromI64(tensor.Int64, slices.Clone(a.Ints), len(a.Ints))
	name, err := e.constInput(np.Output[0]+"_"+base, t)
	if err != nil {
		return err
	}
	np.Input = append(np.Input, name)
	e.nodes = append(e.nodes, np)
	return nil
}

func intsAttr(name string, v []int) *onnx.AttributeProto {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INTS, Ints: out}
}

// attrProto converts one IR attribute.
func attrProto(name string, a ir.Attr) (*onnx.AttributeProto, error) {
	if r, ok := attrRename[name]; ok {
		name = r
	}
	ap := &onnx.AttributeProto{Name: name}
	switch a.Kind {
	case ir.AttrInt:
		ap.Type, ap.I = onnx.AttributeProto_INT, a.Int
	case ir.AttrInts:
		ap.Type, ap.Ints = onnx.AttributeProto_INTS, slices.Clone(a.Ints)
	case ir.AttrFloat:
		ap.Type, ap.F = onnx.AttributeProto_FLOAT, a.Float
	case ir.AttrFloats:
		ap.Type, ap.Floats = onnx.AttributeProto_FLOATS, slices.Clone(a.Floats)
	case ir.AttrString:
		ap.Type, ap.S = onnx.AttributeProto_STRING, []byte(a.Str)
	case ir.AttrTensor:
		tp, err := tensorio.EncodeTensorProto(a.Tensor, "")
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %v", name, err)
		}
		ap.Type, ap.T = onnx.AttributeProto_TENSOR, tp
	default:
		return nil, fmt.Errorf("attribute %q has unknown kind %v", name, a.Kind)
	}
	return ap, nil
}
