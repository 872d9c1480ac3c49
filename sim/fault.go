package sim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/isa"
)

// Fault is a run-time error of the simulated program: an undefined row read,
// an address, sub-array, row, lane or length out of range, running off the end
// of the code, or exceeding the instruction budget. It names the instruction
// and the layer / ONNX node it implements.
type Fault struct {
	PC     int    // instruction index; len(code) when the program ran off the end
	Instr  string // assembly of the instruction ("" off the end)
	Source string // "layer/node -> value" from the source map, "" if unattributed
	Step   int64  // instructions executed before the fault
	Msg    string
}

func (f *Fault) Error() string {
	s := fmt.Sprintf("sim: fault at pc %d", f.PC)
	if f.Instr != "" {
		s += " (" + f.Instr + ")"
	}
	if f.Source != "" {
		s += " in " + f.Source
	}
	return s + fmt.Sprintf(" after %d instructions: %s", f.Step, f.Msg)
}

// AsFault unwraps a *Fault from err.
func AsFault(err error) (*Fault, bool) {
	var f *Fault
	ok := errors.As(err, &f)
	return f, ok
}

// sourceName formats source i of p for messages and reports.
func sourceName(p *isa.Program, i int32) string {
	if i < 0 || int(i) >= len(p.Sources) {
		return ""
	}
	s := p.Sources[i]
	name := s.Layer
	if s.Node != "" && s.Node != s.Layer {
		name += "/" + s.Node
	}
	if s.Value != "" {
		name += " -> " + s.Value
	}
	return name
}

// fault builds the Fault of instruction pc. It is kept out of line so the hot
// loop stays small.
//
//go:noinline
func (m *Machine) fault(pc int, steps int64, format string, args ...any) *Fault {
	f := &Fault{PC: pc, Step: steps, Msg: fmt.Sprintf(format, args...)}
	p := m.exe.Prog
	if pc >= 0 && pc < len(p.Code) {
		f.Instr = strings.TrimSpace(isa.FormatInstr(p.Code[pc]))
		f.Source = sourceName(p, p.Code[pc].Src)
	}
	return f
}
