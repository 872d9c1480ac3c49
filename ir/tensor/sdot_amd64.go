//go:build amd64

package tensor

//go:noescape
func sdotAVX512(x, y *float32, n int) float32

// sdot returns the dot product of x and y[:len(x)]: AVX-512 when the CPU
// has it (lanes summed pairwise at the end), the portable loop otherwise.
func sdot(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	y = y[:len(x)]
	if sgemmAVX512Kernel != nil {
		return sdotAVX512(&x[0], &y[0], len(x))
	}
	return sdotGo(x, y)
}
