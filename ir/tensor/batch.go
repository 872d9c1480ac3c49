package tensor

// A batch of inferences travels as one tensor along dimension 0 (the
// inputs of pimc run and sim, the outputs they write); the runtimes take
// one inference at a time. Unbatch and Batch convert between the two.

// Unbatch returns the n tensors of shape that t holds one after the other,
// as views sharing t's storage (no copy). t must hold n*NumElems(shape)
// elements.
func Unbatch(t *Tensor, shape []int, n int) []*Tensor {
	size := NumElems(shape)
	out := make([]*Tensor, n)
	for i := range out {
		v := &Tensor{DType: t.DType, Shape: append([]int{}, shape...)}
		switch {
		case t.F32 != nil:
			v.F32 = t.F32[i*size : (i+1)*size]
		case t.F64 != nil:
			v.F64 = t.F64[i*size : (i+1)*size]
		default:
			v.I64 = t.I64[i*size : (i+1)*size]
		}
		out[i] = v
	}
	return out
}

// Batch concatenates tensors of one type and shape along dimension 0 (a
// scalar counts as shape [1]): the outputs of a batch's inferences, in
// order. One tensor is returned as it is.
func Batch(ts []*Tensor) *Tensor {
	if len(ts) == 1 {
		return ts[0]
	}
	shape := append([]int{}, ts[0].Shape...)
	if len(shape) == 0 {
		shape = []int{1}
	}
	shape[0] *= len(ts)
	o := New(ts[0].DType, shape...)
	off := 0
	for _, t := range ts {
		switch {
		case t.F32 != nil:
			copy(o.F32[off:], t.F32)
		case t.F64 != nil:
			copy(o.F64[off:], t.F64)
		default:
			copy(o.I64[off:], t.I64)
		}
		off += t.Len()
	}
	return o
}
