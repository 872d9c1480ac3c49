package sim

import "github.com/pimc-dev/pimc/isa"

// The controller of each instruction, for the issue-slot accounting
// (resources.go): stream i runs on controller i, and an instruction belongs
// to the stream whose entry reaches it through fall-through, jumps and
// branches (halt ends a path). An instruction that several streams reach
// (shared code) has no static controller (-1): its issue slots are charged
// at run time to the controller that executes it (chargeIssue); the others
// are charged at report time from the profile, which costs the hot loop
// nothing. An instruction no stream reaches never runs.

// prepareControllers fills e.ctlOf and e.waits.
func (e *Executable) prepareControllers() {
	defer e.prepareWaits()
	n := len(e.code)
	e.ctlOf = make([]int32, n)
	for pc := range e.ctlOf {
		e.ctlOf[pc] = unreached
	}
	var stack []int
	for c, entry := range e.Prog.StreamEntries() {
		stack = append(stack[:0], int(entry))
		for len(stack) > 0 {
			pc := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if pc < 0 || pc >= n {
				continue
			}
			switch e.ctlOf[pc] {
			case int32(c), sharedCode:
				continue
			case unreached:
				e.ctlOf[pc] = int32(c)
			default:
				e.ctlOf[pc] = sharedCode
				e.sharedCode = true
			}
			in := &e.code[pc]
			switch in.op {
			case isa.OpHalt:
			case isa.OpJmp:
				stack = append(stack, int(in.arg[0]))
			case isa.OpBeq, isa.OpBne, isa.OpBlt, isa.OpBge:
				stack = append(stack, pc+1, int(in.arg[2]))
			case isa.OpDbnz:
				stack = append(stack, pc+1, int(in.arg[1]))
			default:
				stack = append(stack, pc+1)
			}
		}
	}
}

// prepareWaits fills e.waits: the streams that contain a twait (of their
// own code; a twait in shared code counts for none), which the
// steady-state window waits for (window.go).
func (e *Executable) prepareWaits() {
	e.waits = make([]bool, len(e.Prog.StreamEntries()))
	for pc, c := range e.ctlOf {
		if c >= 0 && int(c) < len(e.waits) && e.code[pc].op == isa.OpTwait {
			e.waits[c] = true
		}
	}
}

// ctlOf values besides a controller index.
const (
	unreached  int32 = -2 // no stream reaches the instruction
	sharedCode int32 = -1 // several streams do: charged at run time
)

// chargeIssue charges the issue slot of shared-code instruction pc (see
// prepareControllers) to controller c; a stream scheduler calls it for
// every instruction with e.ctlOf[pc] == sharedCode it executes.
func (m *Machine) chargeIssue(pc, c int) {
	m.chargeShared(pc, m.exe.shared.id(ResIssue, c), m.exe.cost.cycle/issueWidth(m.exe.Target))
}
