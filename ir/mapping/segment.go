package mapping

import "fmt"

// segments splits the kept columns of grp into column segments [start, end)
// of at most cols columns such that no accumulator can saturate
// (docs/QUANT.md §4): a segment is safe when, for every kept filter,
// (2^N - 1) * sum over its columns of colWeight(code) <= 2^(accBits-1) - 1,
// which bounds the accumulator after any prefix of the bmac walk whatever the
// input. Greedy extension is optimal for this monotone constraint.
func segments(grp *Group, M, N int, pm bool, cols, accBits int) ([][2]int, error) {
	K := len(grp.Cols)
	limit := int64(1)<<(accBits-1) - 1
	px := int64(1)<<N - 1
	run := make([]int64, len(grp.Filters))
	var segs [][2]int
	start := 0
	for j := 0; j < K; j++ {
		fits := j-start < cols
		if fits {
			for i := range grp.Filters {
				if run[i]+colWeight(grp.W[i][j], M, pm)*px > limit {
					fits = false
					break
				}
			}
		}
		if !fits {
			if j == start {
				return nil, fmt.Errorf("one weight column of %d-bit weights times %d-bit activations can reach %d, more than a %d-bit accumulator holds",
					M, N, int64(1)<<M*px, accBits)
			}
			segs = append(segs, [2]int{start, j})
			start = j
			clear(run)
		}
		for i := range grp.Filters {
			run[i] += colWeight(grp.W[i][j], M, pm) * px
		}
	}
	if K > start {
		segs = append(segs, [2]int{start, K})
	}
	return segs, nil
}

// segmentSafe reports whether columns [a, b) of grp keep every kept
// filter's accumulator inside accBits (the rule of segments).
func segmentSafe(grp *Group, a, b, M, N int, pm bool, accBits int) bool {
	limit := int64(1)<<(accBits-1) - 1
	px := int64(1)<<N - 1
	for i := range grp.Filters {
		var run int64
		for j := a; j < b; j++ {
			run += colWeight(grp.W[i][j], M, pm) * px
		}
		if run > limit {
			return false
		}
	}
	return true
}
