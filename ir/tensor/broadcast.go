package tensor

import "fmt"

// BroadcastShape returns the NumPy broadcast of the given shapes: shapes are
// right-aligned, and each dimension must be equal or 1 across them.
func BroadcastShape(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case out[off+i] == d || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %s cannot be broadcast together", shapeList(shapes))
			}
		}
	}
	return out, nil
}

func shapeList(shapes [][]int) string {
	s := ""
	for i, sh := range shapes {
		if i > 0 {
			s += ", "
		}
		s += ShapeString(sh)
	}
	return s
}

// broadcastStrides returns the element strides of a row-major tensor of shape
// in, seen with the rank of out: broadcast (size-1 or missing) axes get 0.
func broadcastStrides(in, out []int) []int {
	st := make([]int, len(out))
	off := len(out) - len(in)
	stride := 1
	for i := len(in) - 1; i >= 0; i-- {
		if in[i] != 1 {
			st[off+i] = stride
		}
		stride *= in[i]
	}
	return st
}

// collapseAxes simplifies an iteration space without changing the element
// order: it drops size-1 axes and merges neighbouring axes that every
// operand walks contiguously (stride[i] == stride[i+1]*out[i+1], which
// includes runs of broadcast axes with stride 0). Rows then get as long as
// possible, so forEachRow calls its function rarely.
func collapseAxes(out []int, strides [][]int) ([]int, [][]int) {
	no := []int{}
	ns := make([][]int, len(strides))
	for i, d := range out {
		if d == 1 {
			continue
		}
		last := len(no) - 1
		merge := last >= 0
		for k := range strides {
			if merge && ns[k][last] != strides[k][i]*d {
				merge = false
			}
		}
		if merge {
			no[last] *= d
			for k := range strides {
				ns[k][last] = strides[k][i]
			}
			continue
		}
		no = append(no, d)
		for k := range strides {
			ns[k] = append(ns[k], strides[k][i])
		}
	}
	if len(no) == 0 && NumElems(out) == 1 {
		no = []int{1}
		for k := range ns {
			ns[k] = []int{0}
		}
	}
	if NumElems(out) == 0 {
		return out, strides // nothing to iterate; keep the zero dimension
	}
	return no, ns
}

// forEachRow walks out (row-major) one innermost row at a time. For every row
// it calls fn(o, offs, n) where o is the flat output offset of the row, offs
// the flat offset of the row's first element in each input (per the strides
// from broadcastStrides) and n the row length; along the row, input k
// advances by inner[k] elements (0 when that axis is broadcast).
func forEachRow(out []int, strides [][]int, fn func(o int, offs []int, n int, inner []int)) {
	out, strides = collapseAxes(out, strides)
	rank := len(out)
	k := len(strides)
	offs := make([]int, k)
	inner := make([]int, k)
	if NumElems(out) == 0 {
		return
	}
	if rank == 0 {
		fn(0, offs, 1, inner)
		return
	}
	n := out[rank-1]
	for j := range strides {
		inner[j] = strides[j][rank-1]
	}
	idx := make([]int, rank-1)
	rows := NumElems(out[:rank-1])
	for r := 0; r < rows; r++ {
		fn(r*n, offs, n, inner)
		// advance the odometer over the outer axes
		for ax := rank - 2; ax >= 0; ax-- {
			idx[ax]++
			for j := range strides {
				offs[j] += strides[j][ax]
			}
			if idx[ax] < out[ax] {
				break
			}
			for j := range strides {
				offs[j] -= strides[j][ax] * out[ax]
			}
			idx[ax] = 0
		}
	}
}
