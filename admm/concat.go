package admm

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Channel spaces read through a concat along the channels (Inception-style
// branches joined before the next conv): the concat's output is not a
// space of its own but the list of its parts, each a space at a channel
// offset. A conv/fc reading it (directly or through ReLU, pooling and the
// other zero-preserving ops except batch_norm, whose per-channel constants
// would have to be split too) is a consumer of every part: channel c of
// part j is its input channel offset_j + c. Offsets are computed from the
// parts' current sizes (consumer.offsets), so RemoveUnusedPaths can narrow
// the parts one after the other. Anything else reading a concat output
// pins all its parts.

// concatenable: a concat along axis 1 whose every input is a traced space
// with its channels on axis 1 (or itself such a concat).
func concatenable(n *ir.Node, of map[*ir.Value]*space, cat map[*ir.Value][]*space) bool {
	out := n.Outputs[0]
	if out == nil || len(out.Type.Shape) < 2 {
		return false
	}
	axis := int(n.Int("axis", 0))
	if axis < 0 {
		axis += len(out.Type.Shape)
	}
	if axis != 1 {
		return false
	}
	for _, v := range n.Inputs {
		if v == nil || v.IsConst() {
			return false
		}
		if cat[v] != nil {
			continue
		}
		if s := of[v]; s == nil || s.root().values[v] != 1 {
			return false
		}
	}
	return true
}

// concatParts lists the parts of a concatenable node's output in channel
// order (a nested concat contributes its own parts).
func concatParts(n *ir.Node, of map[*ir.Value]*space, cat map[*ir.Value][]*space) []*space {
	var out []*space
	for _, v := range n.Inputs {
		if ps := cat[v]; ps != nil {
			out = append(out, ps...)
		} else {
			out = append(out, of[v])
		}
	}
	return out
}

// readConcat records n (a conv or fc reading the concat output x made of
// ps) as a consumer of every part; a conv on a value without spatial axes
// pins them instead.
func readConcat(n *ir.Node, x *ir.Value, ps []*space) {
	k := 1
	if n.Op == ir.OpConv {
		if len(x.Type.Shape) < 3 {
			for _, p := range ps {
				p.root().pinned = true
			}
			return
		}
		k = tensor.NumElems(n.Input(1).Type.Shape[2:])
	}
	for _, p := range ps {
		r := p.root()
		r.consumers = append(r.consumers, consumer{n: n, inner: k, cat: ps})
	}
}

// offsets returns the channel offsets, within c's input channels, of the
// parts of c's concat that belong to space s (one, or more when the same
// channels are concatenated twice or two parts were joined later by an
// add), and the input channel count, both from the parts' current sizes.
// A direct consumer has offsets [0] and total s.n.
func (c consumer) offsets(s *space) (offs []int, total int) {
	if c.cat == nil {
		return []int{0}, s.n
	}
	s = s.root()
	for _, p := range c.cat {
		r := p.root()
		if r == s {
			offs = append(offs, total)
		}
		total += r.n
	}
	return offs, total
}

// spread widens keep (one entry per channel of a space) to the consumer's
// input channels: true outside the space's parts.
func spread(keep []bool, offs []int, total int) []bool {
	if len(offs) == 1 && offs[0] == 0 && total == len(keep) {
		return keep
	}
	out := make([]bool, total)
	for i := range out {
		out[i] = true
	}
	for _, o := range offs {
		copy(out[o:o+len(keep)], keep)
	}
	return out
}
