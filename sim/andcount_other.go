//go:build !amd64

package sim

// andCounts4 sets cnt[i] to the popcount of the AND of the 4-word rows at
// a[ops[i].oa:] and b[ops[i].ob:]; the caller has checked rowsFit4.
func andCounts4(a, b []uint64, ops []gbOp, cnt []int32) {
	andCounts4Go(a, b, ops, cnt[:len(ops)])
}
