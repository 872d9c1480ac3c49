package admm

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// PathStats counts what RemoveUnusedPaths removed.
type PathStats struct {
	Channels int            // channels removed (summed over channel spaces)
	ByLayer  map[string]int // output channels removed per producing layer
}

// space is a set of values sharing one channel axis (axis 1): the output of
// a conv/fc and everything that carries its channels unchanged (ReLU,
// pooling, batch_norm, flatten, residual adds joining several producers).
type space struct {
	parent    *space
	n         int // channels
	producers []*ir.Node
	bns       []*ir.Node
	consumers []consumer
	values    map[*ir.Value]int // value -> elements per channel (1 when channels are axis 1)
	pinned    bool
}

type consumer struct {
	n     *ir.Node
	inner int // weight columns per input channel
	// cat is set when n reads the space through a concat (concat.go): the
	// concat's parts in order.
	cat []*space
}

func (s *space) root() *space {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

func union(a, b *space) *space {
	a, b = a.root(), b.root()
	if a == b {
		return a
	}
	b.parent = a
	a.producers = append(a.producers, b.producers...)
	a.bns = append(a.bns, b.bns...)
	a.consumers = append(a.consumers, b.consumers...)
	for v, k := range b.values {
		a.values[v] = k
	}
	a.pinned = a.pinned || b.pinned
	return a
}

// RemoveUnusedPaths removes, in place, every channel that is exactly zero
// for every input: a filter of a conv/fc whose weights and bias are all 0
// (through batch_norm only when that channel's shift and mean are 0, and
// through a residual add only when every branch feeding it has the channel
// dead). The producers lose the rows, batch_norm its channel, the consumers
// the matching input channel (conv) or columns (fc after flatten; at the
// part's offset when they read it through a concat), so the tensors
// actually shrink. Channels read by an op it does not understand,
// or by a graph output, stay. At least one channel of each set remains.
// The function computed by g is unchanged up to float rounding of the
// sums that skip the removed zero terms.
func RemoveUnusedPaths(g *ir.Graph) (PathStats, error) {
	st := PathStats{ByLayer: map[string]int{}}
	all := channelSpaces(g)
	done := map[*space]bool{}
	for _, s := range all {
		r := s.root()
		if done[r] || r.pinned {
			continue
		}
		done[r] = true
		keep := liveChannels(r)
		removed := 0
		for _, k := range keep {
			if !k {
				removed++
			}
		}
		if removed == 0 {
			continue
		}
		if err := shrink(g, r, keep); err != nil {
			return st, err
		}
		r.n -= removed // the offsets of later concat parts (consumer.offsets) see the new size
		st.Channels += removed
		for _, p := range r.producers {
			st.ByLayer[p.Name] += removed
		}
	}
	if st.Channels == 0 {
		return st, nil
	}
	for _, n := range g.Nodes {
		if err := ir.InferNode(n); err != nil {
			return st, fmt.Errorf("BUG: admm: after removing unused paths: %s: %v", n.Origin(), err)
		}
	}
	dropUnusedConsts(g)
	return st, nil
}

// channelSpaces traces the channel sets of g (space): from each conv/fc
// output through the ops that keep channels on axis 1 and map a zero
// channel to zero, joined at residual adds and sums, with the conv/fc
// layers that read them, directly or through a concat along the channels
// (concat.go). A set read by anything else (a graph output, a grouped
// conv, ...) is pinned. It returns one space per conv/fc output in graph
// order (call root for the joined set).
func channelSpaces(g *ir.Graph) []*space {
	of := map[*ir.Value]*space{}
	cat := map[*ir.Value][]*space{}
	inner := func(v *ir.Value) int { return of[v].root().values[v] }
	var all []*space
	pin := func(v *ir.Value) {
		if s := of[v]; s != nil {
			s.root().pinned = true
		}
		for _, p := range cat[v] {
			p.root().pinned = true
		}
	}
	join := func(out *ir.Value, s *space, k int) {
		s = s.root()
		s.values[out] = k
		of[out] = s
	}
	for _, n := range g.Nodes {
		x := n.Input(0)
		switch {
		case (n.Op == ir.OpConv || isFC(n)) && n.Input(1).IsConst() && n.Input(1).Const.DType == tensor.Float32 && n.Int("group", 1) == 1 &&
			(n.Input(2) == nil || n.Input(2).IsConst()) && len(n.Outputs) == 1:
			if s := of[x]; s != nil {
				r := s.root()
				k := inner(x)
				if n.Op == ir.OpConv {
					if k != 1 || len(x.Type.Shape) < 3 {
						r.pinned = true
					} else {
						k = tensor.NumElems(n.Input(1).Type.Shape[2:])
					}
				}
				r.consumers = append(r.consumers, consumer{n: n, inner: k})
			} else if ps := cat[x]; ps != nil {
				readConcat(n, x, ps)
			}
			for _, v := range n.Inputs[1:] {
				pin(v)
			}
			s := &space{n: n.Input(1).Type.Shape[0], producers: []*ir.Node{n}, values: map[*ir.Value]int{n.Outputs[0]: 1}}
			of[n.Outputs[0]] = s
			all = append(all, s)
		case x != nil && of[x] != nil && len(n.Outputs) == 1 && zeroPreserving(n):
			join(n.Outputs[0], of[x], inner(x))
			if n.Op == ir.OpBatchNorm {
				of[x].root().bns = append(of[x].root().bns, n)
			}
			for _, v := range n.Inputs[1:] {
				if n.Op != ir.OpBatchNorm || !v.IsConst() {
					pin(v)
				}
			}
		case x != nil && cat[x] != nil && len(n.Outputs) == 1 && zeroPreserving(n) && n.Op != ir.OpBatchNorm:
			cat[n.Outputs[0]] = cat[x]
			for _, v := range n.Inputs[1:] {
				pin(v)
			}
		case n.Op == ir.OpConcat && len(n.Outputs) == 1 && concatenable(n, of, cat):
			cat[n.Outputs[0]] = concatParts(n, of, cat)
		case x != nil && of[x] != nil && n.Op == ir.OpFlatten && n.Int("axis", 1) == 1 && inner(x) == 1 && len(x.Type.Shape) >= 2:
			join(n.Outputs[0], of[x], tensor.NumElems(x.Type.Shape[2:]))
		case (n.Op == ir.OpAdd || n.Op == ir.OpSum) && len(n.Outputs) == 1 && joinable(n, of):
			s := of[n.Inputs[0]].root()
			k := inner(n.Inputs[0])
			for _, v := range n.Inputs[1:] {
				if inner(v) != k {
					s.pinned = true
				}
				s = union(s, of[v])
			}
			join(n.Outputs[0], s, k)
		default:
			for _, v := range n.Inputs {
				pin(v)
			}
		}
	}
	for _, v := range g.Outputs {
		pin(v)
	}
	return all
}

// zeroPreserving reports whether n maps a channel that is 0 everywhere to
// 0 everywhere, keeping channels on axis 1 (batch_norm is checked per
// channel later).
func zeroPreserving(n *ir.Node) bool {
	switch n.Op {
	case ir.OpRelu, ir.OpLeakyRelu, ir.OpMaxPool, ir.OpAvgPool, ir.OpGlobalAvgPool, ir.OpGlobalMaxPool,
		ir.OpDropout, ir.OpIdentity:
		return true
	case ir.OpBatchNorm:
		for _, v := range n.Inputs[1:] {
			if !v.IsConst() || v.Const.DType != tensor.Float32 {
				return false
			}
		}
		return true
	case ir.OpClip:
		lo := n.Float("min", float32(math.Inf(-1)))
		hi := n.Float("max", float32(math.Inf(1)))
		return lo <= 0 && hi >= 0
	}
	return false
}

// joinable: an element-wise add of same-shape activations that all carry
// channel sets.
func joinable(n *ir.Node, of map[*ir.Value]*space) bool {
	if len(n.Inputs) < 2 {
		return false
	}
	for _, v := range n.Inputs {
		if v == nil || v.IsConst() || of[v] == nil || !v.Type.Equal(n.Outputs[0].Type) {
			return false
		}
	}
	return true
}

// liveChannels decides, per channel of s, whether it stays.
func liveChannels(s *space) []bool {
	keep := make([]bool, s.n)
	for _, p := range s.producers {
		w := p.Input(1).Const.F32
		k := len(w) / s.n
		var b []float32
		if bv := p.Input(2); bv != nil {
			b = bv.Const.F32
		}
		for f := 0; f < s.n; f++ {
			if b != nil && b[f] != 0 {
				keep[f] = true
			}
			for _, x := range w[f*k : (f+1)*k] {
				if x != 0 {
					keep[f] = true
					break
				}
			}
		}
	}
	for _, bn := range s.bns {
		shift, mean := bn.Input(2).Const.F32, bn.Input(3).Const.F32
		for f := 0; f < s.n; f++ {
			if shift[f] != 0 || mean[f] != 0 {
				keep[f] = true
			}
		}
	}
	any := false
	for _, k := range keep {
		any = any || k
	}
	if !any {
		keep[0] = true
	}
	return keep
}

// shrink rewrites the constants of s's producers, batch norms and
// consumers to the kept channels (new constant values).
func shrink(g *ir.Graph, s *space, keep []bool) error {
	for _, p := range s.producers {
		replaceConst(g, p, 1, rows(p.Input(1).Const, keep))
		if p.Input(2) != nil {
			replaceConst(g, p, 2, rows(p.Input(2).Const, keep))
		}
	}
	for _, bn := range s.bns {
		for i := 1; i <= 4; i++ {
			replaceConst(g, bn, i, rows(bn.Input(i).Const, keep))
		}
	}
	done := map[*ir.Node]bool{}
	for _, c := range s.consumers {
		if done[c.n] { // a concat holding s's channels twice: one pass covers both
			continue
		}
		done[c.n] = true
		w := c.n.Input(1).Const
		offs, total := c.offsets(s)
		if w.Shape[1] != total*c.inner && !(c.n.Op == ir.OpConv && w.Shape[1] == total) {
			return fmt.Errorf("BUG: admm: %s: weight %v does not match %d channels x %d", c.n.Origin(), w.Shape, total, c.inner)
		}
		replaceConst(g, c.n, 1, inputChannels(w, spread(keep, offs, total), c.n.Op == ir.OpConv, c.inner))
	}
	return nil
}

// rows keeps the kept entries along axis 0.
func rows(t *tensor.Tensor, keep []bool) *tensor.Tensor {
	per := t.Len() / t.Shape[0]
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	shape := append([]int{n}, t.Shape[1:]...)
	out := tensor.New(tensor.Float32, shape...)
	j := 0
	for f, k := range keep {
		if k {
			copy(out.F32[j*per:(j+1)*per], t.F32[f*per:(f+1)*per])
			j++
		}
	}
	return out
}

// inputChannels keeps the kept input channels of a conv weight [F, C, k...]
// or the kept column groups (inner columns per channel) of an fc weight.
func inputChannels(w *tensor.Tensor, keep []bool, conv bool, inner int) *tensor.Tensor {
	f := w.Shape[0]
	cols := w.Len() / f
	grp := inner
	if conv {
		grp = cols / len(keep)
	}
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	var shape []int
	if conv {
		shape = append([]int{f, n}, w.Shape[2:]...)
	} else {
		shape = []int{f, n * grp}
	}
	out := tensor.New(tensor.Float32, shape...)
	nc := n * grp
	for r := 0; r < f; r++ {
		j := 0
		for c, k := range keep {
			if k {
				copy(out.F32[r*nc+j*grp:r*nc+(j+1)*grp], w.F32[r*cols+c*grp:r*cols+(c+1)*grp])
				j++
			}
		}
	}
	return out
}

// replaceConst points input i of n at a new constant holding t.
func replaceConst(g *ir.Graph, n *ir.Node, i int, t *tensor.Tensor) {
	old := n.Inputs[i]
	n.Inputs[i] = g.AddConst(old.Name, t)
}

// dropUnusedConsts removes constants no node reads.
func dropUnusedConsts(g *ir.Graph) {
	used := map[*ir.Value]bool{}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			used[v] = true
		}
	}
	for _, v := range g.Outputs {
		used[v] = true
	}
	out := g.Consts[:0]
	for _, v := range g.Consts {
		if used[v] {
			out = append(out, v)
		}
	}
	g.Consts = out
}
