package mapping

import "sort"

// LaneChunks splits the output channels [0, F) of a matrix layer into the
// pieces the backend computes one at a time, at most lanes channels each
// (a DPU vector): [start, len) pairs. spans are the channels [lo, hi] of
// each tile's first and last filter. A chunk ends where no tile
// straddles, as late as possible: a tile inside one chunk starts that
// chunk's filter rounds at its first filter, at the same rows as every
// other tile, so one gbmac drives them all; a tile straddling two chunks
// would start the second chunk's rounds at another row. Only a tile wider
// than lanes forces a cut inside it. lanes <= 0 is one chunk.
func LaneChunks(F, lanes int, spans [][2]int) [][2]int {
	if F <= 0 {
		return nil
	}
	if lanes <= 0 || F <= lanes {
		return [][2]int{{0, F}}
	}
	// inside[c]: some tile has lo < c <= hi (cutting before channel c
	// splits it).
	inside := make([]bool, F+1)
	sorted := append([][2]int(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	for _, sp := range sorted {
		for c := sp[0] + 1; c <= sp[1] && c <= F; c++ {
			inside[c] = true
		}
	}
	var out [][2]int
	for start := 0; start < F; {
		end := min(start+lanes, F)
		if end < F {
			c := end
			for c > start && inside[c] {
				c--
			}
			if c > start {
				end = c
			}
		}
		out = append(out, [2]int{start, end - start})
		start = end
	}
	return out
}

// chunkOf is the index of the chunk holding channel f.
func chunkOf(chunks [][2]int, f int) int {
	return sort.Search(len(chunks), func(i int) bool { return chunks[i][0]+chunks[i][1] > f })
}
