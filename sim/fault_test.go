package sim

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// asm assembles a test program for the default target.
func asm(t testing.TB, src string) *isa.Program {
	t.Helper()
	p, err := isa.ParseAsm("test.pasm", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tgt := target.Default()
	p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
	return p
}

// runFault runs src and returns its fault, failing if it does not fault.
func runFault(t *testing.T, src string, maxSteps int64) *Fault {
	t.Helper()
	m, err := Load(asm(t, src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	m.MaxSteps = maxSteps
	_, err = m.Run()
	f, ok := AsFault(err)
	if !ok {
		t.Fatalf("want a *Fault, got %v", err)
	}
	return f
}

func wantFault(t *testing.T, f *Fault, pc int, instr string, parts ...string) {
	t.Helper()
	msg := f.Error()
	if f.PC != pc || f.Instr != instr {
		t.Errorf("fault at pc %d (%q), want pc %d (%q): %s", f.PC, f.Instr, pc, instr, msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("fault %q does not mention %q", msg, p)
		}
	}
}

const faultHeader = `.source 0 layer="conv3" node="Conv_7" value="c3"
`

func TestFaultUndefinedRow(t *testing.T) {
	// Row 5 is written by a wrp with a register row (so Validate cannot
	// prove it undefined), but r1 = 6 at run time: row 5 was never written.
	f := runFault(t, faultHeader+`
    li r1, 6                           # @0
    wrp [r0+0], [r1+0], p0, 0          # @0
    and [r0+0], 6, [r0+5]              # @0
    halt
`, 0)
	wantFault(t, f, 2, "and [r0+0], 6, [r0+5]", "conv3/Conv_7 -> c3", "row 5", "undefined")
}

func TestFaultUndefinedRowAfterReset(t *testing.T) {
	// Rows written by wrp do not survive Reset (each inference starts from
	// the post-load state), so a program relying on a previous image faults.
	p := asm(t, `
    li r2, 0
    beq r2, r3, skip
    wrp [r0+0], [r1+0], p0, 0
skip:
    rdrow [r0+0], [r0+0]
    halt
`)
	m, err := Load(p, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err == nil {
		t.Fatal("row 0 read without a write: want a fault")
	} else if f, ok := AsFault(err); !ok || f.PC != 3 {
		t.Fatalf("want a fault at pc 3, got %v", err)
	}
	m.Reset()
	if _, err := m.Run(); err == nil {
		t.Fatal("after Reset: want the same fault")
	}
}

func TestFaultAddressOutOfRange(t *testing.T) {
	cases := []struct {
		name, src string
		pc        int
		instr     string
		part      string
	}{
		{"ld", "li r1, 1048575\n ld r2, [r1+1]\n halt", 1, "ld r2, [r1+1]", "outside 1048576 words"},
		{"negative", "li r1, -3\n st r1, [r1+0]\n halt", 1, "st r1, [r1+0]", "[-3, -2)"},
		{"sub-array", "li r1, 1024\n popc [r1+0]\n halt", 1, "popc [r1+0]", "sub-array 1024 out of range"},
		{"row", "li r1, 300\n wrp [r0+0], [r1+0], p0, 0\n halt", 1, "wrp [r0+0], [r1+0], p0, 0", "row 300 out of range"},
		{"lane", "li r1, 64\n vacc v0, [r1+0], [r0+0], a0, 0\n halt", 1, "vacc v0, [r1+0], [r0+0], a0, 0", "lane 64"},
		{"setvl", "li r1, 65\n setvl [r1+0]\n halt", 1, "setvl [r1+0]", "vector length 65"},
		{"bcopy length", "li r1, -1\n bcopy r0, r0, r1\n halt", 1, "bcopy r0, r0, r1", "negative length"},
		{"vld stride", "li r1, 1048570\n vld v0, [r1+0], 1\n halt", 1, "vld v0, [r1+0], 1", "outside the activation buffer"},
		{"mats", "li r1, 4\n accadd [r0+0], a0, [r1+0], a0\n halt", 1, "accadd [r0+0], a0, [r1+0], a0", "different mats"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := runFault(t, c.src, 0)
			wantFault(t, f, c.pc, c.instr, c.part)
		})
	}
}

func TestFaultNoHalt(t *testing.T) {
	// Validate wants a halt somewhere; this one is skipped by a jump.
	f := runFault(t, `
    li r1, 1
    bne r1, r0, end
    halt
end:
    nop
`, 0)
	if f.PC != 4 || f.Instr != "" || !strings.Contains(f.Msg, "ran off the end") {
		t.Fatalf("got %v", f)
	}
}

func TestFaultStepLimit(t *testing.T) {
	src := `
loop:
    addi r1, r1, 1     # @0
    jmp loop           # @0
    halt
`
	f := runFault(t, faultHeader+src, 1000)
	if f.Step != 1000 || !strings.Contains(f.Msg, "budget of 1000") {
		t.Fatalf("got %v", f)
	}
	// The default budget is generous but finite.
	m, err := Load(asm(t, faultHeader+src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if m.MaxSteps != 0 || DefaultMaxSteps < 1e9 {
		t.Fatalf("default budget %d", DefaultMaxSteps)
	}
}

func TestLoadRejectsInvalid(t *testing.T) {
	p := asm(t, "bmac [r0+0], 0, [r0+4], a0, 0, pos\n halt")
	_, err := Load(p, target.Default())
	if err == nil || !strings.Contains(err.Error(), "never programmed") {
		t.Fatalf("want the Validate error, got %v", err)
	}
	p.TargetFingerprint[0] ^= 1
	if _, err := Load(p, target.Default()); err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Fatalf("want a fingerprint error, got %v", err)
	}
}

// TestNotSimulated: an issue width that does not divide the clock period
// into whole picoseconds is refused by Prepare (not run wrongly); a single
// stream runs from its entry.
func TestNotSimulated(t *testing.T) {
	tgt, err := target.Parse("w3.yaml", []byte("name: w3\nbase: sot-mram-45nm\nparallel:\n  issue_width: {value: 3, provenance: test}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := asm(t, "    nop\n    halt\n    halt\n")
	if _, err := Prepare(p, tgt); err == nil || !strings.Contains(err.Error(), "parallel.issue_width 3") {
		t.Errorf("issue width 3: %v", err)
	}
	p.Streams = []uint32{1}
	exe, err := Prepare(p, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	st, err := exe.NewMachine().Run()
	if err != nil || st.Steps != 1 {
		t.Errorf("one stream at pc 1: %d steps (%v), want 1 (the halt)", st.Steps, err)
	}
}
