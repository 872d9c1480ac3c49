package sim

import "math/bits"

// rowsFit4 reports whether every op's 4-word rows lie inside rows of la
// (oa) and lb (ob) words: andCounts4's precondition.
func rowsFit4(ops []gbOp, la, lb int) bool {
	for _, o := range ops {
		if o.oa < 0 || o.ob < 0 || int(o.oa)+4 > la || int(o.ob)+4 > lb {
			return false
		}
	}
	return true
}

// andCounts4Go is andCounts4 in Go: the reference the amd64 kernel is
// tested against, and the path on other machines.
func andCounts4Go(a, b []uint64, ops []gbOp, cnt []int32) {
	for i, o := range ops {
		p := (*[4]uint64)(a[o.oa:])
		q := (*[4]uint64)(b[o.ob:])
		cnt[i] = int32(bits.OnesCount64(p[0]&q[0]) + bits.OnesCount64(p[1]&q[1]) + bits.OnesCount64(p[2]&q[2]) + bits.OnesCount64(p[3]&q[3]))
	}
}
