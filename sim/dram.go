package sim

import (
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// The off-chip memory (ISA v1.6, docs/ISA.md §3.2 and §4): dload and dstore
// move words between it and the activation buffer.
//
// State: the DRAM holds the program's DRAM image at load (section dram),
// zeros elsewhere. It is held in pages allocated on
// first write (a 2 GiB part is 2^29 words; a program touches a few MiB), with
// the ABUF writer (dataflow.go) of every word beside it, so a word stored and
// loaded back keeps the source that computed it and the layer graph keeps its
// edges through the DRAM.
//
// A DRAM word holds one code of the transfer's type (dstore clamps to it):
// a transfer of n codes moves n x type-width bits.
//
// Timing: one channel, shared by every controller. A transfer of n codes
// starts when the issuing controller's buffer port and the channel are free
// and its registers are ready; it takes the access latency (a row miss)
// plus its bits at the channel's bandwidth, and holds the channel and the
// controller's buffer port all that time (the port streams the words as they
// arrive; transfers do not overlap one another, so each pays its latency).
// A transfer of 0 words makes no access. Energy: dram_read or dram_write per
// bit moved, plus buffer_write or buffer_read per word on the buffer side.

// dramPageBits sizes a DRAM page: 2^16 words.
const dramPageBits = 16

// dramMem is the DRAM's contents, paged. The program's DRAM image (its
// dram section: weights reprogrammed at run time) is shared read-only by
// every machine of an executable (Executable.dramImg): a page of it is
// copied only when the program stores into it.
type dramMem struct {
	data   [][]int32  // by page, nil: all zero
	writer [][]uint16 // by page, ABUF writer of each word (dataflow.go), nil: none
	img    [][]int32  // the image by page (read-only), nil: zero
	// owned[p]: data[p] is this machine's own copy; touched lists them,
	// for reset
	owned   []bool
	touched []int
}

// newDRAM is the DRAM of pages pages in the post-load state: the image.
func newDRAM(pages int, img [][]int32) *dramMem {
	d := &dramMem{data: make([][]int32, pages), writer: make([][]uint16, pages), owned: make([]bool, pages), img: img}
	copy(d.data, img)
	return d
}

// page returns page p for writing, making it this machine's own.
func (d *dramMem) page(p int, tracked bool) ([]int32, []uint16) {
	if !d.owned[p] {
		own := make([]int32, 1<<dramPageBits)
		if p < len(d.img) {
			copy(own, d.img[p])
		}
		d.data[p], d.owned[p] = own, true
		if tracked {
			d.writer[p] = make([]uint16, 1<<dramPageBits)
		}
		d.touched = append(d.touched, p)
	}
	return d.data[p], d.writer[p]
}

// reset returns the DRAM to its contents at load: the image, zero elsewhere.
func (d *dramMem) reset() {
	for _, p := range d.touched {
		d.data[p], d.writer[p], d.owned[p] = nil, nil, false
		if p < len(d.img) {
			d.data[p] = d.img[p]
		}
	}
	d.touched = d.touched[:0]
}

// dramImage lays out prog's DRAM image in pages of pages (Validate has
// checked that every block is inside the DRAM).
func dramImage(prog *isa.Program) [][]int32 {
	end := prog.DRAMEnd()
	if end == 0 {
		return nil
	}
	img := make([][]int32, (end+1<<dramPageBits-1)>>dramPageBits)
	for _, blk := range prog.DRAM {
		dramSpan(int64(blk.Addr), int64(len(blk.Data)), func(p, off, i, k int) {
			if img[p] == nil {
				img[p] = make([]int32, 1<<dramPageBits)
			}
			copy(img[p][off:off+k], blk.Data[i:i+k])
		})
	}
	return img
}

// dramSpan calls fn for each page-aligned piece of the n words from a:
// the page, the offset in it and the offset in the span.
func dramSpan(a, n int64, fn func(p int, off, i, k int)) {
	for i := int64(0); i < n; {
		p, off := int((a+i)>>dramPageBits), int((a+i)&(1<<dramPageBits-1))
		k := min(int64(1<<dramPageBits-off), n-i)
		fn(p, off, int(i), int(k))
		i += k
	}
}

// dramTransfer executes dload or dstore pc (operands x) at dispatch time d;
// it returns the completion time, or a fault.
func (m *Machine) dramTransfer(pc int, steps int64, st *RunStats, x *[isa.MaxArgs]int32, d int64) (int64, *Fault) {
	e := m.exe
	if m.dram == nil {
		return 0, m.fault(pc, steps, "no off-chip memory: the target has no dram section")
	}
	r := &m.regs
	dst, src, n := int64(r[x[0]]), int64(r[x[1]]), int64(r[x[2]])
	typ := isa.IntType(x[3])
	if n < 0 {
		return 0, m.fault(pc, steps, "negative length %d", n)
	}
	load := e.code[pc].op == isa.OpDload
	ab, dr := dst, src // ABUF and DRAM addresses
	if !load {
		ab, dr = src, dst
	}
	if f := m.bufRange(pc, steps, int32(ab), n, len(m.abuf)); f != nil {
		return 0, f
	}
	if dr < 0 || dr+n > int64(e.Arch.DRAMWords) {
		return 0, m.fault(pc, steps, "DRAM address %d (+%d) outside %d words", dr, n, e.Arch.DRAMWords)
	}
	tracked := m.writer != nil
	dyn := &st.Dyn[e.src[pc]+1]
	if load {
		dramSpan(dr, n, func(p, off, i, k int) {
			out := m.abuf[int(ab)+i : int(ab)+i+k]
			if data := m.dram.data[p]; data != nil {
				copy(out, data[off:off+k])
				if tracked {
					if w := m.dram.writer[p]; w != nil {
						copy(m.writer[int(ab)+i:int(ab)+i+k], w[off:off+k])
					} else { // the image: no source computed it
						clear(m.writer[int(ab)+i : int(ab)+i+k])
					}
				}
			} else {
				clear(out)
				if tracked {
					clear(m.writer[int(ab)+i : int(ab)+i+k])
				}
			}
		})
		m.markDirty(int(ab), int(n))
		dyn[target.OpDRAMRead] += n * int64(typ.Bits())
		dyn[target.OpBufferWrite] += n
	} else {
		m.read(pc, int(ab), int(n))
		dramSpan(dr, n, func(p, off, i, k int) {
			data, w := m.dram.page(p, tracked)
			for j, v := range m.abuf[int(ab)+i : int(ab)+i+k] {
				data[off+j] = int32(typ.Clamp(int64(v)))
			}
			if tracked {
				copy(w[off:off+k], m.writer[int(ab)+i:int(ab)+i+k])
			}
		})
		dyn[target.OpDRAMWrite] += n * int64(typ.Bits())
		dyn[target.OpBufferRead] += n
	}
	if n == 0 {
		return d, nil // nothing moves: no access
	}
	c := &e.cost
	start := max(d, m.dramFree)
	end := start + c.lat[target.OpDRAMRead] + (n*int64(typ.Bits())*c.dramKbitFS+1024*1000-1)/(1024*1000)
	m.dramFree = end
	m.chargeShared(pc, e.shared.id(ResDRAM, 0), end-start)
	m.chargePort(pc, e.shared.id(ResPort, m.port), end-start)
	return end, nil
}
