//go:build !amd64

package tensor

// sdot returns the dot product of x and y[:len(x)].
func sdot(x, y []float32) float32 { return sdotGo(x, y[:len(x)]) }
