package backend

import (
	"fmt"
	"slices"
	"sort"

	"github.com/pimc-dev/pimc/isa"
)

// layout says where the elements of a tensor live in the activation buffer.
// The physical part is a strided array: element p (a multi-index over
// phys) is at base + sum p[d]*strides[d]. The logical shape may differ from
// phys (a reshape of a strided array is free to describe: logical element i
// is physical element i in row-major order), so data-movement ops on codes
// cost nothing until a consumer needs the data strided in its own shape.
//
// margin[d] is the number of zero cells available before and after every
// index of physical dim d (zero-bordered buffers for convolution padding);
// nothing is ever written there, and ABUF is zero after reset.
type layout struct {
	// dram: the words are DRAM words (banded mode, band.go); then reg is
	// the value's DRAM region and base a DRAM address.
	dram    bool
	reg     *region // the buffer words it lives in (shared by views)
	base    int
	phys    []int
	strides []int
	margin  []int
	shape   []int // logical shape
}

// strided reports whether the logical shape is the physical one.
func (l *layout) strided() bool { return slices.Equal(l.shape, l.phys) }

// addr is the address of logical element i (row-major in l.shape).
func (l *layout) addr(i int) int {
	a := l.base
	for d := len(l.phys) - 1; d >= 0; d-- {
		n := l.phys[d]
		a += (i % n) * l.strides[d]
		i /= n
	}
	return a
}

// view returns l seen with a new logical shape of the same size. When the
// dims other than 1 agree in order the result is strided again (size-1 dims
// get stride 0 and no margin), so squeeze/unsqueeze stay strided.
func (l *layout) view(shape []int) *layout {
	v := &layout{dram: l.dram, reg: l.reg, base: l.base, phys: l.phys, strides: l.strides, margin: l.margin, shape: slices.Clone(shape)}
	var pd, sd []int
	for d, n := range l.phys {
		if n != 1 {
			pd = append(pd, d)
		}
	}
	for d, n := range shape {
		if n != 1 {
			sd = append(sd, d)
		}
	}
	if len(pd) != len(sd) {
		return v
	}
	for i := range pd {
		if l.phys[pd[i]] != shape[sd[i]] {
			return v
		}
	}
	v.phys = slices.Clone(shape)
	v.strides = make([]int, len(shape))
	v.margin = make([]int, len(shape))
	for i := range pd {
		v.strides[sd[i]] = l.strides[pd[i]]
		v.margin[sd[i]] = l.margin[pd[i]]
	}
	return v
}

// transpose permutes a strided layout (out dim i = in dim perm[i]).
func (l *layout) transpose(perm []int) *layout {
	t := &layout{dram: l.dram, reg: l.reg, base: l.base}
	for _, p := range perm {
		t.phys = append(t.phys, l.phys[p])
		t.strides = append(t.strides, l.strides[p])
		t.margin = append(t.margin, l.margin[p])
	}
	t.shape = slices.Clone(t.phys)
	return t
}

// slice restricts a strided layout to [start, start+n) along dim d.
func (l *layout) slice(d, start, n int) *layout {
	s := &layout{dram: l.dram, reg: l.reg, base: l.base + start*l.strides[d], phys: slices.Clone(l.phys), strides: l.strides, margin: make([]int, len(l.phys))}
	copy(s.margin, l.margin)
	s.margin[d] = 0
	s.phys[d] = n
	s.shape = slices.Clone(s.phys)
	return s
}

// step views a strided [N,C,spatial...] layout as the cells at multiples
// of steps[i] along spatial dim 2+i, shape in (the zero_insert input's
// shape): the strides grow, the margins do not apply.
func (l *layout) step(in []int, steps []int) *layout {
	s := &layout{dram: l.dram, reg: l.reg, base: l.base, phys: slices.Clone(in), strides: slices.Clone(l.strides), margin: make([]int, len(l.phys))}
	for i, st := range steps {
		s.strides[2+i] *= st
	}
	s.shape = slices.Clone(s.phys)
	return s
}

// canonicalOrder is the physical dim order of a fresh buffer for a logical
// shape: NHWC for [N,C,spatial...] (channels innermost, so one pixel is one
// DPU vector and a convolution patch row is one contiguous run), row-major
// for rank <= 2.
func canonicalOrder(rank int) []int {
	ord := make([]int, 0, rank)
	if rank <= 2 {
		for d := 0; d < rank; d++ {
			ord = append(ord, d)
		}
		return ord
	}
	ord = append(ord, 0)
	for d := 2; d < rank; d++ {
		ord = append(ord, d)
	}
	return append(ord, 1)
}

// portShape is the physical (canonical) shape of a port holding a tensor of
// logical shape s.
func portShape(s []int) []int {
	var out []int
	for _, d := range canonicalOrder(len(s)) {
		out = append(out, s[d])
	}
	return out
}

// region is a range of activation-buffer words; dirty (free regions only)
// when something was written there since the last reset.
type region struct {
	start, size int
	dirty       bool
	dram        bool // DRAM words (band.go): never freed
}

// abuf allocates the activation buffer: first fit in free space (values die
// after their last reader), else the never-used top. Words above top are
// still zero from reset, and so are the free gaps a segment starts with;
// freed words are dirty, so a buffer that needs zero cells (margins, pad)
// placed there is cleared with bfill (clean space is preferred for it).
type abuf struct {
	size, top int
	free      []region // sorted by start, coalesced
	// log, when set, receives every region taken (a window stage's frame
	// loop: its frame stores avoid them, window.go).
	log *[]region
}

// takeOutside takes n words that overlap none of avoid: first fit in the
// free space less avoid, else the never-used top (above everything ever
// taken).
func (b *abuf) takeOutside(n int, avoid []region) (int, bool) {
	for _, f := range b.free {
		for a := f.start; a+n <= f.start+f.size; {
			clash := -1
			for _, r := range avoid {
				if a < r.start+r.size && r.start < a+n {
					clash = max(clash, r.start+r.size)
				}
			}
			if clash < 0 {
				b.carve(a, n)
				return a, true
			}
			a = clash
		}
	}
	if b.top+n > b.size {
		return 0, false
	}
	b.top += n
	return b.top - n, true
}

// carve removes [a, a+n) from the free block holding it.
func (b *abuf) carve(a, n int) {
	for i, f := range b.free {
		if a < f.start || a+n > f.start+f.size {
			continue
		}
		var rest []region
		if a > f.start {
			rest = append(rest, region{start: f.start, size: a - f.start, dirty: f.dirty})
		}
		if end := f.start + f.size; a+n < end {
			rest = append(rest, region{start: a + n, size: end - a - n, dirty: f.dirty})
		}
		b.free = slices.Replace(b.free, i, i+1, rest...)
		return
	}
}

func (b *abuf) take(n int, preferClean bool) (start int, dirty bool, ok bool) {
	for pass := 0; pass < 2; pass++ {
		if pass == 1 && preferClean && b.top+n <= b.size {
			break // no clean gap: fresh words
		}
		for i, f := range b.free {
			if f.size >= n && (!preferClean || pass == 1 || !f.dirty) {
				b.free[i].start += n
				b.free[i].size -= n
				if b.free[i].size == 0 {
					b.free = append(b.free[:i], b.free[i+1:]...)
				}
				if b.log != nil {
					*b.log = append(*b.log, region{start: f.start, size: n})
				}
				return f.start, f.dirty, true
			}
		}
	}
	if b.top+n > b.size {
		return 0, false, false
	}
	b.top += n
	if b.log != nil {
		*b.log = append(*b.log, region{start: b.top - n, size: n})
	}
	return b.top - n, false, true
}

func (b *abuf) release(r *region) {
	i := sort.Search(len(b.free), func(i int) bool { return b.free[i].start > r.start })
	b.free = slices.Insert(b.free, i, region{start: r.start, size: r.size, dirty: true})
	// Coalesce with the neighbours. A block ending at top stays a free
	// block below it: the words above top are the zero ones (never
	// taken), and these are dirty.
	if i+1 < len(b.free) && b.free[i].start+b.free[i].size == b.free[i+1].start {
		b.free[i].size += b.free[i+1].size
		b.free[i].dirty = b.free[i].dirty || b.free[i+1].dirty
		b.free = slices.Delete(b.free, i+1, i+2)
	}
	if i > 0 && b.free[i-1].start+b.free[i-1].size == b.free[i].start {
		b.free[i-1].size += b.free[i].size
		b.free[i-1].dirty = b.free[i-1].dirty || b.free[i].dirty
		b.free = slices.Delete(b.free, i, i+1)
	}
}

// alloc returns a fresh canonical layout of logical shape s with margin[d]
// zero cells around every index of dim d; zero asks for the whole buffer to
// read as zero (margins and pad need it).
func (c *compiler) alloc(s []int, margin []int, zero bool) (*layout, error) {
	return c.allocFill(s, margin, zero, 0)
}

// allocFill is alloc with every word of the buffer set to fill when fill
// is not 0 (a bfill of the whole buffer: the margins hold the code of real
// 0 of affine codes, docs/QUANT.md §11).
func (c *compiler) allocFill(s []int, margin []int, zero bool, fill int64) (*layout, error) {
	rank := len(s)
	if margin == nil {
		margin = make([]int, rank)
	}
	for _, m := range margin {
		zero = zero || m > 0
	}
	ord := canonicalOrder(rank)
	l := &layout{phys: slices.Clone(s), shape: slices.Clone(s), strides: make([]int, rank), margin: slices.Clone(margin)}
	stride := 1
	off := 0
	for i := rank - 1; i >= 0; i-- {
		d := ord[i]
		l.strides[d] = stride
		off += margin[d] * stride
		stride *= s[d] + 2*margin[d]
	}
	start, dirty, ok := c.buf.take(stride, zero)
	if !ok {
		return nil, fmt.Errorf("%w: a tensor of shape %v needs %d words, %d of the target's %d (act_buffer_words) are in use by live values", errBufferFull, s, stride, c.buf.top-c.freeWords(), c.buf.size)
	}
	// In a pipelined stage's frame loop every word may hold the previous
	// frame's data: a buffer that needs zero cells is always cleared.
	if fill != 0 || (zero && (dirty || c.pipe != nil)) {
		ra, rl, rv := c.e.reg(), c.e.reg(), int64(0)
		c.e.emit(isa.OpLi, ra, int64(start))
		c.e.emit(isa.OpLi, rl, int64(stride))
		if fill != 0 {
			rv = c.e.reg()
			c.e.emit(isa.OpLi, rv, fill)
			defer c.e.free(rv)
		}
		c.e.emit(isa.OpBfill, ra, rl, rv)
		c.e.free(ra, rl)
	}
	l.reg = &region{start: start, size: stride}
	l.base = start + off
	return l, nil
}

func (c *compiler) freeWords() int {
	n := 0
	for _, f := range c.buf.free {
		n += f.size
	}
	return n
}

// isCanonical reports whether l is a fresh canonical contiguous layout
// (what a port needs).
func (l *layout) isCanonical() bool {
	if !l.strided() {
		return false
	}
	ord := canonicalOrder(len(l.shape))
	stride := 1
	for i := len(ord) - 1; i >= 0; i-- {
		d := ord[i]
		if l.shape[d] != 1 && l.strides[d] != stride {
			return false
		}
		stride *= l.shape[d]
	}
	return true
}

// PortShape is the shape of the port holding a tensor of logical (ONNX)
// shape s: NHWC for [N,C,spatial...], unchanged for rank <= 2.
func PortShape(s []int) []int { return portShape(s) }

// ToPortOrder returns the elements of a logical tensor (row-major in shape
// s) in port order (row-major in PortShape(s)); FromPortOrder inverts it.
func ToPortOrder(s []int, logical []int64) []int64 {
	out := make([]int64, len(logical))
	permute(s, func(li, pi int) { out[pi] = logical[li] })
	return out
}

// FromPortOrder is the inverse of ToPortOrder.
func FromPortOrder(s []int, port []int64) []int64 {
	out := make([]int64, len(port))
	permute(s, func(li, pi int) { out[li] = port[pi] })
	return out
}

// permute calls f(logical index, port index) for every element.
func permute(s []int, f func(li, pi int)) {
	ord := canonicalOrder(len(s))
	ps := portShape(s)
	// pstride[d]: stride of logical dim d in the port buffer.
	pstride := make([]int, len(s))
	st := 1
	for i := len(ord) - 1; i >= 0; i-- {
		pstride[ord[i]] = st
		st *= ps[i]
	}
	n := 1
	for _, d := range s {
		n *= d
	}
	idx := make([]int, len(s))
	for li := 0; li < n; li++ {
		pi := 0
		for d := range s {
			pi += idx[d] * pstride[d]
		}
		f(li, pi)
		for d := len(s) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < s[d] {
				break
			}
			idx[d] = 0
		}
	}
}
