package backend

import "github.com/pimc-dev/pimc/isa"

// Group instructions (ISA v1.5, docs/PARALLEL.md §2): gwrp, gbmac and gvacc
// do on n consecutive sub-arrays of one bank what wrp, bmac and vacc do on
// one. The matrix emitter lists its per-sub-array operations as before and
// groupRuns coalesces them: a run of operations on consecutive sub-arrays
// that agree on their other operands is one group instruction, a run of
// one is the single-sub-array form. On a serial target (no group
// instructions) every run has length 1, so the program is the per-sub-array
// one.

// groupMax is the most sub-arrays one group instruction drives on the
// target: parallel.group_subarrays, 1 on a serial target.
func (e *emitter) groupMax() int { return max(1, e.arch.GroupSubarrays) }

// groupRuns splits items 0..n-1 into runs [i, j): items on consecutive
// sub-arrays (sa(k) = sa(k-1)+1) of one bank, at most groupMax long, where
// join(i, k) accepts item k into the run starting at item i.
func (e *emitter) groupRuns(n int, sa func(k int) int, join func(i, k int) bool) [][2]int {
	bank := e.arch.SubarraysPerBank()
	var out [][2]int
	for i := 0; i < n; {
		j := i + 1
		for j < n && j-i < e.groupMax() && sa(j) == sa(j-1)+1 && sa(j)/bank == sa(i)/bank && join(i, j) {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// groupBases holds the registers with the first sub-array of group
// instructions (their sub-array operand is a register, [ra], with no
// offset): the bases a layer uses most are loaded once before its pixel
// loop; any other is loaded into a scratch register right before its
// instruction.
type groupBases struct {
	e    *emitter
	regs map[int]int64
}

// keepFree is the number of scalar registers a matrix layer's loops need
// besides its group bases (pointers, loop counters, filter loop, the
// sub-array base register and a scratch register).
const keepFree = 12

// hoist loads the given first sub-arrays (most used first) into registers
// while enough registers stay free for the loops.
func (g *groupBases) hoist(sas []int) {
	g.regs = map[int]int64{}
	for _, sa := range sas {
		if g.e.freeRegs() <= keepFree {
			return
		}
		if _, ok := g.regs[sa]; ok || sa == 0 {
			continue
		}
		r := g.e.reg()
		g.e.emit(isa.OpLi, r, int64(sa))
		g.regs[sa] = r
	}
}

// reg returns a register holding sa (r0 for sub-array 0) and a function
// releasing it.
func (g *groupBases) reg(sa int) (int64, func()) {
	if r, ok := g.regs[sa]; ok || sa == 0 {
		return r, func() {}
	}
	r := g.e.reg()
	g.e.emit(isa.OpLi, r, int64(sa))
	return r, func() { g.e.free(r) }
}

// holdMin is the number of scalar registers hold leaves free: the scratch
// register reg loads a base it does not hold into, and one to spare.
const holdMin = 2

// hold loads the given first sub-arrays that are not hoisted into
// registers for a stretch of code that uses each of them many times (a
// round's gbmacs: one per plane pair), while more than holdMin registers
// stay free, so that the stretch loads each base once instead of before
// every instruction; reg returns the held registers until the returned
// function releases them. Consecutive gbmacs over the same base register
// are also what the simulator executes as one run (sim/gbmacrun.go).
func (g *groupBases) hold(sas []int) func() {
	if g.regs == nil {
		g.regs = map[int]int64{}
	}
	var held []int
	for _, sa := range sas {
		if _, ok := g.regs[sa]; ok || sa == 0 || g.e.freeRegs() <= holdMin {
			continue
		}
		r := g.e.reg()
		g.e.emit(isa.OpLi, r, int64(sa))
		g.regs[sa] = r
		held = append(held, sa)
	}
	return func() {
		for _, sa := range held {
			g.e.free(g.regs[sa])
			delete(g.regs, sa)
		}
	}
}

// release frees the hoisted registers.
func (g *groupBases) release() {
	for _, r := range g.regs {
		g.e.free(r)
	}
}
