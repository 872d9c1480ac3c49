package admm

import "fmt"

// Shape is the matrix view of a weight tensor: Rows = output channels F,
// Cols = K = C*kh*kw, Spatial = kh*kw (1 for fc), so input channel c owns
// columns [c*Spatial, (c+1)*Spatial). Element (r, k) is at r*Cols + k, the
// row-major layout of both conv [F, C, kh, kw] and fc [N, K] weights.
type Shape struct {
	Rows, Cols, Spatial int
}

// ShapeOf returns the matrix view of a conv ([F, C, kh...]) or fc ([N, K])
// weight shape.
func ShapeOf(dims []int) (Shape, error) {
	if len(dims) < 2 {
		return Shape{}, fmt.Errorf("weight shape %v: want [F, K] or [F, C, k...]", dims)
	}
	s := Shape{Rows: dims[0], Cols: 1, Spatial: 1}
	for _, d := range dims[1:] {
		s.Cols *= d
	}
	for _, d := range dims[2:] {
		s.Spatial *= d
	}
	if s.Rows <= 0 || s.Cols <= 0 {
		return Shape{}, fmt.Errorf("weight shape %v is empty", dims)
	}
	return s, nil
}

// Len is the number of elements.
func (s Shape) Len() int { return s.Rows * s.Cols }

// Channels is the number of input channels (Cols / Spatial).
func (s Shape) Channels() int { return s.Cols / s.Spatial }
