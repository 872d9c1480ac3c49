package backend

import (
	"maps"
	"slices"
	"sort"

	"github.com/pimc-dev/pimc/ir/mapping"
)

// Splitting one matrix layer by output-channel chunks (docs/PARALLEL.md
// §7.1, docs/BACKEND.md §8): the layer's lane chunks (the pieces of at
// most dpu_lanes output channels it is computed in, laneChunks) are cut
// into kc contiguous ranges, and chunk piece j computes the chunks of its
// range for every pixel on a controller of its own: it writes the input
// planes into its own tiles, runs the rounds of its chunks and drains,
// requantizes and stores their channels. No sub-array is added: the
// tiles of a chunk are the layer's, and the cut lies where no sub-array
// holds tiles of both sides (its rows and accumulators are one
// controller's). All pieces read the same input and write disjoint
// output channels. A layer split by pixels too (split.go) has kp x kc
// pieces: pixel piece p's replicas on chunk range j.

// layerChunks are the lane chunks of layer l ([first channel, channels]
// pairs, laneChunks on the mapping's tiles) and the chunk of every tile
// (by the channel of its first filter).
func layerChunks(l *mapping.Layer, lanes int) ([][2]int, []int) {
	var spans [][2]int
	for _, t := range l.Tiles {
		if t.Replica == 0 && t.To > t.From {
			f := l.Groups[t.Grp].Filters
			spans = append(spans, [2]int{f[t.From], f[t.To-1]})
		}
	}
	chunks := mapping.LaneChunks(l.F, lanes, spans)
	of := make([]int, len(l.Tiles))
	for i, t := range l.Tiles {
		of[i] = -1
		if t.To > t.From {
			f := l.Groups[t.Grp].Filters[t.From]
			of[i] = sort.Search(len(chunks), func(c int) bool { return chunks[c][0]+chunks[c][1] > f })
		}
	}
	return chunks, of
}

// chunkRanges cuts the lane chunks of layer l into kc contiguous ranges
// of chunk indices [lo, hi), the largest range's channels as few as they
// can be, cutting only between chunks that share no sub-array; false when
// there are not kc such ranges.
func chunkRanges(l *mapping.Layer, lanes, kc int) ([][2]int, bool) {
	chunks, of := layerChunks(l, lanes)
	if kc <= 1 {
		return [][2]int{{0, len(chunks)}}, true
	}
	// lo, hi: the chunks of every sub-array's tiles; a cut before chunk c
	// is allowed unless some sub-array has lo < c <= hi.
	// A tile of more filters than a chunk (a reprogrammed layer's, placed
	// without lane chunks) reaches to the chunk of its last filter.
	lo, hi := map[int]int{}, map[int]int{}
	for i, t := range l.Tiles {
		c := of[i]
		if c < 0 {
			continue
		}
		if x, ok := lo[t.SA]; !ok || c < x {
			lo[t.SA] = c
		}
		f := l.Groups[t.Grp].Filters[t.To-1]
		last := sort.Search(len(chunks), func(c int) bool { return chunks[c][0]+chunks[c][1] > f })
		hi[t.SA] = max(hi[t.SA], c, last)
	}
	cut := make([]bool, len(chunks)+1)
	for c := 1; c < len(chunks); c++ {
		cut[c] = true
	}
	for sa, a := range lo {
		for c := a + 1; c <= hi[sa]; c++ {
			cut[c] = false
		}
	}
	// Dynamic programming over the allowed cuts: best[k][j] is the least
	// largest range of chunks [0, j) in k ranges.
	n := len(chunks)
	width := make([]int, n+1) // channels of chunks [0, j)
	for j, ch := range chunks {
		width[j+1] = width[j] + ch[1]
	}
	const inf = int(^uint(0) >> 1)
	best := make([][]int, kc+1)
	from := make([][]int, kc+1)
	for k := range best {
		best[k] = slices.Repeat([]int{inf}, n+1)
		from[k] = make([]int, n+1)
	}
	best[0][0] = 0
	for k := 1; k <= kc; k++ {
		for j := 1; j <= n; j++ {
			if j < n && !cut[j] {
				continue
			}
			for i := k - 1; i < j; i++ {
				if best[k-1][i] == inf || i > 0 && !cut[i] {
					continue
				}
				if w := max(best[k-1][i], width[j]-width[i]); w < best[k][j] {
					best[k][j], from[k][j] = w, i
				}
			}
		}
	}
	if best[kc][n] == inf {
		return nil, false
	}
	out := make([][2]int, kc)
	for k, j := kc, n; k > 0; k-- {
		out[k-1] = [2]int{from[k][j], j}
		j = from[k][j]
	}
	return out, true
}

// chunkShare is the part of layer l's controller work per pixel that the
// busiest of kc chunk pieces does: its channels / the layer's (the rounds,
// drains and stores follow the channels; each piece also writes the input
// planes of its own tiles), and false when l cannot be cut so.
func chunkShare(l *mapping.Layer, lanes, kc int) (float64, bool) {
	if kc <= 1 {
		return 1, true
	}
	rs, ok := chunkRanges(l, lanes, kc)
	if !ok {
		return 0, false
	}
	chunks, _ := layerChunks(l, lanes)
	most := 0
	for _, r := range rs {
		w := 0
		for _, ch := range chunks[r[0]:r[1]] {
			w += ch[1]
		}
		most = max(most, w)
	}
	return float64(most) / float64(l.F), true
}

// chunkWaitShare is the busiest of kc chunk pieces' share of layer l's
// stream waits (opSplit.wait), in rounds: a sub-array's filters of one
// chunk take a round each, and consecutive chunks on disjoint sub-arrays
// run as one batch of up to batch chunks (a plane sequencer's merged
// rounds, one DPU accumulator register per chunk, emit_matrix.go; 1
// without), as long as the longest of them. VGG-11-BN's features.11
// (chunks of 58, 58, 58, 58 and 24 channels on disjoint sub-arrays, 29,
// 29, 29, 29 and 24 rounds, batches of 5): the whole layer waits for 29
// rounds per pixel, and so does each of two chunk pieces.
func chunkWaitShare(l *mapping.Layer, lanes, kc, batch int) (float64, bool) {
	if kc <= 1 {
		return 1, true
	}
	rs, ok := chunkRanges(l, lanes, kc)
	if !ok {
		return 0, false
	}
	chunks, of := layerChunks(l, lanes)
	filters := make([]map[int]int, len(chunks)) // chunk -> sub-array -> filters
	for c := range filters {
		filters[c] = map[int]int{}
	}
	for i, t := range l.Tiles {
		if t.Replica == 0 && of[i] >= 0 {
			filters[of[i]][t.SA] += t.To - t.From
		}
	}
	rounds := func(c int) int {
		most := 0
		for _, n := range filters[c] {
			most = max(most, n)
		}
		return most
	}
	waits := func(lo, hi int) int {
		total := 0
		for b0 := lo; b0 < hi; {
			used := maps.Clone(filters[b0])
			longest, b1 := rounds(b0), b0+1
			for ; b1 < hi && b1-b0 < batch; b1++ {
				shared := false
				for sa := range filters[b1] {
					if _, ok := used[sa]; ok {
						shared = true
						break
					}
				}
				if shared {
					break
				}
				maps.Copy(used, filters[b1])
				longest = max(longest, rounds(b1))
			}
			total += longest
			b0 = b1
		}
		return total
	}
	whole := waits(0, len(chunks))
	most := 0
	for _, r := range rs {
		most = max(most, waits(r[0], r[1]))
	}
	return float64(most) / float64(max(1, whole)), true
}
