package mapping

import (
	"math"

	"github.com/pimc-dev/pimc/target"
)

// GeometryOf is the mapping view of a target.
func GeometryOf(t *target.Target) Geometry {
	a := t.Arch()
	chunkBatch := 1 // Geometry.ChunkBatch
	if a.PlaneSequencer {
		chunkBatch = 4
	}
	return Geometry{
		Name: t.Name, Rows: a.Rows, Cols: a.Cols, AccBits: a.AccBits,
		Subarrays: a.Subarrays, PerBank: int(t.Geometry.MatsPerBank.Value * t.Geometry.SubarraysPerMat.Value),
		DPULanes: a.DPULanes, Group: a.GroupSubarrays,
		SensePS:    int64(math.Round(t.Cost(target.OpAndSense).LatencyNS * 1000)),
		CyclePS:    int64(math.Round(t.CycleNS() * 1000)),
		Reprogram:  t.HasDRAM(),
		Blocks:     a.PlaneSequencer,
		ChunkBatch: chunkBatch,
	}
}
