package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Several streams (ISA v1.5, docs/PARALLEL.md §2 and §5). Stream i runs on
// controller i with its own pc, scalar, vector and patch registers, VL,
// issue clock and DPU; the controllers share the sub-arrays, the
// activation buffer (buffer_ports ports, controller c on port portOf(c)),
// the constant memory and the token counters.
//
// The streams execute in timing order: the scheduler always runs the
// runnable stream with the smallest issue time, and lets it run while its
// issue time stays at or below the next smallest one (exec yields at the
// top of its loop, and after a tsig, which may wake another stream). A
// twait that no pending signal satisfies parks its stream; a tsig of that
// token makes it runnable again, and the twait then dispatches when the
// signal is visible. When every live stream is parked the program is
// deadlocked: a fault names each stream and its token. halt ends a stream;
// the run ends when every stream has halted, its latency is the last halt.
//
// The machine keeps the running controller's state in its own fields
// (regs, vregs, ...), so exec is the same loop for one stream and for
// many; switching controllers swaps that state with ctlState. The patch
// plane cache is not saved: it is invalidated on a switch.
//
// Links: controller c is local to bank b when floor(b*C/B) == c or
// floor(c*B/C) == b (C controllers, B banks: with C == B controller c owns
// bank c; with fewer controllers each owns consecutive banks, with more
// they share a bank). An instruction of a program with streams that
// reaches a sub-array of a non-local bank, or an activation-buffer port
// whose bank (port p sits at bank floor(p*B/P)) is not local, pays one link
// hop: the link latency before it dispatches, and link energy per word
// moved (a row for wrp/gwrp, the accumulators for vacc/gvacc, the buffer
// words for buffer instructions, one command word otherwise). A program
// without a streams section runs on controller 0 as the serial machine
// did, reaching every bank over the bank-wide bus at no link cost, so its
// timing and energy are unchanged.

// ctlState is the state of one controller while another one runs.
type ctlState struct {
	pc     int
	regs   [isa.NumRegs + 1]int32
	vl     int
	vregs  [isa.NumVRegs][]int32
	patch  [isa.NumPatchRegs][]int32
	pext   [isa.NumPatchRegs]int32
	tm     timing
	issued int64 // instructions issued by the controller in its past slices
	halted bool
	parked bool  // waiting in twait for token tok
	tok    int32 // the token a parked stream waits for
}

// errYield and errParked end a slice of exec for the scheduler: another
// stream's turn, or a twait with no pending signal.
var (
	errYield  = errors.New("sim: yield")
	errParked = errors.New("sim: parked")
)

// streamSetup sizes the per-controller state of a program with several
// streams (NewMachine).
func (m *Machine) streamSetup() {
	e := m.exe
	n := len(e.Prog.Streams)
	m.lim = math.MaxInt64
	if n <= 1 {
		return
	}
	a := e.Arch
	m.multi = true
	m.ctls = make([]ctlState, n)
	for i := range m.ctls {
		c := &m.ctls[i]
		for v := range c.vregs {
			c.vregs[v] = make([]int32, a.DPULanes)
		}
		for p := range c.patch {
			c.patch[p] = make([]int32, a.Cols)
		}
	}
	m.ports = make([]int64, e.bufferPorts())
	m.links = make([]bankLink, max(e.Arch.Banks, 1))
}

// portOf is the activation-buffer port controller c uses: floor(c x P / C)
// of P ports and C controllers. With P = C it is port c, in c's own bank.
// With fewer ports, consecutive controllers share one. With more ports, it
// is the first of the ports in c's own banks (a controller issues one
// buffer access at a time). Port p sits at bank floor(p x B / P): until s12,
// controller c used port c mod P, which for P > C put most controllers'
// ports in other banks, behind a link, so more ports made programs slower.
func (m *Machine) portOf(c int) int {
	return c * len(m.ports) / max(m.exe.Arch.NumControllers(), 1)
}

// bufferPorts is the number of activation-buffer ports.
func (e *Executable) bufferPorts() int {
	if p := e.Target.Parallel; p != nil {
		return int(p.BufferPorts.Value)
	}
	return 1
}

// streamReset returns every controller to the post-load state (Reset):
// zero registers, VL = dpu_lanes, pc at its stream's entry.
func (m *Machine) streamReset() {
	entries := m.exe.Prog.StreamEntries()
	m.pc, m.steps, m.cur, m.port = int(entries[0]), 0, 0, 0
	if !m.multi {
		return
	}
	// The machine's fields hold controller m.cur's state (Reset cleared
	// them); the others are cleared here.
	m.cur, m.port = 0, 0
	for i := range m.ctls {
		c := &m.ctls[i]
		c.pc, c.regs, c.vl, c.pext, c.tm = int(entries[i]), [isa.NumRegs + 1]int32{}, m.exe.Arch.DPULanes, [isa.NumPatchRegs]int32{}, timing{}
		for _, v := range c.vregs {
			clear(v)
		}
		for _, p := range c.patch {
			clear(p)
		}
		c.halted, c.parked, c.issued = false, false, 0
	}
	m.loaded = -1
	clear(m.ports)
	clear(m.links)
}

// switchTo makes controller c the running one: the machine's controller
// fields hold its state, tm.bufFree its port's.
func (m *Machine) switchTo(c int) {
	if m.loaded == c {
		return
	}
	// The machine's arrays belong to the controller that ran last (or are
	// the spare set after Reset); a swap leaves the spare in the slot of
	// the controller being loaded.
	if l := m.loaded; l >= 0 {
		s := &m.ctls[l]
		s.pc, s.regs, s.vl, s.pext, s.tm = m.pc, m.regs, m.vl, m.pext, m.tm
		s.vregs, m.vregs = m.vregs, s.vregs
		s.patch, m.patch = m.patch, s.patch
		m.ports[m.port] = m.tm.bufFree
	}
	s := &m.ctls[c]
	m.pc, m.regs, m.vl, m.pext, m.tm = s.pc, s.regs, s.vl, s.pext, s.tm
	s.vregs, m.vregs = m.vregs, s.vregs
	s.patch, m.patch = m.patch, s.patch
	m.cur, m.port, m.loaded = c, m.portOf(c), c
	m.tm.bufFree = m.ports[m.port]
	for i := range m.planes {
		m.planes[i].valid = false
	}
}

// runStreams executes every stream of the program in timing order (see
// above) and returns nil when all have halted.
func (m *Machine) runStreams(st *RunStats) error {
	for {
		cur, lim := -1, int64(math.MaxInt64)
		live := 0
		for i := range m.ctls {
			c := &m.ctls[i]
			if c.halted {
				continue
			}
			live++
			if c.parked && !m.tokens.pendingAny(int(c.tok)) {
				continue
			}
			is := c.tm.issue
			if i == m.loaded {
				is = m.tm.issue
			}
			switch {
			case cur < 0:
				cur = i
			case is < m.issueOf(cur):
				lim = m.issueOf(cur)
				cur = i
			default:
				lim = min(lim, is)
			}
		}
		if live == 0 {
			return nil
		}
		if cur < 0 {
			return m.deadlock(st)
		}
		m.switchTo(cur)
		m.ctls[cur].parked = false
		m.lim = lim
		m.slice0 = m.steps
		err := m.exec(st)
		m.ctls[cur].issued += m.steps - m.slice0
		switch err {
		case nil:
			m.ctls[cur].halted = true
		case errYield:
		case errParked:
			m.ctls[cur].parked = true
			m.ctls[cur].tok = m.parkTok
		default:
			return err
		}
	}
}

// issueOf is controller i's issue time.
func (m *Machine) issueOf(i int) int64 {
	if i == m.loaded {
		return m.tm.issue
	}
	return m.ctls[i].tm.issue
}

// deadlock is the fault of a run whose live streams all wait for tokens
// that no stream will signal.
func (m *Machine) deadlock(st *RunStats) error {
	var waits []string
	for i := range m.ctls {
		c := &m.ctls[i]
		pc := c.pc
		if i == m.loaded {
			pc = m.pc
		}
		if !c.halted {
			waits = append(waits, fmt.Sprintf("stream %d at pc %d waits for token %d", i, pc, c.tok))
		}
	}
	st.Steps = m.steps
	f := m.fault(m.pc, m.steps, "deadlock: every live stream waits for a token no stream will signal: %s", strings.Join(waits, "; "))
	return f
}

// bankLocal reports whether bank b is local to controller c (see above).
func (m *Machine) bankLocal(c, b int64) bool {
	a := &m.exe.Arch
	nc, nb := int64(a.NumControllers()), int64(max(a.Banks, 1))
	return b*nc/nb == c || c*nb/nc == b
}

// link returns the earliest dispatch of instruction pc after its link hop,
// given its earliest dispatch d without one (d itself when everything it
// reaches is local to the running controller), and counts its link energy.
// A bank's link carries one transfer at a time: a hop waits until the link
// is free and holds it for the link latency, so streams reaching one bank
// contend for its link (the same work the accounting charges to it).
func (m *Machine) link(pc int, st *RunStats, d int64) int64 {
	e := m.exe
	in := &e.code[pc]
	x := &in.arg
	a := &e.Arch
	per := int64(a.SubarraysPerBank())
	c := int64(m.cur)
	var bank int64 // the remote bank reached
	remoteSA := func(s int64) bool {
		if s >= 0 && s < int64(a.Subarrays) && !m.bankLocal(c, s/per) {
			bank = s / per
			return true
		}
		return false
	}
	var words int64
	switch in.op {
	case isa.OpGwrp, isa.OpGbmac, isa.OpGdot:
		if remoteSA(int64(m.regs[x[0]])) {
			words = 1
			if in.op == isa.OpGwrp {
				words = int64(a.Cols+31) / 32
			}
		}
	case isa.OpGvacc:
		if remoteSA(int64(m.regs[x[3]])) {
			words = int64(x[4])
		}
	case isa.OpLd, isa.OpSt, isa.OpBcopy, isa.OpBfill, isa.OpPld, isa.OpVld, isa.OpVst:
		ports := int64(len(m.ports))
		if bank = int64(m.port) * int64(max(a.Banks, 1)) / ports; !m.bankLocal(c, bank) {
			switch in.op {
			case isa.OpLd, isa.OpSt:
				words = 1
			case isa.OpBcopy:
				words = 2 * max(int64(m.regs[x[2]]), 0)
			case isa.OpBfill:
				words = max(int64(m.regs[x[1]]), 0)
			case isa.OpPld:
				words = int64(x[4])
			default:
				words = int64(m.vl)
			}
		}
	case isa.OpDload, isa.OpDstore: // the buffer side of a DRAM transfer
		ports := int64(len(m.ports))
		if bank = int64(m.port) * int64(max(a.Banks, 1)) / ports; !m.bankLocal(c, bank) {
			words = max(int64(m.regs[x[2]]), 0)
		}
	default:
		ops, n, _ := e.cost.saOperands(in)
		for _, o := range ops[:n] {
			if remoteSA(int64(m.regs[o[0]]) + int64(o[1])) {
				words = 1
				if in.op == isa.OpWrp {
					words = int64(a.Cols+31) / 32
				}
			}
		}
	}
	if words == 0 {
		return d
	}
	st.Dyn[e.src[pc]+1][target.OpLink] += words
	lat := e.cost.lat[target.OpLink]
	m.chargeShared(pc, e.shared.id(ResLink, int(bank)), lat)
	return m.links[bank].reserve(d, lat)
}

// bankLink is one bank's link: it carries one transfer at a time, so its
// reservations are disjoint and in time order. It keeps the time it is
// free, its busy time so far and the start of its last covered stretch, so
// the steady-state window can take its busy time up to an instant as the
// sub-arrays' (busyUpTo).
type bankLink struct{ free, busy, stretch int64 }

// reserve holds the link for lat from the earliest time >= d it is free and
// returns the end of the hold.
func (l *bankLink) reserve(d, lat int64) int64 {
	start := max(d, l.free)
	if start > l.free || l.busy == 0 {
		l.stretch = start // after a gap: a new covered stretch
	}
	l.free = start + lat
	l.busy += lat
	return l.free
}

// busyUpTo is the link's busy time before t: exact when t falls in its last
// covered stretch or the gap before it.
func (l *bankLink) busyUpTo(t int64) int64 {
	return l.busy - max(l.free-max(t, l.stretch), 0)
}

// bmacOne executes the bmac at pc on the general path (several streams:
// exec's bmac fast paths assume one controller).
func (m *Machine) bmacOne(pc int, steps int64, x *[8]int32, d int64) (int64, int64, *Fault) {
	if _, f := m.getSA(pc, steps, x[0], x[1]); f != nil {
		return 0, 0, f
	}
	d = max(d, m.tm.regReady[x[0]], m.tm.regReady[x[3]])
	return m.bmacs(pc, steps, int(m.regs[x[0]]+x[1]), 1, x, d, x[0] != 0)
}

// gbmacRunStreams is how many gbmacs of the run at pc (at most n) the fast
// path (gbmacrun.go) may execute for the running controller, issued at
// issue with its turn ending at lim; 0 sends them to the general path.
// The run must reach a local bank (the fast path pays no link) and be code
// of this stream alone (it charges no run-time issue slot), and it is cut
// where its issue time could pass lim: every instruction takes at least a
// cycle, so only a stall inside the run carries it past lim, and a race-free
// program's other streams touch none of the run's sub-arrays meanwhile;
// and its members' intervals must arrive in order (see below).
func (m *Machine) gbmacRunStreams(pc, n int, issue, lim int64) int {
	e := m.exe
	if lim < issue {
		return 0
	}
	n = int(min(int64(n), (lim-issue)/e.cost.cycle+1))
	base := int64(m.regs[e.code[pc].arg[0]])
	if base < 0 || base >= int64(e.Arch.Subarrays) || !m.bankLocal(int64(m.cur), base/int64(e.Arch.SubarraysPerBank())) {
		return 0
	}
	for i := pc; i < pc+n; i++ {
		if e.ctlOf[i] == sharedCode {
			return 0
		}
	}
	// A member whose last covered stretch starts after issue (another
	// stream's later work on it) would take the run's intervals out of
	// order: the general path accounts for them (occupy).
	g := int64(e.code[pc].arg[1])
	if base+g > int64(e.Arch.Subarrays) {
		return 0
	}
	for s := base; s < base+g; s++ {
		if sa := m.sas[s]; sa != nil && sa.runStart > issue {
			return 0
		}
	}
	return n
}
