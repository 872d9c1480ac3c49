package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/isa"
)

// Lockstep batches (issue 15): a compiled program's control flow, its
// addresses and its timing depend on the program alone, never on the
// images, so a batch of images can share them. A Lockstep holds one
// machine per image (a lane); the first run records the data operations of
// lane 0's run into a tape (tape.go), and every lane after it, in that run
// and in every later one, only replays the tape (replay.go): decoding,
// dispatch, timing and statistics are done once, the arithmetic once per
// image, entry by entry across the lanes. Every lane's results are those
// of its own per-image run, and so are its statistics: the recorded run's,
// which Run returns (tests compare both with per-image runs).
//
// The assumption is checked, not trusted: only ld moves data into a
// register (and so into addresses, branches and timing), and only vlut
// forms an address from data (whether it faults would depend on the
// image), so a program with either is refused (LockstepRefusal) and runs
// per image. So is a program with several streams (its tape would need the
// controllers' state swaps), a pipelined one (several frames per run), one
// whose device segments share port words (run by pimrt segment by segment:
// its segment selector is read with ld), and a machine on a chip with
// faults (each image draws its own errors).

// LockstepRefusal returns why the program cannot run in lockstep (see
// Lockstep), "" if it can.
func (e *Executable) LockstepRefusal() string {
	switch {
	case e.Frames() > 1:
		return "a pipelined program (several frames per run)"
	case len(e.Prog.Streams) > 1:
		return "a program with several streams"
	case e.sharedPorts != "":
		return "device segments that share port words (ports " + e.sharedPorts + ")"
	}
	for pc, in := range e.code {
		switch in.op {
		case isa.OpLd:
			return fmt.Sprintf("pc %d: ld loads data into a register (control flow and timing may depend on the image)", pc)
		case isa.OpVlut:
			return fmt.Sprintf("pc %d: vlut forms addresses from data (whether it faults depends on the image)", pc)
		}
	}
	return ""
}

// Lockstep runs up to Lanes() images through one program together (see
// above). It is not safe for concurrent use; make one per goroutine.
type Lockstep struct {
	exe   *Executable
	lanes []*Machine
	tape  *tape
	stats *RunStats // the recorded run's
	// untaped: the program runs more than lockstepMaxSteps instructions,
	// so every lane runs on its own (no tape)
	untaped bool
}

// lockstepMaxSteps bounds the instructions of a run that is recorded into
// a tape: the tape holds at most one entry (and one bmac record) per
// instruction, a few tens of bytes, so it stays below about 150 MB. Longer
// runs (ImageNet-size networks, whose images are few) run lane by lane.
// A variable: tests lower it.
var lockstepMaxSteps int64 = 4 << 20

// NewLockstep returns a lockstep batch of n lanes in the post-load state,
// or an error naming why the program cannot run in lockstep.
func (e *Executable) NewLockstep(n int) (*Lockstep, error) {
	if why := e.LockstepRefusal(); why != "" {
		return nil, fmt.Errorf("sim: no lockstep: %s", why)
	}
	if n < 1 {
		return nil, fmt.Errorf("sim: lockstep of %d lanes", n)
	}
	l := &Lockstep{exe: e}
	for range n {
		l.lanes = append(l.lanes, e.NewMachine())
	}
	return l, nil
}

// Lanes returns the lane machines: write lane i's inputs into Lanes()[i]
// (after its Reset) before Run, read its outputs after.
func (l *Lockstep) Lanes() []*Machine { return l.lanes }

// SetMaxSteps sets every lane's instruction budget (Machine.MaxSteps).
func (l *Lockstep) SetMaxSteps(n int64) {
	for _, m := range l.lanes {
		m.MaxSteps = n
	}
}

// errLaneRan is Run's error for a lane that ran without a Reset since.
var errLaneRan = errors.New("sim: lockstep lane ran twice without Reset (write the next inputs after Reset)")

// Run runs lanes [0, k) to halt, each on the inputs written into it, and
// returns the statistics of the run, which are every lane's (one RunStats,
// shared: read-only). The first call runs lane 0 on its own and records
// the tape on its inputs (a run of more than lockstepMaxSteps instructions
// records none: then every lane runs on its own); a fault there (which every image would meet at
// the same instruction) is returned, and the next call tries again.
func (l *Lockstep) Run(k int) (*RunStats, error) {
	if k < 1 || k > len(l.lanes) {
		return nil, fmt.Errorf("sim: lockstep run of %d lanes (have %d)", k, len(l.lanes))
	}
	lanes := l.lanes[:k]
	for _, m := range lanes {
		if m.ran || m.frames != 1 {
			return nil, errLaneRan
		}
	}
	if l.tape == nil {
		// Lane 0 runs as a single image does (its statistics are every
		// lane's); a machine of its own records the tape on the same
		// inputs through the per-instruction paths, whose results and
		// statistics are the same (tests) except where the run is
		// sampled (Report.Timeline): the statistics are lane 0's.
		m := lanes[0]
		st, err := m.Run()
		if err != nil {
			return nil, err
		}
		if st.Steps > lockstepMaxSteps {
			l.untaped, l.stats = true, st
			return st, l.runEach(lanes[1:])
		}
		rec := l.exe.NewMachine()
		rec.MaxSteps = m.MaxSteps
		if m.dirtyHi > m.dirtyLo {
			copy(rec.abuf[m.dirtyLo:m.dirtyHi], m.abuf[m.dirtyLo:m.dirtyHi])
			rec.markDirty(m.dirtyLo, m.dirtyHi-m.dirtyLo)
		}
		t := &tape{words: l.exe.words, exe: l.exe, written: map[int32]*[maxRows / 64]uint64{}}
		rec.Trace = recorder{t}
		if _, err := rec.Run(); err != nil {
			return nil, fmt.Errorf("BUG: sim: lockstep: the recording run faults where lane 0 did not: %w", err)
		}
		if !slices.Equal(rec.abuf, m.abuf) {
			return nil, fmt.Errorf("BUG: sim: lockstep: the recording run's buffer differs from lane 0's")
		}
		t.finish()
		l.tape, l.stats = t, st
		lanes = lanes[1:]
	}
	if l.untaped {
		return l.stats, l.runEach(lanes)
	}
	l.tape.replay(lanes)
	for _, m := range lanes {
		m.ran = true
	}
	return l.stats, nil
}

// runEach runs every lane on its own: the statistics are lane 0's as in a
// replay (no data reaches control flow or timing: LockstepRefusal).
func (l *Lockstep) runEach(lanes []*Machine) error {
	for _, m := range lanes {
		if _, err := m.Run(); err != nil {
			return err
		}
	}
	return nil
}
