package mapping

import "fmt"

// Piece is a share of a layer's replicas that one controller drives (a
// layer split over controllers, docs/PARALLEL.md §7.1): Replicas identical
// copies of the layer's tiles, placed from the first free sub-array at or
// after From (the first sub-array of the controller's bank, so the
// controller reaches them without a link hop).
type Piece struct{ Replicas, From int }

// PlacePieces re-places every layer of p (graph order) as pieces[i]: the
// pieces of a layer one after the other, each laid out as place lays out a
// layer of its replicas (so each piece is its own group instructions), its
// replicas numbered on from the previous piece's. Sub-arrays are never
// shared and never reused: a piece starts at its From or after everything
// placed before it, whichever is later. Like place, a piece that fits one
// group is aligned inside one bank unless the gaps would make the model too
// large; then the pieces are packed without alignment. Used is the
// sub-arrays spanned; whether they fit is FitError's question.
func (p *Plan) PlacePieces(pieces [][]Piece) error {
	if len(pieces) != len(p.Layers) {
		return fmt.Errorf("mapping: %d piece lists for %d layers", len(pieces), len(p.Layers))
	}
	for _, aligned := range []bool{true, false} {
		pl := placer{rows: p.Geom.Rows, lanes: p.Geom.DPULanes}
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
	for i, l := range p.Layers {
		if len(pieces[i]) == 0 {
			return nodeError(l.Node, fmt.Errorf("mapping: no pieces"))
		}
		var tiles []Tile
		reps := 0
		for _, pc := range pieces[i] {
			if pc.Replicas < 1 {
				return nodeError(l.Node, fmt.Errorf("mapping: a piece of %d replicas", pc.Replicas))
			}
			pl.next = max(pl.next, pc.From)
			one := *l
			one.Tiles, one.Replicas = nil, pc.Replicas
			if err := pl.place(&one); err != nil {
				return nodeError(l.Node, err)
			}
			for _, t := range one.Tiles {
				t.Replica += reps
				tiles = append(tiles, t)
			}
			reps += pc.Replicas
		}
		l.Tiles, l.Replicas = tiles, reps
		l.FirstSubarray, l.Subarrays = pl.next, 0
		if len(tiles) > 0 {
			l.FirstSubarray = tiles[0].SA
			l.Subarrays = pl.next - l.FirstSubarray
		}
	}
	p.Used = pl.next
	return nil
}
