package backend

import "fmt"

// segments splits the kept columns of group g into column segments
// [start, end) of at most cols columns such that no accumulator can
// saturate (docs/QUANT.md §4): a segment is safe when, for every kept filter,
// (2^N - 1) * sum over its columns of bitWeight(code) <= 2^(accBits-1) - 1,
// which bounds the accumulator after any prefix of the bmac walk whatever the
// input. Greedy extension is optimal for this monotone constraint.
func (m *matrix) segments(g, cols, accBits int) ([][2]int, error) {
	grp := &m.groups[g]
	K := len(grp.offs)
	limit := int64(1)<<(accBits-1) - 1
	px := int64(1)<<m.N - 1
	run := make([]int64, len(grp.filters))
	var segs [][2]int
	start := 0
	for j := 0; j < K; j++ {
		fits := j-start < cols
		if fits {
			for i := range grp.filters {
				if run[i]+bitWeight(grp.w[i][j], m.M)*px > limit {
					fits = false
					break
				}
			}
		}
		if !fits {
			if j == start {
				return nil, fmt.Errorf("one weight column of %d-bit weights times %d-bit activations can reach %d, more than a %d-bit accumulator holds",
					m.M, m.N, int64(1)<<m.M*px, accBits)
			}
			segs = append(segs, [2]int{start, j})
			start = j
			clear(run)
		}
		for i := range grp.filters {
			run[i] += bitWeight(grp.w[i][j], m.M) * px
		}
	}
	if K > start {
		segs = append(segs, [2]int{start, K})
	}
	return segs, nil
}
