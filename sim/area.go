package sim

import (
	"fmt"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// The area a program uses (issue 12; docs/ISA.md §4): the sub-arrays it
// touched with their periphery, bit-counters and accumulators; the
// controllers (with their DPUs) of its streams; the constant memory its
// constants fill (32-bit words); and the activation buffer it used, at the
// real width of the codes stored, as a buffer built for this program would
// hold them (packed, not in act_word_bits-wide words).
//
// The buffer's words are those the run left written (the compiler's
// allocator reuses the words of dead tensors, so their number is the peak
// the program needs) plus the input ports. A word's width is that of the codes its last writer stores:
//   - a source whose DPU code requantizes or clips (vrq, vclip) stores
//     codes of the widest type it produces (vrq's output type, the range of
//     vclip);
//   - else a source that accumulates or adds (vacc, gvacc, vadd, vsub),
//     loads constants (vldc), broadcasts a scalar (vbcast) or stores a
//     scalar (st) stores act_word_bits-wide words;
//   - else (vld, vst, vmax, vmin, vmov, bcopy, bfill: pooling, padding,
//     concatenation) it stores the codes it read: the widest of the
//     sources it read from in the run (its layer-graph predecessors); with
//     none, the widest input port type (it read what the host wrote), else
//     act_word_bits.
// Not modelled: a word holding a wider code earlier in the run than at its
// end (its last writer decides), the buffer's periphery (the area table has
// none), and the row-extent registers of column gating.

// codeWidths returns, per source (index src+1, 0 unattributed), the bits of
// the codes it stores by its own instructions, or 0 when it only moves codes
// it read.
func (e *Executable) codeWidths() []int {
	w := make([]int, len(e.Prog.Sources)+1)
	wide := make([]bool, len(w))
	for _, in := range e.Prog.Code {
		s := in.Src + 1
		switch in.Op {
		case isa.OpVrq:
			w[s] = max(w[s], isa.IntType(in.Args[6]).Bits())
		case isa.OpVclip:
			w[s] = max(w[s], rangeBits(in.Args[2], in.Args[3]))
		case isa.OpVacc, isa.OpGvacc, isa.OpVadd, isa.OpVsub, isa.OpVldc, isa.OpVbcast, isa.OpSt:
			wide[s] = true
		}
	}
	for s := range w {
		if w[s] == 0 && wide[s] {
			w[s] = e.Arch.ActWordBits
		}
	}
	return w
}

// rangeBits is the width of a code in [lo, hi]: unsigned when lo >= 0.
func rangeBits(lo, hi int64) int {
	b := 1
	if lo >= 0 {
		for hi>>b != 0 {
			b++
		}
		return b
	}
	for lo < -(int64(1)<<(b-1)) || hi > int64(1)<<(b-1)-1 {
		b++
	}
	return b
}

// measureBuffer counts the ABUF words the run left written by each source
// (RunStats.BufWords, index src+1): one pass over the words Reset clears.
func (m *Machine) measureBuffer(st *RunStats) {
	if m.writer == nil {
		return
	}
	st.BufWords = make([]int64, len(m.exe.Prog.Sources)+1)
	if m.dirtyHi <= m.dirtyLo {
		return
	}
	for _, w := range m.writer[m.dirtyLo:m.dirtyHi] {
		if w != 0 {
			st.BufWords[w-1]++
		}
	}
}

// bufferBits is the bits of the activation buffer a run used (BufWords at
// their code widths, plus the input ports at their types), 0 if it was not
// measured.
func (e *Executable) bufferBits(st *RunStats) int64 {
	if st.BufWords == nil {
		return 0
	}
	own := e.codeWidths()
	// the sources that only move codes take the widest width of the
	// sources they read from: iterate to a fixed point over the layer graph
	in := 0
	for _, p := range e.Prog.Ports {
		if p.Dir == isa.PortIn {
			in = max(in, p.Type.Bits())
		}
	}
	ns := len(own)
	width := make([]int, ns)
	copy(width, own)
	for range ns {
		changed := false
		for r := range ns {
			if own[r] != 0 {
				continue
			}
			w := 0
			for s := range ns {
				if s != r && hasDep(st.Deps, ns, s, r) {
					w = max(w, width[s])
				}
			}
			if w == 0 { // no device predecessor: it read what the host wrote
				w = in
			}
			if w == 0 {
				w = e.Arch.ActWordBits
			}
			if w != width[r] {
				width[r], changed = w, true
			}
		}
		if !changed {
			break
		}
	}
	var bits int64
	for s, n := range st.BufWords {
		bits += n * int64(width[s])
	}
	for i := range e.Prog.Ports {
		if p := &e.Prog.Ports[i]; p.Dir == isa.PortIn {
			bits += int64(p.Len()) * int64(e.Prog.FrameCount()) * int64(p.Type.Bits())
		}
	}
	return bits
}

// usedArea is the area the program uses (see above), by component, from
// the sub-arrays used and the buffer bits measured.
func (e *Executable) usedArea(used int, bufBits int64) []AreaItem {
	t := e.Target
	full := map[string]target.AreaItem{}
	for _, it := range t.AreaBreakdown() {
		full[it.Name] = it
	}
	n := float64(t.Subarrays())
	per := func(name string) float64 { return full[name].UM2 / n }
	u := float64(used)
	ctl := float64(len(e.Prog.StreamEntries()))
	nc := float64(t.Controllers())
	var cwords int64
	for _, c := range e.Prog.Consts {
		cwords += int64(len(c.Data))
	}
	sram := t.SRAMBitUM2()
	bits := float64(bufBits) + float64(cwords*32)
	return []AreaItem{
		{"subarray cells", u * per("subarray cells"), fmt.Sprintf("%d sub-arrays used", used)},
		{"subarray periphery", u * per("subarray periphery"), fmt.Sprintf("%d sub-arrays used", used)},
		{"bit-counters", u * per("bit-counters"), fmt.Sprintf("%d used", used)},
		{"shift-add accumulators", u * per("shift-add accumulators"), fmt.Sprintf("%d sub-arrays used", used)},
		{"DPU", ctl / nc * full["DPU"].UM2, fmt.Sprintf("%.0f of %.0f controllers' DPUs", ctl, nc)},
		{"buffers (SRAM)", bits * sram, fmt.Sprintf("%d activation bits at their code widths + %d constant words x 32 bits", bufBits, cwords)},
		{"controller", ctl / nc * full["controller"].UM2, fmt.Sprintf("%.0f of %.0f", ctl, nc)},
	}
}

// AreaLine is the last line of the report's area section: the whole chip
// and the area this program uses.
func (r *Report) AreaLine() string {
	return fmt.Sprintf("chip %.4g mm2, this program %.4g mm2 used", r.AreaTotalUM2/1e6, r.AreaUsedUM2/1e6)
}

func bufTotal(w []int64) int64 {
	var n int64
	for _, x := range w {
		n += x
	}
	return n
}
