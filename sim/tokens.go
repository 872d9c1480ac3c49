package sim

import (
	"github.com/pimc-dev/pimc/target"
)

// Tokens (ISA v1.5, docs/ISA.md §3.1): tsig t adds one to counter t, twait t
// waits until it is at least one and takes one. A signal becomes visible
// to the waiting controllers `sync` after the tsig dispatches, so each
// counter is kept as the visibility times of its pending signals; a twait
// takes the earliest one.

// tokenState is the token counters of one run.
type tokenState struct {
	pending [][]int64 // per token: visibility times of signals not yet taken
}

func (ts *tokenState) reset(n int) {
	if len(ts.pending) != n {
		ts.pending = make([][]int64, n)
	}
	for i := range ts.pending {
		ts.pending[i] = ts.pending[i][:0]
	}
}

// signal records a tsig of token t dispatched at d; it returns when the
// signal becomes visible.
func (ts *tokenState) signal(t int, d int64, c *costTable) int64 {
	v := d + c.lat[target.OpSync]
	ts.pending[t] = append(ts.pending[t], v)
	return v
}

// take removes the earliest pending signal of token t and returns its
// visibility time; ok is false when none is pending.
func (ts *tokenState) take(t int) (int64, bool) {
	p := ts.pending[t]
	if len(p) == 0 {
		return 0, false
	}
	k := 0
	for i, v := range p {
		if v < p[k] {
			k = i
		}
	}
	v := p[k]
	p[k] = p[len(p)-1]
	ts.pending[t] = p[:len(p)-1]
	return v, true
}

// pendingAny reports whether token t has a signal to take.
func (ts *tokenState) pendingAny(t int) bool { return len(ts.pending[t]) > 0 }
