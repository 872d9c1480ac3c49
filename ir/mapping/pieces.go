package mapping

import (
	"fmt"
	"sort"
)

// Piece is a share of a layer's replicas that one controller drives (a
// layer split over controllers, docs/PARALLEL.md §7.1): Replicas identical
// copies of the layer's tiles, placed from the first free sub-array at or
// after From (the first sub-array of the controller's bank, so the
// controller reaches them without a link hop).
//
// Cuts (two or more) split the piece's sub-arrays between controllers by
// output channels (a layer split by lane chunks, docs/BACKEND.md §8):
// cut j holds the tiles whose first filter's channel is at least
// Cuts[j].Channel and below Cuts[j+1].Channel, and its sub-arrays are
// moved, in order, to the first free sub-array at or after Cuts[j].From
// (its controller's bank). A tile or sub-array holding filters of two
// cuts is an error.
//
// Cap (the first piece's counts for every piece of the layer) spreads the
// layer (-spread, docs/PARALLEL.md §8.2): > 0 lays each replica out one
// tile per sub-array with at most Cap filters each (SpreadCap), so one
// group instruction of a round drives more sub-arrays and a pixel takes
// fewer rounds; <= 0 keeps the dense layout.
type Piece struct {
	Replicas, From int
	Cuts           []Cut
	Cap            int
}

// Cut is where one chunk piece of a Piece starts: its first channel and
// the sub-array its sub-arrays are placed from.
type Cut struct{ Channel, From int }

// PlacePieces re-places every layer of p (graph order) as pieces[i]: the
// pieces of a layer one after the other, each laid out as place lays out a
// layer of its replicas (so each piece is its own group instructions), its
// replicas numbered on from the previous piece's. Sub-arrays are never
// shared and never reused: a piece starts at its From or after everything
// placed before it, whichever is later. Like place, a piece that fits one
// group is aligned inside one bank unless the gaps would make the model too
// large; then the pieces are packed without alignment. Used is the
// sub-arrays spanned; whether they fit is FitError's question.
//
// Reprogrammed layers (a pipeline's window stage, docs/PARALLEL.md §8.2)
// keep their tiles in the window, the chip's last sub-arrays; the other
// layers are placed below it (a placement reaching into the window counts
// the window on top, so FitError refuses it).
func (p *Plan) PlacePieces(pieces [][]Piece) error {
	if len(pieces) != len(p.Layers) {
		return fmt.Errorf("mapping: %d piece lists for %d layers", len(pieces), len(p.Layers))
	}
	for _, aligned := range []bool{true, false} {
		pl := placer{rows: p.Geom.Rows, lanes: p.Geom.DPULanes, chunkBatch: p.Geom.ChunkBatch}
		if aligned {
			pl.bank, pl.group = p.Geom.PerBank, p.Geom.Group
		}
		if err := p.placePieces(&pl, pieces); err != nil {
			return err
		}
		if p.Used <= p.Geom.Subarrays || pl.group <= 0 {
			break
		}
	}
	return nil
}

func (p *Plan) placePieces(pl *placer, pieces [][]Piece) error {
	base := p.WindowBase()
	for i, l := range p.Layers {
		if l.Reprogrammed {
			continue
		}
		if len(pieces[i]) == 0 {
			return nodeError(l.Node, fmt.Errorf("mapping: no pieces"))
		}
		tiles, reps, err := p.placeLayer(pl, pieces, i, max(pieces[i][0].Cap, 0))
		if err != nil {
			return err
		}
		l.Tiles, l.Replicas, l.Spread = tiles, reps, max(pieces[i][0].Cap, 0)
		l.FirstSubarray, l.Subarrays = pl.next, 0
		if len(tiles) > 0 {
			l.FirstSubarray = tiles[0].SA
			l.Subarrays = pl.next - l.FirstSubarray
		}
	}
	p.Used = pl.next
	if base < p.Geom.Subarrays {
		p.Used = max(pl.next, base) + p.Geom.Subarrays - base
	}
	return nil
}

// placeLayer places the pieces of layer i from pl.next, every piece one
// tile per sub-array with at most capFilters filters when capFilters > 0
// (else dense), and returns the tiles and the replicas.
func (p *Plan) placeLayer(pl *placer, pieces [][]Piece, i, capFilters int) ([]Tile, int, error) {
	l := p.Layers[i]
	var tiles []Tile
	reps := 0
	pl.capFilters = capFilters
	defer func() { pl.capFilters = 0 }()
	for _, pc := range pieces[i] {
		if pc.Replicas < 1 {
			return nil, 0, nodeError(l.Node, fmt.Errorf("mapping: a piece of %d replicas", pc.Replicas))
		}
		pl.next = max(pl.next, pc.From)
		one := *l
		one.Tiles, one.Replicas = nil, pc.Replicas
		if err := pl.place(&one); err != nil {
			return nil, 0, nodeError(l.Node, err)
		}
		if len(pc.Cuts) > 1 {
			if err := pl.cut(&one, pc.Cuts); err != nil {
				return nil, 0, nodeError(l.Node, err)
			}
		}
		for _, t := range one.Tiles {
			t.Replica += reps
			tiles = append(tiles, t)
		}
		reps += pc.Replicas
	}
	return tiles, reps, nil
}

// WindowBase is the first sub-array of the window the reprogrammed layers
// share (Layer.Reprogrammed), or Geom.Subarrays when no layer is
// reprogrammed: the stationary layers lie below it.
func (p *Plan) WindowBase() int {
	base := p.Geom.Subarrays
	for _, l := range p.Layers {
		if l.Reprogrammed && len(l.Tiles) > 0 {
			base = min(base, l.FirstSubarray)
		}
	}
	return base
}

// cut moves the sub-arrays of the freshly placed layer l (one piece, from
// its first tile's sub-array to p.next) to the places cuts give them (see
// Piece): cut j's sub-arrays, in order, from the first sub-array at or
// after cuts[j].From and after cut j-1's, aligned inside one bank where
// they fit one group. p.next moves past the last.
func (p *placer) cut(l *Layer, cuts []Cut) error {
	if len(l.Tiles) == 0 {
		return nil
	}
	of := func(t Tile) int {
		f := l.Groups[t.Grp].Filters[t.From]
		j := 0
		for j+1 < len(cuts) && f >= cuts[j+1].Channel {
			j++
		}
		return j
	}
	owner := map[int]int{}
	sas := make([][]int, len(cuts))
	for _, t := range l.Tiles {
		j := of(t)
		if j+1 < len(cuts) && l.Groups[t.Grp].Filters[t.To-1] >= cuts[j+1].Channel {
			return fmt.Errorf("mapping: a tile of sub-array %d holds filters of chunk pieces %d and %d", t.SA, j, j+1)
		}
		if o, ok := owner[t.SA]; ok {
			if o != j {
				return fmt.Errorf("mapping: sub-array %d holds tiles of chunk pieces %d and %d", t.SA, o, j)
			}
			continue
		}
		owner[t.SA] = j
		sas[j] = append(sas[j], t.SA)
	}
	next := l.Tiles[0].SA
	for _, t := range l.Tiles {
		next = min(next, t.SA)
	}
	to := map[int]int{}
	for j, list := range sas {
		sort.Ints(list)
		p.next = max(next, cuts[j].From)
		p.align(len(list))
		for i, sa := range list {
			to[sa] = p.next + i
		}
		next = p.next + len(list)
	}
	for i := range l.Tiles {
		l.Tiles[i].SA = to[l.Tiles[i].SA]
	}
	p.next = next
	return nil
}
