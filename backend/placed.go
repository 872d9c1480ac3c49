package backend

import (
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/target"
)

// Work estimates of the ops as a pipeline places their layers
// (docs/BACKEND.md §8 item 1, docs/PARALLEL.md §8.2). The estimate of an
// op comes from the program compiled without pipelining, whose layers are
// laid out dense (several filters per tile). A layer that the placement
// spreads one tile per sub-array (-spread, mapping.Layer.Spread) runs fewer
// filter rounds per pixel, each gbmac driving more sub-arrays: it issues
// fewer instructions (VGG-11-BN's features.0: 85.8 k instead of 1.557 M
// per image) and writes its input planes into more sub-arrays. Its
// estimate is that of a program compiled without pipelining with the layer
// laid out at the same cap (Piece.Cap), executed statically as any other
// (estimateWork): so the partition and the balance see what the spread
// layer issues and give its controllers to the slowest stage.

// placedCosts holds the estimates of spread layers by (op, cap), filled
// one compile per set of layers first met at their caps.
type placedCosts struct {
	g     *ir.Graph
	tgt   *target.Target
	opts  Options
	nodes []*ir.Node // the device ops, as flat emitted them
	dense []opCost   // their estimates in flat (dense layouts)
	index map[*ir.Node]int
	cache map[[2]int]opCost // (op, cap)
}

func newPlacedCosts(g *ir.Graph, tgt *target.Target, opts Options, flat *Result, dense []opCost) *placedCosts {
	opts.Pipeline, opts.Split = false, false
	pc := &placedCosts{g: g, tgt: tgt, opts: opts, nodes: flat.devNodes, dense: dense, index: map[*ir.Node]int{}, cache: map[[2]int]opCost{}}
	for i, n := range flat.devNodes {
		pc.index[n] = i
	}
	return pc
}

// of is the estimate of every op as plan places its layers: the dense
// estimates with each spread layer's replaced by its estimate at its cap;
// nil when no layer is spread (the dense estimates stand).
func (pc *placedCosts) of(plan *mapping.Plan) []opCost {
	caps := map[int]int{}
	for _, l := range plan.Layers {
		if i, ok := pc.index[l.Node]; ok && l.Spread > 0 {
			caps[i] = l.Spread
		}
	}
	if len(caps) == 0 {
		return nil
	}
	missing := map[int]int{}
	for i, c := range caps {
		if _, ok := pc.cache[[2]int{i, c}]; !ok {
			missing[i] = c
		}
	}
	pc.fill(missing)
	out := make([]opCost, len(pc.dense))
	copy(out, pc.dense)
	for i, c := range caps {
		out[i] = pc.cache[[2]int{i, c}]
	}
	return out
}

// fill estimates the ops caps names at their caps: one program with every
// one of them spread (the other layers dense, one replica each), or, when
// those do not fit the target together (without pipelining, the layers
// are packed from sub-array 0), halves of them in turn. An op that does not fit spread even alone keeps its dense
// estimate (an overestimate: its spread layout issues fewer instructions).
func (pc *placedCosts) fill(caps map[int]int) {
	if len(caps) == 0 {
		return
	}
	costs, ok := pc.compile(caps)
	if ok {
		for i, c := range caps {
			pc.cache[[2]int{i, c}] = costs[i]
		}
		return
	}
	if len(caps) == 1 {
		for i, c := range caps {
			pc.cache[[2]int{i, c}] = pc.dense[i]
		}
		return
	}
	var ops []int
	for i := range caps {
		ops = append(ops, i)
	}
	slices.Sort(ops)
	half := [2]map[int]int{{}, {}}
	for k, i := range ops {
		half[k*2/len(ops)][i] = caps[i]
	}
	pc.fill(half[0])
	pc.fill(half[1])
}

// compile compiles the graph without pipelining, the layers of the ops in
// caps laid out one tile per sub-array with at most caps[op] filters, the
// others dense, and returns the estimate of every op of caps; false when
// it does not compile (the spread layers do not fit).
func (pc *placedCosts) compile(caps map[int]int) (map[int]opCost, bool) {
	plan, err := decodePlan(pc.g, pc.tgt)
	if err != nil {
		return nil, false
	}
	// The other layers take one replica each, so that the spread ones fit
	// beside them (their estimates are not read).
	pieces := make([][]mapping.Piece, len(plan.Layers))
	for k, l := range plan.Layers {
		pieces[k] = []mapping.Piece{{Replicas: 1, Cap: -1}}
		if i, ok := pc.index[l.Node]; ok && caps[i] > 0 {
			pieces[k][0] = mapping.Piece{Replicas: l.Replicas, Cap: caps[i]}
		}
	}
	if plan.PlacePieces(pieces) != nil || plan.FitError() != nil {
		return nil, false
	}
	res, err := compileMode(pc.g, pc.tgt, pc.opts, nil, false, plan)
	if err != nil {
		return nil, false
	}
	work, err := estimateWork(res.Prog, pc.tgt)
	if err != nil {
		return nil, false
	}
	out := map[int]opCost{}
	for i := range caps {
		src, ok := res.srcOf[pc.nodes[i]]
		if !ok {
			return nil, false
		}
		out[i] = costOf(&work[src+1])
	}
	return out, true
}
