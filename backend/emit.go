package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/isa"
)

// emitter wraps the isa.Builder with a scalar register allocator and the
// loop-nest helper every op uses. Pixel loops are dbnz loops with
// register-relative addressing, never unrolled (docs/BACKEND.md §3).
type emitter struct {
	b    *isa.Builder
	arch isa.Arch
	used uint32 // bit r set: scalar register r in use (r0 always)
	// vlFull reports whether VL is known to be dpu_lanes (at program start).
	vl int
}

func newEmitter(b *isa.Builder, arch isa.Arch) *emitter {
	return &emitter{b: b, arch: arch, used: 1, vl: arch.DPULanes}
}

// reg allocates a scalar register.
func (e *emitter) reg() int64 {
	for r := 1; r < isa.NumRegs; r++ {
		if e.used&(1<<r) == 0 {
			e.used |= 1 << r
			return int64(r)
		}
	}
	panic("BUG: backend: out of scalar registers")
}

// freeRegs is the number of scalar registers not in use.
func (e *emitter) freeRegs() int {
	n := 0
	for r := 1; r < isa.NumRegs; r++ {
		if e.used&(1<<r) == 0 {
			n++
		}
	}
	return n
}

func (e *emitter) free(rs ...int64) {
	for _, r := range rs {
		e.used &^= 1 << r
	}
}

func (e *emitter) emit(op isa.Opcode, args ...int64) { e.b.Emit(op, args...) }

// setVL emits setvl when VL differs from n.
func (e *emitter) setVL(n int) {
	if e.vl != n {
		e.emit(isa.OpSetvl, 0, int64(n))
		e.vl = n
	}
}

// forgetVL makes the next setVL emit (after a loop whose body changes VL,
// the value at the loop head is unknown).
func (e *emitter) forgetVL() { e.vl = -1 }

// operand is one pointer walked by a loop nest: its address at index 0 and
// its stride per loop dim.
type operand struct {
	base    int
	strides []int
}

// loopNest emits nested counted loops over dims (outermost first, dims of
// size 1 skipped) with one pointer register per operand, and calls body
// with those registers (their current value is the operand's address at
// the current index). The body may allocate registers and must free them.
func (e *emitter) loopNest(dims []int, ops []operand, body func(ptrs []int64)) {
	ptrs := make([]int64, len(ops))
	for i, o := range ops {
		ptrs[i] = e.reg()
		e.emit(isa.OpLi, ptrs[i], int64(o.base))
	}
	var level func(d int)
	level = func(d int) {
		if d == len(dims) {
			body(ptrs)
			return
		}
		if dims[d] == 1 {
			level(d + 1)
			return
		}
		c := e.reg()
		e.emit(isa.OpLi, c, int64(dims[d]))
		top := e.b.NewLabel("L")
		e.b.Label(top)
		// The body runs with the VL left by its own previous iteration, so
		// its first setVL must always be emitted.
		saved := e.vl
		e.forgetVL()
		level(d + 1)
		if e.vl == -1 {
			e.vl = saved
		}
		for i, o := range ops {
			if s := o.strides[d]; s != 0 {
				e.emit(isa.OpAddi, ptrs[i], ptrs[i], int64(s))
			}
		}
		e.b.Branch(isa.OpDbnz, top, c)
		if d > 0 {
			for i, o := range ops {
				if s := o.strides[d]; s != 0 {
					e.emit(isa.OpAddi, ptrs[i], ptrs[i], -int64(s*dims[d]))
				}
			}
		}
		e.free(c)
	}
	level(0)
	e.free(ptrs...)
}

// chunks splits n lanes into DPU-sized pieces [start, start+len).
func (e *emitter) chunks(n int) [][2]int {
	var out [][2]int
	for s := 0; s < n; s += e.arch.DPULanes {
		out = append(out, [2]int{s, min(e.arch.DPULanes, n-s)})
	}
	return out
}

// checkStride reports a vector stride that does not fit the S16 field.
func checkStride(what string, s int) error {
	if s < -(1<<15) || s >= 1<<15 {
		return fmt.Errorf("%s: vector stride %d does not fit the ISA's 16-bit field", what, s)
	}
	return nil
}

// outType is the ISA type of codes in [lo, hi] and whether a vclip must
// follow the vrq because [lo, hi] is narrower than the type.
func outType(lo, hi int64) (isa.IntType, bool) {
	if lo >= 0 {
		for b := 1; b <= 31; b++ {
			if hi <= 1<<b-1 {
				return isa.MakeIntType(b, false), lo != 0 || hi != 1<<b-1
			}
		}
		return isa.MakeIntType(32, true), true
	}
	for b := 2; b <= 32; b++ {
		l, h := -(int64(1) << (b - 1)), int64(1)<<(b-1)-1
		if lo >= l && hi <= h {
			return isa.MakeIntType(b, true), lo != l || hi != h
		}
	}
	return isa.MakeIntType(32, true), true
}

// roundMode maps the IR's round attribute to the ISA M field.
func roundMode(s string) (int64, error) {
	switch s {
	case "up":
		return 0, nil
	case "away":
		return 1, nil
	case "even":
		return 2, nil
	case "floor":
		return 3, nil
	}
	return 0, fmt.Errorf("round mode %q (want up, away, even or floor)", s)
}
