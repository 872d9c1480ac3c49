package backend

import (
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
)

// Link work of a placed pipeline (docs/BACKEND.md §8, docs/PARALLEL.md §5).
// A controller reaches a sub-array of a bank that is not local to it over
// that bank's link, one hop per instruction, and the link carries one hop
// at a time: every controller reaching the bank shares it. So a piece of
// a matrix op placed (wholly or in part) outside its controller's bank
// puts the op's sub-array instructions (opCost.link: one link latency
// each, scaled by the busiest piece's share) on the link of every such
// bank, in proportion to the piece's sub-arrays there. That is exact for a
// piece inside one remote bank (its group instructions all reach it) and
// for a piece of whole banks; a group instruction over a bank boundary is
// two instructions, one per bank, which the proportion undercounts. Pieces
// of one op are each charged the busiest piece's share. The busiest bank
// link's work is a bound on the pipeline's period beside its slowest stage.

// bankLocal says whether bank b is local to controller c (C controllers,
// B banks): floor(b*C/B) == c or floor(c*B/C) == b, the simulator's rule
// (sim/streams.go).
func bankLocal(c, b, controllers, banks int) bool {
	nc, nb := max(1, controllers), max(1, banks)
	return b*nc/nb == c || c*nb/nc == b
}

// noteRemote records, for every piece of every matrix layer as plan now
// places it, the part of its sub-arrays in each bank that is not local to
// its controller (p.remote[node][piece][bank]).
func (p *pipePlan) noteRemote(plan *mapping.Plan, controllers int) error {
	banks := 1
	if plan.Geom.PerBank > 0 {
		banks = max(1, plan.Geom.Subarrays/plan.Geom.PerBank)
	}
	p.remote = map[*ir.Node][]map[int]float64{}
	for _, l := range plan.Layers {
		ctrls, kc := p.ctrlsOf(l)
		cuts, err := p.cutsOf(l, kc)
		if err != nil {
			return err
		}
		r := max(1, l.Replicas/max(1, len(ctrls)/kc))
		sas := make([]map[int]bool, len(ctrls))
		for k := range sas {
			sas[k] = map[int]bool{}
		}
		for _, t := range l.Tiles {
			if t.From >= len(l.Groups[t.Grp].Filters) {
				continue
			}
			f := l.Groups[t.Grp].Filters[t.From]
			j := 0
			for j+1 < kc && f >= cuts[j+1] {
				j++
			}
			sas[min(t.Replica/r, len(ctrls)/kc-1)*kc+j][t.SA] = true
		}
		out := make([]map[int]float64, len(ctrls))
		for k, set := range sas {
			for sa := range set {
				b := 0
				if plan.Geom.PerBank > 0 {
					b = sa / plan.Geom.PerBank
				}
				if bankLocal(ctrls[k], b, controllers, banks) {
					continue
				}
				if out[k] == nil {
					out[k] = map[int]float64{}
				}
				out[k][b] += 1 / float64(len(set))
			}
		}
		p.remote[l.Node] = out
	}
	return nil
}

// linkLoads is the work per frame of every bank link of the placed plan
// (noteRemote) for ops (the device ops nodes, in order) split as sp, by
// bank (absent: no work).
func (p *pipePlan) linkLoads(nodes []*ir.Node, ops []opCost, sp []opSplit) map[int]float64 {
	load := map[int]float64{}
	for i, n := range nodes {
		for _, bs := range p.remote[n] {
			for b, part := range bs {
				load[b] += ops[i].link * sp[i].issue * part
			}
		}
	}
	return load
}

// remoteStreams is ops (the device ops nodes, in order) with the stream
// time of each op whose pieces reach sub-arrays over a link as placed
// (noteRemote) moved towards its remote stream time (opCost.remote), by
// the largest part of a piece's sub-arrays that is remote: such a piece's
// instructions dispatch a link latency later, which back-to-back group
// instructions on the same sub-arrays pay on the stream (estimate.go).
// False (and ops itself) when no op's stream changes.
func (p *pipePlan) remoteStreams(nodes []*ir.Node, ops []opCost) ([]opCost, bool) {
	var out []opCost
	for i, n := range nodes {
		frac := 0.0
		for _, bs := range p.remote[n] {
			part := 0.0
			for _, x := range bs {
				part += x
			}
			frac = max(frac, min(part, 1))
		}
		if frac == 0 || ops[i].remote <= ops[i].stream {
			continue
		}
		if out == nil {
			out = slices.Clone(ops)
		}
		out[i].stream += frac * (ops[i].remote - ops[i].stream)
	}
	if out == nil {
		return ops, false
	}
	return out, true
}
