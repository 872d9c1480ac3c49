package sim

import (
	"slices"
	"testing"
)

// TestControllersOfCode: each instruction belongs to the stream whose entry
// reaches it; code two streams reach is shared (charged at run time), code
// none reaches is unreached.
func TestControllersOfCode(t *testing.T) {
	p := asm(t, `.stream 0 entry=a
.stream 1 entry=b
a:
    li r1, 3
    jmp tail
    halt
b:
    li r1, 4
    bne r1, r0, tail
    halt
tail:
    halt
`)
	e := &Executable{Prog: p, code: make([]inst, len(p.Code))}
	for pc, in := range p.Code {
		e.code[pc] = predecode(in)
	}
	e.prepareControllers()
	want := []int32{0, 0, unreached, 1, 1, 1, sharedCode}
	if !slices.Equal(e.ctlOf, want) || !e.sharedCode {
		t.Errorf("controllers %v (shared %v), want %v", e.ctlOf, e.sharedCode, want)
	}
}
