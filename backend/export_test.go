package backend

import (
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// EstimatedStream is the stream time per frame of every source of p as
// the -pipeline estimate replays it (estimateWork), for the external
// tests and benchmarks: local and with every sub-array reached over a
// link.
func EstimatedStream(p *isa.Program, tgt *target.Target) (local, remote float64, err error) {
	w, err := estimateWork(p, tgt)
	for _, x := range w {
		local += x.stream
		remote += x.remote
	}
	return local, remote, err
}
