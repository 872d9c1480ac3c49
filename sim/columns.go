package sim

import (
	"slices"

	"github.com/pimc-dev/pimc/target"
)

// Driven columns (issue 12, target ops.column_gating). A row write or sense
// is charged for the columns it drives, not for all cols. Each sub-array
// keeps, per row, the extent of the columns that may hold a 1 (rowK: the
// patch extent of the wrp that wrote it, the highest column pld loaded into
// the patch register since its pzero; cols for weight-image rows and for
// rows not written yet in the run, whose contents are unknown). Then
//   - a write drives max(new extent, old extent) columns: the columns
//     beyond the new extent must end at 0, and beyond the old one they
//     already are;
//   - an AND senses min(extent a, extent b) columns (beyond, one operand is
//     0, so the result is), an OR max(...), a plain read its row's extent;
//     the sense amplifiers of the other columns are gated and their latch
//     bits are 0, which is what the latch holds anyway.
// So column gating changes no bit, only energy: the simulator counts, per
// source, the columns each row operation did not drive (RunStats.Undriven)
// and the report subtracts their per-column energy. The counts come from
// what the instructions address (pld extents, rows) at run time, never
// from the compiler's declarations.

// Kinds of undriven columns (RunStats.Undriven, and the count array of the
// report after the target's operation kinds).
const (
	undSense     = iota // and_sense: columns an and, or, bmac or gbmac did not sense
	undRead             // row_read: columns an rdrow did not sense
	undWrite            // row_write: columns a wrp or gwrp did not drive
	undBroadcast        // row_broadcast: a gwrp's undriven columns beyond its first sub-array
	numUnd
)

// numCounts sizes the report's per-source counts: the operation kinds,
// then the undriven columns.
const numCounts = numKinds + numUnd

// undriven returns the rows' worth of columns operation kind k did not
// drive (undriven columns / cols), 0 without column gating.
func (c *costTable) undriven(ops *[numCounts]int64, k target.OpKind) float64 {
	if !c.gating {
		return 0
	}
	var u int64
	switch k {
	case target.OpAndSense:
		u = ops[numKinds+undSense]
	case target.OpRowRead:
		u = ops[numKinds+undRead]
	case target.OpRowWrite:
		u = ops[numKinds+undWrite]
	case target.OpRowBroadcast:
		u = ops[numKinds+undBroadcast]
	}
	return float64(u) / c.cols
}

// undCache memoises the columns a run of bmacs from pc did not sense
// (undRun): they depend only on the rows' extents, which change rarely (a
// compiled layer rewrites its input rows with the same extent for every
// patch), so while no extent changed (Machine.kver) a run adds its sum
// without looking at its rows again. A row-register run (bmacrow.go) reads
// its rowb rows at an offset that changes from call to call; when every
// rowb row it read had every column in use (bFull) and so do the rows at
// the new offset, the sum is the same.
type undCache struct {
	kver  uint64   // Machine.kver when sum was computed (0: never)
	boff  int32    // the row offset of a row-register run
	n     int32    // bmacs in the run
	sas   []uint32 // the run's sub-arrays
	bFull bool     // every rowb row read had every column in use
	sum   int64
}

// undRun adds the columns the bmacs ops (rowb offset boff) did not sense
// to RunStats.Undriven. cacheable: ops are the program's (a static or
// row-register run), whose rows depend on boff only.
func (m *Machine) undRun(ops []sbmac, boff int, cacheable bool) {
	if len(ops) == 0 {
		return
	}
	e := m.exe
	pc0 := ops[0].pc1 - 1
	if int(e.srcRun[pc0]) < len(ops) { // several sources: bmac by bmac
		for i := range ops {
			o := &ops[i]
			sa := m.sas[o.sa]
			m.addUndSense(e.src[o.pc1-1], int64(int32(e.Arch.Cols)-min(sa.rowK[o.a&(maxRows-1)], sa.rowK[(int(o.b)+boff)&(maxRows-1)])))
		}
		return
	}
	var uc *undCache
	if cacheable {
		if m.undC == nil {
			m.undC = make([]undCache, len(e.code))
		}
		uc = &m.undC[pc0]
		if uc.kver == m.kver && uc.n == int32(len(ops)) && (uc.boff == int32(boff) || uc.bFull && m.rowsFull(uc.sas, pc0, boff)) {
			m.addUndSense(e.src[pc0], uc.sum)
			return
		}
	}
	cols := int32(e.Arch.Cols)
	var sum int64
	bFull := true
	for i := range ops {
		o := &ops[i]
		sa := m.sas[o.sa]
		kb := sa.rowK[(int(o.b)+boff)&(maxRows-1)]
		sum += int64(cols - min(sa.rowK[o.a&(maxRows-1)], kb))
		bFull = bFull && kb == cols
	}
	if uc != nil {
		sas := uc.sas[:0]
		for i := range ops {
			if !slices.Contains(sas, ops[i].sa) {
				sas = append(sas, ops[i].sa)
			}
		}
		*uc = undCache{kver: m.kver, boff: int32(boff), n: int32(len(ops)), sas: sas, bFull: bFull, sum: sum}
	}
	m.addUndSense(e.src[pc0], sum)
}

// rowsFull reports whether every rowb row of the row-register run at pc0,
// at row offset boff, has every column in use in each sub-array of sas
// (none is in its narrow set).
func (m *Machine) rowsFull(sas []uint32, pc0 int32, boff int) bool {
	rr := &m.exe.rowRun[pc0]
	lo, hi := int(rr.lo)+boff, int(rr.hi)+boff
	if rr.reg < 0 || lo < 0 || hi >= maxRows {
		return false
	}
	for _, s := range sas {
		if !rangeFull(&m.sas[s].narrow, lo, hi) {
			return false
		}
	}
	return true
}

// rangeFull reports whether no row of [lo, hi] (0 <= lo <= hi < maxRows)
// is in the narrow set nb.
func rangeFull(nb *[maxRows / 64]uint64, lo, hi int) bool {
	for w := lo >> 6; w <= hi>>6; w++ {
		mask := ^uint64(0)
		if w == lo>>6 {
			mask &= ^uint64(0) << (uint(lo) & 63)
		}
		if w == hi>>6 {
			mask &= ^uint64(0) >> (63 - uint(hi)&63)
		}
		if nb[w]&mask != 0 {
			return false
		}
	}
	return true
}

// addUndSense adds u columns not sensed to source src (-1 unattributed;
// -2: nothing to add).
func (m *Machine) addUndSense(src int32, u int64) {
	if src >= -1 {
		m.stats.Undriven[src+1][undSense] += u
	}
}

// writeRow records a write of patch register p into row of sa: it returns
// the columns the write does not drive and sets the row's extent.
func (m *Machine) writeRow(sa *subarray, row int32, p int32) int64 {
	ext := m.pext[p]
	old := sa.rowK[row]
	drive := max(ext, old)
	if ext != old {
		sa.rowK[row] = ext
		m.kver++ // every undCache entry is stale
		bit := uint64(1) << (uint(row) & 63)
		if ext < int32(m.exe.Arch.Cols) {
			sa.narrow[row>>6] |= bit
		} else {
			sa.narrow[row>>6] &^= bit
		}
	}
	return int64(m.exe.Arch.Cols) - int64(drive)
}
