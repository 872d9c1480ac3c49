package sim

// The layer graph of a run (docs/PARALLEL.md §6) is the data flow it
// executed: a source depends on the source that last wrote an ABUF word it
// reads. The machine keeps the writer of every ABUF word (writer: the
// writing source's RunStats index + 1, 0 for a word no instruction wrote
// since Reset: the host's inputs) and sets a bit in RunStats.Deps for each
// (writer, reader) pair a read finds. Reads of the constant memory carry no
// dependence. The writers are 16-bit: a program with more than maxTracked
// sources (none real: ResNet-50 has about 170) is not tracked, and its
// layer graph has no ABUF edges (writer is nil).

// maxTracked is the most source indices (src+1) the ABUF writers hold.
const maxTracked = 1<<16 - 2

// wrote records the source of pc as the writer of ABUF words [a, a+n).
func (m *Machine) wrote(pc int, a, n int) {
	if m.writer == nil {
		return
	}
	w := uint16(m.exe.src[pc] + 2)
	ws := m.writer[a : a+n]
	for i := range ws {
		ws[i] = w
	}
}

// wroteStrided records the source of pc as the writer of the n words
// base + i*stride.
func (m *Machine) wroteStrided(pc int, base, stride int64, n int) {
	if m.writer == nil {
		return
	}
	w := uint16(m.exe.src[pc] + 2)
	for i := range int64(n) {
		m.writer[base+i*stride] = w
	}
}

// read records the dependences of pc reading ABUF words [a, a+n).
func (m *Machine) read(pc int, a, n int) {
	if m.writer == nil {
		return
	}
	self, last := uint16(m.exe.src[pc]+2), uint16(0)
	for _, w := range m.writer[a : a+n] {
		if w != last {
			last = w
			if w != 0 && w != self {
				m.dep(int32(w)-1, int32(self)-1)
			}
		}
	}
}

// copied records the writers of ABUF words [dst, dst+n), which bcopy pc
// copied from [src, src+n). A layer's copy writes its own data (a concat,
// a pad); code attributed to no layer (the compiler's glue: the rings
// between pipeline stages, the moves between segments) passes the data
// on: the words keep the writers of the words they were copied from, so
// the layers on either side of the copy depend on each other directly and
// the glue does not tie every stage into one node.
func (m *Machine) copied(pc int, dst, src, n int) {
	if m.writer == nil {
		return
	}
	if m.exe.src[pc] >= 0 {
		m.wrote(pc, dst, n)
		return
	}
	copy(m.writer[dst:dst+n], m.writer[src:src+n])
}

// readStrided records the dependences of pc reading the n words
// base + i*stride.
func (m *Machine) readStrided(pc int, base, stride int64, n int) {
	if m.writer == nil {
		return
	}
	self, last := uint16(m.exe.src[pc]+2), uint16(0)
	for i := range int64(n) {
		if w := m.writer[base+i*stride]; w != last {
			last = w
			if w != 0 && w != self {
				m.dep(int32(w)-1, int32(self)-1)
			}
		}
	}
}

// dep records that source index r (RunStats index) read what w wrote.
func (m *Machine) dep(w, r int32) {
	n := int32(len(m.stats.MACs))
	b := w*n + r
	m.stats.Deps[b>>6] |= 1 << (uint(b) & 63)
}

// depsBits is the size in words of the dependence bitset of a program with
// ns RunStats source indices.
func depsBits(ns int) int { return (ns*ns + 63) / 64 }

// hasDep reports whether source index r depends on w in deps (ns indices).
func hasDep(deps []uint64, ns, w, r int) bool {
	b := w*ns + r
	return deps[b>>6]>>(uint(b)&63)&1 != 0
}
