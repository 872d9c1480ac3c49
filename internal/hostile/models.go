package hostile

import "fmt"

// Every model below reads one tiny runtime input x: f32[1,1,1,1] (so `pimc
// run` and `pimc compile -verify-with` need only a 4-byte tensor), builds a
// large value from almost nothing, adds x to it and averages it away with
// GlobalAveragePool, so the output y is f32[1,1,1,1] again: only the middle
// of the graph is large. The node that makes the large value is named after
// its op with the suffix _0 (ConstantOfShape_0, Pad_0 ...), which is what
// pimc's refusals must name.

// tail adds x to the value named big (broadcasting) and pools it to y.
func (b *Model) tail(big string) []byte {
	return b.Node("Add", "Add_0", []string{big, "x"}, []string{"s"}).
		Node("GlobalAveragePool", "GlobalAveragePool_0", []string{"s"}, []string{"y"}).
		Output("y").Bytes()
}

// ConstantOfShape is the model of issue 9: ConstantOfShape_0 fills a
// [1,1,n,n] float32 tensor with ones (4n² bytes: 3.4 GiB for n = 30000),
// then Add and GlobalAveragePool. The file is about 250 bytes.
func ConstantOfShape(n int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Int64s("shape", 1, 1, n, n).
		Node("ConstantOfShape", "ConstantOfShape_0", []string{"shape"}, []string{"c"},
			TensorAttr("value", FloatTensor("", []int64{1}, 1))).
		tail("c")
}

// Pad pads x by n on each side of both spatial axes (Pad_0, opset 13):
// [1,1,2n+1,2n+1] float32, computed from the runtime input.
func Pad(n int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Int64s("pads", 0, 0, n, n, 0, 0, n, n).
		Node("Pad", "Pad_0", []string{"x", "pads"}, []string{"p"}).
		tail("p")
}

// Broadcast adds a [1,1,n,1] column of ones to a [1,1,1,n] row of ones
// (Broadcast_0, an Add): two small constants make an n x n one.
func Broadcast(n int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Int64s("col_shape", 1, 1, n, 1).Int64s("row_shape", 1, 1, 1, n).
		Node("ConstantOfShape", "Col", []string{"col_shape"}, []string{"col"}, TensorAttr("value", FloatTensor("", []int64{1}, 1))).
		Node("ConstantOfShape", "Row", []string{"row_shape"}, []string{"row"}, TensorAttr("value", FloatTensor("", []int64{1}, 1))).
		Node("Add", "Broadcast_0", []string{"col", "row"}, []string{"b"}).
		tail("b")
}

// MatMul multiplies an [n,1] column by a [1,n] row (MatMul_0): an outer
// product of two small constants, reshaped to [1,1,n,n].
func MatMul(n int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Int64s("col_shape", n, 1).Int64s("row_shape", 1, n).Int64s("shape4", 1, 1, n, n).
		Node("ConstantOfShape", "Col", []string{"col_shape"}, []string{"col"}, TensorAttr("value", FloatTensor("", []int64{1}, 1))).
		Node("ConstantOfShape", "Row", []string{"row_shape"}, []string{"row"}, TensorAttr("value", FloatTensor("", []int64{1}, 1))).
		Node("MatMul", "MatMul_0", []string{"col", "row"}, []string{"m"}).
		Node("Reshape", "Reshape_0", []string{"m", "shape4"}, []string{"r"}).
		tail("r")
}

// ConcatDoubling concatenates x with itself steps times, alternating the
// two spatial axes (Concat_1 ... Concat_<steps>): the value doubles at
// every node, 2^steps elements at the end from a file of a few hundred
// bytes. Concat_k's output holds 2^k float32 elements.
func ConcatDoubling(steps int) []byte {
	b := NewModel(13).Input("x", 1, 1, 1, 1)
	prev := "x"
	for k := 1; k <= steps; k++ {
		out := fmt.Sprintf("d%d", k)
		b.Node("Concat", fmt.Sprintf("Concat_%d", k), []string{prev, prev}, []string{out}, IntAttr("axis", int64(2+k%2)))
		prev = out
	}
	return b.tail(prev)
}

// ConvTranspose runs a 1x1 ConvTranspose_0 with stride s on a 2x2 constant
// image: the output is [1,1,s+1,s+1], mostly zeros.
func ConvTranspose(s int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Floats("img", []int64{1, 1, 2, 2}, 1, 2, 3, 4).
		Floats("w", []int64{1, 1, 1, 1}, 1).
		Node("ConvTranspose", "ConvTranspose_0", []string{"img", "w"}, []string{"t"}, IntsAttr("strides", s, s)).
		tail("t")
}

// HugeInitializer declares an initializer "big" of shape [1,1,n,n] float32
// whose raw_data is empty: the file promises 4n² bytes it does not hold.
func HugeInitializer(n int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Floats("big", []int64{1, 1, n, n}).
		tail("big")
}

// HugeConstantNode is HugeInitializer with the tensor in a Constant node
// (Constant_0) instead of an initializer.
func HugeConstantNode(n int64) []byte {
	return NewModel(13).Input("x", 1, 1, 1, 1).
		Node("Constant", "Constant_0", nil, []string{"big"}, TensorAttr("value", FloatTensor("", []int64{1, 1, n, n}))).
		tail("big")
}

// ManyConstants makes count ConstantOfShape nodes (ConstantOfShape_0 ...)
// of [1,1,n,n] float32 each and sums them (Sum_0): each value may be under
// a per-value limit while all of them together are far above any memory.
func ManyConstants(count int, n int64) []byte {
	b := NewModel(13).Input("x", 1, 1, 1, 1).Int64s("shape", 1, 1, n, n)
	var parts []string
	for i := 0; i < count; i++ {
		out := fmt.Sprintf("c%d", i)
		b.Node("ConstantOfShape", fmt.Sprintf("ConstantOfShape_%d", i), []string{"shape"}, []string{out},
			TensorAttr("value", FloatTensor("", []int64{1}, float32(i))))
		parts = append(parts, out)
	}
	b.Node("Sum", "Sum_0", parts, []string{"sum"})
	return b.tail("sum")
}
