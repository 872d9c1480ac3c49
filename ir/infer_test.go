package ir

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

func f32(shape ...int) *Value { return &Value{Type: Type{DType: tensor.Float32, Shape: shape}} }

func i64Const(vals ...int64) *Value {
	t := tensor.FromI64(tensor.Int64, vals, len(vals))
	return &Value{Type: Type{DType: tensor.Int64, Shape: []int{len(vals)}}, Const: t}
}

func node(op Op, attrs Attrs, nout int, ins ...*Value) *Node {
	n := &Node{Op: op, Inputs: ins, Attrs: attrs, Name: "n"}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, &Value{})
	}
	return n
}

func ia(v ...int64) Attr { return IntsAttr(v...) }

type inferCase struct {
	name string
	n    *Node
	want []Type // nil when an error is expected
	err  string // substring of the expected error
}

func runInferCases(t *testing.T, cases []inferCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := InferNode(c.n)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range c.want {
				if got := c.n.Outputs[i].Type; !got.Equal(w) {
					t.Errorf("output %d: got %s, want %s", i, got, w)
				}
			}
		})
	}
}

func ft(shape ...int) Type { return Type{DType: tensor.Float32, Shape: shape} }

func TestInferConvPool(t *testing.T) {
	conv := func(x, w []int, a Attrs) *Node { return node(OpConv, a, 1, f32(x...), f32(w...)) }
	ca := func(group int64, s, p, d []int64) Attrs {
		return Attrs{"group": IntAttr(group), "strides": ia(s...), "pads": ia(p...), "dilations": ia(d...)}
	}
	pa := func(k, s, p []int64, ceil int64) Attrs {
		return Attrs{"kernel": ia(k...), "strides": ia(s...), "pads": ia(p...), "dilations": ia(1, 1), "ceil_mode": IntAttr(ceil)}
	}
	runInferCases(t, []inferCase{
		{"conv2d", conv([]int{1, 3, 32, 32}, []int{8, 3, 3, 3}, ca(1, []int64{1, 1}, []int64{1, 1, 1, 1}, []int64{1, 1})), []Type{ft(1, 8, 32, 32)}, ""},
		{"conv2d strided asym", conv([]int{1, 1, 7, 5}, []int{1, 1, 3, 3}, ca(1, []int64{2, 2}, []int64{1, 0, 1, 0}, []int64{1, 1})), []Type{ft(1, 1, 4, 2)}, ""},
		{"conv1d dilated", conv([]int{2, 4, 10}, []int{6, 4, 3}, ca(1, []int64{1}, []int64{0, 0}, []int64{2})), []Type{ft(2, 6, 6)}, ""},
		{"depthwise", conv([]int{1, 8, 5, 5}, []int{16, 1, 3, 3}, ca(8, []int64{1, 1}, []int64{0, 0, 0, 0}, []int64{1, 1})), []Type{ft(1, 16, 3, 3)}, ""},
		{"channel mismatch", conv([]int{1, 8, 5, 5}, []int{16, 2, 3, 3}, ca(8, []int64{1, 1}, []int64{0, 0, 0, 0}, []int64{1, 1})), nil, "channels"},
		{"pads arity", conv([]int{1, 3, 5, 5}, []int{4, 3, 3, 3}, ca(1, []int64{1, 1}, []int64{0, 0}, []int64{1, 1})), nil, `"pads": want 4 ints, got 2`},
		{"kernel too big", conv([]int{1, 3, 2, 2}, []int{4, 3, 3, 3}, ca(1, []int64{1, 1}, []int64{0, 0, 0, 0}, []int64{1, 1})), nil, "does not fit"},
		{"rank mismatch", conv([]int{1, 3, 5, 5}, []int{4, 3, 3}, ca(1, []int64{1, 1}, []int64{0, 0, 0, 0}, []int64{1, 1})), nil, "weight rank"},
		{"missing group", conv([]int{1, 3, 5, 5}, []int{4, 3, 3, 3}, Attrs{"strides": ia(1, 1), "pads": ia(0, 0, 0, 0), "dilations": ia(1, 1)}), nil, `missing attribute "group"`},
		{"wrong arity", node(OpConv, ca(1, []int64{1, 1}, []int64{0, 0, 0, 0}, []int64{1, 1}), 1, f32(1, 3, 5, 5)), nil, "has 1 inputs, want 2 to 3"},
		{"maxpool", node(OpMaxPool, pa([]int64{2, 2}, []int64{2, 2}, []int64{0, 0, 0, 0}, 0), 1, f32(1, 3, 5, 5)), []Type{ft(1, 3, 2, 2)}, ""},
		{"maxpool ceil", node(OpMaxPool, pa([]int64{2, 2}, []int64{2, 2}, []int64{0, 0, 0, 0}, 1), 1, f32(1, 3, 5, 5)), []Type{ft(1, 3, 3, 3)}, ""},
		// Like ONNX test_maxpool_2d_ceil_output_size_reduce_by_one: the
		// last window would start past the input, so it is dropped.
		{"ceil last window past end", node(OpMaxPool, pa([]int64{1, 1}, []int64{2, 2}, []int64{0, 0, 0, 0}, 1), 1, f32(1, 1, 2, 2)), []Type{ft(1, 1, 1, 1)}, ""},
		{"global avg", node(OpGlobalAvgPool, nil, 1, f32(1, 3, 5, 5)), []Type{ft(1, 3, 1, 1)}, ""},
		{"batchnorm", node(OpBatchNorm, nil, 1, f32(1, 3, 5, 5), f32(3), f32(3), f32(3), f32(3)), []Type{ft(1, 3, 5, 5)}, ""},
		{"batchnorm bad param", node(OpBatchNorm, nil, 1, f32(1, 3, 5, 5), f32(3), f32(4), f32(3), f32(3)), nil, "bias [4], want [3]"},
	})
}

func TestInferMatrix(t *testing.T) {
	runInferCases(t, []inferCase{
		{"gemm", node(OpGemm, nil, 1, f32(2, 3), f32(3, 4), f32(4)), []Type{ft(2, 4)}, ""},
		{"gemm trans", node(OpGemm, Attrs{"trans_a": IntAttr(1), "trans_b": IntAttr(1)}, 1, f32(3, 2), f32(4, 3)), []Type{ft(2, 4)}, ""},
		{"gemm bad C", node(OpGemm, nil, 1, f32(2, 3), f32(3, 4), f32(3)), nil, "does not broadcast"},
		{"gemm inner", node(OpGemm, nil, 1, f32(2, 3), f32(2, 4)), nil, "inner dimensions"},
		{"matmul 1d 1d", node(OpMatMul, nil, 1, f32(3), f32(3)), []Type{ft()}, ""},
		{"matmul 4d 1d", node(OpMatMul, nil, 1, f32(1, 2, 3, 4), f32(4)), []Type{ft(1, 2, 3)}, ""},
		{"matmul bcast", node(OpMatMul, nil, 1, f32(5, 1, 3, 4), f32(2, 4, 6)), []Type{ft(5, 2, 3, 6)}, ""},
		{"fc", node(OpFC, nil, 1, f32(2, 3), f32(5, 3), f32(5)), []Type{ft(2, 5)}, ""},
	})
}

func TestInferElementwise(t *testing.T) {
	i8 := &Value{Type: Type{DType: tensor.Int8, Shape: []int{2}}}
	runInferCases(t, []inferCase{
		{"add bcast", node(OpAdd, nil, 1, f32(3, 1, 5), f32(4, 1)), []Type{ft(3, 4, 5)}, ""},
		{"add no bcast", node(OpAdd, nil, 1, f32(3, 2), f32(3)), nil, "cannot be broadcast"},
		{"add dtype", node(OpAdd, nil, 1, f32(2), i8), nil, "element type i8"},
		{"sum3", node(OpSum, nil, 1, f32(1, 3), f32(2, 1), f32(3)), []Type{ft(2, 3)}, ""},
		{"prelu", node(OpPRelu, nil, 1, f32(1, 3, 4, 4), f32(3, 1, 1)), []Type{ft(1, 3, 4, 4)}, ""},
		{"prelu grows x", node(OpPRelu, nil, 1, f32(3, 1), f32(3, 4)), nil, "does not broadcast to x"},
		{"sigmoid int", node(OpSigmoid, nil, 1, i8), nil, "want a float type"},
		{"softmax axis", node(OpSoftmax, Attrs{"axis": IntAttr(2)}, 1, f32(2, 3)), nil, "axis 2 out of range"},
		{"relu", node(OpRelu, nil, 1, f32(2, 3)), []Type{ft(2, 3)}, ""},
		{"lrn", node(OpLRN, Attrs{"size": IntAttr(3)}, 1, f32(1, 4, 2, 2)), []Type{ft(1, 4, 2, 2)}, ""},
		{"no outputs", node(OpRelu, nil, 0, f32(2)), nil, "has 0 outputs"},
		{"absent input", node(OpRelu, nil, 1, nil), nil, "required input 0 is absent"},
		{"wrong attr kind", node(OpLeakyRelu, Attrs{"alpha": IntAttr(1)}, 1, f32(2)), nil, `attribute "alpha": want float, got int`},
	})
}

func TestInferShapeOps(t *testing.T) {
	val := tensor.FromF32([]float32{1}, 1)
	runInferCases(t, []inferCase{
		{"flatten", node(OpFlatten, Attrs{"axis": IntAttr(2)}, 1, f32(2, 3, 4, 5)), []Type{ft(6, 20)}, ""},
		{"flatten 0", node(OpFlatten, Attrs{"axis": IntAttr(0)}, 1, f32(2, 3)), []Type{ft(1, 6)}, ""},
		{"reshape", node(OpReshape, Attrs{"shape": ia(6, 4)}, 1, f32(2, 3, 4)), []Type{ft(6, 4)}, ""},
		{"reshape size", node(OpReshape, Attrs{"shape": ia(5, 4)}, 1, f32(2, 3, 4)), nil, "cannot reshape"},
		{"reshape unresolved", node(OpReshape, Attrs{"shape": ia(-1, 4)}, 1, f32(2, 3, 4)), nil, "resolved"},
		{"transpose", node(OpTranspose, Attrs{"perm": ia(0, 2, 3, 1)}, 1, f32(1, 2, 3, 4)), []Type{ft(1, 3, 4, 2)}, ""},
		{"transpose bad", node(OpTranspose, Attrs{"perm": ia(0, 0, 1)}, 1, f32(1, 2, 3)), nil, "not a permutation"},
		{"concat", node(OpConcat, Attrs{"axis": IntAttr(1)}, 1, f32(1, 2, 3), f32(1, 4, 3)), []Type{ft(1, 6, 3)}, ""},
		{"concat mismatch", node(OpConcat, Attrs{"axis": IntAttr(1)}, 1, f32(1, 2, 3), f32(1, 4, 2)), nil, "differs"},
		{"concat bad axis", node(OpConcat, Attrs{"axis": IntAttr(3)}, 1, f32(1, 2, 3)), nil, "out of range"},
		{"pad", node(OpPad, Attrs{"pads": ia(0, 1, 0, 2)}, 1, f32(2, 3)), []Type{ft(2, 6)}, ""},
		{"pad negative", node(OpPad, Attrs{"pads": ia(0, -1, 0, -1)}, 1, f32(2, 3)), []Type{ft(2, 1)}, ""},
		{"squeeze", node(OpSqueeze, Attrs{"axes": ia(0, 2)}, 1, f32(1, 3, 1, 4)), []Type{ft(3, 4)}, ""},
		{"squeeze non1", node(OpSqueeze, Attrs{"axes": ia(1)}, 1, f32(1, 3)), nil, "size 3"},
		{"unsqueeze", node(OpUnsqueeze, Attrs{"axes": ia(0, 3)}, 1, f32(3, 4)), []Type{ft(1, 3, 4, 1)}, ""},
		{"unsqueeze unsorted", node(OpUnsqueeze, Attrs{"axes": ia(3, 0)}, 1, f32(3, 4)), nil, "sorted"},
		{"shape", node(OpShape, Attrs{"start": IntAttr(1), "end": IntAttr(3)}, 1, f32(1, 2, 3)), []Type{{DType: tensor.Int64, Shape: []int{2}}}, ""},
		{"gather", node(OpGather, Attrs{"axis": IntAttr(1)}, 1, f32(2, 5, 3), i64Const(0, 4)), []Type{ft(2, 2, 3)}, ""},
		{"gather scalar idx", node(OpGather, Attrs{"axis": IntAttr(0)}, 1, f32(4), &Value{Type: Type{DType: tensor.Int64}, Const: tensor.FromI64(tensor.Int64, []int64{-1})}), []Type{ft()}, ""},
		{"gather oob", node(OpGather, Attrs{"axis": IntAttr(0)}, 1, f32(4), i64Const(4)), nil, "out of range"},
		{"const of shape", node(OpConstantOfShape, Attrs{"value": TensorAttr(val)}, 1, i64Const(2, 3)), []Type{ft(2, 3)}, ""},
		{"const of shape runtime", node(OpConstantOfShape, Attrs{"value": TensorAttr(val)}, 1, &Value{Type: Type{DType: tensor.Int64, Shape: []int{2}}}), nil, "must be a constant"},
		{"split", node(OpSplit, Attrs{"axis": IntAttr(1), "split": ia(2, 4)}, 2, f32(1, 6)), []Type{ft(1, 2), ft(1, 4)}, ""},
		{"split sum", node(OpSplit, Attrs{"axis": IntAttr(1), "split": ia(2, 3)}, 2, f32(1, 6)), nil, "sums to 5"},
		{"split outputs", node(OpSplit, Attrs{"axis": IntAttr(1), "split": ia(3, 3)}, 3, f32(1, 6)), nil, "3 outputs"},
		{"reduce mean", node(OpReduceMean, Attrs{"axes": ia(2, 3), "keepdims": IntAttr(1)}, 1, f32(1, 3, 4, 4)), []Type{ft(1, 3, 1, 1)}, ""},
		{"reduce mean all", node(OpReduceMean, Attrs{"keepdims": IntAttr(0)}, 1, f32(2, 3)), []Type{ft()}, ""},
	})
}

func TestInferGraph(t *testing.T) {
	x := f32(1, 3, 4, 4)
	r := node(OpRelu, nil, 1, x)
	g := node(OpGlobalAvgPool, nil, 1, r.Outputs[0])
	f := node(OpFlatten, Attrs{"axis": IntAttr(1)}, 1, g.Outputs[0])
	gr := &Graph{Inputs: []*Value{x}, Nodes: []*Node{r, g, f}}
	if err := InferGraph(gr); err != nil {
		t.Fatal(err)
	}
	if got := f.Outputs[0].Type; !got.Equal(ft(1, 3)) {
		t.Fatalf("got %s", got)
	}
	bad := node(Op("nope"), nil, 1, x)
	if err := InferNode(bad); err == nil || !strings.Contains(err.Error(), `unknown op "nope"`) {
		t.Fatalf("error = %v", err)
	}
}

// TestInferEveryOpHasFunction guards against a new op without a shape function.
func TestInferEveryOpHasFunction(t *testing.T) {
	for _, o := range Ops() {
		if o.Infer == nil && o.LastStage <= StageCanonical {
			t.Errorf("op %q has no Infer function", o.Op)
		}
	}
}

// TestInferNeverPanics runs every shape function on degenerate nodes.
func TestInferNeverPanics(t *testing.T) {
	inputs := [][]*Value{nil, {nil}, {f32()}, {f32(0)}, {f32(1, 2, 3, 4), nil, nil}, {f32(2), f32(2), f32(2), f32(2), f32(2), f32(2)}}
	for _, o := range Ops() {
		for _, ins := range inputs {
			for nout := 0; nout < 3; nout++ {
				_ = InferNode(node(o.Op, Attrs{"axis": IntAttr(-7), "pads": ia(1), "perm": ia(9)}, nout, ins...))
			}
		}
	}
}

func TestInferRejectsHugeShapes(t *testing.T) {
	val := tensor.FromF32([]float32{1}, 1)
	tooMany := fmt.Sprintf("more than 2^%d elements", MaxElemsLog2)
	runInferCases(t, []inferCase{
		{"reshape overflow", node(OpReshape, Attrs{"shape": ia(1<<21, 1<<20)}, 1, f32(2, 3)), nil, tooMany},
		{"const of shape overflow", node(OpConstantOfShape, Attrs{"value": TensorAttr(val)}, 1, i64Const(1<<40, 1<<40)), nil, tooMany},
		{"const of shape beyond int64", node(OpConstantOfShape, Attrs{"value": TensorAttr(val)}, 1, i64Const(math.MaxInt64, 1)), nil, tooMany},
		{"pad overflow", node(OpPad, Attrs{"pads": ia(MaxElems/2, 0, MaxElems/2, 0)}, 1, f32(2, 3)), nil, tooMany},
		{"pad beyond MaxElems", node(OpPad, Attrs{"pads": ia(0, 0, MaxElems+1, 0)}, 1, f32(2, 3)), nil, "is beyond 2^"},
		{"pads that would overflow int", node(OpPad, Attrs{"pads": ia(0, 0, math.MaxInt64, math.MaxInt64)}, 1, f32(2, 3)), nil, "pads"},
	})
}

// TestAttrBeyondInt: an int attribute value outside int (possible only where
// int has 32 bits) is an error naming the attribute, from shape inference
// and the verifier alike, rather than a silently wrapped value; on 64-bit
// machines the same value is read exactly.
func TestAttrBeyondInt(t *testing.T) {
	x := &Value{Name: "x", Type: ft(2, 0)}
	n := &Node{Op: OpReshape, Name: "r", Inputs: []*Value{x}, Attrs: Attrs{"shape": ia(1<<32, 0)}}
	n.Outputs = []*Value{{Name: "y", Def: n}}
	g := &Graph{Name: "g", Inputs: []*Value{x}, Outputs: n.Outputs, Nodes: []*Node{n}}
	err := InferNode(n)
	if bits.UintSize == 32 {
		if err == nil || !strings.Contains(err.Error(), `attribute "shape": 4294967296 does not fit the 32-bit int`) {
			t.Fatalf("InferNode: err = %v", err)
		}
		if err := Verify(g); err == nil || !strings.Contains(err.Error(), "does not fit") {
			t.Fatalf("Verify: err = %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Outputs[0].Type.Shape; len(got) != 2 || int64(got[0]) != 1<<32 || got[1] != 0 {
		t.Fatalf("shape %v, want [4294967296 0]", got)
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
}
