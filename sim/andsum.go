package sim

import "math/bits"

// The bit work of a uniform gbmac run (one accumulator) on one sub-array is
// acc = sat(... sat(sat(acc + v_1) + v_2) ... + v_n), v_i the signed
// shifted count of op i, saturating after every addition as the hardware
// does. When no partial sum can leave the accumulator's range there is
// nothing to saturate and the result is acc + sum(v_i): every partial sum
// lies between acc - N and acc + P, N and P the sums of the subtracted and
// added magnitudes, so acc + P <= hi and acc - N >= lo is enough. The sums
// then come from one vector pass (andSums4: AND, VPOPCNTQ and shift per
// op, no per-op clamp); otherwise, or on other row widths, the op-by-op
// loop does the work.

// andSums4Go is andSums4 in Go: the reference the kernel is tested
// against, and the path on other machines.
func andSums4Go(a, b []uint64, ops []gbOp) (pos, neg int64) {
	for _, o := range ops {
		p := (*[4]uint64)(a[o.oa:])
		q := (*[4]uint64)(b[o.ob:])
		c := int64(bits.OnesCount64(p[0]&q[0])+bits.OnesCount64(p[1]&q[1])+bits.OnesCount64(p[2]&q[2])+bits.OnesCount64(p[3]&q[3])) << o.shift
		if o.neg != 0 {
			neg += c
		} else {
			pos += c
		}
	}
	return pos, neg
}

// sumRun adds the ops of a uniform run on rows a and b (rowb rows of ops
// relative to b; rows of 4 words inside both, rowsFit4) to the
// accumulator value acc saturating at [lo, hi], and returns the result and
// the last op's count; ok is false when some partial sum might saturate,
// and the caller then takes the op-by-op loop.
func sumRun(a, b []uint64, ops []gbOp, acc, lo, hi int64) (int64, uint32, bool) {
	pos, neg := andSums4(a, b, ops)
	if acc+pos > hi || acc-neg < lo {
		return acc, 0, false
	}
	o := ops[len(ops)-1]
	p := (*[4]uint64)(a[o.oa:])
	q := (*[4]uint64)(b[o.ob:])
	last := bits.OnesCount64(p[0]&q[0]) + bits.OnesCount64(p[1]&q[1]) + bits.OnesCount64(p[2]&q[2]) + bits.OnesCount64(p[3]&q[3])
	return acc + pos - neg, uint32(last), true
}

// andSumsLanes4Go is andSumsLanes4 in Go, lane by lane.
func andSumsLanes4Go(a *[4][]uint64, b []uint64, ops []gbOp, out *[8]int64) {
	for l := range a {
		out[l], out[4+l] = andSums4Go(a[l], b, ops)
	}
}
