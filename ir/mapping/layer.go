package mapping

import "github.com/pimc-dev/pimc/ir"

// Geometry is what the mapping depends on in a target: sub-array size,
// accumulator width, sub-array count and, for replicate=auto, the AND-sense
// latency and the controller cycle (docs/ISA.md §4). Name and PerBank only
// word the error of a model that does not fit.
type Geometry struct {
	Name                string
	Rows, Cols, AccBits int
	Subarrays, PerBank  int
	// DPULanes bounds the replicas of a layer (one DPU accumulator
	// register each, see MaxReplicas).
	DPULanes         int
	SensePS, CyclePS int64
	// Group is the most sub-arrays one group instruction drives (the
	// target's parallel.group_subarrays; 0 on a serial target): layers
	// that fit one group are placed inside one bank.
	Group int
	// Reprogram: the target has an off-chip DRAM, so a model whose
	// weights need more sub-arrays than it has keeps some layers'
	// weights there and reprograms them per image (reprogram.go).
	Reprogram bool
	// Blocks: the target's rounds are plane-sequenced (one gdot per
	// filter slot), so a grouped layer's input path is most of its
	// controller's work: its groups are merged into block-diagonal
	// device groups (block.go).
	Blocks bool
	// ChunkBatch is how many lane chunks of a layer the backend's rounds
	// run at once (their rounds merged, each chunk draining into its own
	// DPU accumulator register): 4 on a plane-sequenced target (v0, v6,
	// v4 and v5; backend chunkAccs), 1 otherwise (a chunk's rounds, then
	// the next's). placer.segmentsTogether keeps the chunks of a batch on
	// consecutive sub-arrays.
	ChunkBatch int
}

// Layer is the mapping of one qconv or qfc.
type Layer struct {
	Node *ir.Node
	// F is the number of output channels (pruned ones included); K the
	// columns of one group's matrix; M the weight planes (two's
	// complement, top plane negative; 1 with PlusMinus); N the activation
	// planes.
	F, K, M, N int
	// PlusMinus: every kept code is -1 or +1 (a binary layer), stored on
	// one plane b = (w+1)/2 and computed as w.x = 2 b.x - sum(x)
	// (docs/BACKEND.md §2, "Binary weights"); M is 1.
	PlusMinus bool
	Groups    []Group
	// Tiles of every replica, in placement order; Replicas >= 1.
	Tiles    []Tile
	Replicas int
	// FirstSubarray and Subarrays: the layer owns sub-arrays
	// [FirstSubarray, FirstSubarray+Subarrays).
	FirstSubarray, Subarrays int
	// Spread is the most filters of one tile when Plan.PlacePieces laid
	// the layer out one tile per sub-array (Piece.Cap, -spread);
	// 0 for the dense layout.
	Spread int
	// Block > 1: each of Groups is Block consecutive ONNX groups, their
	// codes zero outside the diagonal blocks (block.go); K and the
	// groups are the device groups'. 0 or 1 otherwise.
	Block int
	// Reprogrammed: the layer's weights are not stationary; they are
	// written into its sub-arrays (the window it shares with the other
	// reprogrammed layers) from the DRAM each time it runs (reprogram.go).
	Reprogrammed bool
}

// Group is one group's kept part of the matrix.
type Group struct {
	// Filters are the kept output channels (global indices, ascending).
	Filters []int
	// Cols are the kept K columns (indices k inside the group's matrix,
	// ONNX order (c*kh+ky)*kw+kx), in device order.
	Cols []int
	// Segs are the column segments, [start, end) into Cols.
	Segs [][2]int
	// W[i][j] is the code of Filters[i] at column Cols[j] while the layer
	// is planned or checked; nil afterwards (a plan of a large model would
	// otherwise hold a second copy of every weight): see Codes.
	W [][]int64
	// live[s][i]: Filters[i] has a non-zero code in segment s (set by
	// PlanGraph and decode while W is known). A tile whose filters are all
	// zero in its segment is not placed (placer.place): its partial sums
	// are 0, so it needs no rows and no bmacs.
	live [][]bool
}

// setLive fills grp.live from grp.W and grp.Segs.
func (grp *Group) setLive() {
	grp.live = make([][]bool, len(grp.Segs))
	for s, sg := range grp.Segs {
		grp.live[s] = make([]bool, len(grp.Filters))
		for i, row := range grp.W {
			for _, v := range row[sg[0]:sg[1]] {
				if v != 0 {
					grp.live[s][i] = true
					break
				}
			}
		}
	}
}

// zeroPart reports whether filters [from, to) of grp hold only zero codes
// in segment s (false when unknown).
func (grp *Group) zeroPart(s, from, to int) bool {
	if grp.live == nil {
		return false
	}
	for i := from; i < to; i++ {
		if grp.live[s][i] {
			return false
		}
	}
	return true
}

// Codes returns W of every group, read again from the node's weights.
func (l *Layer) Codes() [][][]int64 {
	w := l.Node.Inputs[1].Const
	out := make([][][]int64, len(l.Groups))
	for g := range l.Groups {
		grp := &l.Groups[g]
		out[g] = make([][]int64, len(grp.Filters))
		for i, f := range grp.Filters {
			row := make([]int64, len(grp.Cols))
			for j, k := range grp.Cols {
				row[j] = blockCode(w, l.F, l.K, len(l.Groups), l.Block, f, k)
			}
			out[g][i] = row
		}
	}
	return out
}

func (l *Layer) dropCodes() {
	for g := range l.Groups {
		l.Groups[g].W = nil
	}
}

// Tile is a piece of a (group, segment) in one sub-array: the N input planes
// from Row, then M rows for each of the group's filters [From, To) (indices
// into Group.Filters) from Row+N.
type Tile struct {
	Replica, Grp, Seg int
	SA, Row           int
	From, To          int
}

// WeightRow is the first weight row of the tile's filter slot k.
func (t *Tile) WeightRow(l *Layer, k int) int { return t.Row + l.N + k*l.M }

// KeptFilters, KeptCols sum the kept filters and columns over the groups.
func (l *Layer) KeptFilters() int {
	n := 0
	for _, g := range l.Groups {
		n += len(g.Filters)
	}
	return n
}

// KeptCols is the number of kept K columns summed over the groups.
func (l *Layer) KeptCols() int {
	n := 0
	for _, g := range l.Groups {
		n += len(g.Cols)
	}
	return n
}

// Segments is the number of column segments summed over the groups.
func (l *Layer) Segments() int {
	n := 0
	for _, g := range l.Groups {
		n += len(g.Segs)
	}
	return n
}

// WeightRows is the number of weight rows the layer stores (all replicas).
func (l *Layer) WeightRows() int {
	n := 0
	for _, t := range l.Tiles {
		n += (t.To - t.From) * l.M
	}
	return n
}
