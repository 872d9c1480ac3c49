package backend

import "github.com/pimc-dev/pimc/ir"

// weightRowCache holds the weight rows a compile built, by filter and
// segment, for the other compiles of the same program: a pipelined
// program's balance compiles the graph again for every layout it
// estimates (placed.go), and a filter's rows do not depend on where its
// tiles lie or how many replicas hold them. Building them bit by bit was
// most of those compiles' time (VGG-11-BN `-pipeline`: 4.7 s of 10.9).
type weightRowCache struct {
	rows map[weightRowKey][][]byte
}

// weightRowKey is one filter of one group of a layer over one segment's
// columns [from, to).
type weightRowKey struct {
	n                     *ir.Node
	grp, from, to, filter int
}

func newWeightRowCache() *weightRowCache {
	return &weightRowCache{rows: map[weightRowKey][][]byte{}}
}

// planes is the M weight rows (one per weight plane, rowBytes each) of
// filter fi of group grp over columns sg of layer m: built once, then
// shared (the builder copies what it keeps; callers must not change them).
func (w *weightRowCache) planes(m *matrix, grp, fi int, sg [2]int, rowBytes int) [][]byte {
	k := weightRowKey{m.node, grp, sg[0], sg[1], fi}
	if p, ok := w.rows[k]; ok {
		return p
	}
	g := &m.groups[grp]
	p := make([][]byte, m.M)
	for plane := range p {
		bits := make([]byte, rowBytes)
		for j := sg[0]; j < sg[1]; j++ {
			if m.weightBit(g.w[fi][j], plane) {
				col := j - sg[0]
				bits[col/8] |= 1 << (col % 8)
			}
		}
		p[plane] = bits
	}
	w.rows[k] = p
	return p
}
