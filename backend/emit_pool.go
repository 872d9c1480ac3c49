package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/backend/isa"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
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

// pool emits max_pool (on codes) and qavg_pool: per rectangle of output
// positions with one window shape, a loop over (n, oy, ox) whose body loads
// the window's pixels as channel vectors and combines them with vmax or
// vadd (then vrq with m(count) = round(2^shift / count)).
func (c *compiler) pool(n *ir.Node) error {
	x, err := c.stridedIn(n, 0)
	if err != nil {
		return err
	}
	if r := len(x.shape); r != 3 && r != 4 {
		return fmt.Errorf("rank %d pooling (want 1-D or 2-D)", r)
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	x4, y4 := as4D(x), as4D(y)
	avg := n.Op == ir.OpQAvgPool
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
	var typ isa.IntType
	var clip bool
	var shift, mode, lo, hi int64
	if avg {
		lo, hi = n.Int("lo", 0), n.Int("hi", 0)
		typ, clip = outType(lo, hi)
		shift = n.Int("shift", 0)
		if mode, err = roundMode(n.Str("round", "")); err != nil {
			return err
		}
	}
	C := xs[1]
	for _, a := range ry {
		for _, b := range rx {
			if a.hi <= a.lo || b.hi <= b.lo {
				return fmt.Errorf("a window lies entirely in the padding")
			}
			cnt := (a.hi - a.lo) * (b.hi - b.lo)
			if incl {
				cnt = a.count * b.count
			}
			if avg {
				c.bcast(6, tensor.AvgMultiplier(cnt, uint(shift)))
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
								if avg {
									c.e.emit(isa.OpVadd, 0, 0, 1)
								} else {
									c.e.emit(isa.OpVmax, 0, 0, 1)
								}
							}
							first = false
						}
					}
					if avg {
						c.e.emit(isa.OpVrq, 0, 0, vZero, 6, shift, mode, int64(typ))
						if clip {
							c.e.emit(isa.OpVclip, 0, 0, lo, hi)
						}
					}
					c.e.emit(isa.OpVst, 0, p[1], int64(ch[0]*y4.strides[1]), int64(y4.strides[1]))
				}
			})
		}
	}
	return checkStride("pooling", x4.strides[1])
}

// globalPool emits global_max_pool and qglobal_avg_pool: per image and
// channel chunk, a loop over every pixel accumulating with vmax or vadd.
func (c *compiler) globalPool(n *ir.Node) error {
	x, err := c.stridedIn(n, 0)
	if err != nil {
		return err
	}
	if r := len(x.shape); r != 3 && r != 4 {
		return fmt.Errorf("rank %d pooling (want 1-D or 2-D)", r)
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	x4, y4 := as4D(x), as4D(y)
	avg := n.Op == ir.OpQGlobalAvgPool
	xs := x4.shape
	var typ isa.IntType
	var clip bool
	var shift, mode, lo, hi int64
	if avg {
		lo, hi = n.Int("lo", 0), n.Int("hi", 0)
		typ, clip = outType(lo, hi)
		shift = n.Int("shift", 0)
		if mode, err = roundMode(n.Str("round", "")); err != nil {
			return err
		}
		c.bcast(6, tensor.AvgMultiplier(xs[2]*xs[3], uint(shift)))
	}
	chunks := c.e.chunks(xs[1])
	c.e.loopNest([]int{xs[0]}, []operand{{base: x4.base, strides: []int{x4.strides[0]}}, {base: y4.base, strides: []int{y4.strides[0]}}}, func(p []int64) {
		for _, ch := range chunks {
			c.e.setVL(ch[1])
			cs := int64(x4.strides[1])
			if avg {
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
				if avg {
					c.e.emit(isa.OpVadd, 0, 0, 1)
				} else {
					c.e.emit(isa.OpVmax, 0, 0, 1)
				}
			})
			if avg {
				c.e.emit(isa.OpVrq, 0, 0, vZero, 6, shift, mode, int64(typ))
				if clip {
					c.e.emit(isa.OpVclip, 0, 0, lo, hi)
				}
			}
			c.e.emit(isa.OpVst, 0, p[1], int64(ch[0]*y4.strides[1]), int64(y4.strides[1]))
		}
	})
	return checkStride("pooling", x4.strides[1])
}
