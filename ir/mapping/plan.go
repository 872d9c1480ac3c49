package mapping

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// Options controls Plan.
type Options struct {
	// Replicate is the number of copies of every matrix layer with more
	// than one output pixel (0 or 1: none), or Auto.
	Replicate int
	// TwoPlaneBinary stores binary {-1, +1} layers as 2-bit two's
	// complement (two planes, twice the ANDs) instead of the one-plane
	// form (Layer.PlusMinus): the form before issue 12, kept for
	// comparison.
	TwoPlaneBinary bool
}

// Auto as Options.Replicate lets the planner choose per layer (see
// chooseReplicas).
const Auto = -1

// Plan is the mapping of every matrix layer of a graph.
type Plan struct {
	Geom   Geometry
	Layers []*Layer // graph order
	ByNode map[*ir.Node]*Layer
	// Used is the number of sub-arrays the layers occupy: [0, Used)
	// (reprogrammed layers share theirs, Layer.Reprogrammed).
	Used int
}

// nodeError names the node the way the backend's errors do.
func nodeError(n *ir.Node, err error) error {
	return fmt.Errorf("node %s (ONNX %s): %w", n.Origin(), n.OnnxOp, err)
}

// PlanGraph maps every qconv and qfc of g (stage quantized or mapped; existing
// mapping attributes are ignored) for geometry geo. Layers are placed in
// graph order on consecutive sub-arrays. A model that needs more
// sub-arrays than geo has is not an error here: see FitError.
func PlanGraph(g *ir.Graph, geo Geometry, opts Options) (*Plan, error) {
	p := &Plan{Geom: geo, ByNode: map[*ir.Node]*Layer{}}
	for _, n := range g.Nodes {
		if !IsMatrix(n) {
			continue
		}
		l, err := newLayer(n, geo, !opts.TwoPlaneBinary)
		if err != nil {
			return nil, nodeError(n, err)
		}
		p.Layers = append(p.Layers, l)
		p.ByNode[n] = l
	}
	reps := make([]int, len(p.Layers))
	for i := range reps {
		reps[i] = 1
	}
	if opts.Replicate > 1 {
		for i, l := range p.Layers {
			reps[i] = min(opts.Replicate, MaxReplicas(l, geo.DPULanes))
		}
	}
	if err := p.place(reps); err != nil {
		return nil, err
	}
	if opts.Replicate == Auto {
		if err := p.place(chooseReplicas(p)); err != nil {
			return nil, err
		}
	}
	if p.Used > geo.Subarrays && geo.Reprogram {
		// Too large for the chip: reprogram some layers per image from
		// the DRAM (reprogram.go), without replicas.
		if err := p.stream(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// newLayer builds the matrix of n with its structured sparsity removed and
// splits its columns into segments; with onePlane a binary layer gets the
// one-plane form (Layer.PlusMinus).
func newLayer(n *ir.Node, geo Geometry, onePlane bool) (*Layer, error) {
	s, err := matrixShape(n)
	if err != nil {
		return nil, err
	}
	xq := n.Inputs[0].Quant
	if xq == nil || xq.Bits < 1 || xq.Bits > 31 {
		return nil, fmt.Errorf("input has no quantization parameters (integer codes expected)")
	}
	groups, M, err := buildGroups(n, s)
	if err != nil {
		return nil, err
	}
	pm := onePlane && plusMinus(groups)
	// A binary layer keeps its groups: the one-plane form's popcount
	// correction counts every bit of a shared input row.
	if b := chooseBlock(s, M, xq.Bits, geo); b > 1 && !pm {
		s = s.blocked(b)
		if groups, M, err = buildGroups(n, s); err != nil {
			return nil, err
		}
	}
	l := &Layer{Node: n, F: s.F, K: s.K(), M: M, N: xq.Bits, Groups: groups, Replicas: 1, Block: s.block}
	if pm {
		l.M, l.PlusMinus = 1, true
	}
	for g := range l.Groups {
		segs, err := segments(&l.Groups[g], l.M, l.N, l.PlusMinus, geo.Cols, geo.AccBits)
		if err != nil {
			return nil, err
		}
		l.Groups[g].Segs = segs
		l.Groups[g].setLive()
	}
	l.dropCodes()
	return l, nil
}

// place (re)places every layer with reps[i] replicas of layer i. Layers
// that fit one group instruction are aligned to stay inside one bank
// (placer.align) unless the gaps would make the model too large for the
// target; then they are packed without gaps.
func (p *Plan) place(reps []int) error {
	for _, aligned := range []bool{true, false} {
		pl := placer{rows: p.Geom.Rows, lanes: p.Geom.DPULanes, chunkBatch: p.Geom.ChunkBatch}
		if aligned {
			pl.bank, pl.group = p.Geom.PerBank, p.Geom.Group
		}
		for i, l := range p.Layers {
			l.Tiles = nil
			l.Replicas = reps[i]
			if err := pl.place(l); err != nil {
				return nodeError(l.Node, err)
			}
			l.FirstSubarray, l.Subarrays = pl.next, 0
			if len(l.Tiles) > 0 {
				l.FirstSubarray = l.Tiles[0].SA
				l.Subarrays = pl.next - l.FirstSubarray
			}
		}
		p.Used = pl.next
		if p.Used <= p.Geom.Subarrays || pl.group <= 0 {
			break
		}
	}
	return nil
}

// Pixels is the number of output pixels of a matrix layer: N*OH*OW for a
// convolution, the rows of the input for an fc.
func Pixels(n *ir.Node) int {
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return 0
	}
	sh := n.Outputs[0].Type.Shape
	if n.Op == ir.OpQFC {
		return sh[0]
	}
	p := sh[0]
	for _, d := range sh[2:] {
		p *= d
	}
	return p
}

// FitError is nil when the plan fits its geometry, else an error naming
// every layer with its sub-arrays and a bank count that would fit
// (weights are stationary: no reprogramming at run time).
func (p *Plan) FitError() error {
	if p.Used <= p.Geom.Subarrays {
		return nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "the model needs %d sub-arrays for its weights, the target %q has %d (weights are stationary)", p.Used, p.Geom.Name, p.Geom.Subarrays)
	for _, l := range p.Layers {
		fmt.Fprintf(&sb, "\n  %s %q: %d sub-arrays (%d filters x %d columns, %d-bit weights, %d-bit inputs", l.Node.Op, l.Node.Name, l.Subarrays, l.KeptFilters(), l.KeptCols(), l.M, l.N)
		if l.Replicas > 1 {
			fmt.Fprintf(&sb, ", %d replicas", l.Replicas)
		}
		sb.WriteString(")")
	}
	if p.Geom.PerBank > 0 {
		banks := (p.Used + p.Geom.PerBank - 1) / p.Geom.PerBank
		fmt.Fprintf(&sb, "\nA target with geometry.banks >= %d (base: %s) would fit; or lower -wbits/-abits, or prune", banks, p.Geom.Name)
	}
	if !p.Geom.Reprogram {
		sb.WriteString("; or a target with a dram section, from which the weights beyond the sub-arrays are reprogrammed per layer")
	}
	return fmt.Errorf("%s", sb.String())
}
