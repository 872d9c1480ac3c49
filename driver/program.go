package driver

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// A program describes the target it was compiled for (docs/ISA.md §6,
// section targetdesc), so the commands that run or check a program (sim,
// eval, disasm -check, asm) use that description unless -target is given.
// A -target with another architecture is refused with one line; one with
// the same architecture but other costs re-costs the program, with a note.

// LoadProgram reads a .pimb binary or .pasm assembly and picks the
// hardware description it runs on (ProgramTarget; tflag is -target).
func LoadProgram(path, tflag string, recost func(flagT, own *target.Target)) (*isa.Program, *target.Target, error) {
	p, where, err := ReadProgram(path)
	if err != nil {
		return nil, nil, err
	}
	t, err := ProgramTarget(path, where, p, tflag, recost)
	if err != nil {
		return nil, nil, err
	}
	return p, t, nil
}

// ReadProgram reads a .pimb binary or .pasm assembly; where names its
// target description in errors.
func ReadProgram(path string) (p *isa.Program, where string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pimb":
		p, err := isa.DecodeBinary(data)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		return p, path + ": section targetdesc", nil
	case ".pasm":
		p, err := isa.ParseAsm(path, data)
		if err != nil {
			return nil, "", err
		}
		return p, path + ": .targetdesc lines", nil
	}
	return nil, "", fmt.Errorf("%s: unknown program extension (want .pimb or .pasm)", path)
}

// ProgramTarget returns the description p runs on: the one it embeds, or
// -target (tflag) when given and architecturally the same (a note says
// when its costs differ), or, for a program that embeds none (older files,
// hand-written assembly), -target or the default preset when its
// fingerprint matches. An unbound program (assembly without a
// fingerprint) is bound to that description, as pimc asm -target does.
// recost, if not nil, is called when -target has the architecture of
// the program's own description but other costs. Every refusal is one line
// naming the program, both targets and the fix.
func ProgramTarget(path, where string, p *isa.Program, tflag string, recost func(flagT, own *target.Target)) (*target.Target, error) {
	own, err := target.Embedded(p, where)
	if err != nil {
		return nil, err
	}
	var flagT *target.Target
	if tflag != "" {
		if flagT, err = target.LoadOrPreset(tflag); err != nil {
			return nil, err
		}
	}
	if own != nil {
		switch {
		case flagT == nil:
			return own, nil
		case flagT.Fingerprint() != own.Fingerprint():
			return nil, fmt.Errorf("%s was compiled for target %q (fingerprint %s...); -target %s is %q (fingerprint %s...): recompile for it, or drop -target",
				path, own.Name, shortFP(own.Fingerprint()), tflag, flagT.Name, shortFP(flagT.Fingerprint()))
		case flagT.CostFingerprint() != own.CostFingerprint() && recost != nil:
			recost(flagT, own)
		}
		return flagT, nil
	}
	t := flagT
	if t == nil {
		t = target.Default()
	}
	if p.TargetFingerprint == ([32]byte{}) {
		if p.TargetName != "" && p.TargetName != t.Name {
			return nil, fmt.Errorf("%s: program names target %q, but %s is %q", path, p.TargetName, flagName(tflag), t.Name)
		}
		p.TargetName, p.TargetFingerprint = t.Name, t.Fingerprint()
		return t, nil
	}
	if fp := t.Fingerprint(); fp != p.TargetFingerprint {
		if flagT != nil {
			return nil, fmt.Errorf("%s was compiled for target %q (fingerprint %s...); -target %s is %q (fingerprint %s...): give -target the description it was compiled for, or recompile",
				path, p.TargetName, shortFP(p.TargetFingerprint), tflag, t.Name, shortFP(fp))
		}
		return nil, fmt.Errorf("%s was compiled for target %q (fingerprint %s...) and does not embed its description (written before format v1.4); the default target %q has fingerprint %s...: give -target the description it was compiled for (the default of pimc before the parallel engine is -target %s, before the plane sequencer -target %s), or recompile",
			path, p.TargetName, shortFP(p.TargetFingerprint), t.Name, shortFP(fp), target.SerialPreset, target.GbmacPreset)
	}
	return t, nil
}

// RecostNote says that -target re-costs a program (same architecture as
// its own description, other costs).
func RecostNote(path, tflag string, flagT, own *target.Target) string {
	return fmt.Sprintf("-target %s (%q) has the architecture of %s's own target %q but other costs (cost fingerprint %s... instead of %s...)",
		tflag, flagT.Name, path, own.Name, shortFP(flagT.CostFingerprint()), shortFP(own.CostFingerprint()))
}

// flagName names the description a -target value selects in messages.
func flagName(tflag string) string {
	if tflag == "" {
		return "the default target"
	}
	return "-target " + tflag
}

// shortFP is the first 12 hex digits of a fingerprint, as isa.Validate
// prints them.
func shortFP(fp [32]byte) string { return hex.EncodeToString(fp[:6]) }

// ProgramDescription is the hardware description the program in path
// embeds (pimc target show PROG); errors start with "target: ".
func ProgramDescription(path string) (*target.Target, error) {
	p, where, err := ReadProgram(path)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	t, err := target.Embedded(p, where)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if t == nil {
		return nil, fmt.Errorf("target: %s does not embed its hardware description (written before format v1.4); it was compiled for target %q (fingerprint %s...)",
			path, p.TargetName, shortFP(p.TargetFingerprint))
	}
	return t, nil
}
