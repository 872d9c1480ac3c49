package sim

import "math/bits"

// Dot runs. Compiled matrix code issues, per filter round, a gbmac for
// every pair of an input plane (row a_i, weight 2^s_i, negative for a
// signed value's top plane) and a weight plane (row b_j, 2^t_j, likewise):
// shift s_i + t_j, negative when exactly one plane is. Summed over the
// run, the shifted counts are sum_c X_c * W_c over the columns c, X_c =
// sum_i ±2^s_i bit(a_i, c) and W_c likewise: integer dot products of the
// columns' values. A uniform run whose ops are such a full product
// (factorProduct) is summed that way: each side split into its positive
// and negative planes (parts), each part's bytes transposed once from the
// rows and kept until a row is written (planebytes.go), and the added
// (pos) and subtracted (neg) sums are those of andSums4 exactly (the same
// integers, so sumRun's saturation test decides the same): pos = sum of
// the same-sign parts' dot products, neg of the opposite-sign ones, less
// the counts of the few pairs the run lacks (dotMaxMissing). One
// 64-column VPDPBUSD does the work of 64 bit-plane ANDs of one column
// each. A run whose partial sums might saturate, or whose ops are not a
// full product, takes the bit-plane path. The run's counts, charges and
// undriven-column statistics are the run's as before (gbmacBitsUniform).

// dotRuns: sum full-product runs by dot products. On where the kernel is
// (hasDot); the Go fallback gives the same sums (tests turn it on).
var dotRuns = hasDot

// dotMinOps is the fewest ops of a run summed by dot products: a shorter
// run's AND-counts (a few words each) cost less than transposing its planes.
const dotMinOps = 16

// dotPart is one sign part of one side of a product run: the plane set
// (planebytes.go) of the side's rows of one sign, at scale 2^shift.
type dotPart struct {
	b     bool   // a rowb part: start is relative to the run's delta
	start int32  // its first row
	pat   uint64 // the plane set's pattern (planeSets)
	shift uint8  // the scale of its bytes
	neg   bool   // its planes are subtracted
	max   int    // its greatest byte value
}

// dotTerm is the dot product of parts u (read as unsigned bytes) and s
// (as signed ones, all <= 127), shifted by shift, added to neg or pos.
type dotTerm struct {
	u, s  uint8
	shift uint8
	neg   bool
}

// gbProduct is a run's ops as a full product: its parts and terms, and
// the pairs of the product the run lacks.
type gbProduct struct {
	parts   []dotPart
	terms   []dotTerm
	missing []dotMissing
}

// dotMissing is a pair of a product a run lacks: its rows (rb relative
// like gbOp.rb), shift and sign.
type dotMissing struct {
	ra, rb uint16
	shift  uint8
	neg    bool
}

// dotMaxMissing is the most pairs a run may lack and still be summed as a
// product: the counts of the pairs it lacks are taken off the product's.
// Compiled rounds lack at most their first pair, which the bit-plane path
// executes alone when the group's timers differ at the round's start.
const dotMaxMissing = 4

// factorProduct returns ops as a full product, or nil when they are not
// one: the distinct rowa rows (I) and rowb rows (J) of ops, each at most
// eight, every pair at most once and at most dotMaxMissing of the I*J
// missing, every op's shift the sum and its sign the product of a per-row
// shift and sign, each sign part's rows within eight rows of each other
// with distinct shifts less than 8 apart, and one byte of every pair of
// parts at most 127.
func factorProduct(ops []gbOp) *gbProduct {
	var ra, rb []uint16
	index := func(rows *[]uint16, r uint16) int {
		for i, x := range *rows {
			if x == r {
				return i
			}
		}
		*rows = append(*rows, r)
		return len(*rows) - 1
	}
	var shift [8][8]int
	var neg [8][8]bool
	var seen [8][8]bool
	for _, o := range ops {
		i, j := index(&ra, o.ra), index(&rb, o.rb)
		if i >= 8 || j >= 8 || seen[i][j] {
			return nil
		}
		seen[i][j], shift[i][j], neg[i][j] = true, int(o.shift), o.neg != 0
	}
	ni, nj := len(ra), len(rb)
	if ni*nj-len(ops) > dotMaxMissing {
		return nil
	}
	// Row shifts and signs, from the first rowb row's (0, positive) along
	// the pairs present; then each side's made non-negative.
	var s, t [8]int
	var sn, tn, hasS, hasT [8]bool
	hasT[0] = true
	for changed := true; changed; {
		changed = false
		for i := range ni {
			for j := range nj {
				switch {
				case !seen[i][j] || hasS[i] == hasT[j]:
				case hasT[j]:
					s[i], sn[i], hasS[i], changed = shift[i][j]-t[j], neg[i][j] != tn[j], true, true
				default:
					t[j], tn[j], hasT[j], changed = shift[i][j]-s[i], neg[i][j] != sn[i], true, true
				}
			}
		}
	}
	base := 0 // the shift common to every pair, taken out of the rows'
	for side, n := range [2]int{ni, nj} {
		sh, has := &s, &hasS
		if side == 1 {
			sh, has = &t, &hasT
		}
		lo := sh[0]
		for i := range n {
			if !has[i] {
				return nil // the pairs present do not connect every row
			}
			lo = min(lo, sh[i])
		}
		for i := range n {
			sh[i] -= lo
		}
		base += lo
	}
	p := &gbProduct{}
	for i := range ni {
		for j := range nj {
			sh, ng := base+s[i]+t[j], sn[i] != tn[j]
			if !seen[i][j] {
				if sh < 0 || sh > 63 {
					return nil
				}
				p.missing = append(p.missing, dotMissing{ra: ra[i], rb: rb[j], shift: uint8(sh), neg: ng})
			} else if sh != shift[i][j] || ng != neg[i][j] {
				return nil
			}
		}
	}
	var na int
	for side, rows := range [2][]uint16{ra, rb} {
		sh, ng := s[:ni], sn[:ni]
		if side == 1 {
			sh, ng = t[:nj], tn[:nj]
		}
		for _, sign := range [2]bool{false, true} {
			part, ok := planePart(rows, sh, ng, sign)
			if !ok {
				return nil
			}
			if part.max > 0 {
				part.b = side == 1
				p.parts = append(p.parts, part)
			}
		}
		if side == 0 {
			na = len(p.parts)
		}
	}
	for u := range na {
		for v := na; v < len(p.parts); v++ {
			a, b := &p.parts[u], &p.parts[v]
			sh := base + int(a.shift) + int(b.shift)
			if sh > 63 { // (>= 0: it is a pair's shift)
				return nil
			}
			tm := dotTerm{u: uint8(u), s: uint8(v), shift: uint8(sh), neg: a.neg != b.neg}
			switch {
			case b.max <= 127:
			case a.max <= 127:
				tm.u, tm.s = tm.s, tm.u
			default:
				return nil
			}
			p.terms = append(p.terms, tm)
		}
	}
	return p
}

// planePart is the part of one side's rows (their shifts sh and signs
// ng) of sign neg; max 0 when it has no rows; ok false when its rows or
// shifts do not fit one plane set.
func planePart(rows []uint16, sh []int, ng []bool, neg bool) (dotPart, bool) {
	part := dotPart{neg: neg, start: -1}
	lo := -1
	for i, r := range rows {
		if ng[i] == neg {
			if part.start < 0 || int32(r) < part.start {
				part.start = int32(r)
			}
			if lo < 0 || sh[i] < lo {
				lo = sh[i]
			}
		}
	}
	if lo < 0 {
		return part, true
	}
	var used uint
	for i, r := range rows {
		if ng[i] != neg {
			continue
		}
		off, k := int32(r)-part.start, sh[i]-lo
		if off >= 8 || k >= 8 || used&(1<<k) != 0 {
			return part, false
		}
		used |= 1 << k
		part.pat |= uint64(k+1) << (8 * off)
		part.max += 1 << k
	}
	part.shift = uint8(lo)
	return part, true
}

// productOf returns the full-product form of the uniform run decoded in d
// (memoised in d), or nil.
func (d *gbDecoded) productOf() *gbProduct {
	if d.reg < 0 || d.k < dotMinOps { // rows from several registers: decoded afresh each time
		return nil
	}
	if d.prodK != d.k {
		d.prod, d.prodK = factorProduct(d.ops), d.k
	}
	return d.prod
}

// dotSums returns the added and subtracted sums of the full-product run p
// on sub-array sa, its rowb rows db rows on: andSums4's pos and neg.
func (m *Machine) dotSums(sa *subarray, p *gbProduct, db int32) (pos, neg int64) {
	words := m.exe.words
	if sa.planes == nil {
		sa.planes = &planeSets{}
	}
	var b [4][]byte
	for i := range p.parts {
		pt := &p.parts[i]
		start := pt.start
		if pt.b {
			start += db
		}
		b[i] = sa.planes.bytes(sa.bits, words, start, pt.pat)
	}
	add := func(t dotTerm, v int64) {
		if t.neg {
			neg += v << t.shift
		} else {
			pos += v << t.shift
		}
	}
	for i := 0; i < len(p.terms); i++ {
		t := p.terms[i]
		if i+1 < len(p.terms) && p.terms[i+1].u == t.u { // one pass over u for two
			t2 := p.terms[i+1]
			v, v2 := dot2U8S8(b[t.u], b[t.s], b[t2.s])
			add(t, v)
			add(t2, v2)
			i++
			continue
		}
		add(t, dotU8S8(b[t.u], b[t.s]))
	}
	for _, o := range p.missing {
		x := sa.bits[int(o.ra)*words : int(o.ra)*words+words]
		y := sa.bits[(int(o.rb)+int(db))*words : (int(o.rb)+int(db))*words+words]
		var n int
		for w := range x {
			n += bits.OnesCount64(x[w] & y[w])
		}
		if o.neg {
			neg -= int64(n) << o.shift
		} else {
			pos -= int64(n) << o.shift
		}
	}
	return pos, neg
}
