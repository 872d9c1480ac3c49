package frontend

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Supported model versions: IR 3 (ONNX 1.0) to 13, ai.onnx opsets 1 to 25
// (the newest in the test corpus).
const (
	minIRVersion = 3
	maxIRVersion = 13
	maxOpset     = 25
)

// Options controls how dynamic parts of a model are pinned down.
type Options struct {
	// Shapes gives the full shape of graph inputs by name; it overrides the
	// model's dims. Unlisted inputs get their symbolic or unknown dims set to 1.
	Shapes map[string][]int
	// Bind turns graph inputs into constants with the given values (for
	// models whose shape-like operands are graph inputs).
	Bind map[string]*tensor.Tensor
}

// Load reads and imports the ONNX model at path.
func Load(path string, opt Options) (*ir.Graph, error) {
	md, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	return md.Import(opt)
}

// Import decodes a serialized ONNX ModelProto and lowers it to an ir.Graph at
// the import stage with every value typed. name is used in messages.
func Import(name string, data []byte, opt Options) (*ir.Graph, error) {
	md, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	return md.Import(opt)
}

// Model is a decoded ONNX model not yet imported: a caller reads the
// inputs it declares (Inputs) to decide Options.Shapes, then imports it,
// decoding the file once.
type Model struct {
	file string // as the user gave it: messages name it
	m    *onnx.ModelProto
}

// Parse decodes a serialized ONNX ModelProto; name is used in messages.
func Parse(name string, data []byte) (*Model, error) {
	var m onnx.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("frontend: %s: not a valid ONNX model (truncated or corrupt protobuf): %v", name, err)
	}
	if m.GetGraph() == nil {
		return nil, fmt.Errorf("frontend: %s: not an ONNX model: no graph", name)
	}
	return &Model{file: name, m: &m}, nil
}

// ParseFile reads and decodes the ONNX model at path.
func ParseFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	return Parse(path, data)
}

// Import lowers the model to an ir.Graph at the import stage with every
// value typed (see Import).
func (md *Model) Import(opt Options) (*ir.Graph, error) {
	file, m := md.file, md.m
	if v := m.GetIrVersion(); v < minIRVersion || v > maxIRVersion {
		return nil, fmt.Errorf("frontend: %s: ONNX IR version %d is not supported (want %d to %d)", file, v, minIRVersion, maxIRVersion)
	}
	im := &importer{file: file, opt: opt, opsets: map[string]int64{}, vals: map[string]*ir.Value{}}
	for _, os := range m.GetOpsetImport() {
		d := os.GetDomain()
		if d == "ai.onnx" {
			d = ""
		}
		im.opsets[d] = os.GetVersion()
	}
	opset, ok := im.opsets[""]
	if !ok {
		opset = 1 // IR 3 models without an opset import use the first opset
	}
	if opset < 1 || opset > maxOpset {
		return nil, fmt.Errorf("frontend: %s: ai.onnx opset %d is not supported (want 1 to %d)", file, opset, maxOpset)
	}
	im.opset = opset
	g, err := im.run(m.GetGraph())
	if err != nil {
		return nil, err
	}
	g.Producer = m.GetProducerName()
	if v := m.GetProducerVersion(); v != "" {
		g.Producer += " " + v
	}
	g.Opset = opset
	for _, p := range m.GetMetadataProps() {
		if g.Metadata == nil {
			g.Metadata = map[string]string{}
		}
		g.Metadata[p.GetKey()] = p.GetValue()
	}
	return g, nil
}

// importer holds the state of one import.
type importer struct {
	file   string
	opt    Options
	opset  int64            // ai.onnx opset
	opsets map[string]int64 // by domain ("" = ai.onnx)
	g      *ir.Graph
	vals   map[string]*ir.Value // ONNX value name -> IR value
	// poisoned values are outputs of unsupported nodes: their consumers are
	// not lowered (their types are unknown) but still checked for support.
	poisoned map[string]bool
	// typeErr holds the graph inputs and initializers whose element type
	// pimc cannot represent; their consumers are reported as unsupported.
	typeErr map[string]string
	used    map[string]bool // ONNX names read by some node or graph output
	inputs  map[*ir.Value]bool
	unsup   []UnsupportedNode
	// total sums the sizes of the values read or computed so far
	// (initializers, bound inputs, graph inputs, node outputs) against
	// ir.Limits.TotalBytes, so a model of many medium values is refused at
	// the value that crosses the limit, before it is computed.
	total ir.SizeTotal
}

func (im *importer) errorf(format string, args ...any) error {
	return fmt.Errorf("frontend: %s: "+format, append([]any{im.file}, args...)...)
}

func (im *importer) run(gp *onnx.GraphProto) (*ir.Graph, error) {
	im.g = &ir.Graph{Name: gp.GetName(), Stage: ir.StageImport}
	im.poisoned = map[string]bool{}
	im.typeErr = map[string]string{}
	im.used = map[string]bool{}
	im.inputs = map[*ir.Value]bool{}
	if len(gp.GetSparseInitializer()) > 0 {
		return nil, im.errorf("sparse initializers are not supported")
	}
	inits := map[string]bool{}
	for _, tp := range gp.GetInitializer() {
		if tp.GetName() == "" {
			return nil, im.errorf("an initializer has no name")
		}
		if inits[tp.GetName()] {
			return nil, im.errorf("initializer %q is defined twice", tp.GetName())
		}
		inits[tp.GetName()] = true
		if _, bound := im.opt.Bind[tp.GetName()]; bound {
			continue // the bound value replaces the default below
		}
		// The sum of the declared sizes is checked before decoding: an
		// int8 initializer takes 8 bytes per element once read.
		if ty, err := declaredType(tp); err == nil {
			what := fmt.Sprintf("initializer %q:", tp.GetName())
			if err := ir.CheckValueSize(what, ty); err != nil {
				return nil, im.errorf("%v", err)
			}
			if err := im.total.Add(what, ty); err != nil {
				return nil, im.errorf("%v", err)
			}
		}
		t, err := tensorio.DecodeTensorProto(tp)
		var de *tensorio.DTypeError
		if errors.As(err, &de) {
			im.poisonType(tp.GetName(), de)
			continue
		}
		if err != nil {
			return nil, im.errorf("initializer: %v", err)
		}
		im.vals[tp.GetName()] = im.g.AddConst(tp.GetName(), t)
	}
	for _, vi := range gp.GetInput() {
		name := vi.GetName()
		if name == "" {
			return nil, im.errorf("a graph input has no name")
		}
		if bt, ok := im.opt.Bind[name]; ok {
			if err := tensorio.CheckPayload(bt); err != nil {
				return nil, im.errorf("bound input %q: %v", name, err)
			}
			if err := im.checkBound(vi, bt); err != nil {
				return nil, err
			}
			if _, dup := im.vals[name]; dup {
				return nil, im.errorf("graph input %q is listed twice", name)
			}
			im.vals[name] = im.g.AddConst(name, bt)
			continue
		}
		if inits[name] {
			continue // an initializer listed as input (IR < 4): a constant
		}
		if de := (*tensorio.DTypeError)(nil); errors.As(im.inputDTypeErr(vi), &de) {
			im.poisonType(name, de)
			continue
		}
		if _, dup := im.vals[name]; dup {
			return nil, im.errorf("graph input %q is listed twice", name)
		}
		t, err := im.inputType(vi)
		if err != nil {
			return nil, err
		}
		if err := ir.CheckValueSize(fmt.Sprintf("graph input %q:", name), t); err != nil {
			return nil, im.errorf("%v", err)
		}
		if err := im.total.Add(fmt.Sprintf("graph input %q:", name), t); err != nil {
			return nil, im.errorf("%v", err)
		}
		v := &ir.Value{Name: name, Type: t, DynamicBatch: len(t.Shape) > 0 && dynamicDim0(vi)}
		im.vals[name] = v
		im.inputs[v] = true
		im.g.Inputs = append(im.g.Inputs, v)
	}
	for _, name := range sortedKeys(im.opt.Bind) {
		if _, ok := im.vals[name]; ok {
			continue
		}
		if !inits[name] {
			return nil, im.errorf("Options.Bind names %q, which is not a graph input", name)
		}
		// An initializer that is not a graph input: the bound value
		// overrides it too.
		bt := im.opt.Bind[name]
		if err := tensorio.CheckPayload(bt); err != nil {
			return nil, im.errorf("bound input %q: %v", name, err)
		}
		im.vals[name] = im.g.AddConst(name, bt)
	}
	for _, name := range sortedKeys(im.opt.Shapes) {
		if v, ok := im.vals[name]; !ok || !im.inputs[v] {
			return nil, im.errorf("Options.Shapes names %q, which is not a runtime graph input", name)
		}
	}
	for _, np := range gp.GetNode() {
		for _, in := range np.GetInput() {
			im.used[in] = true
		}
	}
	for _, vi := range gp.GetOutput() {
		im.used[vi.GetName()] = true
	}
	for i, np := range gp.GetNode() {
		if err := im.node(i, np); err != nil {
			return nil, err
		}
	}
	if len(im.unsup) > 0 {
		return nil, &UnsupportedError{File: im.file, Nodes: im.unsup}
	}
	// Runtime inputs of an unrepresentable type cannot be fed even when
	// nothing reads them (unused initializers of such types are harmless).
	for _, vi := range gp.GetInput() {
		if why, bad := im.typeErr[vi.GetName()]; bad && !inits[vi.GetName()] {
			return nil, im.errorf("graph input %q: %s", vi.GetName(), why)
		}
	}
	for _, vi := range gp.GetOutput() {
		v, ok := im.vals[vi.GetName()]
		if why, bad := im.typeErr[vi.GetName()]; bad {
			return nil, im.errorf("graph output %q: %s", vi.GetName(), why)
		}
		if !ok {
			return nil, im.errorf("graph output %q is not produced by any node, input or initializer", vi.GetName())
		}
		im.g.Outputs = append(im.g.Outputs, v)
	}
	if len(im.g.Outputs) == 0 {
		return nil, im.errorf("the graph has no outputs")
	}
	im.pruneConsts()
	return im.g, nil
}

// pruneConsts drops constants nothing reads (folded intermediates, unused
// initializers), keeping first-use order.
func (im *importer) pruneConsts() {
	used := map[*ir.Value]bool{}
	var order []*ir.Value
	mark := func(v *ir.Value) {
		if v != nil && v.IsConst() && !used[v] {
			used[v] = true
			order = append(order, v)
		}
	}
	for _, n := range im.g.Nodes {
		for _, in := range n.Inputs {
			mark(in)
		}
	}
	for _, o := range im.g.Outputs {
		mark(o)
	}
	im.g.Consts = order
}

// dynamicDim0 reports whether the model leaves dimension 0 of a graph input
// open: symbolic (dim_param), unknown, negative, or no shape at all.
func dynamicDim0(vi *onnx.ValueInfoProto) bool {
	sh := vi.GetType().GetTensorType().GetShape()
	if sh == nil {
		return true
	}
	dims := sh.GetDim()
	if len(dims) == 0 {
		return false
	}
	_, fixed := dims[0].GetValue().(*onnx.TensorShapeProto_Dimension_DimValue)
	return !fixed || dims[0].GetDimValue() < 0
}

// inputType reads a graph input's type, pinning unknown dims (see Options).
func (im *importer) inputType(vi *onnx.ValueInfoProto) (ir.Type, error) {
	name := vi.GetName()
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		// Sequences, maps and optionals are valid ONNX that pimc does not
		// model: report them like an unsupported operator.
		return ir.Type{}, &UnsupportedError{File: im.file, Nodes: []UnsupportedNode{{
			OpType: "graph input", Name: name, Reason: "only tensor inputs are supported, this one is a " + valueKind(vi.GetType()),
		}}}
	}
	dt, err := tensorio.DTypeFromONNX(tt.GetElemType())
	if err != nil {
		return ir.Type{}, im.errorf("graph input %q: %v", name, err)
	}
	if shape, ok := im.opt.Shapes[name]; ok {
		if tt.GetShape() != nil && len(tt.GetShape().GetDim()) != len(shape) {
			return ir.Type{}, im.errorf("Options.Shapes[%q] = %v has rank %d, the model says rank %d", name, shape, len(shape), len(tt.GetShape().GetDim()))
		}
		for i, d := range shape {
			if d < 0 {
				return ir.Type{}, im.errorf("Options.Shapes[%q] = %v: negative dimension", name, shape)
			}
			if tt.GetShape() != nil {
				dim := tt.GetShape().GetDim()[i]
				if _, isFixed := dim.GetValue().(*onnx.TensorShapeProto_Dimension_DimValue); isFixed && dim.GetDimValue() >= 0 && int(dim.GetDimValue()) != d {
					fixed := dim.GetDimValue()
					return ir.Type{}, im.errorf("Options.Shapes[%q] = %v: dimension %d is fixed to %d by the model", name, shape, i, fixed)
				}
			}
		}
		return ir.Type{DType: dt, Shape: append([]int{}, shape...)}, nil
	}
	if tt.GetShape() == nil {
		return ir.Type{}, im.errorf("graph input %q has no shape: give it with Options.Shapes", name)
	}
	dims := make([]int64, 0, len(tt.GetShape().GetDim()))
	for _, d := range tt.GetShape().GetDim() {
		v := int64(1) // symbolic or unknown: batch 1 by default
		if _, fixed := d.GetValue().(*onnx.TensorShapeProto_Dimension_DimValue); fixed && d.GetDimValue() >= 0 {
			v = d.GetDimValue() // may be a genuine 0 (empty tensor); some exporters write -1 for unknown
		}
		dims = append(dims, v)
	}
	shape, err := tensorio.ShapeFromDims(dims)
	if err != nil {
		return ir.Type{}, im.errorf("graph input %q: %v", name, err)
	}
	return ir.Type{DType: dt, Shape: shape}, nil
}

// node lowers one ONNX node, or records it as unsupported.
func (im *importer) node(idx int, np *onnx.NodeProto) error {
	c := &nodeCtx{im: im, np: np, idx: idx, opType: np.GetOpType(), name: np.GetName()}
	domain := np.GetDomain()
	if domain == "ai.onnx" {
		domain = ""
	}
	c.opset = im.opsets[domain]
	if domain == "" {
		c.opset = im.opset
	}
	lower, known := lowerers[c.opType]
	if domain != "" {
		lower, known = contribLowerers[domain+"."+c.opType]
	}
	poisoned, reason := false, ""
	for _, in := range np.GetInput() {
		if im.poisoned[in] {
			poisoned = true
		}
		if why, ok := im.typeErr[in]; ok && reason == "" {
			reason = fmt.Sprintf("input %q: %s", in, why)
		}
	}
	if !known || poisoned {
		op := c.opType
		if domain != "" {
			op = domain + "." + op
		}
		if !known || reason != "" {
			im.unsup = append(im.unsup, UnsupportedNode{OpType: op, Name: c.name, Opset: c.opset, Reason: reason})
		}
		for _, o := range np.GetOutput() {
			im.poisoned[o] = true
		}
		return nil
	}
	seen := map[string]bool{}
	for _, o := range np.GetOutput() {
		if o == "" {
			continue
		}
		if _, dup := im.vals[o]; dup || im.poisoned[o] || seen[o] {
			return c.errorf("output %q is already defined", o)
		}
		seen[o] = true
	}
	err := lower(c)
	var de *tensorio.DTypeError
	if errors.As(err, &de) { // e.g. a Constant holding FLOAT8 values
		err = unsupported("%v", err)
	}
	var u *unsupportedErr
	if errors.As(err, &u) {
		im.unsup = append(im.unsup, UnsupportedNode{OpType: c.opType, Name: c.name, Opset: c.opset, Reason: u.reason})
		for _, o := range np.GetOutput() {
			im.poisoned[o] = true
		}
		return nil
	}
	if err != nil {
		var nc *NeedsConstantError
		if errors.As(err, &nc) {
			return err
		}
		return c.errorf("%v", err)
	}
	for i, o := range np.GetOutput() {
		if o == "" || !im.used[o] {
			continue
		}
		if _, ok := im.vals[o]; !ok {
			return c.errorf("output %d (%q) is used but the lowering does not produce it", i, o)
		}
	}
	return nil
}

// poisonType marks a graph input or initializer of an unrepresentable
// element type: the nodes reading it are reported as unsupported.
func (im *importer) poisonType(name string, de *tensorio.DTypeError) {
	im.poisoned[name] = true
	im.typeErr[name] = de.Error()
}

// inputDTypeErr returns the tensorio.DTypeError of a graph input's element type, if any.
func (im *importer) inputDTypeErr(vi *onnx.ValueInfoProto) error {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return nil
	}
	_, err := tensorio.DTypeFromONNX(tt.GetElemType())
	return err
}

// checkBound rejects an Options.Bind value whose element type or fixed
// dims contradict the graph input's declaration.
func (im *importer) checkBound(vi *onnx.ValueInfoProto, t *tensor.Tensor) error {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return nil
	}
	if dt, err := tensorio.DTypeFromONNX(tt.GetElemType()); err == nil && dt != t.DType {
		return im.errorf("Options.Bind[%q] is %s, the model declares element type %s", vi.GetName(), t, dt)
	}
	if tt.GetShape() == nil {
		return nil
	}
	dims := tt.GetShape().GetDim()
	if len(dims) != len(t.Shape) {
		return im.errorf("Options.Bind[%q] is %s, the model declares rank %d", vi.GetName(), t, len(dims))
	}
	for i, d := range dims {
		if _, fixed := d.GetValue().(*onnx.TensorShapeProto_Dimension_DimValue); fixed && d.GetDimValue() >= 0 && int(d.GetDimValue()) != t.Shape[i] {
			return im.errorf("Options.Bind[%q] is %s, the model fixes dimension %d to %d", vi.GetName(), t, i, d.GetDimValue())
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// valueKind names the kind of a non-tensor ONNX type for error messages.
func valueKind(t *onnx.TypeProto) string {
	switch {
	case t.GetSequenceType() != nil:
		return "sequence"
	case t.GetMapType() != nil:
		return "map"
	case t.GetOptionalType() != nil:
		return "optional"
	case t.GetSparseTensorType() != nil:
		return "sparse tensor"
	}
	return "value of unknown type"
}

// declaredType is the type a TensorProto declares (its element type and
// dims), read without decoding the data.
func declaredType(tp *onnx.TensorProto) (ir.Type, error) {
	dt, err := tensorio.DTypeFromONNX(tp.GetDataType())
	if err != nil {
		return ir.Type{}, err
	}
	shape, err := tensorio.ShapeFromDims(tp.GetDims())
	if err != nil {
		return ir.Type{}, err
	}
	return ir.Type{DType: dt, Shape: shape}, nil
}
