package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// InferNode and InferGraph run the shape functions of the op table; the
// shape functions themselves live in the infer_*.go files, one per op family
// (elementwise, matrix, window, norm, layout, join, shapeops), with those of
// the quantized ops in qops.go. Every shape function checks what it reads
// (arity, attribute presence, ranks, ranges) and returns an error instead of
// panicking, so the verifier can run it on arbitrary, possibly broken graphs.

// InferNode checks n against its op's arity, runs the op's shape function and
// sets the type of every output. An output above the per-value limit
// (Limits.ValueBytes) is an error. The error names the node.
func InferNode(n *Node) error {
	types, err := inferTypes(n)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Origin(), err)
	}
	for i, t := range types {
		if n.Outputs[i] != nil {
			n.Outputs[i].Type = t
		}
	}
	return nil
}

// InferTypes returns the output types n would get, without changing n. The
// verifier uses it to compare against the recorded types.
func InferTypes(n *Node) ([]Type, error) {
	types, err := inferTypes(n)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.Origin(), err)
	}
	return types, nil
}

func inferTypes(n *Node) ([]Type, error) {
	info := Lookup(n.Op)
	if info == nil {
		return nil, fmt.Errorf("unknown op %q", n.Op)
	}
	if err := checkArity(n, info); err != nil {
		return nil, err
	}
	if info.Infer == nil {
		return nil, fmt.Errorf("op %q has no shape function", n.Op)
	}
	types, err := info.Infer(n)
	if err != nil {
		return nil, err
	}
	if len(types) != len(n.Outputs) {
		return nil, fmt.Errorf("shape function gives %d outputs, node has %d", len(types), len(n.Outputs))
	}
	for i, t := range types {
		if err := checkShapeSize(t.Shape); err != nil {
			return nil, fmt.Errorf("output %d: %v", i, err)
		}
		if err := CheckValueSize(outputLabel(n, i), t); err != nil {
			return nil, err
		}
	}
	return types, nil
}

// InferGraph runs InferNode on every node in order (so each node sees the
// types its producers just got) and stops at the first error; then it
// checks the sizes of all values against the limits (CheckGraphSize).
func InferGraph(g *Graph) error {
	for _, n := range g.Nodes {
		if err := InferNode(n); err != nil {
			return err
		}
	}
	return CheckGraphSize(g)
}

// attachInfer hooks the shape functions into the op table; op.go's init
// calls it after registering the ops.
func attachInfer() {
	fns := map[Op]func(*Node) ([]Type, error){
		OpConv: inferConv, OpConvTranspose: inferConvTranspose, OpGemm: inferGemm, OpMatMul: inferMatMul, OpFC: inferFC,
		OpAdd: inferBinary, OpSub: inferBinary, OpMul: inferBinary, OpDiv: inferBinary,
		OpRelu: inferSame, OpLeakyRelu: inferSame, OpPRelu: inferPRelu, OpClip: inferSame,
		OpSigmoid: inferSameFloat, OpHardSigmoid: inferSameFloat, OpHardSwish: inferSameFloat,
		OpTanh: inferSameFloat, OpSoftmax: inferSoftmax, OpLogSoftmax: inferSoftmax,
		OpMaxPool: inferPool, OpAvgPool: inferPool,
		OpGlobalAvgPool: inferGlobalPool, OpGlobalMaxPool: inferGlobalPool,
		OpBatchNorm: inferBatchNorm, OpFlatten: inferFlatten, OpReshape: inferReshape,
		OpTranspose: inferTranspose, OpConcat: inferConcat, OpPad: inferPad,
		OpIdentity: inferSame, OpDropout: inferSame,
		OpSqueeze: inferSqueeze, OpUnsqueeze: inferUnsqueeze, OpShape: inferShape,
		OpGather: inferGather, OpConstantOfShape: inferConstantOfShape,
		OpSum: inferVariadic, OpMax: inferVariadic, OpMin: inferVariadic,
		OpSplit: inferSplit, OpReduceMean: inferReduceMean, OpLRN: inferLRN,
		OpZeroInsert: inferZeroInsert,
	}
	for op, fn := range fns {
		if info := opTable[op]; info != nil && info.Infer == nil {
			info.Infer = fn
		}
	}
}

// in returns the type of input i, which must be present.
func in(n *Node, i int) (Type, error) {
	v := n.Input(i)
	if v == nil {
		return Type{}, fmt.Errorf("input %d is absent", i)
	}
	return v.Type, nil
}

// floatIn returns input i's type, which must be a float type.
func floatIn(n *Node, i int) (Type, error) {
	t, err := in(n, i)
	if err != nil {
		return t, err
	}
	return t, wantFloat("input", t)
}

// wantFloat requires a float element type of the operand named what.
func wantFloat(what string, t Type) error {
	if !t.DType.IsFloat() {
		return fmt.Errorf("%s has element type %s, want a float type", what, t.DType)
	}
	return nil
}

// inPair returns the types of inputs 0 and 1 of a binary op (the operands of
// a matrix product, data and slope, data and indices), read with get: in,
// or intIn on the quantized ops.
func inPair(n *Node, get func(*Node, int) (Type, error)) (a, b Type, err error) {
	if a, err = get(n, 0); err != nil {
		return a, b, err
	}
	b, err = get(n, 1)
	return a, b, err
}

// inputsLike returns the types of all inputs of a variadic op, each present
// and of input 0's element type.
func inputsLike(n *Node) ([]Type, error) {
	ts := make([]Type, len(n.Inputs))
	for i := range n.Inputs {
		t, err := in(n, i)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if err := sameDType(ts[0], t, fmt.Sprintf("input %d", i)); err != nil {
				return nil, err
			}
		}
		ts[i] = t
	}
	return ts, nil
}

func one(t Type) []Type { return []Type{t} }

func typ(dt tensor.DType, shape []int) Type { return Type{DType: dt, Shape: shape} }

// checkAxis requires a normalized axis in [0, rank).
func checkAxis(what string, axis, rank int) error {
	if axis < 0 || axis >= rank {
		return fmt.Errorf("%s %d out of range [0, %d)", what, axis, rank)
	}
	return nil
}

func sameDType(a, b Type, what string) error {
	if a.DType != b.DType {
		return fmt.Errorf("%s has element type %s, want %s like input 0", what, b.DType, a.DType)
	}
	return nil
}

// BroadcastShapes returns the NumPy broadcast of two shapes (the same rule
// as the interpreter's kernels, tensor.BroadcastShape).
func BroadcastShapes(a, b []int) ([]int, error) { return tensor.BroadcastShape(a, b) }
