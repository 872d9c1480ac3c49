package admm

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// Coupling is a dependency-aware pruning group set (config `coupled:
// true`): the channels of one channel space (channelSpaces: a conv/fc
// output and everything joined to it by residual adds) are pruned
// together. Channel c is one group made of row c of every producer and
// the Inner columns of channel c of every consumer, so a pruned channel is
// exactly 0 in every branch that feeds the join (RemoveUnusedPaths can
// then drop it from the whole residual stream) and the next layers lose
// the columns that read it in the same step.
type Coupling struct {
	Channels  int
	Ratio     float64 // pruned fraction of the channels
	Producers []string
	Consumers []CouplingConsumer
}

// CouplingConsumer is a layer reading a coupled space: Inner columns per
// channel (kh*kw for a conv, H*W for an fc after a flatten). A layer that
// reads the space through a concat along the channels has Total input
// channels, the space's channel c being its input channel o + c for every
// o in Offsets (nil Offsets: the whole input is the space).
type CouplingConsumer struct {
	Layer   string
	Inner   int
	Offsets []int
	Total   int
}

// channels is the consumer's input channel count.
func (k CouplingConsumer) channels(c Coupling) int {
	if k.Offsets == nil {
		return c.Channels
	}
	return k.Total
}

func (c Coupling) String() string {
	var cons []string
	for _, k := range c.Consumers {
		if k.Offsets == nil {
			cons = append(cons, k.Layer)
			continue
		}
		var at []string
		for _, o := range k.Offsets {
			at = append(at, fmt.Sprintf("%d-%d", o, o+c.Channels-1))
		}
		cons = append(cons, fmt.Sprintf("%s channels %s of %d", k.Layer, strings.Join(at, ","), k.Total))
	}
	return fmt.Sprintf("%d channels of %s (read by %s), %.3g pruned", c.Channels, strings.Join(c.Producers, "+"), strings.Join(cons, ", "), c.Ratio)
}

// Couplings finds the coupled groups of g under specs: one per channel
// space that is not pinned (channelSpaces), whose producers all have a
// spec (they get masks) and at least one of which prunes filters; its
// ratio is the largest filter ratio among them (a producer without one,
// such as an unpruned stem feeding the first residual stream, loses the
// same rows: a join can only drop a channel that every branch drops).
// Consumers without a spec are left out (they read zeros; unused-path
// removal drops their columns afterwards); a consumer reading the space
// through a concat has its offsets. The result is in graph order.
func Couplings(g *ir.Graph, specs map[string]Spec) []Coupling {
	layers, _ := Layers(g)
	name := map[*ir.Node]string{}
	for _, l := range layers {
		name[l.Node] = l.Name
	}
	var out []Coupling
	done := map[*space]bool{}
	for _, s := range channelSpaces(g) {
		r := s.root()
		if done[r] || r.pinned {
			continue
		}
		done[r] = true
		c := Coupling{Channels: r.n}
		ok := true
		for _, p := range r.producers {
			sp, has := specs[name[p]]
			if !has || name[p] == "" {
				ok = false
				break
			}
			c.Producers = append(c.Producers, name[p])
			for _, pr := range sp.Prunes {
				if pr.Kind == Filter {
					c.Ratio = math.Max(c.Ratio, pr.Ratio)
				}
			}
		}
		if !ok || c.Ratio == 0 {
			continue
		}
		seen := map[*ir.Node]bool{}
		for _, k := range r.consumers {
			if _, has := specs[name[k.n]]; has && !seen[k.n] {
				seen[k.n] = true
				cc := CouplingConsumer{Layer: name[k.n], Inner: k.inner}
				if k.cat != nil {
					cc.Offsets, cc.Total = k.offsets(r)
				}
				c.Consumers = append(c.Consumers, cc)
			}
		}
		out = append(out, c)
	}
	return out
}

// member is one matrix taking part in a coupling: its values and how its
// elements map to the coupled channels.
type member struct {
	v     []float32
	shape Shape
	rows  bool // producer: channel = row; consumer: channel = column / inner
	inner int
	offs  []int // consumer through a concat: CouplingConsumer.Offsets
	n     int   // the coupling's channels
}

// channel is the coupled channel of element i, -1 for a consumer's column
// reading another part of a concat.
func (m member) channel(i int) int {
	if m.rows {
		return i / m.shape.Cols
	}
	t := i % m.shape.Cols / m.inner
	if m.offs == nil {
		return t
	}
	for _, o := range m.offs {
		if t >= o && t < o+m.n {
			return t - o
		}
	}
	return -1
}

// members resolves c's layers in mats (by layer name); a matrix whose
// size does not fit the coupling is an error (a BUG: the coupling was
// made for another graph).
func (c Coupling) members(mats map[string][]float32, shapes map[string]Shape) ([]member, error) {
	var ms []member
	for _, p := range c.Producers {
		s := shapes[p]
		if s.Rows != c.Channels || len(mats[p]) != s.Len() {
			return nil, fmt.Errorf("coupling %s: producer %q has %d rows", c, p, s.Rows)
		}
		ms = append(ms, member{v: mats[p], shape: s, rows: true})
	}
	for _, k := range c.Consumers {
		s := shapes[k.Layer]
		if k.Inner <= 0 || s.Cols != k.channels(c)*k.Inner || len(mats[k.Layer]) != s.Len() {
			return nil, fmt.Errorf("coupling %s: consumer %q has %d columns, want %d x %d", c, k.Layer, s.Cols, k.channels(c), k.Inner)
		}
		ms = append(ms, member{v: mats[k.Layer], shape: s, inner: k.Inner, offs: k.Offsets, n: c.Channels})
	}
	return ms, nil
}

// ProjectCoupled projects, in place, the matrices of c's layers (mats, by
// layer name, shapes their matrix shapes) onto the coupled constraint: the
// KeepCount(Channels, Ratio) channels with the largest L2 norm over all
// members (ties to the lower channel) keep their values, the others
// become exactly 0 in every member. It returns, per layer, the keep mask
// of its elements.
func ProjectCoupled(c Coupling, mats map[string][]float32, shapes map[string]Shape) (map[string][]bool, error) {
	ms, err := c.members(mats, shapes)
	if err != nil {
		return nil, err
	}
	norm := make([]float64, c.Channels)
	for _, m := range ms {
		for i, x := range m.v {
			if ch := m.channel(i); ch >= 0 {
				norm[ch] += float64(x) * float64(x)
			}
		}
	}
	order := make([]int, c.Channels)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return norm[order[a]] > norm[order[b]] })
	kept := make([]bool, c.Channels)
	for _, ch := range order[:KeepCount(c.Channels, c.Ratio)] {
		kept[ch] = true
	}
	keep := map[string][]bool{}
	names := append(append([]string(nil), c.Producers...), consumerNames(c)...)
	for j, m := range ms {
		k := make([]bool, len(m.v))
		for i := range m.v {
			ch := m.channel(i)
			if k[i] = ch < 0 || kept[ch]; !k[i] {
				m.v[i] = 0
			}
		}
		keep[names[j]] = k
	}
	return keep, nil
}

func consumerNames(c Coupling) []string {
	var out []string
	for _, k := range c.Consumers {
		out = append(out, k.Layer)
	}
	return out
}

// CheckCouplings verifies that g lies in every coupled set: at most
// KeepCount(Channels, Ratio) channels non-zero across the members, and
// every other channel exactly 0 in every member. All violations are
// reported.
func CheckCouplings(g *ir.Graph, cs []Coupling) error {
	layers, _ := Layers(g)
	mats, shapes := map[string][]float32{}, map[string]Shape{}
	for _, l := range layers {
		mats[l.Name], shapes[l.Name] = l.Weight.Const.F32, l.Shape
	}
	var errs []error
	for _, c := range cs {
		errs = append(errs, checkMats(c, mats, shapes))
	}
	return errors.Join(errs...)
}

// checkMats checks one coupling of CheckCouplings.
func checkMats(c Coupling, mats map[string][]float32, shapes map[string]Shape) error {
	ms, err := c.members(mats, shapes)
	if err != nil {
		return err
	}
	live := make([]bool, c.Channels)
	for _, m := range ms {
		for i, x := range m.v {
			if ch := m.channel(i); x != 0 && ch >= 0 {
				live[ch] = true
			}
		}
	}
	n := 0
	for _, l := range live {
		if l {
			n++
		}
	}
	if want := KeepCount(c.Channels, c.Ratio); n > want {
		return fmt.Errorf("coupling %s: %d channels non-zero, want at most %d", c, n, want)
	}
	return nil
}
