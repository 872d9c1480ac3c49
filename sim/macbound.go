package sim

import (
	"fmt"

	"github.com/pimc-dev/pimc/isa"
)

// The bound on declared MACs (docs/ISA.md §5). A source's declared workload
// (isa.Source.MACs) is what the report's GOPS and TOPS/W divide by, so it
// must not exceed what the program's own instructions did: every bmac,
// every member of a gbmac, every step of a gdot on each member and every and senses one row AND of cols columns,
// and one column of one AND is at most one multiply (a 1-bit weight plane
// times a 1-bit activation plane; wider operands need several ANDs per
// column). So a run of n frames in which a source's row ANDs executed R
// times can have done at most R x cols of its MACs, and a declared count
// above R x cols / n is refused at the end of the run. The bound is loose
// by the planes per MAC (M x N for M-bit weights and N-bit activations) and
// by the unused columns: it catches a count no execution could reach, not a
// count that is merely generous. isa.Validate checks the static half (a
// source that declares MACs has an instruction that can multiply); loops
// make the rest known only at run time.

// macTerm is an instruction whose row ANDs bound a declaring source.
type macTerm struct {
	pc, src int32
	ands    int64 // row ANDs per execution: 1 (bmac, and), n (gbmac) or n x M x N (gdot)
}

// prepareMACBound lists the row-AND instructions of the sources that
// declare MACs (after predecode).
func (e *Executable) prepareMACBound() {
	srcs := e.Prog.Sources
	for pc, in := range e.code {
		s := e.src[pc]
		if s < 0 || int(s) >= len(srcs) || srcs[s].MACs <= 0 {
			continue
		}
		switch in.op {
		case isa.OpBmac, isa.OpAnd:
			e.macTerms = append(e.macTerms, macTerm{int32(pc), s, 1})
		case isa.OpGbmac:
			e.macTerms = append(e.macTerms, macTerm{int32(pc), s, int64(in.arg[1])})
		case isa.OpGdot: // n sub-arrays x M x N pairs
			pl := isa.UnpackPlanes(int64(in.arg[6]))
			e.macTerms = append(e.macTerms, macTerm{int32(pc), s, int64(in.arg[1]) * int64(pl.M*pl.N)})
		}
	}
	for _, s := range srcs {
		e.declares = e.declares || s.MACs > 0
	}
}

// MACBoundError is a run in which a source declared more MACs than its
// executed row ANDs can do (see prepareMACBound's comment).
type MACBoundError struct {
	Source   int    // index into Program.Sources
	Name     string // "layer/node -> value"
	Declared int64  // per image
	Frames   int64  // images of the run
	ANDs     int64  // row ANDs the source executed in the run
	Cols     int64
}

func (e *MACBoundError) Error() string {
	return fmt.Sprintf("sim: sources[%d] (%s) declares %d MACs per image, but its bmac/gbmac/gdot/and instructions executed %d row ANDs of %d columns in this run of %d image(s): at most %d MACs per image (docs/ISA.md §5: declared MACs above that are refused)",
		e.Source, e.Name, e.Declared, e.ANDs, e.Cols, e.Frames, e.ANDs*e.Cols/e.Frames)
}

// checkDeclaredMACs returns a *MACBoundError for the first source that ran
// in st and declares more MACs than its executed row ANDs allow.
func (e *Executable) checkDeclaredMACs(st *RunStats) error {
	if !e.declares {
		return nil
	}
	ands := make([]int64, len(e.Prog.Sources))
	for _, t := range e.macTerms {
		ands[t.src] += st.PC[t.pc].Count * t.ands
	}
	frames, cols := int64(max(1, st.Frames)), int64(e.Arch.Cols)
	for s, src := range e.Prog.Sources {
		i := s + 1
		if src.MACs <= 0 || st.Ran[i>>6]>>(uint(i)&63)&1 == 0 {
			continue
		}
		// declared x frames > ands x cols, without overflowing the product.
		if src.MACs > ands[s]*cols/frames {
			return &MACBoundError{Source: s, Name: sourceName(e.Prog, int32(s)), Declared: src.MACs, Frames: frames, ANDs: ands[s], Cols: cols}
		}
	}
	return nil
}
