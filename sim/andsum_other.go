//go:build !amd64

package sim

// hasAndSums: no AVX-512 kernel on this architecture.
const hasAndSums = false

// andSums4 is andSums4Go on machines without the AVX-512 kernel.
func andSums4(a, b []uint64, ops []gbOp) (pos, neg int64) { return andSums4Go(a, b, ops) }
