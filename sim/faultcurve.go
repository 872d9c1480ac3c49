package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// A fault curve is the accuracy of an evaluation against an error rate
// (docs/FAULTS.md §5): pimc eval -faults sense=1e-4,1e-3,1e-2 -fault-seeds
// 3 evaluates each rate on 3 chip instances. The simulator does not
// compute accuracies; the points are the evaluation's, carried in its
// report (Report.FaultPoints) so that pimc report can draw them.

// FaultCase is one fault spec of a -faults list: its text (ParseFaults
// syntax), the spec, and the key and value it stands for on a curve's x
// axis (Kind "" when the spec varies no single rate).
type FaultCase struct {
	Text string
	Spec FaultSpec
	Kind string
	Rate float64
}

// FaultPoint is the evaluation of one FaultCase: the accuracy on each
// chip instance (seed), their mean and sample standard deviation (0 for
// one instance), over Images images.
type FaultPoint struct {
	Faults   string    `json:"faults"`
	Kind     string    `json:"kind,omitempty"`
	Rate     float64   `json:"rate"`
	Seeds    []uint64  `json:"seeds"`
	Accuracy []float64 `json:"accuracy"`
	Mean     float64   `json:"mean"`
	Std      float64   `json:"std"`
	Images   int       `json:"images"`
}

// rateKeys are the keys whose value is a number a curve can vary.
var rateKeys = map[string]bool{"write": true, "stuck": true, "sense": true, "sigma": true}

// ParseFaultList parses -faults: a spec (ParseFaults syntax), or a spec
// in which one key has several values, each after the first a bare value:
// "sense=1e-4,1e-3,1e-2" or "write=0,1e-3,1e-2,cells=weights" is one case
// per value, the other keys the same in each. A case's Kind is the listed
// key, or the one rate key of a spec that has exactly one (with a numeric
// value); its Rate that key's value.
func ParseFaultList(s string) ([]FaultCase, error) {
	type kv struct {
		k    string
		vals []string
	}
	var kvs []kv
	list := -1 // index in kvs of the key with several values
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		k, v, ok := strings.Cut(tok, "=")
		if ok {
			kvs = append(kvs, kv{strings.TrimSpace(k), []string{strings.TrimSpace(v)}})
			continue
		}
		if len(kvs) == 0 || tok == "" {
			return nil, fmt.Errorf("%q: want key=value (%s), or more values of the key before it", tok, FaultKeys)
		}
		last := len(kvs) - 1
		if !rateKeys[kvs[last].k] {
			return nil, fmt.Errorf("%q after %s: only write, stuck, sense and sigma take a list of values", tok, kvs[last].k)
		}
		if list >= 0 && list != last {
			return nil, fmt.Errorf("%q: values listed for both %s and %s; list one key", tok, kvs[list].k, kvs[last].k)
		}
		list = last
		kvs[last].vals = append(kvs[last].vals, tok)
	}
	n := 1
	if list >= 0 {
		n = len(kvs[list].vals)
	}
	var out []FaultCase
	for i := range n {
		var parts []string
		c := FaultCase{}
		for j, p := range kvs {
			v := p.vals[0]
			if j == list {
				v = p.vals[i]
			}
			parts = append(parts, p.k+"="+v)
		}
		c.Text = strings.Join(parts, ",")
		spec, err := ParseFaults(c.Text)
		if err != nil {
			return nil, err
		}
		c.Spec = spec
		if list >= 0 {
			c.Kind = kvs[list].k
			c.Rate, _ = strconv.ParseFloat(kvs[list].vals[i], 64) // ParseFaults checked it
		} else {
			for _, p := range kvs {
				if x, err := strconv.ParseFloat(p.vals[0], 64); err == nil && rateKeys[p.k] {
					if c.Kind != "" { // two rates: no single x
						c.Kind, c.Rate = "", 0
						break
					}
					c.Kind, c.Rate = p.k, x
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}
