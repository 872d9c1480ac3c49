package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
)

// axisRun is a run of consecutive output positions along one axis whose
// windows have the same taps inside the input (tap numbers lo..hi-1) and
// the same count inside the padded input: one rectangle of such runs is one
// loop with a fixed window, so padding needs neither buffers nor unrolling
// (the interior is one big run, the borders a few small ones).
type axisRun struct {
	o0, n         int // output positions o0 .. o0+n-1
	start0        int // input index of tap 0 at o0 (may be negative)
	lo, hi, count int
}

func axisRuns(in, out, k, stride, padB, padE, dil int) []axisRun {
	var runs []axisRun
	for o := 0; o < out; o++ {
		start := o*stride - padB
		lo, hi, cnt := k, 0, 0
		for t := 0; t < k; t++ {
			i := start + t*dil
			if i >= 0 && i < in {
				lo, hi = min(lo, t), t+1
			}
			if i >= -padB && i < in+padE {
				cnt++
			}
		}
		if hi == 0 {
			lo = 0
		}
		if r := len(runs) - 1; r >= 0 && runs[r].lo == lo && runs[r].hi == hi && runs[r].count == cnt && runs[r].o0+runs[r].n == o {
			runs[r].n++
			continue
		}
		runs = append(runs, axisRun{o0: o, n: 1, start0: start, lo: lo, hi: hi, count: cnt})
	}
	return runs
}

// poolOperands returns a pool node's input and output as 4-D layouts (a 1-D
// pool is a 2-D one of height 1).
// With bandable (a windowed pool), a DRAM-resident input of batch 1 stays
// there and the output may go there (banded mode, band.go).
func (c *compiler) poolOperands(n *ir.Node, bandable bool) (x4, y4 *layout, err error) {
	x, err := c.inRaw(n, 0)
	if err != nil {
		return nil, nil, err
	}
	if !bandable || !x.dram || !x.strided() || len(x.shape) != 4 || x.shape[0] != 1 {
		if x, err = c.stridedIn(n, 0); err != nil {
			return nil, nil, err
		}
	}
	if r := len(x.shape); r != 3 && r != 4 {
		return nil, nil, fmt.Errorf("rank %d pooling (want 1-D or 2-D)", r)
	}
	var y *layout
	if bandable {
		y, err = c.outOrDRAM(n, 0)
	} else {
		y, err = c.out(n, 0)
	}
	if err != nil {
		return nil, nil, err
	}
	return as4D(x), as4D(y), nil
}

// poolReduce is what max and average pooling differ in: the vector op that
// folds a pixel (v1) into the running result (v0), and for averages the
// requantization of the sum (vrq by the count multiplier in v6, then vclip
// when the output range is narrower than its type).
type poolReduce struct {
	op                  isa.Opcode // OpVmax or OpVadd
	avg                 bool
	typ                 isa.IntType
	clip                bool
	shift, mode, lo, hi int64
}

// newPoolReduce reads the requantization attributes of an average pool.
func newPoolReduce(n *ir.Node, avg bool) (poolReduce, error) {
	if !avg {
		return poolReduce{op: isa.OpVmax}, nil
	}
	r := poolReduce{op: isa.OpVadd, avg: true, lo: n.Int("lo", 0), hi: n.Int("hi", 0), shift: n.Int("shift", 0)}
	r.typ, r.clip = outType(r.lo, r.hi)
	var err error
	r.mode, err = roundMode(n.Str("round", ""))
	return r, err
}

// fold emits v0 = v0 (op) v1.
func (r poolReduce) fold(e *emitter) { e.emit(r.op, 0, 0, 1) }

// finish requantizes an average's sum in v0 (nothing for a maximum).
func (r poolReduce) finish(e *emitter) {
	if !r.avg {
		return
	}
	e.emit(isa.OpVrq, 0, 0, vZero, 6, r.shift, r.mode, int64(r.typ))
	if r.clip {
		e.emit(isa.OpVclip, 0, 0, r.lo, r.hi)
	}
}

// pool emits max_pool (on codes) and qavg_pool: per rectangle of output
// positions with one window shape, a loop over (n, oy, ox) whose body loads
// the window's pixels as channel vectors and combines them with vmax or
// vadd (then vrq with m(count) = round(2^shift / count)).
func (c *compiler) pool(n *ir.Node) error {
	x4, y4, err := c.poolOperands(n, true)
	if err != nil {
		return err
	}
	red, err := newPoolReduce(n, n.Op == ir.OpQAvgPool)
	if err != nil {
		return err
	}
	k := n.Ints("kernel", nil)
	st, pads, dil := n.Ints("strides", nil), n.Ints("pads", nil), n.Ints("dilations", nil)
	if len(k) == 1 {
		k, st, dil = []int{1, k[0]}, []int{1, st[0]}, []int{1, dil[0]}
		pads = []int{0, pads[0], 0, pads[1]}
	}
	if len(dil) == 0 {
		dil = []int{1, 1}
	}
	xs, ys := x4.shape, y4.shape
	ry := axisRuns(xs[2], ys[2], k[0], st[0], pads[0], pads[2], dil[0])
	rx := axisRuns(xs[3], ys[3], k[1], st[1], pads[1], pads[3], dil[1])
	incl := n.Int("count_include_pad", 0) != 0
	C := xs[1]
	if x4.dram || y4.dram { // banded mode (band.go): rows of output pixels
		bp, err := c.planBands("pooling", n, x4, y4, ys[2], func(r int) int { return (r-1)*st[0] + (k[0]-1)*dil[0] + 1 })
		if err != nil {
			return err
		}
		bp.each(c, ys[2], func(oy0 int) int { return max(0, oy0*st[0]-pads[0]) }, func(b band) {
			err = c.poolRuns(red, b.x, b.y, clipRuns(ry, b.oy0, b.n, st[0]), rx, dil, st, incl, C)
		})
		bp.release(c)
		if err != nil {
			return err
		}
		return checkStride("pooling", x4.strides[1])
	}
	if err := c.poolRuns(red, x4, y4, ry, rx, dil, st, incl, C); err != nil {
		return err
	}
	return checkStride("pooling", x4.strides[1])
}

// clipRuns is the part of the row runs ry in output rows [o0, o0+n).
func clipRuns(ry []axisRun, o0, n, stride int) []axisRun {
	var out []axisRun
	for _, a := range ry {
		lo, hi := max(a.o0, o0), min(a.o0+a.n, o0+n)
		if lo >= hi {
			continue
		}
		b := a
		b.o0, b.n, b.start0 = lo, hi-lo, a.start0+(lo-a.o0)*stride
		out = append(out, b)
	}
	return out
}

// poolRuns emits the loops of a pool over the rectangles of output
// positions ry x rx (axisRuns).
func (c *compiler) poolRuns(red poolReduce, x4, y4 *layout, ry, rx []axisRun, dil, st []int, incl bool, C int) error {
	ys := y4.shape
	for _, a := range ry {
		for _, b := range rx {
			if a.hi <= a.lo || b.hi <= b.lo {
				return fmt.Errorf("a window lies entirely in the padding")
			}
			cnt := (a.hi - a.lo) * (b.hi - b.lo)
			if incl {
				cnt = a.count * b.count
			}
			if red.avg {
				c.bcast(6, tensor.AvgMultiplier(cnt, uint(red.shift)))
			}
			in := operand{base: x4.base + a.start0*x4.strides[2] + b.start0*x4.strides[3],
				strides: []int{x4.strides[0], st[0] * x4.strides[2], st[1] * x4.strides[3]}}
			out := operand{base: y4.base + a.o0*y4.strides[2] + b.o0*y4.strides[3],
				strides: []int{y4.strides[0], y4.strides[2], y4.strides[3]}}
			chunks := c.e.chunks(C)
			c.e.loopNest([]int{ys[0], a.n, b.n}, []operand{in, out}, func(p []int64) {
				for _, ch := range chunks {
					c.e.setVL(ch[1])
					first := true
					for ty := a.lo; ty < a.hi; ty++ {
						for tx := b.lo; tx < b.hi; tx++ {
							off := ty*dil[0]*x4.strides[2] + tx*dil[1]*x4.strides[3] + ch[0]*x4.strides[1]
							dst := int64(1)
							if first {
								dst = 0
							}
							c.e.emit(isa.OpVld, dst, p[0], int64(off), int64(x4.strides[1]))
							if !first {
								red.fold(c.e)
							}
							first = false
						}
					}
					red.finish(c.e)
					c.e.emit(isa.OpVst, 0, p[1], int64(ch[0]*y4.strides[1]), int64(y4.strides[1]))
				}
			})
		}
	}
	return nil
}

// globalPool emits global_max_pool and qglobal_avg_pool: per image and
// channel chunk, a loop over every pixel accumulating with vmax or vadd.
func (c *compiler) globalPool(n *ir.Node) error {
	x4, y4, err := c.poolOperands(n, false)
	if err != nil {
		return err
	}
	red, err := newPoolReduce(n, n.Op == ir.OpQGlobalAvgPool)
	if err != nil {
		return err
	}
	xs := x4.shape
	if red.avg {
		c.bcast(6, tensor.AvgMultiplier(xs[2]*xs[3], uint(red.shift)))
	}
	chunks := c.e.chunks(xs[1])
	c.e.loopNest([]int{xs[0]}, []operand{{base: x4.base, strides: []int{x4.strides[0]}}, {base: y4.base, strides: []int{y4.strides[0]}}}, func(p []int64) {
		for _, ch := range chunks {
			c.e.setVL(ch[1])
			cs := int64(x4.strides[1])
			if red.avg {
				c.e.emit(isa.OpVmov, 0, vZero)
			} else {
				c.e.emit(isa.OpVld, 0, p[0], int64(ch[0]*x4.strides[1]), cs) // max is idempotent: the loop sees it again
			}
			vl := c.e.vl
			c.e.loopNest([]int{xs[2], xs[3]}, []operand{{base: 0, strides: []int{x4.strides[2], x4.strides[3]}}}, func(q []int64) {
				c.e.emit(isa.OpAdd, q[0], q[0], p[0])
				c.e.setVL(vl)
				c.e.emit(isa.OpVld, 1, q[0], int64(ch[0]*x4.strides[1]), cs)
				c.e.emit(isa.OpSub, q[0], q[0], p[0])
				red.fold(c.e)
			})
			red.finish(c.e)
			c.e.emit(isa.OpVst, 0, p[1], int64(ch[0]*y4.strides[1]), int64(y4.strides[1]))
		}
	})
	return checkStride("pooling", x4.strides[1])
}
