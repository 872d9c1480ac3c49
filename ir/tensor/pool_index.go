package tensor

import "fmt"

// MaxPoolIndices writes into dst (int64, MaxPool's output shape) where each
// max pooling window's maximum lies: the flat index of that element in x,
// the first one in window order among equal values. With columnMajor
// (ONNX storage_order 1) the spatial part of the index counts the first
// spatial axis fastest; the plane part (n*C + c) * spatial size is the same.
// A window without an element inside the input gets -1.
func MaxPoolIndices(dst, x *Tensor, p PoolParams, columnMajor bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType == Bool {
		return fmt.Errorf("max_pool_indices: not defined on bool")
	}
	out, err := PoolShape(x.Shape, p)
	if err != nil {
		return err
	}
	if err := checkDst(dst, Int64, out); err != nil {
		return fmt.Errorf("max_pool_indices: %w", err)
	}
	ax := poolAxes(x.Shape, out, p)
	planes := x.Shape[0] * x.Shape[1]
	inPlane := ax[0].in * ax[1].in * ax[2].in
	s := len(x.Shape) - 2
	unsigned := x.DType == Uint64
	o := 0
	for pl := 0; pl < planes; pl++ {
		for o0 := 0; o0 < ax[0].out; o0++ {
			for o1 := 0; o1 < ax[1].out; o1++ {
				for o2 := 0; o2 < ax[2].out; o2++ {
					best := -1
					var c [3]int
					for t0 := 0; t0 < ax[0].k; t0++ {
						c[0] = o0*ax[0].stride - ax[0].padB + t0*ax[0].dil
						for t1 := 0; t1 < ax[1].k; t1++ {
							c[1] = o1*ax[1].stride - ax[1].padB + t1*ax[1].dil
							for t2 := 0; t2 < ax[2].k; t2++ {
								c[2] = o2*ax[2].stride - ax[2].padB + t2*ax[2].dil
								if !inside(c, ax) {
									continue
								}
								i := pl*inPlane + (c[0]*ax[1].in+c[1])*ax[2].in + c[2]
								if best < 0 || greaterAt(x, i, best, unsigned) {
									best = i
								}
							}
						}
					}
					if best >= 0 && columnMajor {
						best = pl*inPlane + columnMajorIndex(best-pl*inPlane, x.Shape[2:], s)
					}
					dst.I64[o] = int64(best)
					o++
				}
			}
		}
	}
	return nil
}

func inside(c [3]int, ax [3]window3) bool {
	for i := range c {
		if c[i] < 0 || c[i] >= ax[i].in {
			return false
		}
	}
	return true
}

// greaterAt reports x[i] > x[j].
func greaterAt(x *Tensor, i, j int, unsigned bool) bool {
	if x.DType.IsFloat() {
		return x.Float64At(i) > x.Float64At(j)
	}
	return lessInt(unsigned, x.I64[j], x.I64[i])
}

// columnMajorIndex converts a row-major flat index within a spatial block
// of shape sp into the column-major one.
func columnMajorIndex(i int, sp []int, s int) int {
	coords := make([]int, s)
	for a := s - 1; a >= 0; a-- {
		coords[a] = i % sp[a]
		i /= sp[a]
	}
	idx, stride := 0, 1
	for a := 0; a < s; a++ {
		idx += coords[a] * stride
		stride *= sp[a]
	}
	return idx
}
