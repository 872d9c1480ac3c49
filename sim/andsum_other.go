//go:build !amd64

package sim

// hasAndSums: no AVX-512 kernel on this architecture.
const hasAndSums = false

// andSums4 is andSums4Go on machines without the AVX-512 kernel.
func andSums4(a, b []uint64, ops []gbOp) (pos, neg int64) { return andSums4Go(a, b, ops) }

// andSumsLanes4 is andSumsLanes4Go on machines without the AVX-512 kernel.
func andSumsLanes4(a *[4][]uint64, b []uint64, ops []gbOp, out *[8]int64) {
	andSumsLanes4Go(a, b, ops, out)
}
