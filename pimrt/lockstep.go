package pimrt

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
)

// LockstepRefusal returns why the model's inferences cannot run in
// lockstep (RunLockstep), "" if they can: the program's reason
// (sim.Executable.LockstepRefusal), or several device segments (each
// segment is its own run of the program, selected through a port).
func (m *Model) LockstepRefusal() string {
	if n := len(m.Host.Segments); n > 1 {
		return fmt.Sprintf("%d device segments", n)
	}
	return m.Exe.LockstepRefusal()
}

// NewLockstep returns a lockstep batch of n lanes for RunLockstep, or why
// the model cannot run in lockstep.
func (m *Model) NewLockstep(n int) (*sim.Lockstep, error) {
	if why := m.LockstepRefusal(); why != "" {
		return nil, fmt.Errorf("runtime: no lockstep: %s", why)
	}
	return m.Exe.NewLockstep(n)
}

// RunLockstep runs the inferences of batch (at most len(ls.Lanes()) of
// them) in lockstep on ls (made by NewLockstep): the host ops per image,
// the device segment once for all of them (sim.Lockstep). The results are
// those of RunOn for each image; every Result shares the segment's
// statistics (Stats, read-only).
func (m *Model) RunLockstep(ls *sim.Lockstep, batch [][]*tensor.Tensor) ([]*Result, error) {
	lanes := ls.Lanes()
	if n := len(batch); n < 1 || n > len(lanes) {
		return nil, fmt.Errorf("runtime: %d images in one lockstep run of %d lanes", n, len(lanes))
	}
	if why := m.LockstepRefusal(); why != "" {
		return nil, fmt.Errorf("runtime: no lockstep: %s", why)
	}
	return m.runSegments(batch, func(seg int, imgs []*hostState) (*sim.RunStats, error) {
		for f, h := range imgs {
			lanes[f].Reset()
			if err := m.writeSegmentInputs(lanes[f], seg, 0, h); err != nil {
				return nil, err
			}
		}
		st, err := ls.Run(len(imgs))
		if err != nil {
			return nil, fmt.Errorf("runtime: segment %d: %w", seg, err)
		}
		for f, h := range imgs {
			if err := m.readSegmentOutputs(lanes[f], seg, 0, h); err != nil {
				return nil, err
			}
		}
		return st, nil
	})
}
