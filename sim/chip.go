package sim

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"sync"
)

// Device non-idealities (docs/FAULTS.md). A Chip is one instance of a
// FaultSpec for an Executable: its seed fixes which cells are stuck and
// which weight bits were programmed wrong; a machine running on it (SetChip)
// also draws write errors on every wrp/gwrp and sense errors on every
// two-row sense, from streams named by the seed and the run's key
// (SetFaultKey: the image index) and nothing else, so the results are the
// same for any number of machines or goroutines. Faults act on the bits the
// machine stores and senses: the weight rows it loads, the rows it writes,
// the sense latch and so the bit count; timing and energy are unchanged.
//
// A machine without a chip runs the ideal device exactly as before (the
// only cost is a nil test per write and per register-addressed bmac). One
// with sense errors takes the per-instruction bmac and gbmac paths (the
// fast paths, bmacstatic.go, bmacreg.go and gbmacrun.go, sense without
// errors) — slower, but only when asked.

// Chip is one chip instance of a fault model. It is safe for concurrent
// use by machines of its Executable.
type Chip struct {
	Spec FaultSpec
	Seed uint64

	exe          *Executable
	write, stuck *binom    // per row of cols bits; nil: rate 0
	and, or      [3]*binom // per class of a sense (target.SenseRates); nil: rate 0
	senses       bool

	mu  sync.Mutex
	sas map[int]*chipSA // per sub-array, made on first use
}

// chipSA is what a chip instance fixes for one sub-array.
type chipSA struct {
	stuckMask, stuckVal []uint64 // rows*words like subarray.bits; nil: no stuck cell
	weights             []uint64 // the weight image as programmed (nil: none)
}

// NewChip returns chip instance seed of spec on e's target (which gives
// the sense rates of a sense=target spec).
func (e *Executable) NewChip(spec FaultSpec, seed uint64) (*Chip, error) {
	if err := spec.resolve(e.Target); err != nil {
		return nil, err
	}
	cols := e.Arch.Cols
	c := &Chip{Spec: spec, Seed: seed, exe: e, sas: map[int]*chipSA{}}
	tab := func(p float64) *binom {
		if p <= 0 {
			return nil
		}
		return newBinom(cols, p)
	}
	c.write, c.stuck = tab(spec.Write), tab(spec.Stuck)
	for k := range c.and {
		c.and[k], c.or[k] = tab(spec.And[k]), tab(spec.Or[k])
		c.senses = c.senses || c.and[k] != nil || c.or[k] != nil
	}
	return c, nil
}

// subarray returns what the chip fixes for sub-array s.
func (c *Chip) subarray(s int) *chipSA {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs := c.sas[s]; cs != nil {
		return cs
	}
	e := c.exe
	words, cols := e.words, e.Arch.Cols
	cs := &chipSA{weights: e.wbits[s]}
	var seen [maxCols / 64]uint64
	if c.stuck != nil {
		r := stream(c.Seed, domStuck, uint64(s), 0)
		mask := make([]uint64, e.Arch.Rows*words)
		val := make([]uint64, len(mask))
		any := false
		for row := range e.Arch.Rows {
			o := row * words
			if k := c.stuck.draw(&r, cols); k > 0 {
				flipRandom(mask[o:o+words], nil, cols, k, &r, seen[:words])
				for w := range words {
					val[o+w] = r.Uint64() & mask[o+w] // stuck at 1 or 0, equally likely
				}
				any = true
			}
		}
		if any {
			cs.stuckMask, cs.stuckVal = mask, val
		}
	}
	if cs.weights != nil && c.Spec.Cells != CellsInputs && (c.write != nil || cs.stuckMask != nil) {
		img := append([]uint64(nil), cs.weights...)
		def := e.wdefined[s]
		r := stream(c.Seed, domProgram, uint64(s), 0)
		for row := range e.Arch.Rows {
			if def[row/64]>>(row%64)&1 == 0 {
				continue
			}
			dst := img[row*words : row*words+words]
			if c.write != nil {
				if k := c.write.draw(&r, cols); k > 0 {
					flipRandom(dst, nil, cols, k, &r, seen[:words])
				}
			}
			cs.applyStuck(dst, row, words)
		}
		cs.weights = img
	}
	c.sas[s] = cs
	return cs
}

// applyStuck forces the stuck cells of row `row` in dst.
func (cs *chipSA) applyStuck(dst []uint64, row, words int) {
	if cs.stuckMask == nil {
		return
	}
	o := row * words
	for w := range dst {
		dst[w] = dst[w]&^cs.stuckMask[o+w] | cs.stuckVal[o+w]
	}
}

// flipRandom inverts k distinct bits of dst chosen uniformly among the n
// bits set in class (nil: among bits [0, n)); seen is a zeroed scratch
// bitmap of len(dst) words, zeroed again on return. It returns the change
// of dst's bit count.
func flipRandom(dst, class []uint64, n, k int, r *rand.PCG, seen []uint64) int {
	delta := 0
	for done := 0; done < k; {
		i := int(below(r, uint64(n)))
		if class != nil {
			i = selectBit(class, i)
		}
		w, b := i/64, uint64(1)<<(i%64)
		if seen[w]&b != 0 {
			continue
		}
		seen[w] |= b
		dst[w] ^= b
		if dst[w]&b != 0 {
			delta++
		} else {
			delta--
		}
		done++
	}
	clear(seen)
	return delta
}

// selectBit returns the index of the i-th (from 0) set bit of ws.
func selectBit(ws []uint64, i int) int {
	for w, x := range ws {
		n := bits.OnesCount64(x)
		if i >= n {
			i -= n
			continue
		}
		for ; i > 0; i-- {
			x &= x - 1
		}
		return w*64 + bits.TrailingZeros64(x)
	}
	panic("BUG: sim: selectBit past the last set bit")
}

// faultRun is a machine's state on a chip: the chip, the key and run count
// naming the current run's streams, and scratch.
type faultRun struct {
	chip      *Chip
	key, runs uint64
	wr, se    rand.PCG
	sas       []*chipSA // by sub-array, nil until used
	seen      [maxCols / 64]uint64
	class     [maxCols / 64]uint64
	lastMask  uint64 // valid columns of a row's last word
}

// SetChip makes the machine run on chip c (nil: the ideal device), made by
// the machine's Executable, and returns it to the post-load state of that
// chip (its weight image as programmed there).
func (m *Machine) SetChip(c *Chip) error {
	if c != nil && c.exe != m.exe {
		return fmt.Errorf("sim: SetChip: the chip was made for another executable")
	}
	m.flt, m.senseOn = nil, false
	if c != nil && c.Spec.Active() {
		m.flt = &faultRun{chip: c, sas: make([]*chipSA, len(m.sas)), lastMask: ^uint64(0)}
		if r := m.exe.Arch.Cols % 64; r != 0 {
			m.flt.lastMask = 1<<r - 1
		}
		m.senseOn = c.senses
	}
	// Sub-arrays reload their weight image from the new chip.
	for _, s := range m.touched {
		m.sas[s] = nil
	}
	m.touched = m.touched[:0]
	m.Reset()
	return nil
}

// Chip returns the chip the machine runs on (nil: the ideal device).
func (m *Machine) Chip() *Chip {
	if m.flt == nil {
		return nil
	}
	return m.flt.chip
}

// SetFaultKey names the image whose runs follow: the write and sense
// errors of its k-th run on this machine come from streams of (seed, key,
// k). Callers pass the image's index in the batch, so an image meets the
// same errors whichever machine runs it. A no-op on the ideal device.
func (m *Machine) SetFaultKey(key uint64) {
	if m.flt != nil {
		m.flt.key, m.flt.runs = key, 0
	}
}

// beginRun seeds the streams of the next run.
func (fr *faultRun) beginRun() {
	c := fr.chip
	fr.wr = stream(c.Seed, domWrite, fr.key, fr.runs)
	fr.se = stream(c.Seed, domSense, fr.key, fr.runs)
	fr.runs++
}

// chipSA returns the chip's state of sub-array s.
func (fr *faultRun) chipSA(s int) *chipSA {
	cs := fr.sas[s]
	if cs == nil {
		cs = fr.chip.subarray(s)
		fr.sas[s] = cs
	}
	return cs
}

// weightImage is the weight image sub-array s loads: the program's, or the
// chip's as programmed.
func (m *Machine) weightImage(s int) []uint64 {
	if m.flt == nil {
		return m.exe.wbits[s]
	}
	return m.flt.chipSA(s).weights
}

// written applies the write errors and stuck cells of sub-array s to row
// `row`, which a wrp or gwrp has just written (dst).
func (fr *faultRun) written(dst []uint64, s, row int) {
	c := fr.chip
	if c.Spec.Cells == CellsWeights {
		return
	}
	if c.write != nil {
		cols := c.exe.Arch.Cols
		if k := c.write.draw(&fr.wr, cols); k > 0 {
			flipRandom(dst, nil, cols, k, &fr.wr, fr.seen[:len(dst)])
		}
	}
	fr.chipSA(s).applyStuck(dst, row, len(dst))
}

// misread applies the sense errors of a two-row sense of rows a and b
// (or: an OR sense, else AND) to latch, and returns the change of the
// latch's bit count. shift is the bmac's (the weight of the product), -1
// for and/or.
func (fr *faultRun) misread(latch, a, b []uint64, or bool, shift int) int {
	c := fr.chip
	if sp := &c.Spec; sp.shiftSet && (shift < sp.ShiftLo || shift > sp.ShiftHi) {
		return 0
	}
	tabs := &c.and
	if or {
		tabs = &c.or
	}
	words := len(latch)
	cls := fr.class[:words]
	delta := 0
	for k, t := range tabs {
		if t == nil {
			continue
		}
		n := 0
		for w := range cls {
			var x uint64
			switch k {
			case 2:
				x = a[w] & b[w]
			case 1:
				x = a[w] ^ b[w]
			default:
				x = ^(a[w] | b[w])
			}
			cls[w] = x
		}
		cls[words-1] &= fr.lastMask
		for _, x := range cls {
			n += bits.OnesCount64(x)
		}
		if n == 0 {
			continue
		}
		if e := t.draw(&fr.se, n); e > 0 {
			delta += flipRandom(latch, cls, n, e, &fr.se, fr.seen[:words])
		}
	}
	return delta
}
