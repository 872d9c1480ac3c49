package driver

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/isa"
)

// Widths are weight and activation bit widths (pimc compile -wbits -abits).
type Widths struct{ W, A int }

// widths are the widths the default pipeline quantizes with (0: 8).
func (o Options) widths() Widths {
	w := Widths{o.WBits, o.ABits}
	if w.W == 0 {
		w.W = 8
	}
	if w.A == 0 {
		w.A = 8
	}
	return w
}

// BitsNotes says, for every matrix layer of r (in r.Layers order), how its
// declared widths differ from the ones asked for (Result.Asked) and why,
// "" where they do not, so no layer keeps other widths silently (issue
// 12). The reasons are the quantize pass's rules (docs/QUANT.md §3): the
// first and last matrix layers keep 8-bit weights and outputs (keep-ends,
// on in the default pipeline), a layer whose output only leaves the
// integer domain (logits read by the host) produces out-bits codes, a
// conv resize-lower made of a Resize has the fewest weight bits that hold
// its fixed kernel exactly (a tent or ones; not a choice, so EndsNote
// does not count it), and otherwise a per-layer setting (a config file, a compressed model's
// recorded weight bits) decided. Nil when nothing was asked (Asked zero).
func (r *Result) BitsNotes() []string {
	if r.Asked == (Widths{}) {
		return nil
	}
	notes := make([]string, len(r.Layers))
	for i, l := range r.Layers {
		end := i == 0 || i == len(r.Layers)-1
		var parts []string
		if l.WBits != 0 && l.WBits != r.Asked.W {
			why := "per-layer setting"
			switch {
			case l.OnnxOp == "Resize" && l.WBits < r.Asked.W:
				why = "resize kernel, exact at these bits"
			case end && l.WBits == 8:
				why = "keep-ends"
			}
			parts = append(parts, fmt.Sprintf("w%d (%s)", l.WBits, why))
		}
		if l.ABits != 0 && l.ABits != r.Asked.A {
			why := "per-layer setting"
			switch {
			case l.ABits > 8:
				why = "output read by the host: out-bits"
			case end && l.ABits == 8:
				why = "keep-ends"
			}
			parts = append(parts, fmt.Sprintf("a%d out (%s)", l.ABits, why))
		}
		if len(parts) > 0 {
			notes[i] = fmt.Sprintf("%s, not -wbits %d -abits %d", strings.Join(parts, ", "), r.Asked.W, r.Asked.A)
		}
	}
	return notes
}

// EndsNote summarises BitsNotes for a column title: "" when every layer
// has the asked widths (outputs read by the host aside), "ends 8-bit" when
// only keep-ends differs, "mixed widths" otherwise.
func (r *Result) EndsNote() string {
	note := ""
	for i, n := range r.BitsNotes() {
		l := r.Layers[i]
		w := l.WBits != 0 && l.WBits != r.Asked.W && l.OnnxOp != "Resize"
		a := l.ABits != 0 && l.ABits <= 8 && l.ABits != r.Asked.A
		switch {
		case n == "" || !w && !a:
		case strings.Contains(n, "per-layer"):
			return "mixed widths"
		default:
			note = "ends 8-bit"
		}
	}
	return note
}

// ProgramWidths states the widths a compiled program's matrix layers record
// (isa.Source.WBits, ABits; format v1.6) for pimc eval, which does not know
// the widths the program was compiled with: the most common pair, then
// every layer at other widths ("layer widths: W4 A4 (3 layers); other:
// conv1 W8 A8, fc3 W8 A16"). A is the width of the activations the layer
// produces. "" when no source records widths (older programs).
func ProgramWidths(p *isa.Program) string {
	type pair struct{ w, a int }
	count := map[pair]int{}
	var order []pair
	for _, s := range p.Sources {
		if s.WBits == 0 && s.ABits == 0 {
			continue
		}
		k := pair{s.WBits, s.ABits}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	if len(order) == 0 {
		return ""
	}
	most := order[0]
	for _, k := range order {
		if count[k] > count[most] {
			most = k
		}
	}
	out := fmt.Sprintf("layer widths: W%d A%d (%d layers)", most.w, most.a, count[most])
	var other []string
	for _, s := range p.Sources {
		if k := (pair{s.WBits, s.ABits}); (s.WBits != 0 || s.ABits != 0) && k != most {
			other = append(other, fmt.Sprintf("%s W%d A%d", s.Layer, s.WBits, s.ABits))
		}
	}
	if len(other) > 0 {
		out += "; other: " + strings.Join(other, ", ")
	}
	return out
}
