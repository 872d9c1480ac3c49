package frontend

import (
	"github.com/advancedclimatesystems/gonnx/onnx"
)

// InputDim is one dimension of a graph input as the model declares it.
type InputDim struct {
	// Size is the fixed size, or -1 when the model leaves the dimension
	// open: a dim_param, no value, or a negative value (some exporters
	// write -1 for unknown). A declared 0 is a genuine empty dimension.
	Size int64
	// Param is the dim_param name of an open dimension; "" when unnamed
	// or fixed. Inputs sharing a name share the size (ONNX IR spec).
	Param string
}

// Open reports whether the model leaves the dimension's size open.
func (d InputDim) Open() bool { return d.Size < 0 }

// InputDecl is a runtime graph input as the model declares it, before
// import pins its open dimensions (Options.Shapes, or 1).
type InputDecl struct {
	Name string
	// Dims are the declared dimensions; Ranked is false when the model
	// declares no shape at all (the import then needs Options.Shapes).
	Dims   []InputDim
	Ranked bool
}

// Inputs lists the graph inputs that stay runtime inputs under opt, in
// order: neither initializers (an IR < 4 model lists those as inputs too)
// nor bound by opt.Bind, and of a tensor type (Import refuses the others).
// Their open dimensions are what pimc binds from the tensors a command is
// given (driver.BindDims).
func (md *Model) Inputs(opt Options) []InputDecl {
	gp := md.m.GetGraph()
	inits := map[string]bool{}
	for _, tp := range gp.GetInitializer() {
		inits[tp.GetName()] = true
	}
	var decls []InputDecl
	for _, vi := range gp.GetInput() {
		name := vi.GetName()
		tt := vi.GetType().GetTensorType()
		if _, bound := opt.Bind[name]; bound || inits[name] || tt == nil {
			continue
		}
		d := InputDecl{Name: name, Ranked: tt.GetShape() != nil}
		for _, dim := range tt.GetShape().GetDim() {
			_, fixed := dim.GetValue().(*onnx.TensorShapeProto_Dimension_DimValue)
			switch {
			case fixed && dim.GetDimValue() >= 0:
				d.Dims = append(d.Dims, InputDim{Size: dim.GetDimValue()})
			default:
				d.Dims = append(d.Dims, InputDim{Size: -1, Param: dim.GetDimParam()})
			}
		}
		decls = append(decls, d)
	}
	return decls
}
