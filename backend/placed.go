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
//
// A layer given more replicas per pixel piece than the mapping's
// (opSplit.reps, docs/PARALLEL.md §8.11) is estimated the same way: the
// program compiled without pipelining with the layer at that many replicas
// on its one controller, whose rounds then drive every replica's
// sub-arrays and whose lane chunks may batch less (one DPU accumulator
// register per replica and chunk).

// pieceLayout is how a placement lays out one layer: cap filters per tile (>
// 0: spread) and reps replicas (> 0: that many on each pixel piece; 0:
// the mapping's).
type pieceLayout struct{ cap, reps int }

// placedCosts holds the estimates of spread or replicated layers by (op,
// layout), filled one compile per set of layers first met so.
type placedCosts struct {
	g     *ir.Graph
	tgt   *target.Target
	opts  Options
	nodes []*ir.Node // the device ops, as flat emitted them
	dense []opCost   // their estimates in flat (dense layouts)
	index map[*ir.Node]int
	cache map[opLayout]layoutCost
	// replicable: the ops whose layers the balance may give replicas
	// per piece, and the most each may take; at estimates all of them at
	// a count at once.
	replicable map[int]int
}

type opLayout struct {
	op int
	pieceLayout
}

// layoutCost is an op's estimate in a layout, whether its replicas run
// packed in one DPU register (emit_matrix.go), and ok: false when the
// program does not compile so (the layout is not an option).
type layoutCost struct {
	cost   opCost
	packed bool
	ok     bool
}

func newPlacedCosts(g *ir.Graph, tgt *target.Target, opts Options, flat *Result, dense []opCost) *placedCosts {
	opts.Pipeline, opts.Split = false, false
	pc := &placedCosts{g: g, tgt: tgt, opts: opts, nodes: flat.devNodes, dense: dense, index: map[*ir.Node]int{}, cache: map[opLayout]layoutCost{}}
	for i, n := range flat.devNodes {
		pc.index[n] = i
	}
	return pc
}

// at is op i's estimate in layout x, compiled if not cached: for a count
// of replicas, with every replicable op's at that count not yet estimated
// (one program for all of them where they fit together: each compile
// emits the whole graph).
func (pc *placedCosts) at(i int, x pieceLayout) layoutCost {
	k := opLayout{i, x}
	if _, ok := pc.cache[k]; !ok {
		set := map[int]pieceLayout{i: x}
		if x.cap == 0 && x.reps > 0 {
			for j, most := range pc.replicable {
				if _, ok := pc.cache[opLayout{j, x}]; !ok && x.reps <= most {
					set[j] = x
				}
			}
		}
		pc.fill(set)
	}
	return pc.cache[k]
}

// of is the estimate of every op as plan places its layers, reps[n] the
// replicas on each pixel piece of the layers given more than the
// mapping's: the dense estimates with each spread or replicated layer's
// replaced by its estimate in its layout; nil when no layer is either (the
// dense estimates stand); false when one of them does not compile.
func (pc *placedCosts) of(plan *mapping.Plan, reps map[*ir.Node]int) ([]opCost, bool) {
	set := map[int]pieceLayout{}
	for _, l := range plan.Layers {
		if i, ok := pc.index[l.Node]; ok && (l.Spread > 0 || reps[l.Node] > 0) {
			set[i] = pieceLayout{cap: l.Spread, reps: reps[l.Node]}
		}
	}
	if len(set) == 0 {
		return nil, true
	}
	missing := map[int]pieceLayout{}
	for i, x := range set {
		if _, ok := pc.cache[opLayout{i, x}]; !ok {
			missing[i] = x
		}
	}
	pc.fill(missing)
	out := make([]opCost, len(pc.dense))
	copy(out, pc.dense)
	for i, x := range set {
		c := pc.cache[opLayout{i, x}]
		if !c.ok {
			return nil, false
		}
		out[i] = c.cost
	}
	return out, true
}

// fill estimates the ops set names in their layouts: one program with every
// one of them so (the other layers dense, one replica each), or, when
// those do not fit the target together (without pipelining, the layers
// are packed from sub-array 0), halves of them in turn. A spread op that
// does not fit even alone keeps its dense estimate (an overestimate: its
// spread layout issues fewer instructions); a replicated one that does not
// compile alone is not an option (ok false).
func (pc *placedCosts) fill(set map[int]pieceLayout) {
	if len(set) == 0 {
		return
	}
	costs, ok := pc.compile(set)
	if ok {
		for i, x := range set {
			pc.cache[opLayout{i, x}] = costs[i]
		}
		return
	}
	if len(set) == 1 {
		for i, x := range set {
			pc.cache[opLayout{i, x}] = layoutCost{cost: pc.dense[i], ok: x.reps == 0}
		}
		return
	}
	var ops []int
	for i := range set {
		ops = append(ops, i)
	}
	slices.Sort(ops)
	half := [2]map[int]pieceLayout{{}, {}}
	for k, i := range ops {
		half[k*2/len(ops)][i] = set[i]
	}
	pc.fill(half[0])
	pc.fill(half[1])
}

// compile compiles the graph without pipelining, the layers of the ops in
// set laid out as set says, the others dense with one replica, and returns
// the estimate of every op of set; false when it does not compile (the
// layers do not fit, or the emitter cannot run so many replicas on one
// controller).
func (pc *placedCosts) compile(set map[int]pieceLayout) (map[int]layoutCost, bool) {
	plan, err := decodePlan(pc.g, pc.tgt)
	if err != nil {
		return nil, false
	}
	// The other layers take one replica each, so that these fit beside
	// them (their estimates are not read).
	pieces := make([][]mapping.Piece, len(plan.Layers))
	for k, l := range plan.Layers {
		pieces[k] = []mapping.Piece{{Replicas: 1, Cap: -1}}
		if i, ok := pc.index[l.Node]; ok {
			if x, ok := set[i]; ok {
				pc := mapping.Piece{Replicas: l.Replicas, Cap: -1}
				if x.cap > 0 {
					pc.Cap = x.cap
				}
				if x.reps > 0 {
					pc.Replicas = x.reps
				}
				pieces[k][0] = pc
			}
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
	out := map[int]layoutCost{}
	for i := range set {
		src, ok := res.srcOf[pc.nodes[i]]
		if !ok {
			return nil, false
		}
		out[i] = layoutCost{cost: costOf(&work[src+1]), packed: res.packed[pc.nodes[i]], ok: true}
	}
	return out, true
}
